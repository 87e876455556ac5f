"""ASGI entry point, the one production serves (gunicorn with uvicorn's worker, see README).

Webhook deliveries are answered on the event loop (intake.asgi); every other request,
pages and the deliveries the loop leaves alone, goes to the WSGI application (connector.wsgi) in
a pool of WEB_THREADS threads per process, as under gunicorn's threaded worker: the site's views,
middleware and database connections work exactly as they do there.
"""

import os

from a2wsgi import WSGIMiddleware

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "connector.settings")

from django.conf import settings  # noqa: E402

from connector.wsgi import application as wsgi_application  # noqa: E402 - sets Django up
from intake.asgi import AsyncIntake  # noqa: E402 - needs the settings configured above

application = AsyncIntake(WSGIMiddleware(wsgi_application, workers=settings.WEB_THREADS))
