# Everyday commands. Needs only Python >= 3.11 and make; everything else goes into .venv.
#   make install   create .venv and install the project with its test tools
#   make run       migrate, seed the demo and serve on http://127.0.0.1:8000
#   make test      lint, then the test suite
#   make lint      ruff, formatting, mypy, missing migrations, bandit and semgrep
#   make fmt       format the code and apply ruff's safe fixes
#   make clean     remove .venv and generated files

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install run test lint fmt clean

install: $(STAMP)

# Reinstalls only when pyproject.toml changes: the project is installed in editable mode.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "Python 3.11 or newer is needed, but '$(PYTHON)' is not one."; \
	  echo "Install it, or point make at it: make PYTHON=python3.11 $(MAKECMDGOALS)"; \
	  exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# Development server. DEBUG defaults to true here; variables set in the environment win.
# Background tasks: with REDIS_URL set, a Celery worker (with beat) takes them from Redis;
# without it they run in-process, and a beat process runs the periodic ones itself.
run: export DEBUG ?= true
run: install
	@mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo
	@echo "  Mentoring runs at http://127.0.0.1:8000"
	@echo
	@echo "  Demo accounts, all with the password: mentoring-demo"
	@echo "    coordinator@example.org   runs the program"
	@echo "    mentor@example.org        paired with mentee@example.org"
	@echo "    mentor2@example.org       paired with mentee2@example.org"
	@echo "    supervisor@example.org    supervises mentee@example.org's mentorship"
	@echo "    outsider@example.org      belongs to no program"
	@echo
	@if [ -n "$$REDIS_URL" ]; then \
	  echo "  Background tasks: Celery worker and beat through Redis (log: var/celery.log)"; \
	  $(BIN)/celery -A mentorship worker --beat --loglevel=info \
	    -s var/celerybeat-schedule --pidfile=var/celery.pid >var/celery.log 2>&1 & \
	else \
	  echo "  Background tasks: in-process; periodic ones from Celery beat (log: var/celery.log)"; \
	  $(BIN)/celery -A mentorship beat --loglevel=info \
	    -s var/celerybeat-schedule --pidfile=var/celery.pid >var/celery.log 2>&1 & \
	fi; \
	celery_pid=$$!; \
	trap 'kill $$celery_pid 2>/dev/null; wait $$celery_pid 2>/dev/null' EXIT; \
	trap 'exit 130' INT TERM; \
	echo; \
	$(MANAGE) runserver 127.0.0.1:8000

test: lint
	@$(BIN)/pytest -n 2 $(PYTEST_ARGS) || { status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest collected no tests: that is a failure."; fi; \
	  exit $$status; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy mentorship agreements reviews
	DEBUG=true $(MANAGE) makemigrations --check --dry-run
	$(BIN)/bandit --quiet --recursive --severity-level medium \
	  --exclude '*/migrations/*' mentorship agreements reviews
	$(BIN)/semgrep scan --config .semgrep/ --metrics=off --disable-version-check \
	  --no-git-ignore --error --quiet mentorship agreements reviews templates

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles test-results
