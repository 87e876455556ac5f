"""WSGI entry point: the site, with webhook addresses served by the lean intake handler."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector.settings")
site = get_wsgi_application()

from intake.wsgi import with_intake  # noqa: E402 - needs the settings configured above

application = with_intake(site)
