"""Webhook intake: the receive path, from a signed POST to a stored delivery row and its answer.

- views.py: the checks every server runs (address, the platform's own verification over the raw
  body, delivery id) and the intake view the site's routes name.
- store.py: one verified delivery, one row, committed before any 2xx (group commit.py writes the
  rows that arrive together in one statement).
- connections.py: the connection a webhook address names, remembered for a few seconds.
- wsgi.py: the intake handler for the threaded server (no middleware, no resolver).
- asgi.py: the intake on an event loop, for the production server (connector.asgi).
Planning a stored delivery into jobs is the workers' business (syncjobs.inbox_queue).
"""
