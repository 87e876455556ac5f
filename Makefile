# The two commands a newcomer needs: `make demo` and `make test`. `make bench` measures.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint install clean

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

test: $(STAMP)
	$(VENV)/bin/ruff check .
	CONNECTOR_TESTING=true $(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	CONNECTOR_TESTING=true $(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var .pytest_cache
