"""The referral command line: sync, org-key and intake keygen/register/receive/table, with
passphrases on standard input and documented exit codes."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from fieldapp.cli_features.referral import register
from fieldapp.errors import ExitCode
from fieldapp.referral import config, service
from fieldapp.security.vault import create_vault
from tests.conftest import PASSPHRASE
from tests.referral.helpers import add_contact, add_person, crowd

CMM_PASS = "cmm desk passphrase: green lantern 42"
ROOT = Path(__file__).resolve().parents[2]


def run(argv: list[str], stdin: str, monkeypatch) -> int:
    parser = argparse.ArgumentParser(prog="fieldapp")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return args.handler(args)


def _vault_with_queued_referral(path: Path, cmm_public: Path) -> None:
    session, _recovery = create_vault(path, "Admin", "admin", PASSPHRASE)
    try:
        config.import_cmm_key(session, cmm_public.read_bytes())
        crowd(session.conn, 5)
        pid = add_person(session.conn, alias="Lan")
        add_contact(session.conn, pid, kind="street")
        draft = service.create_draft(session, pid)
        service.update_draft(session, replace(draft, region="nordjylland", exploitation_forms=("forced_labour",)))
        service.record_consent(session, draft.id, "anonymous_notice", "vi", "2", notice_read=True)
        service.seal_and_queue(session, draft.id, reason="small town")
    finally:
        session.close()


def _where(intake_location, desk: Path, monkeypatch) -> tuple[list[str], list[str]]:
    """(options naming the store, options naming CMM's key): a file with its key beside it, or a database
    named by FIELDAPP_INTAKE_DB with the key named on the command line."""
    if isinstance(intake_location, Path):
        return ["--store", str(intake_location)], []
    monkeypatch.setenv("FIELDAPP_INTAKE_DB", intake_location)
    return [], ["--key", str(desk / "cmm-secret.key")]


def test_whole_path_on_the_command_line(tmp_path, monkeypatch, capsys, intake_location) -> None:
    desk, usb, vault = tmp_path / "cmm", tmp_path / "usb", tmp_path / "ngo" / "ngo.fieldapp"
    usb.mkdir()
    assert run(["intake", "keygen", "--out", str(desk)], CMM_PASS + "\n", monkeypatch) == ExitCode.OK
    assert "Fingerprint:" in capsys.readouterr().out
    _vault_with_queued_referral(vault, desk / "cmm-public.json")

    org_key = tmp_path / "org-key.json"
    assert run(["org-key", "--vault", str(vault), "--out", str(org_key)], PASSPHRASE + "\n", monkeypatch) == 0
    assert "Fingerprint" in capsys.readouterr().out
    store, key = _where(intake_location, desk, monkeypatch)
    assert run(["intake", "register", *store, "--org-key", str(org_key)], CMM_PASS + "\n", monkeypatch) == 0
    assert "Registered" in capsys.readouterr().out

    assert run(["sync", "--vault", str(vault), "--to-folder", str(usb)], PASSPHRASE + "\n", monkeypatch) == 0
    assert "Sent: 1" in capsys.readouterr().out
    assert run(["intake", "receive", *store, *key, "--from", str(usb)], CMM_PASS + "\n", monkeypatch) == 0
    assert "1 accepted, 0 rejected" in capsys.readouterr().out
    assert run(["intake", "receive", *store, *key, "--from", str(usb)], CMM_PASS + "\n", monkeypatch) == 0
    assert "already received" in capsys.readouterr().out

    csv = tmp_path / "table.csv"
    assert run(["intake", "table", *store, "--csv", str(csv)], CMM_PASS + "\n", monkeypatch) == 0
    printed = capsys.readouterr().out
    assert "Forced labour" in printed and "Total" in printed
    assert csv.read_text().splitlines()[1].endswith(",forced_labour,1")

    assert run(["sync", "--vault", str(vault), "--to-folder", str(usb)], PASSPHRASE + "\n", monkeypatch) == 0
    assert "Acknowledged by CMM: 1" in capsys.readouterr().out


def test_error_exit_codes(tmp_path, monkeypatch, capsys) -> None:
    desk = tmp_path / "cmm"
    run(["intake", "keygen", "--out", str(desk)], CMM_PASS + "\n", monkeypatch)
    assert run(["intake", "keygen", "--out", str(desk)], CMM_PASS + "\n", monkeypatch) == ExitCode.ALREADY_EXISTS
    assert run(["intake", "keygen", "--out", str(tmp_path / "weak")], "abc\n", monkeypatch) == ExitCode.INVALID_INPUT
    store = ["--store", str(desk / "intake.store")]
    assert run(["intake", "table", *store, "--csv", str(tmp_path / "t.csv")], "x\n", monkeypatch) == (
        ExitCode.VAULT_MISSING)
    bogus = tmp_path / "bogus.json"
    bogus.write_text("{}")
    assert run(["intake", "register", *store, "--org-key", str(bogus)], CMM_PASS + "\n", monkeypatch) == (
        ExitCode.INVALID_INPUT)
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / f"{'a' * 32}.cmmpkt").write_bytes(b"garbage")
    assert run(["intake", "receive", *store, "--from", str(inbox)], "wrong passphrase\n", monkeypatch) == (
        ExitCode.WRONG_PASSPHRASE)
    assert run(["intake", "receive", *store, "--from", str(inbox)], CMM_PASS + "\n", monkeypatch) == (
        ExitCode.INVALID_INPUT)
    assert "not a referral packet" in capsys.readouterr().out

    vault = tmp_path / "v.fieldapp"
    create_vault(vault, "Admin", "admin", PASSPHRASE)[0].close()
    assert run(["sync", "--vault", str(vault)], "not it\n", monkeypatch) == ExitCode.WRONG_PASSPHRASE
    assert run(["sync", "--vault", str(vault)], PASSPHRASE + "\n", monkeypatch) == ExitCode.INVALID_INPUT
    assert "No CMM public key" in capsys.readouterr().err


@pytest.mark.system
def test_a_database_that_cannot_be_used_gives_its_reason_and_exit_code(postgres, tmp_path, monkeypatch,
                                                                       capsys) -> None:
    missing = postgres.url("no_such_database")
    csv = ["--csv", str(tmp_path / "t.csv")]
    assert run(["intake", "table", "--db", missing, *csv], CMM_PASS + "\n", monkeypatch) == ExitCode.VAULT_MISSING
    said = capsys.readouterr().err
    assert "does not exist" in said and "no_such_database" not in said and "postgresql://" not in said
    unreachable = f"postgresql://cmm:hunter2-password@/intake?host={tmp_path}"
    monkeypatch.setenv("FIELDAPP_INTAKE_DB", unreachable)
    assert run(["intake", "orgs"], CMM_PASS + "\n", monkeypatch) == ExitCode.IO_ERROR
    said = capsys.readouterr().err
    assert "could not be reached" in said and "hunter2" not in said
    empty = postgres.new_database()
    assert run(["intake", "table", "--db", empty, *csv], CMM_PASS + "\n", monkeypatch) == ExitCode.VAULT_MISSING
    assert "No intake store" in capsys.readouterr().err


def test_the_store_is_named_once(tmp_path, monkeypatch, capsys) -> None:
    assert run(["intake", "orgs"], CMM_PASS + "\n", monkeypatch) == ExitCode.INVALID_INPUT
    assert "--store PATH" in capsys.readouterr().err
    assert run(["intake", "orgs", "--db", "mysql://cmm@db/intake"], CMM_PASS + "\n", monkeypatch) == (
        ExitCode.INVALID_INPUT)
    assert run(["intake", "serve", "--db", "postgresql://cmm@/intake", "--port", "8443"],
               CMM_PASS + "\n", monkeypatch) == ExitCode.INVALID_INPUT
    assert "--tls-cert" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run(["intake", "orgs", "--store", "s", "--db", "postgresql://cmm@/intake"], "", monkeypatch)


def test_python_m_fieldapp_intake_keygen(tmp_path) -> None:
    """Runs the real entry point: passes once fieldapp.cli_features.REGISTRARS includes referral.register."""
    env = dict(os.environ, FIELDAPP_KDF_MIB="64", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "fieldapp", "intake", "keygen", "--out", str(tmp_path / "k")],
                          input=CMM_PASS + "\n", capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == ExitCode.OK, done.stderr
    assert (tmp_path / "k" / "cmm-public.json").is_file() and (tmp_path / "k" / "cmm-secret.key").is_file()
    assert CMM_PASS not in (tmp_path / "k" / "cmm-secret.key").read_text()


@pytest.mark.parametrize("command", [["sync"], ["org-key", "--out", "x"], ["intake", "table", "--store", "s",
                                                                            "--csv", "c"]])
def test_commands_parse(command) -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    assert callable(parser.parse_args(command).handler)
