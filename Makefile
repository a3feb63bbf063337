# stepgen: `make generate` regenerates generated/ from schema/; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
TSC := node_modules/.bin/tsc
TS_BUILD := build/typescript
GENERATED_PY := $(patsubst %/py.typed,%,$(wildcard generated/python/*/py.typed))

.PHONY: install media-tools generate check lint typecheck test test-ts golden parity bench clean

install: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c constraints.txt -e '.[dev]'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
		$(addprefix -e ,$(wildcard generated/python))
	touch $(STAMP)

# Speech, encoding and fonts for the media stages (TTS, RENDER, MERGE), from Debian.
MEDIA_PACKAGES := espeak-ng ffmpeg fontconfig fonts-noto-cjk
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

media-tools:
	@command -v espeak-ng >/dev/null && command -v ffmpeg >/dev/null \
		&& command -v ffprobe >/dev/null && command -v fc-match >/dev/null \
		&& fc-list 'Noto Sans CJK SC' family | grep -q . \
		|| { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive \
			$(SUDO) apt-get install -y --no-install-recommends $(MEDIA_PACKAGES); }

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

generate: $(STAMP)
	$(BIN)/stepgen generate

check: $(STAMP)
	$(BIN)/stepgen check

lint: $(STAMP)
	$(BIN)/ruff check generator runtime tests
	$(BIN)/black --check --quiet generator runtime tests generated/python

typecheck: $(STAMP) $(NODE_STAMP)
	$(BIN)/mypy generator runtime
	MYPYPATH=runtime:generated/python $(BIN)/mypy --strict $(GENERATED_PY)
	$(TSC) -p generated/typescript/tsconfig.json --noEmit

test-ts: $(NODE_STAMP)
	rm -rf $(TS_BUILD)
	$(TSC) -p generated/typescript/tsconfig.json --outDir $(TS_BUILD)
	STEPGEN_TS_BUILD=$(CURDIR)/$(TS_BUILD) node --test tests/typescript/

test: media-tools $(STAMP) $(NODE_STAMP) check lint typecheck test-ts
	$(BIN)/python -m pytest

golden: $(STAMP)
	$(BIN)/python -m tests.golden

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --write docs/benchmarks.md

parity: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m tests.parity.report --write docs/parity.md

clean:
	rm -rf $(VENV) node_modules build .pytest_cache .mypy_cache .ruff_cache .hypothesis
