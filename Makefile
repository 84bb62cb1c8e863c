# One command to a running demo (`make run`), one to a green suite (`make test`), one to a clean lint (`make lint`).
# Odoo 17.0 itself comes from ODOO_HOME; nothing here downloads it.
ODOO_HOME ?= /opt/odoo17
# The virtualenv and the generated files live outside the repository: Odoo walks the addon's folder
# (translations export, assets), and must find neither a virtualenv nor the link back to itself there.
WORKDIR   ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/helpdesk_ce/$(shell printf %s "$(CURDIR)" | sha1sum | cut -c1-12)
VENV      ?= $(WORKDIR)/venv
BUILD     ?= $(WORKDIR)/build
DEMO_DB   ?= helpdesk_demo
TEST_DB   ?= helpdesk_ce_test
TEST_PORT ?= 8169
PYTEST_ARGS ?=
SHOTS_DB  ?= helpdesk_ce_shots
SHOTS_PORT ?= 8089
export ODOO_HOME VENV BUILD

HARNESS = $(CURDIR)/tools/harness.sh
ODOO    = env PYTHONPATH=$(ODOO_HOME) $(VENV)/bin/python $(ODOO_HOME)/odoo-bin

.PHONY: run test test-upgrade fuzz test-core lint prepare populate bench bench-detail stress pot i18n-check screenshots clean

prepare:
	@$(HARNESS) prepare

# ruff and pylint-odoo, pinned in tools/lint-requirements.txt, in their own virtualenv: no findings allowed.
lint:
	@$(HARNESS) lint

run: prepare
	@conf=$$($(HARNESS) config run $(DEMO_DB) 8069); \
	if psql -d postgres -tAc "select 1 from pg_database where datname='$(DEMO_DB)'" | grep -q 1; then \
		$(ODOO) -c $$conf -u helpdesk_ce --stop-after-init; \
	else \
		$(ODOO) -c $$conf -i helpdesk_ce --stop-after-init; \
	fi && \
	echo "helpdesk_ce: serving http://localhost:8069 (database $(DEMO_DB), login admin / admin)" && \
	exec $(ODOO) -c $$conf

test: prepare
	@conf=$$($(HARNESS) config test $(TEST_DB) $(TEST_PORT)); \
	dropdb --if-exists $(TEST_DB) && \
	echo "helpdesk_ce: installing the addon in a fresh database $(TEST_DB) (no demo data)" && \
	$(ODOO) -c $$conf -i helpdesk_ce --without-demo=all --stop-after-init --log-level=warn \
		> $(BUILD)/install.log 2>&1 || { cat $(BUILD)/install.log; exit 1; }; \
	if grep -E " (ERROR|CRITICAL) " $(BUILD)/install.log; then echo "helpdesk_ce: the install logged errors"; exit 1; fi; \
	PYTHONPATH=$(ODOO_HOME):$(CURDIR)/tools $(VENV)/bin/pytest -p pytest_odoo_server \
		--rootdir=$(BUILD)/addons/helpdesk_ce -p no:cacheprovider -W ignore::DeprecationWarning \
		--odoo-config=$$conf --odoo-database=$(TEST_DB) --odoo-log-level=warn $(PYTEST_ARGS) \
		$(BUILD)/addons/helpdesk_ce/tests

# Install the release before the security fixes with demo data, upgrade it to this tree, check the new access
# model reached it (rules, followers, tokens, templates). Part of CI.
test-upgrade: prepare
	@$(CURDIR)/tools/test_upgrade.sh

# The long run of the fuzz tests (tests/test_fuzz.py): FUZZ_EXAMPLES generated inputs per route
# (`make test` runs a short, seeded one). `make stress` may call it.
FUZZ_EXAMPLES ?= 500
fuzz:
	@HELPDESK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(MAKE) --no-print-directory test \
		PYTEST_ARGS='-s -k TestFuzz $(PYTEST_ARGS)'

