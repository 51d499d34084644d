#!/bin/sh
# Step the Locust mix up against gunicorn on loopback (see demo/management/commands/loadtest.py):
#   DATABASE_URL=postgres://…/tracker_bench scripts/loadtest.sh --users 5,10,20,40 --json out.json
set -e
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" manage.py loadtest "$@"
