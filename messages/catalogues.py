"""Keeping the gettext catalogues in step with the code, with Babel.

    python -m messages.catalogues update    # extract texts, merge into every language's .po (en, es, pl)
    python -m messages.catalogues compile   # write the .mo files the bot loads
    python -m messages.catalogues check     # what is missing, untranslated, fuzzy or not compiled
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from messages.catalog import DOMAIN, LOCALE_DIR, SUPPORTED_LANGUAGES

ROOT = LOCALE_DIR.parent.parent
SOURCES = ("bot", "handlers", "messages")
KEYWORDS = {"_": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    template = Catalog(project="FamilyTeam", domain=DOMAIN)
    for source in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
                ROOT / source, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)):
            template.add(message, None, [(f"{source}/{filename}", lineno)], auto_comments=comments, context=context)
    return template


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN)
    with path.open("rb") as f:
        return read_po(f, locale=language, domain=DOMAIN)


def update() -> None:
    for language in SUPPORTED_LANGUAGES:
        catalog = load(language)
        catalog.update(extract(), update_header_comment=False)  # a fresh template: messages are not shared
        if language == "en":  # English is the source language: its catalogue mirrors the code
            for message in catalog:
                if message.id:
                    message.string = message.id
                    message.flags.discard("fuzzy")
        catalog.obsolete.clear()
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)


def compile_all() -> None:
    for language in SUPPORTED_LANGUAGES:
        with po_path(language).with_suffix(".mo").open("wb") as f:
            write_mo(f, load(language), use_fuzzy=False)


def _key(value: object) -> object:
    """Babel gives plural ids and strings as lists: make them comparable and hashable."""
    return tuple(value) if isinstance(value, list) else value


def check() -> list[str]:
    problems: list[str] = []
    wanted = {m.id for m in extract() if m.id}
    for language in SUPPORTED_LANGUAGES:
        catalog = load(language)
        have = {m.id: m for m in catalog if m.id}
        for msgid in sorted(wanted, key=str):
            m = have.get(msgid)
            text = msgid if isinstance(msgid, str) else msgid[0]
            if m is None:
                problems.append(f"{language}: missing {text!r}")
            elif m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string):
                problems.append(f"{language}: untranslated or fuzzy {text!r}")
        mo = po_path(language).with_suffix(".mo")
        if not mo.exists():
            problems.append(f"{language}: not compiled")
            continue
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        with mo.open("rb") as f:
            compiled = {_key(m.id): _key(m.string) for m in read_mo(f) if m.id}
        expected = {_key(m.id): _key(m.string) for m in read_mo(io.BytesIO(buf.getvalue())) if m.id}
        if compiled != expected:
            problems.append(f"{language}: .mo is older than .po (run: python -m messages.catalogues compile)")
    return problems


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    problems = check() if command in ("check", "compile") else []
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
