# The two commands a newcomer needs: `make demo` and `make test`. `make bench` measures.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Test processes: one per core (pytest-xdist); `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= auto

.PHONY: demo test test-slow bench lint install clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	DEBUG=true CONNECTOR_EMULATORS=true $(PY) manage.py migrate --noinput
	DEBUG=true CONNECTOR_EMULATORS=true $(PY) manage.py createcachetable
	DEBUG=true CONNECTOR_EMULATORS=true $(PY) manage.py seed_demo
	DEBUG=true CONNECTOR_EMULATORS=true $(PY) manage.py run_demo

# Everything that guards behaviour, except the real process stacks and long profiles (test-slow).
test: lint
	@start=$$(date +%s); \
	CONNECTOR_TESTING=true $(PY) -m pytest -m "not slow" -n $(PYTEST_WORKERS) $(PYTEST_ARGS); status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s"; exit $$status

# Real gunicorn / qcluster stacks (kills, faults, fairness), benchmarks-as-tests, deep profiles.
test-slow: $(STAMP)
	@start=$$(date +%s); \
	CONNECTOR_TESTING=true $(PY) -m pytest -m slow $(PYTEST_ARGS); status=$$?; \
	echo "make test-slow: $$(( $$(date +%s) - start )) s"; exit $$status

bench: $(STAMP)
	CONNECTOR_TESTING=true $(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache
