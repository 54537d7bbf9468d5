# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

export DEBUG ?= 1

.PHONY: run test lint install messages bench screenshots clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py load_program_content
	@echo ""
	@echo "To sign in to the coordinators' admin at http://127.0.0.1:$(PORT)/admin/ create a login:"
	@echo "    $(BIN)/python manage.py createcoordinator --username YOURNAME --email you@example.org"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

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

# Public pages under gunicorn with DEBUG off, as ratios against /healthz in the same run.
bench: $(STAMP)
	$(BIN)/python scripts/benchmark.py

# Refresh the pictures in the README (docs/screenshots/) from the browser tests' screenshots/.
README_SHOTS := home-390 second_opinion-form-errors-390 confirmation-390 refer-form-1280 admin-queue-1280 admin-change-1280
screenshots: $(STAMP)
	DEBUG=0 SECRET_KEY=$${SECRET_KEY:-test-only-not-secret} $(BIN)/pytest tests/browser/test_screenshots.py
	for shot in $(README_SHOTS); do cp screenshots/$$shot-top.png docs/screenshots/$$shot.png; done

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
