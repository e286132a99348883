"""The staff commands from the command line, on a store file: an admin keeps CMM's secret key in the
store at the first receive, adds an operator and a caseworker, each does their part with their own
passphrase, a wrong role is refused with its exit code, and the audit names who read what."""

from __future__ import annotations

import argparse
import io
import json
import sys

import pytest

from fieldapp.cli_features.referral import register
from fieldapp.cmm import intake
from fieldapp.errors import ExitCode
from fieldapp.protocol import crypto
from tests.referral.helpers import ORG_SEED, sealed, valid_packet

ADMIN_PASS = "admin of the intake 2026"
OPERATOR_PASS = "operator at the desk 2026"
CASEWORKER_PASS = "caseworker reading 2026"


def run(argv: list[str], stdin: str, monkeypatch) -> int:
    parser = argparse.ArgumentParser(prog="fieldapp")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return args.handler(args)


def test_staff_journey_on_the_command_line(tmp_path, monkeypatch, capsys) -> None:
    desk, usb = tmp_path / "cmm", tmp_path / "usb"
    usb.mkdir()
    store = ["--store", str(desk / "intake.store")]
    assert run(["intake", "keygen", "--out", str(desk)], ADMIN_PASS + "\n", monkeypatch) == ExitCode.OK
    secret = intake.load_secret(desk / intake.SECRET_FILE, ADMIN_PASS)
    org_key = tmp_path / "org-key.json"
    org_key.write_bytes(crypto.org_key_file(ORG_SEED, "Test NGO"))
    assert run(["intake", "register", *store, "--user", "Ana", "--org-key", str(org_key)], ADMIN_PASS + "\n",
               monkeypatch) == ExitCode.OK
    packet = valid_packet()
    (usb / "one.cmmpkt").write_bytes(sealed(packet, secret))
    assert run(["intake", "receive", *store, "--from", str(usb)], ADMIN_PASS + "\n", monkeypatch) == ExitCode.OK
    assert "kept in the intake store" in capsys.readouterr().err
    (desk / intake.SECRET_FILE).rename(tmp_path / "safe.key")        # to the safe: no longer needed at the desk

    for name, role, passphrase in (("Olu", "operator", OPERATOR_PASS), ("Cai", "caseworker", CASEWORKER_PASS)):
        assert run(["intake", "staff", "add", *store, "--user", "Ana", "--name", name, "--role", role],
                   f"{ADMIN_PASS}\n{passphrase}\n", monkeypatch) == ExitCode.OK
    second = valid_packet()
    (usb / "two.cmmpkt").write_bytes(sealed(second, secret))
    capsys.readouterr()
    assert run(["intake", "receive", *store, "--user", "Olu", "--from", str(usb)], OPERATOR_PASS + "\n",
               monkeypatch) == ExitCode.OK
    assert "1 accepted" in capsys.readouterr().out

    assert run(["intake", "read", *store, "--user", "Olu", "--packet", second["packet_id"]], OPERATOR_PASS + "\n",
               monkeypatch) == ExitCode.PERMISSION
    assert run(["intake", "staff", "list", *store, "--user", "Cai"], CASEWORKER_PASS + "\n",
               monkeypatch) == ExitCode.PERMISSION
    assert run(["intake", "receive", *store, "--user", "Cai", "--from", str(usb)], CASEWORKER_PASS + "\n",
               monkeypatch) == ExitCode.PERMISSION
    capsys.readouterr()
    assert run(["intake", "read", *store, "--user", "Cai", "--packet", second["packet_id"]], CASEWORKER_PASS + "\n",
               monkeypatch) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["reference"] == second["reference"]
    assert run(["intake", "read", *store, "--user", "Cai", "--packet", "f" * 32], CASEWORKER_PASS + "\n",
               monkeypatch) == ExitCode.INVALID_INPUT

    assert run(["intake", "audit", *store, "--user", "Ana"], ADMIN_PASS + "\n", monkeypatch) == ExitCode.OK
    said = capsys.readouterr().out
    assert f"Cai  {second['packet_id']}" in said and "1 reading, its line verified." in said
    assert run(["intake", "staff", "remove", *store, "--user", "Ana", "--name", "Cai"], ADMIN_PASS + "\nno\n",
               monkeypatch) == ExitCode.FAILURE
    assert run(["intake", "staff", "remove", *store, "--user", "Ana", "--name", "Cai", "--yes"], ADMIN_PASS + "\n",
               monkeypatch) == ExitCode.OK
    capsys.readouterr()
    assert run(["intake", "staff", "list", *store, "--user", "Ana"], ADMIN_PASS + "\n", monkeypatch) == ExitCode.OK
    listing = capsys.readouterr().out
    assert "Cai  caseworker  removed" in listing and "Olu  intake operator  since" in listing
    assert run(["intake", "read", *store, "--user", "Cai", "--packet", second["packet_id"]], CASEWORKER_PASS + "\n",
               monkeypatch) == ExitCode.WRONG_PASSPHRASE


def test_cmms_secret_key_file_is_read_as_hostile_input(tmp_path) -> None:
    import os

    from fieldapp.protocol.errors import BadKeyFile

    fifo, link = tmp_path / "fifo.key", tmp_path / "link.key"
    os.mkfifo(fifo)
    intake.keygen(tmp_path / "desk", ADMIN_PASS)
    link.symlink_to(tmp_path / "desk" / intake.SECRET_FILE)
    for planted in (fifo, link):                     # a stick out of the safe: never followed, never waited on
        with pytest.raises(BadKeyFile):
            intake.load_secret(planted, ADMIN_PASS)
    assert intake.load_secret(tmp_path / "desk" / intake.SECRET_FILE, ADMIN_PASS).public.fingerprint
