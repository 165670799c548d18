"""SenLab's messages in Vietnamese first, then English: the catalogues, the choice of
language, and numbers, dates and counts of people written the way each language writes them.

    from senlab.i18n import resolve, translator
    _ = translator(resolve())                     # the user's language, see `resolve`
    _("Course {course}: completed", course="iot101")   # "Khóa học iot101: đã hoàn thành"
    _.ngettext("{n} person", "{n} people", 1000)       # "1.000 người" ({n} is filled in)

The catalogues are `locale/<lang>/LC_MESSAGES/senlab.po` beside this file, msgids in
English. They are read with Babel as they are, with no compile step: a fresh clone speaks
Vietnamese without running anything first. An English msgstr may be left empty: it means
the msgid itself. A fuzzy entry is never used (gettext's rule), so a translation marked
for review falls back to the English msgid instead of showing a guess.

Which language: `resolve` is the one place that decides, in this order: the language the
user chooses (a command's `--lang`, `SENLAB_LANG`), the user's remembered choice, the
browser's `Accept-Language`, the locale variables `LC_ALL`, `LC_MESSAGES`, `LANG`, then
Vietnamese. A language SenLab does not offer is an error where it is chosen, and skipped
where it is only a preference or an old choice.

For translators: write the Vietnamese a technician would say, with the terms of the
glossary (bước kiểm tra for a lab check, bài thực hành for a lab, giấy chứng nhận, học viên,
giảng viên…), the tone marks of administrative texts (khóa, hóa, xóa) and keep every `{name}`
field exactly as the msgid has it (they may move within the sentence). Run
`python -m senlab.i18n.catalogues --update` after changing messages in the code, then fill
in the empty msgstr of the Vietnamese catalogue; `make test` fails until none is missing,
empty, fuzzy, mismatched or unused.

This module imports nothing else from senlab: every layer may use it.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date as _babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

OFFERED: tuple[str, ...] = ("vi", "en")
"""The languages SenLab speaks, in the order it prefers them."""
DEFAULT = "vi"
DOMAIN = "senlab"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

# The locale variables that name the language of messages, in the priority order of the
# GNU gettext manual, 2.3.2 "Locale Environment Variables" (LC_ALL overrides LC_xxx, which
# overrides LANG; a variable set but empty is ignored). GNU's own LANGUAGE list is not read:
# SenLab offers two languages, and LANGUAGE is ignored by gettext itself under the C locale.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

_FIELD = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}")


class LanguageError(ValueError):
    """A language was asked for that SenLab does not offer; the message names the offered."""

    def __init__(self, lang: str, where: str | None = None):
        self.lang, self.where = lang, where
        super().__init__(lang)

    def __str__(self) -> str:
        _ = translator(resolve(environ=None))
        text = _("language '{lang}' is not offered; offered: {offered}",
                 lang=self.lang, offered=", ".join(OFFERED))
        return f"{self.where}: {text}" if self.where else text


_PERCENT_FIELD = re.compile(r"%(?:\(([A-Za-z_][A-Za-z0-9_]*)\))?[sdr]")


def percent_fields(message: str) -> list[str]:
    """The %-style fields of a message (argparse's: `%(prog)s`, `%s`), in order of kind:
    named ones by name, positional ones as "" (they cannot move, so their count matters)."""
    return sorted(_PERCENT_FIELD.findall(message.replace("%%", "")))


def placeholders(message: str) -> set[str]:
    """The `{name}` fields of a message (`{{` and `}}` are literal braces, not fields)."""
    return set(_FIELD.findall(message.replace("{{", "").replace("}}", "")))


def language_of(tag: str | None) -> str | None:
    """The primary language of a locale name or language tag, lower case, or None.

    `vi_VN.UTF-8` → `vi`, `en-GB` → `en`, `C` / `POSIX` / `C.UTF-8` (no language) → None.
    """
    if not tag:
        return None
    primary = re.split(r"[-_.@]", tag.strip(), maxsplit=1)[0].lower()
    if primary in ("", "c", "posix") or not primary.isalpha():
        return None
    return primary


def offered(lang: str | None, where: str | None = None) -> str:
    """`lang` as SenLab spells it if offered (`vi-VN` → `vi`), else LanguageError."""
    code = language_of(lang)
    if code not in OFFERED:
        raise LanguageError(str(lang), where)
    return code


def parse_accept_language(header: str | None) -> list[tuple[str, float]]:
    """An `Accept-Language` header's language ranges with their weights, best first.

    RFC 7231, 5.3.5 (Accept-Language) and 5.3.1 (quality values), carried into RFC 9110:
    `1#( language-range [ weight ] )`; a missing q is 1; q runs from 0 to 1 with at most
    three decimals, and q=0 means "not acceptable". Equal weights keep the header's order.
    A range with a malformed weight is ignored, as is an empty one, rather than failing
    the request that carries it.
    """
    ranges: list[tuple[str, float]] = []
    for item in (header or "").split(","):
        parts = [part.strip() for part in item.split(";")]
        tag = parts[0]
        if not tag or not re.fullmatch(r"\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", tag):
            continue
        weight: float | None = 1.0
        for param in parts[1:]:
            name, _eq, value = param.partition("=")
            if name.strip().lower() == "q":
                weight = (float(value) if re.fullmatch(r"0(\.\d{0,3})?|1(\.0{0,3})?",
                                                       value.strip()) else None)
        if weight is not None:
            ranges.append((tag.lower(), weight))
    return sorted(ranges, key=lambda pair: -pair[1])


def from_accept_language(header: str | None) -> str | None:
    """The offered language a browser prefers most, or None when it accepts none of them.

    A range matches by its primary subtag (RFC 4647, 3.3.1, basic filtering: `vi-VN`
    matches `vi`). `*` stands for any offered language the header does not name (RFC 4647,
    3.3.1 as HTTP uses it). A language the header gives q=0 is never chosen.
    """
    ranges = parse_accept_language(header)
    refused = {language_of(tag) for tag, weight in ranges if weight == 0 and tag != "*"}
    named = {language_of(tag) for tag, _ in ranges if tag != "*"}
    for tag, weight in ranges:
        if weight == 0:
            continue
        if tag == "*":
            rest = [lang for lang in OFFERED if lang not in named and lang not in refused]
            if rest:
                return rest[0]
            continue
        lang = language_of(tag)
        if lang in OFFERED and lang not in refused:
            return lang
    return None


def from_environment(environ: Mapping[str, str]) -> str | None:
    """The language of the locale in force (`LC_ALL`, else `LC_MESSAGES`, else `LANG`), if
    SenLab offers it. The first variable set decides: a French `LC_ALL` is not overridden
    by an English `LANG`; it leaves the choice to the next step."""
    for name in LOCALE_VARIABLES:
        value = environ.get(name)
        if value:
            lang = language_of(value)
            return lang if lang in OFFERED else None
    return None


def resolve(choice: str | None = None, *, where: str | None = None,
            remembered: str | None = None, accept_language: str | None = None,
            environ: Mapping[str, str] | None = None) -> str:
    """The language to speak: `choice`, else the remembered choice, else `Accept-Language`,
    else the locale, else vi.

    `choice` is what the user chooses now (a command's `--lang`, `SENLAB_LANG`, a language
    picked on a page): one SenLab does not offer raises LanguageError, with `where` naming
    where it was chosen. `remembered` is a choice stored earlier (a cookie, a profile): it
    was checked when it was made, so one no longer offered is skipped, not an error.
    `environ` defaults to `os.environ`.
    """
    if choice:
        return offered(choice, where)
    if language_of(remembered) in OFFERED:
        return str(language_of(remembered))
    if environ is None:
        import os

        environ = os.environ
    return from_accept_language(accept_language) or from_environment(environ) or DEFAULT


class Translator:
    """One language's messages: call it like gettext, with `{name}` fields as keywords."""

    def __init__(self, lang: str, translations: Translations):
        self.lang = lang
        self._translations = translations

    def __call__(self, message: str, /, **fields: Any) -> str:
        text = self._translations.gettext(message)
        return text.format(**fields) if fields else text

    gettext = __call__

    def ngettext(self, singular: str, plural: str, n: int, /, **fields: Any) -> str:
        """The form for `n` (Vietnamese has one, English two); `{n}` is filled in too,
        written in this language (1.000 in vi, 1,000 in en)."""
        text = self._translations.ngettext(singular, plural, n)
        return text.format(**{"n": format_number(n, self.lang), **fields})

    def pick(self, texts: Mapping[str, Any] | str | None) -> str:
        """This language's text from a `{'vi': …, 'en': …}` dict (as lab files and the fleet
        give them), else the other language's, else ""; a plain string is itself."""
        if texts is None:
            return ""
        if not isinstance(texts, Mapping):
            return str(texts)
        for lang in (self.lang, *OFFERED):
            if texts.get(lang):
                return str(texts[lang])
        return ""

    def __repr__(self) -> str:
        return f"Translator({self.lang!r})"


def N_(message: str) -> str:
    """Marks a message for the catalogues where it is written, to be translated where it is
    shown (`ROLES = {"trainee": N_("trainee")}` … `_(ROLES[role])`); returns it unchanged."""
    return message


KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
"""The calls whose literal arguments are messages, for Babel's extractor (`pybabel extract
-k`): `_(msg)`, `_.gettext(msg)`, `_.ngettext(singular, plural, n)`, `N_(msg)`."""


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translator(lang: str) -> Translator:
    """The translator for an offered language (LanguageError for any other)."""
    lang = offered(lang)
    with open(catalogue_path(lang), "rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # in memory; fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translator(lang, Translations(compiled, domain=DOMAIN))


def gettext(lang: str) -> Translator:
    """The same as `translator(lang)`: `_ = gettext("vi")`."""
    return translator(lang)


def format_number(value: float | int | Decimal, lang: str) -> str:
    """A number as the language writes it: 64,52 and 1.000 in vi; 64.52 and 1,000 in en
    (Babel's CLDR data for each locale)."""
    return format_decimal(value, locale=offered(lang))


def format_percent_value(percent: float | int | Decimal, lang: str) -> str:
    """A percentage given in percent (64.52 → "64,52%" in vi, "64.52%" in en).

    Vietnamese writes no space before the sign, as the plan does and as CLDR's vi
    pattern `#,##0%` does; the decimals given are kept.
    """
    fraction = Decimal(str(percent)) / 100
    return format_percent(fraction, locale=offered(lang), decimal_quantization=False)


def format_date(day: _dt.date, lang: str) -> str:
    """A date: dd/mm/yyyy in vi (02/12/2026), as administrative texts write it; "2 Dec 2026"
    in en, which no reader takes for the 12th of February."""
    lang = offered(lang)
    pattern = "dd/MM/yyyy" if lang == "vi" else "d MMM y"
    return _babel_format_date(day, pattern, locale=lang)


def whole_people(count: float | int | Decimal) -> int:
    """A count of people is a whole number: the nearest one, halves up (159.08 → 159)."""
    return int(Decimal(str(count)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_people(count: float | int | Decimal, lang: str) -> str:
    """A count of people with its unit from the catalogue: "159 người", "159 people"."""
    n = whole_people(count)
    return translator(lang).ngettext("{n} person", "{n} people", n)
