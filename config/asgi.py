import os

from django.core.asgi import get_asgi_application

from config.startup import load_and_freeze, prepare

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
prepare()
application = get_asgi_application()
load_and_freeze()
