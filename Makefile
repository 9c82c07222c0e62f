# `make serve` and `make test` bootstrap .venv from nothing, then run.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test check check-deep lint bench bench-peers clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/mailmocks serve

# The structure first (style, types, layer rules), then the whole suite.
lint: $(STAMP)
	$(BIN)/ruff check mailmocks tests bench
	$(BIN)/mypy mailmocks tests
	$(BIN)/lint-imports --no-cache

# Both cores: the suite takes half the time it takes serially (plain `pytest` runs serially).
test: lint
	$(BIN)/python -m pytest -n auto

# The reliability suite at full size (every bad input, 64 concurrent clients), the contract
# tests at ten times their examples, then every fake served over HTTP and checked by
# `mailmocks check` with every phase at 300 examples an operation. Tens of minutes.
check-deep: $(STAMP)
	MAILMOCKS_DEEP=1 $(BIN)/python -m pytest tests/reliability tests/core/test_webhooks.py
	MAILMOCKS_CONTRACT_EXAMPLES=250 $(BIN)/python -m pytest -n auto tests/contract
	$(BIN)/mailmocks check --serve --max-examples 300

bench: $(STAMP)
	$(BIN)/python -m bench

# Prism, WireMock and Mockoon (fetched from npm into ~/.cache/mailmocks/peers) beside
# mailmocks and bare Starlette, interleaved; the table goes to bench/RESULTS.md.
bench-peers: $(STAMP)
	$(BIN)/python -m bench.peers $(ARGS)

clean:
	rm -rf $(VENV) build dist
