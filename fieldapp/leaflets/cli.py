"""The ``fieldapp leaflet`` sub-command: one leaflet or card as a PDF.

Without a vault the sample configuration is used and every page carries a SAMPLE mark. Printing with a
vault's own configuration goes through ``render_leaflet(org, ...)`` once the vault is unlocked by the caller.
"""

from __future__ import annotations

import argparse
import sys

from fieldapp.cli_support import guarded
from fieldapp.errors import ExitCode
from fieldapp.i18n import _, ngettext
from fieldapp.leaflets.languages import BILINGUAL_PARTNERS, FORMATS, TAGS


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``leaflet`` to the command line's sub-commands; its handler is ``run``."""
    parser = subparsers.add_parser("leaflet", help=_("write a client information sheet or wallet card as PDF"))
    parser.add_argument("--lang", required=True, metavar="TAG",
                        help=_("the person's language: {tags}").format(tags=" ".join(TAGS)))
    parser.add_argument("--format", dest="fmt", default="a4", metavar="FORMAT",
                        help=_("{formats} (default: a4)").format(formats="|".join(FORMATS)))
    parser.add_argument("--bilingual", metavar="TAG",
                        help=_("print beside {partners} (A4 and A5 only)").format(partners=" or ".join(
                            BILINGUAL_PARTNERS)))
    parser.add_argument("--out", required=True, metavar="FILE.pdf", help=_("where to write the PDF"))
    parser.add_argument("--vault", metavar="PATH", default=argparse.SUPPRESS,
                        help=_("use this vault's organisation (default: the sample configuration)"))
    parser.add_argument("--user", help=_("your user name (with --vault; default: try every user)"))
    parser.set_defaults(handler=run)
    return parser


def _organisation(args):
    """The vault's own configuration (passphrase on stdin), or the sample without a vault."""
    from fieldapp.records import organisation

    if not getattr(args, "vault", None):
        return organisation.sample()
    from fieldapp.cli_support import unlocked

    with unlocked(args) as session:
        return organisation.load(session)


@guarded
def run(args) -> int:
    """Write the PDF; print the notes (draft translation, no QR code, SAMPLE) on stderr. Returns an exit code."""
    from fieldapp.leaflets.qt_render import render_leaflet

    result = render_leaflet(_organisation(args), args.lang, args.fmt, args.out, bilingual=args.bilingual)
    for note in result.notes:
        print(_("Note: {note}").format(note=note), file=sys.stderr)
    print(ngettext("Leaflet written: {path} ({pages} page)", "Leaflet written: {path} ({pages} pages)",
                   result.pages).format(path=result.path, pages=result.pages))
    return ExitCode.OK
