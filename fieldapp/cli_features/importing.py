"""``fieldapp import``: old records from a spreadsheet, by a mapping, with a dry run that reports on every row."""

from __future__ import annotations

import sys
from pathlib import Path

from fieldapp.cli_support import add_vault_args, guarded, unlocked
from fieldapp.errors import ExitCode, InvalidInput
from fieldapp.i18n import _


def register(sub) -> None:
    command = sub.add_parser("import", help=_("import old records from a spreadsheet (.xlsx or .csv) by a mapping"))
    add_vault_args(command)
    command.add_argument("--from", dest="source", required=True, metavar="FILE",
                         help=_("the spreadsheet (.xlsx, or .csv as Excel writes it)"))
    command.add_argument("--mapping", required=True, metavar="MAP.toml",
                         help=_("which column is which field (see docs/import.md)"))
    command.add_argument("--dry-run", action="store_true",
                         help=_("check every row and report, and import nothing"))
    command.set_defaults(handler=cmd_import)


def _report(plan, out) -> None:
    for note in plan.notes:
        print(note, file=out)
    for row in plan.rows:
        for problem in row.problems:
            print(_("Row {row}: {problem}").format(row=row.row, problem=problem), file=out)
    for target, table in sorted(plan.suggestions.items()):
        for text, code in sorted(table.items()):
            if code:
                print(_("Suggestion for the mapping: [values.\"{target}\"] \"{text}\" = \"{code}\"").format(
                    target=target, text=text, code=code), file=out)
    print(plan.summary(), file=out)


@guarded
def cmd_import(args) -> int:
    from fieldapp.importing import mapping, service, sources

    # The mapping and the file first: a broken or hostile one is refused before the passphrase is asked for and
    # the vault unlocked (which nothing then touches).
    chosen = mapping.load(Path(args.mapping).expanduser())
    table = sources.read_table(Path(args.source).expanduser(), sheet=chosen.sheet)
    found = chosen.problems(table.headers)
    if found:
        raise InvalidInput("\n".join(found))
    with unlocked(args) as session:
        try:
            plan = service.import_table(session, table, chosen, dry_run=args.dry_run)
        except service.ImportRefused as refused:
            _report(refused.plan, sys.stderr)
            raise InvalidInput(_("Nothing was imported.")) from None
    _report(plan, sys.stdout if plan.ok else sys.stderr)
    if not plan.ok:
        return InvalidInput.exit_code
    if args.dry_run:
        print(_("Dry run: nothing was imported. Run again without --dry-run to import."))
    else:
        print(_("Imported. The spreadsheet is plaintext: delete it safely now that its records are in the vault."))
    return ExitCode.OK
