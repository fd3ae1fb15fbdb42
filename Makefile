# Two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck pytest clean validation mutants

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP) $@

demo: $(STAMP)
	$(BIN)/costsim run scenarios/hello-api.yaml --out reports/hello-api
	$(BIN)/costsim report reports/hello-api

test: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest
	$(MAKE) mutants

# Small source mutants (tests/mutation/mutants_*.py) that the tests must catch (~2-3 min).
mutants: $(DEV_STAMP)
	$(BIN)/python tests/mutation/run_mutants.py

clean:
	rm -rf $(VENV)

# Regenerate reports/<scenario>/ (outputs, charts, report.md, report.html) for every scenario,
# application scenarios included (the compiled engine runs them too), sensitivity section on.
.PHONY: reports
SCENARIOS := $(basename $(notdir $(wildcard scenarios/*.yaml)))
REPORT_ENGINE ?= fast
reports: $(STAMP)
	@for s in $(SCENARIOS); do \
	  echo "reports/$$s"; \
	  $(BIN)/costsim run scenarios/$$s.yaml --engine $(REPORT_ENGINE) --out reports/$$s > /dev/null \
	    && $(BIN)/costsim report reports/$$s --sensitivity > /dev/null || exit 1; \
	done
	@echo "reports/hello-api/sweep (where each option wins; resumes, so a rerun is quick)"
	$(BIN)/costsim sweep scenarios/hello-api.yaml --vary traffic.scale=log:0.01:30:25 \
	  --replications 3 --out reports/hello-api/sweep > /dev/null
	$(BIN)/costsim report reports/hello-api > /dev/null
	$(BIN)/costsim report reports/hello-api/sweep > /dev/null
	$(MAKE) notebooks

# Execute every notebook in place, so they are committed with their outputs (~30 s; needs the
# dev extras' nbclient). Deterministic: no timings or kernel versions are kept.
.PHONY: notebooks
notebooks: $(DEV_STAMP)
	$(BIN)/python notebooks/execute.py

# Every model against queueing theory, SimFaaS and published prices; writes docs/VALIDATION.md.
# Slower than `make test` (several minutes); `make test` runs the fast subset.
validation: $(DEV_STAMP)
	$(BIN)/python tests/validation/make_validation_doc.py
