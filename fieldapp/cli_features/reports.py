"""``fieldapp report``: a report for a period written to a PDF or CSV file.

Files are suppressed (counts 1..k-1 as "<5", complements as "x"). ``--exact`` is for coordinators
only (others get exit code 8) and marks the file "INTERNAL — exact counts, do not share" on every
page / on the first line. Bad dates are a usage error (exit code 2). The passphrase is read from
the terminal or one line of standard input.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from fieldapp.cli_support import add_vault_args, guarded, unlocked
from fieldapp.errors import ExitCode, PermissionDenied
from fieldapp.i18n import _


def register(subparsers) -> None:
    """Add ``report`` to a parser's sub-parsers."""
    parser = subparsers.add_parser("report", help=_("write a report for a period as PDF or CSV"))
    add_vault_args(parser)
    parser.add_argument("--from", dest="start", required=True, metavar="DATE", help=_("first day, YYYY-MM-DD"))
    parser.add_argument("--to", dest="end", required=True, metavar="DATE", help=_("last day, YYYY-MM-DD"))
    parser.add_argument("--format", choices=("pdf", "csv", "cmm"), required=True,
                        help=_("the file format; cmm seals the anonymised figures to CMM's key"))
    parser.add_argument("--out", type=Path, required=True, metavar="FILE",
                        help=_("the file to write (for cmm: the folder)"))
    parser.add_argument("--exact", action="store_true",
                        help=_("exact counts (coordinators only; the file is marked internal)"))
    parser.set_defaults(handler=cmd_report)


def parse_period(start: str, end: str) -> tuple[date, date] | str:
    """The period, or a message saying what is wrong with it."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        return _("Dates must be written YYYY-MM-DD, for example 2025-01-31.")
    if last < first:
        return _("The period ends ({end}) before it starts ({start}).").format(end=last, start=first)
    return first, last


@guarded
def cmd_report(args: argparse.Namespace) -> int:
    from fieldapp.reports import export, service

    period = parse_period(args.start, args.end)
    if isinstance(period, str):
        print(_("Error: {message}").format(message=period), file=sys.stderr)
        return ExitCode.USAGE
    with unlocked(args) as session:
        if args.exact and (args.format == "cmm" or not session.can("reports_exact")):
            raise PermissionDenied(_("Only coordinators may write exact counts, and never for CMM."))
        if args.format == "cmm":
            from fieldapp.referral.aggregate import seal_to_folder

            args.out = seal_to_folder(session, *period, args.out)
            return _written(args)
        report = service.build_report(session, *period)
        write = export.write_pdf if args.format == "pdf" else export.write_csv
        write(session, report, args.out, exact=args.exact)
    return _written(args)


def _written(args: argparse.Namespace) -> int:
    print(_("Report written to {path}").format(path=args.out))
    if args.exact:
        print(_("The file holds exact counts and is marked internal: do not share it."), file=sys.stderr)
    return ExitCode.OK
