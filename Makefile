# Developer tooling for the veeam.enterprise_manager collection.
#
# Needs only python3 (with venv/ensurepip), GNU make, git and tar: `make test` builds
# everything else (.venv, the ansible_collections/ tree, the get-pip stand-in) itself, and first
# installs the Debian packages in SYSTEM_PACKAGES that are missing, saying so (`make system-packages`). `make compat`
# also needs a Python 3.12+ (pyenv or PATH) for ansible-core 2.20 and newer.
# `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# Targets share build/ (collection wipes it, sanity writes into it): never run them in parallel.
.NOTPARALLEL:
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := $(CURDIR)/.venv
VENV_BIN := $(VENV)/bin
VENV_PYTHON := $(VENV_BIN)/python
# Re-install only when a requirements file changes.
VENV_STAMP := $(VENV)/.requirements-installed

# ansible-test must be told which Python to use (without --python it also tries pyenv shims
# for other versions, which exit 127). Default: the version of $(PYTHON).
ANSIBLE_TEST_PYTHON ?= $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')

# ansible-test resolves the real path and insists on .../ansible_collections/<ns>/<name>/,
# so the tools run against a copy of the tree (a symlink is not enough).
BUILD := $(CURDIR)/build
COLLECTION_DIR := $(BUILD)/ansible_collections/veeam/enterprise_manager
# Pristine copy for `ansible-galaxy collection build`: the test tree collects tests/output etc.
PACKAGE_DIR := $(BUILD)/package/ansible_collections/veeam/enterprise_manager
VERSION := $(shell sed -n 's/^version:[[:space:]]*//p' galaxy.yml | tr -d "\"'")
TARBALL := $(BUILD)/veeam-enterprise_manager-$(VERSION).tar.gz
IMPORTER_CONFIG := $(CURDIR)/tools/galaxy-importer.cfg

# build/ is git-ignored, and ansible-test walks up from the working directory to the first
# .git (this repository's) to list files with git: it would find none and skip everything
# ("WARNING: All targets skipped."). Naming the content root stops the walk, so ansible-test
# lists the copied tree's files directly.
ANSIBLE_TEST := ANSIBLE_TEST_CONTENT_ROOT=$(COLLECTION_DIR) ansible-test

# Tools from .venv come first; ansible-test also finds python$(ANSIBLE_TEST_PYTHON) there.
export PATH := $(VENV_BIN):$(PATH)
export VIRTUAL_ENV := $(VENV)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# ansible-core 2.19 imports DSA from cryptography, whose recent releases warn on every ansible run ("DSA is deprecated"):
# not this collection's code and nothing a user can act on, so that one warning (only it) is silenced.
export PYTHONWARNINGS := ignore:DSA is deprecated

# ansible-test sanity tests to skip. None: with --python $(ANSIBLE_TEST_PYTHON), the get-pip
# stand-in and shellcheck (installed by `make system-packages` when missing), all sanity tests
# run locally; none needs Docker (--docker is never used) and the only network they need is
# PyPI, for their per-test venvs (cached in ~/.ansible per HOME after the first run).
# Without shellcheck, ansible-test would skip its test silently, hence system-packages.
# Example: make sanity SANITY_SKIP="pylint" SANITY_ARGS="-v"
SANITY_SKIP ?=
SANITY_ARGS ?=

# Copy git-tracked and untracked-but-not-ignored files (skipping ones deleted from the
# working tree) into $(1), after wiping it.
define copy_tree
rm -rf '$(1)'
mkdir -p '$(1)'
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do if [ -e "$$f" ] || [ -L "$$f" ]; then printf '%s\0' "$$f"; fi; done \
  | tar --null --files-from=- --create --file=- \
  | tar --extract --file=- --directory='$(1)'
endef

.PHONY: help
help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

# ---------------------------------------------------------------------------- environment

.PHONY: venv
venv: $(VENV_STAMP) ## Create .venv with requirements-dev.txt (reruns when requirements change)

$(VENV_STAMP): requirements-dev.txt requirements.txt
	test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --quiet -r requirements-dev.txt
	touch $@

