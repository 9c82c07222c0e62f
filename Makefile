# `make serve` and `make test` bootstrap .venv from nothing, then run.
# `make serve` installs only what serving needs; `make test` (and lint, bench) add the test
# extras on top. `make serve PORT=9000 ARGS="--api convertkit --data-dir .mailmocks"`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVE_STAMP := $(VENV)/.installed-serve
TEST_STAMP := $(VENV)/.installed-test
PORT ?=
ARGS ?=

.PHONY: serve test check check-deep lint bench bench-peers clean

$(SERVE_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e .
	touch $(SERVE_STAMP)

$(TEST_STAMP): $(SERVE_STAMP)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(TEST_STAMP)

# PORT and ARGS are passed on; a port left unset comes from mailmocks.toml, else 8025.
serve: $(SERVE_STAMP)
	$(BIN)/mailmocks serve $(if $(PORT),--port $(PORT)) $(ARGS)

# The structure first (style, types, layer rules), then the whole suite.
lint: $(TEST_STAMP)
	$(BIN)/ruff check mailmocks tests bench
	$(BIN)/mypy mailmocks tests
	$(BIN)/lint-imports --no-cache

# Both cores: the suite takes half the time it takes serially (plain `pytest` runs serially).
test: lint
	$(BIN)/python -m pytest -n auto

# The reliability suite at full size (every bad input, 64 concurrent clients), the contract
# tests at four times their examples, then every fake served over HTTP and checked by
# `mailmocks check` with every phase at 100 examples an operation (ten times its default).
check-deep: $(TEST_STAMP)
	MAILMOCKS_DEEP=1 $(BIN)/python -m pytest tests/reliability tests/core/test_webhooks.py
	MAILMOCKS_CONTRACT_EXAMPLES=100 $(BIN)/python -m pytest -n auto tests/contract
	$(BIN)/mailmocks check --serve --max-examples 100

bench: $(TEST_STAMP)
	$(BIN)/python -m bench

# Prism, WireMock and Mockoon (fetched from npm into ~/.cache/mailmocks/peers) beside
# mailmocks and bare Starlette, interleaved; the table goes to bench/RESULTS.md.
bench-peers: $(TEST_STAMP)
	$(BIN)/python -m bench.peers $(ARGS)

clean:
	rm -rf $(VENV) build dist
