# The whole set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8080
export VIGIL_DATABASE_URL ?= sqlite:///./var/vigil.db

.PHONY: run test lint unit bench clean

$(BIN)/vigil: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(BIN)/vigil
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

run: $(BIN)/vigil
	$(BIN)/vigil db upgrade
	$(BIN)/vigil serve --host $(HOST) --port $(PORT) --bootstrap

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy vigil tests bench

# pytest against SQLite, then against a throw-away PostgreSQL cluster on 127.0.0.1; the status
# page's browser tests drive Debian's chromium (installed when missing).
test: lint
	export VIGIL_CHROMIUM=$$(scripts/ensure-chromium) && \
	VIGIL_TEST_DATABASE_URL=sqlite $(BIN)/pytest -q -p no:cacheprovider
	export VIGIL_CHROMIUM=$$(scripts/ensure-chromium) && \
	scripts/with-postgres $(BIN)/pytest -q -p no:cacheprovider

bench: $(VENV)/.test-deps
	scripts/with-postgres $(BIN)/python -m bench

clean:
	rm -rf $(VENV) var *.egg-info
