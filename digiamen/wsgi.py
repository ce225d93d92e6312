import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digiamen.settings")

application = get_wsgi_application()

# gunicorn does not run Django's system checks; production must refuse to start unsafe.
from digiamen.core.checks import refuse_unsafe_start  # noqa: E402

refuse_unsafe_start()
