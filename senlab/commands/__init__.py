"""Subcommands of `senlab`, one module per area; each module has `register(subparsers, _)`.

Every message a subcommand prints comes from the catalogues of `senlab.i18n`, in the
language `senlab` resolved for this run (`--lang`, else the locale, else Vietnamese) and
handed down as `args.lang`.
"""

from __future__ import annotations

import argparse

from senlab.i18n import Translator, resolve, translator


def tr(args: argparse.Namespace) -> Translator:
    """The translator for this run: `args.lang` as `senlab` resolved it, else the locale's."""
    return translator(getattr(args, "lang", None) or resolve())


def role_label(_: Translator, role: str) -> str:
    """A role of the roster or the demo cohort as the reader's language names it."""
    labels = {"trainee": _("trainee"), "manager": _("enterprise manager"),
              "instructor": _("instructor"), "dost": _("DOST staff"), "admin": _("operator")}
    return labels.get(role, role)
