# Shortcuts; the README's two commands work without make.
.PHONY: run test lint typecheck messages ci
run:
	python3.11 scripts/dev.py run
test:
	python3.11 scripts/dev.py test
lint: typecheck
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
typecheck:
	.venv/bin/mypy
messages:
	.venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var && .venv/bin/python manage.py compilemessages -l zh_Hans --ignore=.venv
ci:
	bash .ci/run
