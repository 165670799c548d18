"""The catalogues against senlab's source: what is missing, untranslated, fuzzy, mismatched
or no longer used; and the update that brings new messages into both catalogues.

    .venv/bin/python -m senlab.i18n.catalogues           # list the problems (exit 1 if any)
    .venv/bin/python -m senlab.i18n.catalogues --update  # add new msgids, drop unused ones

`make test` runs the same check (tests/test_i18n.py): a message in the code that the
Vietnamese catalogue lacks, leaves empty or marks fuzzy, whose `{fields}` differ from the
msgid's, or an entry no code uses, fails the build.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from senlab.i18n import (
    DOMAIN,
    KEYWORDS,
    OFFERED,
    catalogue_path,
    percent_fields,
    placeholders,
)

SOURCE = Path(__file__).resolve().parents[1]
"""senlab's own package folder: every .py file below it is read for messages."""

LANGUAGE_NAMES = {"vi": "Vietnamese", "en": "English"}
HEADER = """\
# SenLab's messages in {language}. msgids are English; see the translators' notes in
# senlab/i18n/__init__.py. Update with: python -m senlab.i18n.catalogues --update
#"""

MessageId = str | tuple[str, str]
"""A msgid, or (singular, plural) for a message with plural forms."""


@dataclass(frozen=True)
class Problem:
    lang: str
    message: MessageId
    what: str

    def __str__(self) -> str:
        shown = self.message if isinstance(self.message, str) else " | ".join(self.message)
        return f"{self.lang}: {shown!r}: {self.what}"


def extract_messages(root: Path = SOURCE) -> dict[MessageId, list[str]]:
    """Every message the source under `root` passes to `_`, `gettext`, `ngettext` or `N_`,
    with where it is (`cli.py:42`), by Babel's Python extractor."""
    found: dict[MessageId, list[str]] = {}
    method_map = [("**.py", "python")]
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(root), method_map=method_map, keywords=KEYWORDS):
        if isinstance(message, tuple):
            if len(message) < 2 or not all(message[:2]):
                continue
            message = (message[0], message[1])
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def load(path: Path, lang: str) -> Catalog:
    with open(path, "rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def _key(message: Message) -> MessageId:
    msgid = message.id
    return (msgid[0], msgid[1]) if isinstance(msgid, tuple | list) else msgid


def _strings(message: Message) -> list[str]:
    value = message.string
    if isinstance(value, tuple | list):
        return [text or "" for text in value]
    return [value or ""]


def _singular(message_id: MessageId) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def _percent_fields(message_id: MessageId) -> list[str]:
    return percent_fields(_singular(message_id))


def _fields(message_id: MessageId) -> set[str]:
    texts = [message_id] if isinstance(message_id, str) else list(message_id)
    return set().union(*(placeholders(text) for text in texts))


def check_catalogue(catalog: Catalog, messages: Iterable[MessageId], *,
                    require_translation: bool) -> list[Problem]:
    """What is wrong with `catalog` against the messages the code uses.

    Every message must be in it and no entry may be unused (obsolete). With
    `require_translation` (the Vietnamese catalogue) every msgstr must be filled in and not
    fuzzy; in any catalogue a filled msgstr must have exactly the msgid's `{fields}`.
    """
    lang = str(catalog.locale or "?")
    wanted = set(messages)
    entries = {_key(message): message for message in catalog if message.id}
    problems = [Problem(lang, m, "missing from the catalogue")
                for m in sorted(wanted - entries.keys(), key=str)]
    problems += [Problem(lang, m, "in the catalogue but no code uses it (obsolete)")
                 for m in sorted(entries.keys() - wanted, key=str)]
    problems += [Problem(lang, _key(m), "obsolete entry (#~) left in the catalogue")
                 for m in catalog.obsolete.values()]
    for key in sorted(wanted & entries.keys(), key=str):
        message = entries[key]
        if isinstance(key, tuple) != message.pluralizable:
            problems.append(Problem(lang, key, "plural forms differ from the code's call"))
            continue
        strings = _strings(message)
        if require_translation and (message.fuzzy or not all(strings)):
            problems.append(Problem(lang, key, "fuzzy" if message.fuzzy else "not translated"))
            continue
        fields, percent = _fields(key), _percent_fields(key)
        for text in strings:
            if text and placeholders(text) != fields:
                problems.append(Problem(
                    lang, key, f"fields {sorted(placeholders(text))} in the translation, "
                               f"{sorted(fields)} in the msgid"))
            elif text and percent_fields(text) != percent:
                problems.append(Problem(
                    lang, key, f"%-fields {percent_fields(text)} in the translation, "
                               f"{percent} in the msgid"))
            elif text and text.endswith("\n") != _singular(key).endswith("\n"):
                problems.append(Problem(lang, key, "the msgid and the translation differ in "
                                                   "ending with a new line"))
    return problems


def check_all(root: Path = SOURCE) -> list[Problem]:
    """Every catalogue against the code: Vietnamese must be complete, English may be empty."""
    messages = extract_messages(root)
    problems: list[Problem] = []
    for lang in OFFERED:
        problems += check_catalogue(load(catalogue_path(lang), lang), messages,
                                    require_translation=lang != "en")
    return problems


def update(root: Path = SOURCE) -> None:
    """Bring each catalogue in line with the code: new msgids added with an empty msgstr
    (for a translator to fill in), entries no code uses removed, the rest kept."""
    messages = extract_messages(root)
    for lang in OFFERED:
        path = catalogue_path(lang)
        old = load(path, lang) if path.exists() else Catalog(locale=lang, domain=DOMAIN)
        new = Catalog(locale=lang, domain=DOMAIN, project="SenLab", version="0.1.0",
                      header_comment=HEADER.format(language=LANGUAGE_NAMES[lang]),
                      copyright_holder="SenLab", msgid_bugs_address="SenLab",
                      last_translator=old.last_translator if path.exists() else "SenLab",
                      language_team=LANGUAGE_NAMES[lang], creation_date=old.creation_date,
                      revision_date=old.revision_date, fuzzy=False)
        kept = {_key(message): message for message in old if message.id}
        for key, where in messages.items():
            previous = kept.get(key)
            string: str | tuple[str, ...] = ("", "") if isinstance(key, tuple) else ""
            flags: set[str] = set()
            if previous is not None:
                string = tuple(_strings(previous)) if isinstance(key, tuple) else (
                    previous.string if isinstance(previous.string, str) else "")
                flags = set(previous.flags)
            locations = [(f"senlab/{w.rsplit(':', 1)[0]}", int(w.rsplit(":", 1)[1]))
                         for w in where]
            new.add(key, string, locations=locations, flags=flags,
                    user_comments=previous.user_comments if previous else ())
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            write_po(handle, new, width=100, sort_output=False, include_previous=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m senlab.i18n.catalogues",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true",
                        help="add new messages to the catalogues and drop unused ones")
    args = parser.parse_args(argv)
    if args.update:
        update()
    problems = check_all()
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
