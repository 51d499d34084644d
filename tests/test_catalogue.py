"""The zh_Hans catalogue: every message translated, none left fuzzy, the placeholders of each
translation the same as its source's, and the committed .mo file compiled from this .po."""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES"
# %(name)s with any width (%(month)02d), a bare %s or %d, a {name}: their names must match.
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdfi]|%[sd]|\{(\w*)\}")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def parse(path: Path) -> list[Entry]:
    """The entries of a PO file (obsolete ones left out), with the standard library only."""
    entries: list[Entry] = []
    current = Entry()
    key: tuple[str, int] | None = None

    def close() -> None:
        nonlocal current
        if current.msgid or current.msgstr:
            entries.append(current)
        current = Entry()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                close()
                key = None
            continue
        if line.startswith("#,"):
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            assert key is not None, f"{path}:{number}: a string outside an entry"
            value = ast.literal_eval(line)
            name, index = key
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, (getattr(current, name) or "") + value)
            continue
        word, _space, rest = line.partition(" ")
        value = ast.literal_eval(rest)
        current.line = current.line or number
        if word.startswith("msgstr["):
            index = int(word[7:-1])
            current.msgstr[index] = value
            key = ("msgstr", index)
        elif word == "msgstr":
            current.msgstr[0] = value
            key = ("msgstr", 0)
        else:
            assert word in ("msgid", "msgid_plural", "msgctxt"), f"{path}:{number}: {word}"
            setattr(current, word, value)
            key = (word, 0)
    close()
    return [e for e in entries if e.msgid]  # the header has an empty msgid


CATALOGUE = parse(LOCALE / "django.po")


def test_the_catalogue_has_messages():
    # A parser that read nothing would make every other test here pass vacuously.
    assert len(CATALOGUE) > 900


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = [e.msgid for e in CATALOGUE if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.msgid for e in CATALOGUE if "fuzzy" in e.flags]

    assert not untranslated, "untranslated: " + " | ".join(untranslated)
    assert not fuzzy, "fuzzy (check and clear the flag): " + " | ".join(fuzzy)


def test_each_translation_keeps_the_placeholders_of_its_source():
    broken = []
    for entry in CATALOGUE:
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        broken += [
            f"line {entry.line}: {entry.msgid} → {text}"
            for text in entry.msgstr.values()
            if sorted(PLACEHOLDER.findall(text)) != wanted
        ]

    assert not broken, "\n".join(broken)


def test_the_compiled_catalogue_is_compiled_from_this_one():
    with (LOCALE / "django.mo").open("rb") as compiled:
        translations = gettext.GNUTranslations(compiled)
    stale = []
    for entry in CATALOGUE:
        if entry.msgid_plural:
            got = (
                translations.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
                if (entry.msgctxt)
                else translations.ngettext(entry.msgid, entry.msgid_plural, 1)
            )
        elif entry.msgctxt:
            got = translations.pgettext(entry.msgctxt, entry.msgid)
        else:
            got = translations.gettext(entry.msgid)
        if got != entry.msgstr[0]:
            stale.append(entry.msgid)

    assert not stale, "compile the catalogue again (make messages): " + " | ".join(stale[:20])
