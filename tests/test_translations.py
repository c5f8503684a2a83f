"""The Finnish and Swedish catalogues are complete, well-formed and up to date with the source.

When a test here fails because of a new or changed UI string, regenerate and translate the catalogues:

    .venv/bin/python scripts/devdb.py manage.py makemessages -l fi -l sv -l en --no-location \\
        --ignore=.venv --ignore=.devdb --ignore=staticfiles --ignore=tests
    # translate the new entries in locale/fi and locale/sv, remove their "#, fuzzy" flags
    .venv/bin/python scripts/compile_messages.py
"""

import ast
import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = ["fi", "sv"]
ALL_LANGUAGES = ["fi", "sv", "en"]

# The same directories makemessages is told to ignore, plus hidden ones (which it always ignores).
IGNORED_DIRS = {".venv", ".devdb", "staticfiles", "tests", "node_modules", "__pycache__"}

# Python-format placeholders: %(name)s, %s, %d, %i, %f ("%%" is a literal percent sign, removed first).
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdif]|%[-#0 +]*\d*(?:\.\d+)?[sdif]")

# Gettext functions as makemessages (xgettext) knows them: name -> (context arg, msgid arg, plural arg).
GETTEXT_FUNCTIONS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}

# templatize() turns translation tags into calls such as ` gettext(u'...') ` and ` pgettext(u'c', u'...') `.
TEMPLATIZED_CALL = re.compile(r"\b(npgettext|pgettext|ngettext|gettext|_)\(")
TEMPLATIZED_LITERAL = re.compile(r"""\s*u?('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*,?""")


def po_path(lang: str) -> Path:
    return ROOT / "locale" / lang / "LC_MESSAGES" / "django.po"


def catalogue(lang: str) -> polib.POFile:
    return polib.pofile(str(po_path(lang)))


def live_entries(lang: str) -> list[polib.POEntry]:
    return [entry for entry in catalogue(lang) if not entry.obsolete]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def describe(entry: polib.POEntry) -> str:
    context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
    return f"{entry.msgid!r}{context}"


def source_files(*suffixes: str) -> list[Path]:
    found = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in IGNORED_DIRS and not d.startswith(".")]
        found.extend(Path(directory, name) for name in files if Path(name).suffix in suffixes)
    return sorted(found)


def python_messages(path: Path) -> set[tuple[str | None, str]]:
    """(context, msgid) of every gettext call with literal arguments, as xgettext would extract them."""
    messages = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = (
            func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        )
        if name not in GETTEXT_FUNCTIONS:
            continue
        context_at, msgid_at, plural_at = GETTEXT_FUNCTIONS[name]
        literal = [isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in node.args]
        needed = [at for at in (context_at, msgid_at, plural_at) if at is not None]
        if len(node.args) <= max(needed) or not all(literal[at] for at in needed):
            continue
        context = node.args[context_at].value if context_at is not None else None
        messages.add((context, node.args[msgid_at].value))
        if plural_at is not None:
            messages.add((context, node.args[plural_at].value))
    return messages


def template_messages(path: Path) -> set[tuple[str | None, str]]:
    """(context, msgid) of every translate/blocktranslate tag, through Django's own templatize()."""
    messages = set()
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    for call in TEMPLATIZED_CALL.finditer(code):
        args, pos = [], call.end()
        while match := TEMPLATIZED_LITERAL.match(code, pos):
            args.append(ast.literal_eval(match.group(1)))
            pos = match.end()
        if not args:
            continue
        name = call.group(1)
        if name.startswith("np"):
            messages.update({(args[0], msgid) for msgid in args[1:3]})
        elif name.startswith("p"):
            messages.add((args[0], args[1]))
        elif name.startswith("n"):
            messages.update({(None, msgid) for msgid in args[:2]})
        else:
            messages.add((None, args[0]))
    return messages


@functools.cache
def source_messages() -> dict[tuple[str | None, str], Path]:
    messages = {}
    for path in source_files(".py"):
        for message in python_messages(path):
            messages.setdefault(message, path)
    for path in source_files(".html", ".txt"):
        for message in template_messages(path):
            messages.setdefault(message, path)
    return messages


