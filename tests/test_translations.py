"""Every user-facing string has its 简体中文 translation, and the committed .mo matches the .po."""

import ast
import gettext
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "rapport" / "locale" / "zh_Hans" / "LC_MESSAGES"


def _entries():
    """(msgid, msgid_plural or None, [msgstr...], fuzzy) for each entry of django.po."""
    entry, key, fuzzy = {}, None, False
    for line in (LOCALE / "django.po").read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr")):
            key, _, literal = line.partition(" ")
            if key in {"msgctxt", "msgid"} and entry and "msgid" in entry:
                yield entry
                entry = {}
            entry.setdefault("fuzzy", fuzzy)
            entry[key] = ast.literal_eval(literal)
            fuzzy = False if key == "msgid" else fuzzy
        elif line.startswith('"') and key:
            entry[key] += ast.literal_eval(line)
        elif not line.strip() and entry and "msgstr" not in entry and "msgstr[0]" not in entry:
            continue
    if entry:
        yield entry


def test_every_string_is_translated():
    entries = list(_entries())
    assert len(entries) > 250  # the parser read the catalogue
    missing = [
        e["msgid"]
        for e in entries
        if e["msgid"] and (e["fuzzy"] or not (e.get("msgstr") or e.get("msgstr[0]")))
    ]
    assert missing == []


def test_the_compiled_catalogue_matches_the_sources():
    with open(LOCALE / "django.mo", "rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = []
    for e in _entries():
        if not e["msgid"]:
            continue
        if "msgctxt" in e:
            got, want = catalogue.pgettext(e["msgctxt"], e["msgid"]), e["msgstr"]
        elif "msgid_plural" in e:
            got = catalogue.ngettext(e["msgid"], e["msgid_plural"], 1)
            want = e["msgstr[0]"]
        else:
            got, want = catalogue.gettext(e["msgid"]), e["msgstr"]
        if got != want:
            stale.append(e["msgid"])
    assert stale == [], "run `make messages` and commit django.mo"
