# The two commands: `make run` (the web server and the outbox worker) and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

export DEBUG ?= 1
# Links in emails (the intake notice's admin link) point at the port `make run` serves.
export SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run coordinator test lint install messages bench battery backup restore-drill screenshots clean css lighthouse

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# The build and audit tools from npm (the trimmed Bootstrap build, Lighthouse), at package-lock.json's versions.
# The site itself needs no Node: the built CSS is committed.
NODE_STAMP := node_modules/.package-lock.json
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Rebuild static/vendor/bootstrap/bootstrap.min.css from scripts/css/bootstrap.scss (then commit it).
css: $(NODE_STAMP)
	npm run --silent build:css

# Lighthouse (mobile, simulated slow 4G) on a running server: make lighthouse URL=http://127.0.0.1:8000 PATHS="/ /refer/"
lighthouse: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m scripts.lighthouse $(or $(URL),http://127.0.0.1:$(PORT)) $(or $(PATHS),/)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py load_program_content
	@echo ""
	@echo "To sign in to the coordinators' admin at http://127.0.0.1:$(PORT)/admin/ create a login (in another terminal):"
	@echo "    make coordinator USERNAME=YOURNAME EMAIL=you@example.org"
	@echo ""
	@echo "The outbox worker sends every email (printed here while DEBUG is on); it stops with the server."
	$(BIN)/python manage.py send_pending_notifications --loop & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# A coordinator's login, with the same settings and database as `make run`. Asks for the password
# (or reads DJANGO_COORDINATOR_PASSWORD).
coordinator: $(STAMP)
	@test -n "$(USERNAME)" && test -n "$(EMAIL)" || { echo "Usage: make coordinator USERNAME=nurse EMAIL=nurse@example.org"; exit 2; }
	$(BIN)/python manage.py createcoordinator --username "$(USERNAME)" --email "$(EMAIL)"

# Tests run with DEBUG off (like production) and a throwaway key.
test: $(STAMP)
	DEBUG=0 SECRET_KEY=$${SECRET_KEY:-test-only-not-secret} $(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# Refresh the Spanish catalogue (locale/es) after changing text, then compile it.
messages: $(STAMP)
	DEBUG=1 $(BIN)/python manage.py makemessages -l es --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=tests
	DEBUG=1 $(BIN)/python manage.py compilemessages --ignore=.venv

# The site on production-style servers (PostgreSQL cluster of its own, Redis, SeaweedFS, two gunicorns behind
# deploy/nginx, the outbox worker) under load and faults; prints a table and fails if anything was lost.
# BATTERY=--quick is the small run .ci/run makes. Needs Debian's nginx and PostgreSQL's server binaries.
battery: $(STAMP)
	@command -v nginx >/dev/null || { echo "make battery needs nginx: apt-get install -y nginx"; exit 2; }
	$(BIN)/python -m scripts.battery $(BATTERY)

# A backup of the configured database and private documents into BACKUP_DIR (backups/ unless set), with a
# manifest of counts and SHA-256 hashes; restore-drill restores the newest into a throwaway database and folder
# and checks every count and hash. How to restore for real: README, "Backup and restore".
backup: $(STAMP)
	$(BIN)/python manage.py backup

restore-drill: $(STAMP)
	@latest=$$(ls -1d $${BACKUP_DIR:-backups}/*/ 2>/dev/null | sort | tail -n 1); \
	if [ -z "$$latest" ]; then echo "No backup in $${BACKUP_DIR:-backups}/: run make backup first."; exit 2; fi; \
	$(BIN)/python manage.py restore_drill --from "$$latest"

# The site's speed under wrk (gunicorn, DEBUG off, the benchmark's own cip_bench_* databases, SQLite when no
# PostgreSQL answers), as ratios against /robots.txt measured round by round; fails when a target in
# scripts/bench/plan.py is missed. Writes docs/bench-latest.md and .json. BENCH=--quick is the small run for CI
# (errors fail it, targets do not). Needs Debian's wrk, and Chromium and npm for Lighthouse.
bench: $(STAMP) $(NODE_STAMP)
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install -y wrk"; exit 2; }
	$(BIN)/python -m scripts.bench $(BENCH)

# Refresh the pictures in the README (docs/screenshots/) from a new run of the browser tests, which write
# to SCREENSHOT_DIR (screenshots/ unless set). Without Chromium it fails (REQUIRE_BROWSER) and copies nothing;
# the old pictures are removed first, so none can pass for new.
README_SHOTS := home-390 second_opinion-form-errors-390 confirmation-390 refer-form-1280 admin-queue-1280 admin-change-1280 records-upload-390 status-390 language-offer-390 family-travel-es-390 contact-es-390
SHOT_DIR = $(or $(SCREENSHOT_DIR),screenshots)
screenshots: $(STAMP)
	for shot in $(README_SHOTS); do rm -f "$(SHOT_DIR)/$$shot-top.png"; done
	REQUIRE_BROWSER=1 SCREENSHOT_DIR="$(SHOT_DIR)" DEBUG=0 SECRET_KEY=$${SECRET_KEY:-test-only-not-secret} \
		$(BIN)/pytest tests/browser/test_screenshots.py
	for shot in $(README_SHOTS); do cp "$(SHOT_DIR)/$$shot-top.png" docs/screenshots/$$shot.png || exit 1; done

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