# Odoo's own crm and portal tests, with the addon installed and without it, as Odoo's runbot runs them:
# each module's at_install tests when it installs, post_install tests once all are installed.
# Long (about 15 minutes); not part of CI. Compare the two summaries it prints.
test-core: prepare
	@for variant in with without; do \
		db=helpdesk_ce_core_$$variant; modules=helpdesk_ce; [ $$variant = without ] && modules=crm,portal; \
		conf=$$($(HARNESS) config core $$db $$(( $(TEST_PORT) + 10 ))); \
		dropdb --if-exists $$db; \
		$(ODOO) -c $$conf -i $$modules --without-demo=all --test-enable --test-tags /crm,/portal \
			--stop-after-init --log-level=test > $(BUILD)/test-core-$$variant.log 2>&1; \
		echo "== crm and portal tests $$variant helpdesk_ce:"; \
		grep -E "(failures|errors) of [0-9]+ tests|Ran [0-9]+ tests|tests failed|FAIL:|ERROR:" $(BUILD)/test-core-$$variant.log | sed 's/^[0-9-]* [0-9:,]* [0-9]* //'; \
	done

# A large database for benchmarks: odoo-bin populate, as Odoo's own addons do it.
populate: prepare
	@conf=$$($(HARNESS) config bench helpdesk_ce_bench_populate 8079); \
	dropdb --if-exists helpdesk_ce_bench_populate && \
	$(ODOO) -c $$conf -i helpdesk_ce --without-demo=all --stop-after-init && \
	$(ODOO) populate -c $$conf --models helpdesk.ticket --size $${SIZE:-medium}

# helpdesk_ce against OCA helpdesk_mgmt 17.0 (AGPL, installed from PyPI beside the build, only measured):
# each in its own database, populated the same way once, the same workloads, a ratio table.
# Sizes: BENCH_TICKETS (per database), BENCH_BIG (a second helpdesk_ce database for the agent pages, 0: none),
# BENCH_CREATES, BENCH_BATCH, BENCH_MAILS; BENCH_ORM tickets are made through the ORM, the rest are SQL copies.
# See benchmarks/compare.py.
BENCH_DB      ?= helpdesk_ce_bench
BENCH_TICKETS ?= 5000
BENCH_BIG     ?= 0
BENCH_CREATES ?= 100
BENCH_BATCH   ?= 500
BENCH_MAILS   ?= 100
BENCH_ORM     ?= 5000
BENCH_PORT    ?= 8471
bench: prepare
	@$(HARNESS) oca
	@set -e; \
	ce=$$($(HARNESS) config bench_ce $(BENCH_DB) $(BENCH_PORT)); \
	oca=$$($(HARNESS) config bench_oca $(BENCH_DB)_oca $$(( $(BENCH_PORT) + 1 ))); \
	sed -i "s|^addons_path = .*|&,$(BUILD)/oca/odoo/addons|" $$oca; \
	big=$$($(HARNESS) config bench_big $(BENCH_DB)_big $$(( $(BENCH_PORT) + 2 ))); \
	for pair in "$$ce helpdesk_ce" "$$oca helpdesk_mgmt" "$$big helpdesk_ce"; do \
		set -- $$pair; db=$$(sed -n 's/^db_name = //p' $$1); \
		[ "$$db" = "$(BENCH_DB)_big" ] && [ "$(BENCH_BIG)" = 0 ] && continue; \
		if psql -d postgres -tAc "select 1 from pg_database where datname='$$db'" | grep -q 1; then \
			echo "helpdesk_ce bench: updating $$2 in $$db"; \
			$(ODOO) -c $$1 -u $$2 --stop-after-init --log-level=warn; \
		else \
			echo "helpdesk_ce bench: installing $$2 in $$db"; \
			$(ODOO) -c $$1 -i $$2 --without-demo=all --stop-after-init --log-level=warn; \
		fi; \
	done; \
	PYTHONPATH=$(ODOO_HOME) $(VENV)/bin/python benchmarks/compare.py --ce $$ce --oca $$oca --big $$big \
		--tickets $(BENCH_TICKETS) --big-size $(BENCH_BIG) --creates $(BENCH_CREATES) --batch $(BENCH_BATCH) \
		--mails $(BENCH_MAILS) --orm-size $(BENCH_ORM)

