"""Helpers shared by the command-line sub-commands: secrets from stdin, vault paths, error exits."""

from __future__ import annotations

import contextlib
import getpass
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from fieldapp import paths
from fieldapp.errors import ExitCode, FieldappError, InvalidInput
from fieldapp.i18n import _


def vault_path(args) -> Path:
    return Path(args.vault).expanduser() if getattr(args, "vault", None) else paths.default_vault()


def read_secret(prompt: str, *, confirm: bool = False) -> str:
    """A secret from the terminal (asked twice when confirming) or one line of standard input.

    Never from argv: command lines are visible to other users and kept in shell history.
    """
    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass(_("Repeat: ")) != first:
            raise InvalidInput(_("The two passphrases are not the same."))
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise InvalidInput(_("A passphrase was expected on standard input."))
    return line.rstrip("\r\n")


def confirmed(question: str) -> bool:
    """Whether the person typed yes (in English or their language) after ``question``."""
    print(question, end="", flush=True)
    answer = sys.stdin.readline() if sys.stdin is not None else ""
    return answer.strip().casefold() in {"yes", _("yes").casefold()}


def fail(error: FieldappError) -> int:
    print(_("Error: {message}").format(message=error.message), file=sys.stderr)
    return error.exit_code


def guarded(handler: Callable[..., int]) -> Callable[..., int]:
    """Turn our errors into a message on stderr and their exit code."""

    def run(args) -> int:
        try:
            return handler(args)
        except FieldappError as error:
            return fail(error)
        except KeyboardInterrupt:
            print(_("Interrupted."), file=sys.stderr)
            return ExitCode.FAILURE

    return run


def add_vault_args(parser) -> None:
    """``--vault`` and ``--user``, the same for every command that unlocks a vault."""
    parser.add_argument("--vault", metavar="PATH", help=_("the vault file"))
    parser.add_argument("--user", help=_("your user name (default: try every user)"))


@contextlib.contextmanager
def unlocked(args) -> Iterator:
    """The vault of ``args`` unlocked with a passphrase from stdin; locked again afterwards."""
    from fieldapp.lifecycle.members import unlock

    session = unlock(vault_path(args), getattr(args, "user", None), read_secret(_("Passphrase: ")))
    try:
        yield session
    finally:
        session.close()
