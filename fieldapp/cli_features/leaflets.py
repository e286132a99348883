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
from fieldapp.leaflets.errors import CatalogueError
from fieldapp.leaflets.languages import BILINGUAL_PARTNERS, DEFAULT_VARIANT, FORMATS, TAGS, VARIANTS


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
    parser.add_argument("--variant", default=DEFAULT_VARIANT, metavar="READER",
                        help=_("who the sheet speaks to: {variants} (default: {default})").format(
                            variants="|".join(VARIANTS), default=DEFAULT_VARIANT))
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

    result = render_leaflet(_organisation(args), args.lang, args.fmt, args.out, bilingual=args.bilingual,
                            variant=args.variant)
    for note in result.notes:
        print(_("Note: {note}").format(note=note), file=sys.stderr)
    print(ngettext("Leaflet written: {path} ({pages} page)", "Leaflet written: {path} ({pages} pages)",
                   result.pages).format(path=result.path, pages=result.pages))
    return ExitCode.OK


def register_translations(subparsers) -> argparse.ArgumentParser:
    """Add ``leaflet-texts`` (the leaflet texts' review workflow) to the command line's sub-commands."""
    parser = subparsers.add_parser("leaflet-texts", help=_("review the leaflet texts: status, export, import, "
                                                          "stamp"))
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("status", help=_("each language's content version, date and review status"))
    export = actions.add_parser("export", help=_("write one language as a .po file for a reviewer "
                                                 "(Weblate and Poedit open it)"))
    export.add_argument("--lang", required=True, metavar="TAG")
    export.add_argument("--out", required=True, metavar="FILE.po")
    incoming = actions.add_parser("import", help=_("show what a returned .po file changes; --apply writes it"))
    incoming.add_argument("--lang", required=True, metavar="TAG")
    incoming.add_argument("file", metavar="FILE.po")
    incoming.add_argument("--apply", action="store_true", help=_("write the changes (the language becomes a draft "
                                                                  "unless a reviewer is named)"))
    incoming.add_argument("--reviewed-by", metavar="NAME", default="",
                          help=_("the reviewer from outside the team who checked this text"))
    incoming.add_argument("--reviewer-organisation", metavar="ORG", default="")
    stamp = actions.add_parser("stamp", help=_("after editing a catalogue by hand: record its new version and date"))
    stamp.add_argument("--lang", metavar="TAG", help=_("one language (default: all)"))
    parser.set_defaults(handler=run_translations)
    return parser


@guarded
def run_translations(args) -> int:
    from fieldapp.leaflets import catalogue, review
    from fieldapp.leaflets.languages import LANGUAGES, language

    if args.action == "status":
        return _status(catalogue, LANGUAGES)
    if args.action == "export":
        print(_("Written: {path}").format(path=review.export(args.lang, args.out)))
        return ExitCode.OK
    if args.action == "stamp":
        for lang in ([language(args.lang)] if args.lang else LANGUAGES):
            if review.stamp(lang.tag):
                print(_("{tag}: new version {version}").format(tag=lang.tag, version=catalogue.load(lang.tag).version))
        review.write_template()
        return ExitCode.OK
    return _import(args, review)


def _status(catalogue, languages) -> int:
    """One line per language; a broken catalogue says why on its line and the others still show."""
    broken = 0
    for lang in languages:
        try:
            cat = catalogue.load(lang.tag)
        except CatalogueError as error:
            broken += 1
            print(f"{lang.tag:8} {error.message}")
            continue
        state = (_("edited since its review") if cat.status.edited_since_review else
                 _("edited, not stamped") if not cat.stamped else
                 _("reviewed by {who} on {when}").format(who=cat.status.reviewed_by, when=cat.status.reviewed_on)
                 if not cat.status.is_draft else _("draft"))
        print(f"{lang.tag:8} {cat.version}  {cat.date.isoformat()}  {state}")
    return ExitCode.INVALID_INPUT if broken else ExitCode.OK


def _import(args, review) -> int:
    from fieldapp.leaflets.content import strip_invisible
    from fieldapp.leaflets.languages import language

    tag = language(args.lang).tag
    reviewer = (review.check_reviewer(tag, args.reviewed_by, args.reviewer_organisation)
                if args.reviewed_by or args.reviewer_organisation else "")
    incoming = review.read_incoming(args.file)
    changes = review.compare(tag, incoming)
    for change in changes:
        print(f"{change.key}\n  - {strip_invisible(change.old)}\n  + {strip_invisible(change.new)}")
    print(ngettext("{count} text changed.", "{count} texts changed.", len(changes)).format(count=len(changes)))
    if not args.apply:
        print(_("Nothing written: run again with --apply to write these changes."))
        return ExitCode.OK
    version = review.write(tag, {key: text for key, (_english, text) in incoming.messages.items()}, reviewer)
    state = _("reviewed") if reviewer else _("draft")
    print(_("{tag} written: version {version}, {state}.").format(tag=tag, version=version, state=state))
    return ExitCode.OK
