"""The gettext catalogues: every text in the code is in every supported language (en, es, pl), translated
and compiled, placeholders, slash commands and line breaks survive translation, plural forms follow each
language's rule, and a Spanish- or Polish-speaking family really gets its language. A new language added
as docs/languages.md says is covered here without a new test."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from messages import catalogues, render
from messages.catalog import SUPPORTED_LANGUAGES, translator
from tests.support.harness import Harness

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
SPANISH_MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic")
SPANISH_WEEKDAYS = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


TRANSLATED = tuple(lang for lang in SUPPORTED_LANGUAGES if lang != "en")
SAME_IN_EVERY_LANGUAGE = {"FamilyTeam", "{where}: {problem}", "{alias} — plan version {version}",
                          "{member} ({alias})"}


def translated_messages() -> list:
    return [(lang, m) for lang in TRANSLATED for m in catalogues.load(lang) if m.id]


def _label(item: tuple) -> str:
    lang, m = item
    return f"{lang}:{(m.id if isinstance(m.id, str) else m.id[0])[:50]}"


def es_messages() -> list:
    return [m for m in catalogues.load("es") if m.id]


def test_catalogues_are_complete_translated_and_compiled() -> None:
    assert set(SUPPORTED_LANGUAGES) == {"en", "es", "pl"}
    assert catalogues.check() == []


def test_spanish_catalogue_is_not_empty_and_has_plural_forms() -> None:
    catalog = catalogues.load("es")
    assert len(es_messages()) > 100
    assert catalog.num_plurals == 2
    assert catalog.plural_expr.replace(" ", "") == "(n!=1)"
    assert not catalog.fuzzy


def test_polish_catalogue_is_full_has_three_plural_forms_and_asks_for_review() -> None:
    catalog = catalogues.load("pl")
    assert {m.id for m in catalog if m.id} == {m.id for m in catalogues.extract() if m.id}
    assert catalog.num_plurals == 3
    assert catalog.plural_expr.replace(" ", "") == "(n==1?0:n%10>=2&&n%10<=4&&(n%100<10||n%100>=20)?1:2)"
    assert not catalog.fuzzy
    header = catalogues.po_path("pl").read_text(encoding="utf-8").split("msgid", 1)[0]
    assert "NATIVE SPEAKER REVIEW NEEDED" in header


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_are_not_english_copies(language: str) -> None:
    copies = [m.id for m in catalogues.load(language) if m.id and isinstance(m.id, str) and m.string == m.id
              and m.id not in SAME_IN_EVERY_LANGUAGE]
    assert copies == []


@pytest.mark.parametrize("item", translated_messages(), ids=_label)
def test_translations_keep_every_placeholder(item) -> None:
    language, message = item
    if isinstance(message.id, str):
        assert placeholders(message.string) == placeholders(message.id)
        return
    singular, plural = message.id
    forms = message.string
    assert len(forms) == catalogues.load(language).num_plurals and all(forms)
    # The singular may say "one" in words instead of {n}; every other placeholder must be there.
    assert placeholders(forms[0]) - {"{n}"} == placeholders(singular) - {"{n}"}
    assert placeholders(forms[0]) <= placeholders(singular) | {"{n}"}
    for form in forms[1:]:
        assert placeholders(form) == placeholders(plural)


@pytest.mark.parametrize("item", translated_messages(), ids=_label)
def test_translations_keep_slash_commands_and_line_breaks(item) -> None:
    _, message = item
    ids = (message.id,) if isinstance(message.id, str) else tuple(message.id)
    strings = (message.string,) if isinstance(message.string, str) else tuple(message.string)
    for msgid, msgstr in zip(ids * 3, strings, strict=False):
        assert re.findall(r"(?<!\w)/[a-z]+\b", msgstr) == re.findall(r"(?<!\w)/[a-z]+\b", msgid)
        assert msgstr.count("\n") == msgid.count("\n")


def test_polish_plurals() -> None:
    tr = translator("pl")
    assert [tr.ngettext("{n} hour", "{n} hours", n).format(n=n) for n in (1, 2, 4, 5, 12, 22, 25, 112)] == [
        "1 godzina", "2 godziny", "4 godziny", "5 godzin", "12 godzin", "22 godziny", "25 godzin", "112 godzin"]
    assert translator("pl")._("Done") == "Zrobione"
    assert translator("pl-PL")._("Worried") == "Martwię się"


def test_translator_speaks_spanish_and_english() -> None:
    assert translator("es")._("Done") == "Hecho"
    assert translator("es")._("Not done") == "No hecho"
    assert translator("es")._("Worried") == "Me preocupa"
    assert translator("en")._("Done") == "Done"
    assert translator("es-MX")._("Done") == "Hecho"


def test_spanish_plurals() -> None:
    tr = translator("es")
    assert tr.ngettext("{n} hour", "{n} hours", 1).format(n=1) == "1 hora"
    assert tr.ngettext("{n} hour", "{n} hours", 3).format(n=3) == "3 horas"
    assert tr.ngettext("{n} hour", "{n} hours", 0).format(n=0) == "0 horas"


@pytest.mark.parametrize("language", ["fr", "pt-BR", "", None, "xx_YY"])
def test_unsupported_language_falls_back_to_english(language: str | None) -> None:
    tr = translator(language)
    assert tr.language == "en"
    assert tr._("Done") == "Done"
    assert tr._("Worried") == "Worried"


def test_spanish_checkin_prompt_has_spanish_buttons() -> None:
    data = {"done": "a", "not_done": "b", "worried": "c", "note": "d"}
    message = render.checkin_prompt(translator("es"), "la familia Rowan", "¿Recogiste a los niños?",
                                    "lun 30 nov, 15:30", data)
    assert message.text == "Seguimiento de la familia Rowan (lun 30 nov, 15:30):\n¿Recogiste a los niños?"
    labels = [b.label for row in message.buttons for b in row]
    assert labels == ["✅ Hecho", "❌ No hecho", "⚠️ Me preocupa", "Agregar una nota"]
    assert [b.data for row in message.buttons for b in row] == ["a", "b", "c", "d"]
    assert message.discreet_text == "Tienes un seguimiento nuevo."


def test_spanish_dates() -> None:
    when = translator("es").when(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), "Europe/Madrid")
    weekday, day, month = when.split(",")[0].split()
    assert weekday.rstrip(".") in SPANISH_WEEKDAYS and weekday.startswith("lun")
    assert day == "30"
    assert month.rstrip(".") in SPANISH_MONTHS and month.startswith("nov")
    assert when.endswith("16:30")  # 15:30 UTC is 16:30 in Madrid in winter
    assert translator("en").when(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), "Europe/Madrid") == "Mon 30 Nov, 16:30"


def test_language_set_names_the_new_language() -> None:
    assert render.language_set(translator("es")).text == "Idioma cambiado a español."
    assert render.language_set(translator("pl")).text == "Zmieniono język na polski."
    assert render.language_set(translator("en")).text == "Language changed to English."


async def test_spanish_family_member_joins_in_spanish(hs: Harness) -> None:
    fid = hs.make_family(alias="la familia Rowan", language="es")
    code = hs.invite(fid, "Gran", "key_safety_person")
    await hs.command("gran", "start", code)
    consent = hs.console.last_with_buttons("gran")
    assert consent is not None
    assert "¡Hola! Te han invitado a formar parte de la red de seguridad de la familia Rowan." in consent.text
    assert "Puedes salir cuando quieras enviando /stop." in consent.text
    assert "¿Estás de acuerdo?" in consent.text
    assert "invited" not in consent.text
    assert [b.label for row in consent.buttons for b in row] == ["Acepto", "No, gracias"]
    await hs.press("gran", "Acepto")
    assert any("Gracias por unirte a la red de seguridad de la familia Rowan." in t for t in hs.texts("gran"))
    assert not any("Thank you for joining" in t for t in hs.texts("gran"))
