import os

from django.core.asgi import get_asgi_application

from config.startup import prepare

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
prepare()
application = get_asgi_application()
