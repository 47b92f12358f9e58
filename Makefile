# Two entry points: `make demo` (the service with sample data on the embedded store) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint system-deps bench-deps bench bench-national bench-pyshacl clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

# Debian packages the tests drive as real components: Chromium (browser tests), Virtuoso (remote store) and a
# Java runtime (the HermiT OWL 2 DL reasoner that owlready2 ships, tests/profiles/test_owl_dl.py).
system-deps:
	@command -v chromium >/dev/null && command -v virtuoso-t >/dev/null && command -v java >/dev/null || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium virtuoso-opensource \
	    default-jre-headless >/dev/null; }

demo: $(STAMP)
	$(BIN)/inburgering demo

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# ruff and mypy (strict) at the versions pinned in the dev extra; CI runs it after the tests.
lint: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src bench

# wrk: the HTTP load generator of the benchmarks (without it they fall back to a heavier Python generator).
bench-deps:
	@command -v wrk >/dev/null || { \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null; }

bench: $(STAMP) bench-deps
	$(BIN)/python -m bench

# The whole country in one go (issue 15): 130,000 persons in 15 source parts into one store (unions and derived
# facts included), then validation, the analyst queries, HTTP and a one-municipality reload at that scale;
# writes bench/results/national-full.{json,md,png}. The GGM load is left out (the DUO bundle holds every person).
bench-national: $(STAMP) bench-deps
	$(BIN)/python -m bench --only national --scale 1 --cap 120 --skip-ggm --national-pairs 2 --skip-references --stem national-full

# Optional (about an hour): pySHACL once on the largest subset it validates in 30 minutes, against the fast
# engine, results compared; writes bench/results/pyshacl.json.
bench-pyshacl: $(STAMP)
	$(BIN)/python -m bench.pyshacl

clean:
	rm -rf $(VENV) var build
