"""Gettext catalogues compiled with Babel, and date/time formatting in the reader's language and zone."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_time
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "familyteam"
SUPPORTED_LANGUAGES = ("en", "es", "pl")  # adding one: docs/languages.md


class Translator:
    """One language's texts. `_` and `ngettext` are the names Babel's extractor looks for."""

    def __init__(self, language: str, translations: NullTranslations) -> None:
        self.language = language
        self._t = translations

    def _(self, message: str) -> str:
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def when(self, instant: datetime, tz_name: str) -> str:
        """"Mon 30 Nov, 18:00" in the reader's zone and language."""
        return format_datetime(instant.astimezone(ZoneInfo(tz_name)), "EEE d MMM, HH:mm", locale=self.language)

    def time(self, instant: datetime, tz_name: str) -> str:
        return format_time(instant.astimezone(ZoneInfo(tz_name)), "HH:mm", locale=self.language)


def supported(language: str | None) -> str | None:
    """The supported language a code means ("es-MX" -> "es", "pl_PL" -> "pl"), or None ("fr", "", None)."""
    lang = (language or "").split("-")[0].split("_")[0].lower()
    return lang if lang in SUPPORTED_LANGUAGES else None


def normalise_language(language: str | None, default: str = "en") -> str:
    lang = (language or default).split("-")[0].split("_")[0].lower()
    return lang if lang in SUPPORTED_LANGUAGES else default


@lru_cache(maxsize=8)
def translator(language: str | None) -> Translator:
    lang = normalise_language(language)
    translations = Translations.load(str(LOCALE_DIR), [lang], DOMAIN)
    return Translator(lang, translations)
