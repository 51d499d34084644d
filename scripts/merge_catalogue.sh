#!/usr/bin/env bash
# Regenerate the zh_Hans catalogue from the source and fill new messages from the given
# .po files (translations written beside a change), then compile it. Needs GNU gettext.
set -euo pipefail
cd "$(dirname "$0")/.."
PO=locale/zh_Hans/LC_MESSAGES/django.po
.venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var >/dev/null
# makemessages guesses "fuzzy" translations for changed strings; empty them so that only an
# exact translation (kept, or from the given files) fills a message.
msgattrib --clear-fuzzy --empty -o "$PO.tmp" "$PO"
args=()
for extra in "$@"; do args+=(--compendium "$extra"); done
msgmerge -q -N "${args[@]}" -o "$PO" "$PO.tmp" "$PO.tmp"
rm -f "$PO.tmp"
missing=$(msgattrib --untranslated "$PO" | grep -c '^msgid' || true)
msgfmt --check -o "${PO%.po}.mo" "$PO"
echo "$(grep -c '^msgid' "$PO") messages, $missing untranslated (the header counts as one)"