.PHONY: collection
collection: ## Copy the collection into build/ansible_collections/veeam/enterprise_manager
	$(call copy_tree,$(COLLECTION_DIR))
	@echo "Collection tree: $(COLLECTION_DIR) ($$(find '$(COLLECTION_DIR)' -type f | wc -l) files)"

# The Debian packages the checks need beyond make, git, tar and python3-venv, as COMMAND=PACKAGE: the
# one list (README "Development" names them too). shellcheck: the shellcheck sanity test; chromium:
# the report tests render the HTML report (make reports); java: ansible-rulebook needs Java 17+ (make eda).
# tools/system_packages.sh installs only those whose command is missing, says so first, and uses
# `apt-get install --no-install-recommends` (chromium: 25 packages, nothing upgraded, on Debian 12;
# with recommends it was 117 and upgraded systemd and perl-base). A machine that has them installs nothing.
# No CJK font: the tests read the DOM, not the pixels; the screenshots in tests/output/reports show a CJK VM
# name as boxes unless a font such as fonts-wqy-zenhei is installed (optional, for people only).
SYSTEM_PACKAGES := shellcheck=shellcheck chromium=chromium java=openjdk-17-jre-headless
# $(call system_packages,COMMAND...): install the listed entries of SYSTEM_PACKAGES that are missing.
system_packages = bash tools/system_packages.sh $(filter $(addsuffix =%,$(1)),$(SYSTEM_PACKAGES))
.PHONY: system-packages
system-packages: ## Install the Debian packages the checks need when missing (shellcheck, chromium, openjdk-17-jre-headless)
	@$(call system_packages,$(foreach p,$(SYSTEM_PACKAGES),$(firstword $(subst =, ,$(p)))))

# ansible-test bootstraps pip in its sanity/units venvs with a get-pip.py it downloads from
# ci-files.testing.ansible.com, unreachable here; it uses a cached copy first. The stand-in
# (tools/get_pip_standin.py) seeds pip with ensurepip and pip-installs the requested version,
# which also makes ansible-test usable for air-gapped users. The pip version is read from
# the installed ansible-test, so an ansible-core upgrade is followed automatically.
.PHONY: get-pip
get-pip: $(VENV_STAMP) ## Install the offline get-pip stand-in into ~/.ansible/test/cache
	$(VENV_PYTHON) tools/install_get_pip.py

# ---------------------------------------------------------------------------- checks

.PHONY: sanity
sanity: $(VENV_STAMP) $(if $(filter shellcheck,$(SANITY_SKIP)),,sanity-packages) collection get-pip sanity-ignores ## ansible-test sanity (all tests; none needs docker here)
	cd $(COLLECTION_DIR) && $(ANSIBLE_TEST) sanity --python $(ANSIBLE_TEST_PYTHON) \
	  $(addprefix --skip-test ,$(SANITY_SKIP)) $(SANITY_ARGS)

.PHONY: sanity-packages
sanity-packages:
	@$(call system_packages,shellcheck)

# Project policy: fix the code instead of ignoring sanity findings.
.PHONY: sanity-ignores
sanity-ignores: ## Fail unless every tests/sanity/ignore-*.txt is empty
	@bad=$$(find tests/sanity -name 'ignore-*.txt' -size +0c 2>/dev/null || true); \
	if [ -n "$$bad" ]; then echo "Sanity ignore files must stay empty: $$bad" >&2; exit 1; fi

.PHONY: units
units: $(VENV_STAMP) collection ## ansible-test units (tests/unit) in the outer venv
	@cd $(COLLECTION_DIR); \
	if [ -z "$$(find tests/unit -name 'test_*.py' 2>/dev/null | head -n1)" ]; then \
	  echo "units: no tests under tests/unit yet"; exit 0; fi; \
	$(ANSIBLE_TEST) units --python $(ANSIBLE_TEST_PYTHON)

