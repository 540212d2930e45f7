"""Every command README.md shows works as printed, so the README cannot drift.

The situation the README promises: a second terminal while `make run` serves,
nothing set. Here that is the test database with the demo loaded as `make run`
loads it, the server `make run` starts, and a fresh working folder whose `var/`
holds the demo logins; the blocks run in bash exactly as printed, except that
the server's address replaces 127.0.0.1:8000 and curl is told to fail on an
HTTP error. Blocks of the Quickstart (make targets) are checked for their
targets, the Deploying section by test_server.py's `check --deploy` and by the
server command the tests start.
"""

import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from tests.server_support import REPO, Server, committed_data, gunicorn, server_env

pytestmark = pytest.mark.django_db

README = (REPO / "README.md").read_text(encoding="utf-8")
SECTION = re.compile(r"^## (.+)$", re.MULTILINE)
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)
# Sections whose blocks are not run here, and why (see the module docstring).
NOT_RUN = {"Quickstart", "Deploying on a PostgreSQL server"}


def sh_blocks() -> list[tuple[str, str]]:
    """(section, block) for every sh block of the README, in order."""
    blocks = []
    starts = [(m.start(), m.group(1)) for m in SECTION.finditer(README)]
    for block in SH_BLOCK.finditer(README):
        section = [name for start, name in starts if start < block.start()][-1]
        blocks.append((section, block.group(1)))
    return blocks


RUN = [(section, block) for section, block in sh_blocks() if section not in NOT_RUN]


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder like the checkout: the virtualenv, manage.py, fixtures, and var/."""
    folder = tmp_path_factory.mktemp("checkout")
    for name in (".venv", "manage.py", "fixtures"):
        (folder / name).symlink_to(REPO / name)
    (folder / "var").mkdir()
    return folder


@pytest.fixture(scope="module")
def server(
    checkout: Path, django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[Server]:
    def load_demo() -> None:
        with override_settings(VAR_DIR=checkout / "var"):
            call_command("load_demo", verbosity=0, stdout=io.StringIO())

    with committed_data(django_db_blocker, load_demo), gunicorn() as running:
        yield running


def run_block(block: str, server: Server, checkout: Path) -> subprocess.CompletedProcess[str]:
    """The block in bash, as printed but for the server's address and curl's --fail."""
    block = block.replace("http://127.0.0.1:8000", server.url)
    block = re.sub(r"^curl ", "curl --fail --silent --show-error ", block, flags=re.MULTILINE)
    return subprocess.run(  # noqa: S603 (the README's own commands)
        ["bash", "-xeuo", "pipefail", "-c", block],  # noqa: S607 (bash from PATH)
        cwd=checkout,
        env=server_env(VAR_DIR=str(checkout / "var")),
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_readme_has_the_commands_this_test_runs() -> None:
    commands = "\n".join(block for _, block in RUN)
    for command in ("import_documents", "drf_create_token analyst", "suggest_report"):
        assert f".venv/bin/python manage.py {command}" in commands
    assert commands.count("\ncurl ") >= 3


@pytest.mark.parametrize(
    ("section", "block"), RUN, ids=[f"{s}-{i}" for i, (s, _) in enumerate(RUN)]
)
def test_the_block_runs_as_printed(
    section: str, block: str, server: Server, checkout: Path
) -> None:
    result = run_block(block, server, checkout)
    assert result.returncode == 0, f"{section}:\n{block}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr


def test_the_api_examples_return_what_they_promise(server: Server, checkout: Path) -> None:
    """The curl block's results, not only their success."""
    (block,) = [block for section, block in RUN if section == "Using the API" and "curl" in block]
    result = run_block(block, server, checkout)
    assert result.returncode == 0, result.stderr
    assert f'"claims":"{server.url}/api/v1/claims/"' in result.stdout
    assert '"quote":' in result.stdout  # the claims of 張玉卓 and the JSON Lines export
    csv = (checkout / "claims.csv").read_bytes()
    assert csv.startswith("\ufeffid,document_id".encode())


@pytest.mark.parametrize("target", sorted(set(re.findall(r"^make (\w[\w-]*)", README, re.M))))
def test_every_make_target_it_names_exists(target: str) -> None:
    result = subprocess.run(  # noqa: S603
        ["make", "-n", target],  # noqa: S607 (make from PATH, as the README says)
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_the_deployment_serves_with_the_command_the_tests_start() -> None:
    deploying = dict(sh_blocks())["Deploying on a PostgreSQL server"]
    assert ".venv/bin/gunicorn --config config/gunicorn.py" in deploying
    assert "ExecStart=/srv/claimtrack/.venv/bin/gunicorn --config config/gunicorn.py" in README