@pytest.mark.parametrize("lang", ALL_LANGUAGES)
def test_catalogue_header_is_valid(lang):
    po = catalogue(lang)
    assert not po.metadata_is_fuzzy, f"{lang}: the header is marked fuzzy"
    assert po.metadata.get("Language") == lang
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    assert po.metadata.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"
    assert po.encoding.lower() in {"utf-8", "utf8"}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang):
    untranslated = []
    for entry in live_entries(lang):
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(i, "") for i in range(2)]
            if not all(form.strip() for form in forms):
                untranslated.append(describe(entry))
        elif not entry.msgstr.strip():
            untranslated.append(describe(entry))
    assert not untranslated, f"{lang}: {len(untranslated)} untranslated: " + "; ".join(untranslated)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_message_is_fuzzy(lang):
    fuzzy = [describe(entry) for entry in live_entries(lang) if "fuzzy" in entry.flags]
    assert not fuzzy, f"{lang}: {len(fuzzy)} fuzzy (check them and remove the flag): " + "; ".join(fuzzy)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_are_kept(lang):
    wrong = []
    for entry in live_entries(lang):
        if entry.msgid_plural:
            pairs = [
                (entry.msgid, entry.msgstr_plural.get(0, "")),
                (entry.msgid_plural, entry.msgstr_plural.get(1, "")),
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, target in pairs:
            if target and placeholders(source) != placeholders(target):
                wrong.append(f"{source!r} -> {target!r}")
    assert not wrong, f"{lang}: placeholders differ: " + "; ".join(wrong)


def test_english_catalogue_does_not_override_the_source():
    overridden = [
        describe(entry)
        for entry in live_entries("en")
        if "fuzzy" not in entry.flags and (entry.msgstr or any(entry.msgstr_plural.values()))
    ]
    assert not overridden, "English is the source language; leave msgstr empty: " + "; ".join(overridden)


def test_all_catalogues_hold_the_same_messages():
    keys = {lang: {(entry.msgctxt, entry.msgid) for entry in live_entries(lang)} for lang in ALL_LANGUAGES}
    assert keys["fi"] == keys["sv"] == keys["en"], "Run makemessages for fi, sv and en together."


def test_extraction_finds_known_messages():
    """Guards the staleness check below against silently extracting nothing."""
    messages = source_messages()
    assert (None, "Sign in") in messages  # {% translate %} in a template
    assert (None, "%(value)s is not a valid Business ID: the check digit does not match.") in messages  # _()
    assert (None, "valid until %(date)s") in messages  # {% blocktranslate %}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogue_is_not_stale(lang):
    known = set()
    for entry in live_entries(lang):
        known.add((entry.msgctxt, entry.msgid))
        if entry.msgid_plural:
            known.add((entry.msgctxt, entry.msgid_plural))
    missing = [
        f"{msgid!r}{f' (context {context!r})' if context else ''} from {path.relative_to(ROOT)}"
        for (context, msgid), path in sorted(source_messages().items(), key=lambda item: str(item[0]))
        if (context, msgid) not in known
    ]
    assert not missing, (
        f"{lang}: {len(missing)} source strings are not in the catalogue; rerun makemessages and translate "
        "them (see this module's docstring): " + "; ".join(missing)
    )


@pytest.fixture(scope="module")
def compiled_catalogues():
    subprocess.run([sys.executable, str(ROOT / "scripts" / "compile_messages.py")], cwd=ROOT, check=True)


@pytest.mark.parametrize(
    ("lang", "source", "expected"),
    [
        ("sv", "Sign in", "Logga in"),
        ("fi", "Sign in", "Kirjaudu sisään"),
        ("sv", "Business ID", "FO-nummer"),
        ("fi", "Business ID", "Y-tunnus"),
        ("en", "Sign in", "Sign in"),
    ],
)
def test_compiled_catalogue_translates(compiled_catalogues, lang, source, expected):
    # Changing LOCALE_PATHS (even to the same value) makes Django drop the catalogues it has already loaded.
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)), translation.override(lang):
        assert translation.gettext(source) == expected