# Runs from the copied tree with PYTHONPATH=build, so ansible_collections.veeam.enterprise_manager
# (modules, module_utils and tests.simulator alike) is imported from build/.
# pytest exit code 5 means "no tests collected": not a failure while tests/functional is empty.
FUNCTIONAL_DIRS := tests/simulator tests/functional
.PHONY: functional
functional: $(VENV_STAMP) collection ## pytest tests/simulator tests/functional against build/
	@cd $(COLLECTION_DIR); \
	dirs=""; for d in $(FUNCTIONAL_DIRS); do if [ -d "$$d" ]; then dirs="$$dirs $$d"; fi; done; \
	if [ -z "$$dirs" ]; then echo "functional: none of $(FUNCTIONAL_DIRS) has files yet"; echo "0 passed, 0 failed"; exit 0; fi; \
	rc=0; PYTHONPATH=$(BUILD) ANSIBLE_COLLECTIONS_PATH=$(BUILD) \
	  python -m pytest -p no:cacheprovider $$dirs || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "functional: no tests collected yet"; echo "0 passed, 0 failed"; exit 0; fi; \
	exit $$rc

# tools/integration.sh starts the EM simulator (HTTPS, 127.0.0.1 only), hands its address to the
# targets through tests/integration/integration_config.yml (ansible-test passes no custom
# environment), runs ansible-test integration --local, and stops the simulator on every exit.
# Interpreter discovery would pick a pyenv shim, hence ANSIBLE_PYTHON_INTERPRETER.
.PHONY: integration
integration: $(VENV_STAMP) collection ## ansible-test integration against the simulator
	ANSIBLE_TEST_CONTENT_ROOT=$(COLLECTION_DIR) ANSIBLE_PYTHON_INTERPRETER=$(VENV_PYTHON) PYTHON=$(VENV_PYTHON) \
	  bash tools/integration.sh $(COLLECTION_DIR) --python $(ANSIBLE_TEST_PYTHON) $(INTEGRATION_ARGS)

# --offline: otherwise ansible-lint installs the collection into .ansible/ inside the tree,
# which then breaks sanity and ends up in the tarball.
.PHONY: lint
lint: $(VENV_STAMP) collection ## ansible-lint --profile production --offline
	ANSIBLE_COLLECTIONS_PATH=$(BUILD) ansible-lint --profile production --offline

.PHONY: docs-lint
docs-lint: $(VENV_STAMP) collection ## antsibull-docs lint (plugins, roles, docs/docsite guides) + antsibull-changelog lint
	ANSIBLE_COLLECTIONS_PATH=$(BUILD) antsibull-docs lint-collection-docs --plugin-docs $(COLLECTION_DIR)
	antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

# The guides were Markdown (docs/*.md); the docsite needs RST. tools/guides_to_rst.py moves each one, once, to
# docs/docsite/rst/<guide>.rst with pandoc (Debian package pandoc, needed only for this) and lists it in
# docs/docsite/extra-docs.yml; the Markdown file goes, so each guide keeps one source.
.PHONY: guides-rst
guides-rst: $(VENV_STAMP) ## Convert the Markdown guides left in docs/ to docsite pages (docs/docsite/rst), once; needs pandoc
	$(VENV_PYTHON) tools/guides_to_rst.py

# The collection's docsite, as Ansible collections publish theirs: `antsibull-docs sphinx-init --use-current`
# writes a Sphinx site template into build/docsite (regenerated each run, so it follows antsibull-docs), its
# build.sh renders the module, filter and role pages from the collection's own documentation plus the guides
# listed in docs/docsite/extra-docs.yml (docs/docsite/rst/*.rst) and the links of docs/docsite/links.yml, then
# sphinx-build -W fails on any warning. Offline: tools/docsite_offline.py, appended to conf.py, drops intersphinx
# and links the few references into Ansible's documentation to docs.ansible.com. Open build/docsite/build/html/index.html.
DOCSITE_DIR := $(BUILD)/docsite
.PHONY: docsite
docsite: $(VENV_STAMP) collection ## Build the docsite with antsibull-docs and Sphinx into build/docsite (no warning, offline)
	rm -rf $(DOCSITE_DIR) && mkdir -p $(DOCSITE_DIR) && chmod 700 $(DOCSITE_DIR)
	ANSIBLE_COLLECTIONS_PATH=$(BUILD) antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error \
	  --title 'veeam.enterprise_manager' --project 'veeam.enterprise_manager' --copyright 'Veeam Enterprise Manager maintainers' \
	  --dest-dir $(DOCSITE_DIR) veeam.enterprise_manager >/dev/null
	cat tools/docsite_offline.py >> $(DOCSITE_DIR)/conf.py
	cd $(DOCSITE_DIR) && ANSIBLE_COLLECTIONS_PATH=$(BUILD) bash build.sh
	@echo "Docsite: $(DOCSITE_DIR)/build/html/index.html"