# Detailed timings of helpdesk_ce alone on the `make populate` database (dashboard, reports, SLA cron, lists).
bench-detail: prepare
	@conf=$$($(HARNESS) config bench helpdesk_ce_bench_populate 8079); \
	PYTHONPATH=$(ODOO_HOME) $(VENV)/bin/python benchmarks/run.py -c $$conf

# Load: 8 clients, the public form and JSON-RPC into one auto-assigning team, on a --workers=4 server, then on
# two servers (--workers=2 each, crons on both) sharing the database. Several minutes; not part of `make test`.
STRESS_DB      ?= helpdesk_ce_stress
STRESS_TICKETS ?= 1000
STRESS_CLIENTS ?= 8
STRESS_PORT    ?= 8480
stress: prepare
	@conf=$$($(HARNESS) config stress $(STRESS_DB) $(STRESS_PORT)); \
	if psql -d postgres -tAc "select 1 from pg_database where datname='$(STRESS_DB)'" | grep -q 1; then \
		$(ODOO) -c $$conf -u helpdesk_ce --stop-after-init --log-level=warn || exit 1; \
	else \
		echo "helpdesk_ce stress: installing helpdesk_ce in $(STRESS_DB)"; \
		$(ODOO) -c $$conf -i helpdesk_ce --without-demo=all --stop-after-init --log-level=warn || exit 1; \
	fi; \
	PYTHONPATH=$(ODOO_HOME) $(VENV)/bin/python benchmarks/stress.py -c $$conf --port $(STRESS_PORT) \
		--tickets $(STRESS_TICKETS) --clients $(STRESS_CLIENTS)

# The .pot from the test database (installed without demo data by `make test`), and its check: untranslated
# msgids of each .po, and the msgids a fresh export has that the committed .pot lacks (or the reverse).
pot: prepare
	@conf=$$($(HARNESS) config test $(TEST_DB) $(TEST_PORT)); \
	$(ODOO) -c $$conf -d $(TEST_DB) --i18n-export=$(CURDIR)/i18n/helpdesk_ce.pot --modules=helpdesk_ce --stop-after-init

i18n-check: prepare
	@conf=$$($(HARNESS) config test $(TEST_DB) $(TEST_PORT)); \
	$(ODOO) -c $$conf -d $(TEST_DB) --i18n-export=$(BUILD)/fresh.pot --modules=helpdesk_ce --stop-after-init \
		--log-level=warn && \
	$(VENV)/bin/python tools/i18n_check.py --fresh $(BUILD)/fresh.pot

# The app page's screenshots (static/description/*.png): a fresh demo database SHOTS_DB served on SHOTS_PORT
# while tools/screenshots.py drives headless Chromium through it. SHOTS_ARGS="--apps-page /tmp/apps.png" also
# takes the addon's page in Apps.
screenshots: prepare
	@conf=$$($(HARNESS) config shots $(SHOTS_DB) $(SHOTS_PORT)); \
	dropdb --if-exists $(SHOTS_DB) && \
	$(ODOO) -c $$conf -i helpdesk_ce --stop-after-init --log-level=warn > $(BUILD)/shots.log 2>&1 || { cat $(BUILD)/shots.log; exit 1; }; \
	$(ODOO) -c $$conf --log-level=warn >> $(BUILD)/shots.log 2>&1 & server=$$!; \
	for _ in $$(seq 1 90); do curl -sf -o /dev/null http://localhost:$(SHOTS_PORT)/web/login && break; sleep 1; done; \
	$(VENV)/bin/python tools/screenshots.py --url http://localhost:$(SHOTS_PORT) --db $(SHOTS_DB) $(SHOTS_ARGS); \
	status=$$?; kill $$server; wait $$server; exit $$status

clean:
	rm -rf $(WORKDIR)
