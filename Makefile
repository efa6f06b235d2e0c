# Rapport — the two commands of the Quickstart are `make run` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
HOST   ?= 127.0.0.1
PORT   ?= 8000
BIN     = $(abspath $(VENV))/bin
STAMP   = $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install messages run test test-postgres test-browser lint format check bench ci clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

# Compiled catalogues (.mo) are committed too, so a machine without gettext still runs;
# where msgfmt exists they are rebuilt from the .po sources.
messages: install
	@if ! find rapport -name '*.po' | grep -q .; then echo "no .po catalogues yet: nothing to compile"; \
	elif command -v msgfmt >/dev/null 2>&1; then \
		cd rapport && $(BIN)/rapport compilemessages -v0 --ignore=.venv; \
	else echo "msgfmt not found: using the committed .mo files"; fi

run: install messages
	$(BIN)/rapport migrate --noinput -v0
	$(BIN)/rapport collectstatic --noinput -v0
	$(BIN)/rapport demo --if-empty > /dev/null
	HOST=$(HOST) PORT=$(PORT) BIN=$(BIN) scripts/run.sh

test: install messages
	$(BIN)/pytest -p no:cacheprovider -n 2 --dist loadfile

test-postgres: install messages
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/15} \
	$(BIN)/pytest -p no:cacheprovider -n 2 --dist loadfile

test-browser: install messages
	RAPPORT_REQUIRE_BROWSER=1 $(BIN)/pytest -p no:cacheprovider -m browser tests/browser

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	RAPPORT_VAR_DIR=$$(mktemp -d) $(BIN)/rapport makemigrations --check --dry-run
	BIN=$(BIN) scripts/check-deploy.sh
	RAPPORT_VAR_DIR=$$(mktemp -d) $(BIN)/rapport spectacular --validate --fail-on-warn --file /dev/null

bench: install
	$(BIN)/rapport bench --size $${SIZE:-S}

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
