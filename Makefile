# kam: `make run` serves the demo, `make test` runs the whole suite. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export KAM_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test lint format bench vendor messages clean install install-dev lock

# Installs take the exact versions and hashes of requirements/*.lock (made from the ranges in
# pyproject.toml by `make lock`); kam itself is installed editable on top, without dependencies.
$(VENV)/.installed-run: pyproject.toml requirements/run.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/run.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-run requirements/dev.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.lock
	@touch $@

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/kam migrate --noinput -v0
	$(BIN)/kam collectstatic --noinput -v0
	$(BIN)/kam demo --if-empty
	$(BIN)/kam serve

# Both legs run in parallel (pytest-xdist, one process per core). Browser tests and the tests that
# make their own databases or processes (marked `once`) do not depend on the leg: SQLite leg only.
TEST_WORKERS ?= auto
test: install-dev
	@start=$$(date +%s); env -u KAM_TEST_DATABASE_URL $(BIN)/pytest -q -n $(TEST_WORKERS); \
		status=$$?; echo "== SQLite leg: $$(( $$(date +%s) - start )) s"; exit $$status
	@if [ -n "$$KAM_TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL leg: $$KAM_TEST_DATABASE_URL"; start=$$(date +%s); \
		$(BIN)/pytest -q -n $(TEST_WORKERS) -m "not browser and not once"; status=$$?; \
		echo "== PostgreSQL leg: $$(( $$(date +%s) - start )) s"; exit $$status; \
	else echo "== KAM_TEST_DATABASE_URL not set: PostgreSQL leg skipped"; fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy kam kam_analytics
	DJANGO_SETTINGS_MODULE=kam.settings.test $(BIN)/kam makemigrations --check --dry-run -v0

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The CLV benchmark's peer, lifetimes, lives in a venv of its own (it needs setuptools < 81).
.venv-bench/bin/python:
	$(PYTHON) -m venv .venv-bench
	.venv-bench/bin/python -m pip install --quiet 'setuptools<81' lifetimes numpy scipy pandas

bench: install-dev .venv-bench/bin/python
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python bench/run.py

# Each app keeps its own catalogue (kam/<app>/locale); German is filled in by hand in the .po.
messages: install-dev
	for app in kam/*/; do [ -d $$app/locale ] || continue; \
		(cd $$app && $(CURDIR)/$(BIN)/kam makemessages -l de -l en --no-obsolete --add-location file -v0 \
		&& $(CURDIR)/$(BIN)/kam compilemessages -v0); done

vendor:
	bash scripts/vendor-assets.sh

# After a change of the ranges in pyproject.toml: pin every package again, with hashes.
lock:
	bash scripts/lock.sh

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
