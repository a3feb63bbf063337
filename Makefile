# stepgen: `make generate` regenerates generated/ from schema/; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
GENERATED_PY := $(patsubst %/py.typed,%,$(wildcard generated/python/*/py.typed))

.PHONY: install generate check lint typecheck test golden clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c constraints.txt -e '.[dev]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
		$(addprefix -e ,$(wildcard generated/python))
	touch $(STAMP)

generate: $(STAMP)
	$(BIN)/stepgen generate

check: $(STAMP)
	$(BIN)/stepgen check

lint: $(STAMP)
	$(BIN)/ruff check generator runtime tests
	$(BIN)/black --check --quiet generator runtime tests generated/python

typecheck: $(STAMP)
	$(BIN)/mypy generator runtime
	MYPYPATH=runtime:generated/python $(BIN)/mypy --strict $(GENERATED_PY)

test: $(STAMP) check lint typecheck
	$(BIN)/python -m pytest

golden: $(STAMP)
	$(BIN)/python -m tests.golden

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
