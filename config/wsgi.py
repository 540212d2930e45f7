"""The WSGI application: gunicorn serves it (config/gunicorn.py), in `make run` and deployed."""

import os

from django.core.wsgi import get_wsgi_application

from config.startup import load_and_freeze, prepare

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
prepare()
application = get_wsgi_application()
load_and_freeze()