# ---------------------------------------------------------------------------- event-driven ansible

# The EDA source (extensions/eda/plugins/event_source/session_events.py): ruff and pylint, the linters
# Automation Hub applies to EDA plugins, then tests/eda against the simulator over HTTPS, ending with
# ansible-rulebook running the example rulebook. ansible-rulebook needs Java 17+ (and ansible-galaxy on
# PATH, which .venv/bin provides).
EDA_PLUGINS := extensions/eda/plugins
EDA_RUFF_RULES := E,F,W,B,UP,SIM,PL,RUF,C4,PIE,RET,ASYNC,S,BLE,TRY,G,LOG,PERF,ARG,N,T20,A,SLF

.PHONY: java
java: ## Install Debian's openjdk-17-jre-headless when java is missing (ansible-rulebook needs Java 17+)
	@$(call system_packages,java)

.PHONY: eda-lint
eda-lint: $(VENV_STAMP) ## ruff and pylint on the EDA plugins
	ruff check --no-cache --isolated --target-version py39 --line-length 120 --select $(EDA_RUFF_RULES) $(EDA_PLUGINS)
	pylint --persistent=n --max-line-length 120 $(EDA_PLUGINS)

.PHONY: eda
eda: $(VENV_STAMP) collection java eda-lint ## EDA source: lint, tests against the simulator, ansible-rulebook end to end
	cd $(COLLECTION_DIR) && python -m pytest -p no:cacheprovider tests/eda

# ---------------------------------------------------------------------------- packaging

.PHONY: build
build: $(VENV_STAMP) ## ansible-galaxy collection build into build/
	$(call copy_tree,$(PACKAGE_DIR))
	rm -f $(BUILD)/veeam-enterprise_manager-*.tar.gz
	ansible-galaxy collection build --force --output-path $(BUILD) $(PACKAGE_DIR)

# Same checks Galaxy runs on upload, without Docker (run_ansible_test = false in the config).
# Runs in build/ because it writes importer_result.json into the current directory.
.PHONY: importer
importer: build ## galaxy-importer on the tarball (fails on reported errors)
	cd $(BUILD) && rm -f importer_result.json importer.log && \
	  GALAXY_IMPORTER_CONFIG=$(IMPORTER_CONFIG) python -m galaxy_importer.main $(TARBALL) 2>&1 | tee importer.log
	$(VENV_PYTHON) tools/check_importer.py $(BUILD)/importer.log $(BUILD)/importer_result.json

# What a Galaxy user gets: the tarball installed with ansible-galaxy into build/installed, its tools/ holding only
# sim.py, and the simulator's launcher tests run from the installed copy (start/stop, and `-- --healthy` passing
# the role with every check and max_age 26h), as docs/docsite/rst/testing.rst tells users to start it.
INSTALLED_DIR := $(BUILD)/installed
.PHONY: installed
installed: build ## Install the tarball into build/installed and run the shipped simulator from there
	rm -rf $(INSTALLED_DIR)
	ansible-galaxy collection install --no-deps -p $(INSTALLED_DIR) $(TARBALL)
	@shipped=$$(ls $(INSTALLED_DIR)/ansible_collections/veeam/enterprise_manager/tools); \
	if [ "$$shipped" != sim.py ]; then echo "installed: tools/ in the tarball should hold only sim.py, not: $$shipped" >&2; exit 1; fi
	cd $(INSTALLED_DIR)/ansible_collections/veeam/enterprise_manager && ANSIBLE_COLLECTIONS_PATH=$(INSTALLED_DIR) \
	  python -m pytest -p no:cacheprovider tests/simulator/test_sim_tool.py

# ---------------------------------------------------------------------------- ansible-core matrix

# tools/compat.py: for every ansible-core minor from requires_ansible (meta/runtime.yml) to the newest
# release on PyPI, a venv build/compat/<minor>/venv (reused while its stamp matches: same Python,
# same requirements), the tarball from `make build` installed with that version's ansible-galaxy,
# then `ansible-test units` and the integration targets from the installed copy. 2.20+ need Python
# 3.12+, found with pyenv or on PATH; none found fails the run (a version is never skipped).
# The last line is `N passed, N failed` over all versions (CI reads it).
# Example: make compat COMPAT_VERSIONS="2.16 2.21" COMPAT_ARGS=--no-integration
COMPAT_DIR := $(BUILD)/compat
COMPAT_VERSIONS ?=
COMPAT_ARGS ?=

.PHONY: compat
compat: build ## Unit tests + integration targets under every ansible-core minor (2.16 to newest)
	$(PYTHON) tools/compat.py --tarball $(TARBALL) --root $(COMPAT_DIR) \
	  $(if $(strip $(COMPAT_VERSIONS)),--versions "$(COMPAT_VERSIONS)") $(COMPAT_ARGS)

# ---------------------------------------------------------------------------- everything

# Set-up first (it stops at the first failure), then every check as its own make run through
# tools/test_stages.py: each stage's output goes to build/test-logs/<stage>.log, the terminal gets one
# line per stage (and the whole log of a stage that failed), and the run ends with a table of stages,
# their counts and times, whose last line is `N passed, N failed` (CI reads it). TEST_VERBOSE=1 also
# streams every stage's output. Every stage runs even after one failed; the exit status says if any did.
TEST_STAGES ?= units docs-lint docsite lint sanity importer installed integration eda reports functional
TEST_VERBOSE ?=
.PHONY: test
test: venv system-packages get-pip sanity-ignores ## Run the whole pipeline and end with a summary (TEST_STAGES, TEST_VERBOSE=1)
	@$(PYTHON) tools/test_stages.py --log-dir $(BUILD)/test-logs $(if $(TEST_VERBOSE),--verbose) $(TEST_STAGES)

.PHONY: demo
demo: $(VENV_STAMP) collection ## Run the role against the simulator: seeded failures (must fail), then healthy data (must pass)
	ANSIBLE_COLLECTIONS_PATH=$(BUILD) PYTHON=$(VENV_PYTHON) bash tools/demo.sh

.PHONY: docs-screenshot
docs-screenshot: $(VENV_STAMP) collection ## Render the demo's page in headless Chromium and keep it as the reports guide's picture
	$(MAKE) reports REPORTS_ARGS=tests/reports/test_page_guide.py
	cp $(REPORTS_OUTPUT)/reports-page.png docs/docsite/images/reports-page.png

.PHONY: bench
bench: $(VENV_STAMP) collection ## Benchmark the modules against the simulator and rewrite docs/performance.md
	PYTHONPATH=$(BUILD) python tools/bench.py --write docs/performance.md

.PHONY: clean
clean: ## Remove build/ and test leftovers (keeps .venv)
	rm -rf $(BUILD) tests/output tests/integration/inventory .pytest_cache importer_result.json .ansible
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

.PHONY: distclean
distclean: clean ## clean, and remove .venv
	rm -rf $(VENV)

# ---------------------------------------------------------------------------- report files (issue 9)

# Playbook tests of the role's report files: ansible-playbook writes them, junitparser, html5lib, headless
# Chromium and prometheus_client read them. The Debian package chromium comes from SYSTEM_PACKAGES (installed
# with --no-install-recommends when missing); tests/reports/setup_chromium.sh only finds it. The files, DOM dumps and screenshots are kept in tests/output/reports/.
REPORTS_OUTPUT := $(CURDIR)/tests/output/reports
.PHONY: reports
reports: $(VENV_STAMP) collection ## Playbook tests of the report files (JUnit, HTML in Chromium, Prometheus, fleet)
	@$(call system_packages,chromium)
	rm -rf $(REPORTS_OUTPUT) && mkdir -p $(REPORTS_OUTPUT)
	cd $(COLLECTION_DIR) && PYTHONPATH=$(BUILD) ANSIBLE_COLLECTIONS_PATH=$(BUILD) REPORTS_OUTPUT_DIR=$(REPORTS_OUTPUT) \
	  python -m pytest -p no:cacheprovider $(or $(REPORTS_ARGS),tests/reports)
	@echo "Report test outputs: $(REPORTS_OUTPUT)"
