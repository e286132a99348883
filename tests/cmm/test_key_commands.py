"""CMM's key commands: list the registered keys, revoke one (asked to confirm), and trust a rotated key
only with the fingerprint read out by phone; every refusal has a clear message and a non-zero exit."""

from __future__ import annotations

from fieldapp.cmm import intake
from fieldapp.cmm import store as intake_store
from fieldapp.errors import ExitCode
from fieldapp.referral import config, org_rotation
from fieldapp.storage.untrusted_dir import printable
from tests.referral.test_referral_cli import run

CMM_PASS = "cmm desk passphrase: green lantern 42"


def _store_with(tmp_path, session) -> list[str]:
    path = tmp_path / "cmm" / "intake.store"
    conn = intake_store.create(path, CMM_PASS)
    intake.register(conn, config.export_org_key(session))
    intake_store.close(conn)
    return ["--store", str(path)]


def _rows(store: list[str]):
    conn = intake_store.open_store(store[1], CMM_PASS)
    try:
        return {row.org: row for row in intake_store.org_rows(conn)}
    finally:
        intake_store.close(conn)


def test_revoke_asks_then_revokes(ready, tmp_path, monkeypatch, capsys) -> None:
    store = _store_with(tmp_path, ready)
    org = config.org_id(ready)
    assert run(["intake", "revoke", *store, "--org", org], CMM_PASS + "\nno\n", monkeypatch) == ExitCode.FAILURE
    assert "Nothing was changed" in capsys.readouterr().out and _rows(store)[org].revoked_at is None
    assert run(["intake", "revoke", *store, "--org", org], CMM_PASS + "\nyes\n", monkeypatch) == ExitCode.OK
    assert "Revoked" in capsys.readouterr().out and _rows(store)[org].revoked_at
    assert run(["intake", "orgs", *store], CMM_PASS + "\n", monkeypatch) == ExitCode.OK
    assert "revoked" in capsys.readouterr().out
    assert run(["intake", "revoke", *store, "--org", "0" * 32, "--yes"], CMM_PASS + "\n", monkeypatch) == (
        ExitCode.INVALID_INPUT)
    assert "No organisation key" in capsys.readouterr().err
    assert run(["intake", "revoke", *store, "--org", org, "--yes"], "wrong\n", monkeypatch) == (
        ExitCode.WRONG_PASSPHRASE)


def test_register_rotation_needs_the_fingerprint_read_out_by_phone(ready, tmp_path, monkeypatch, capsys) -> None:
    store = _store_with(tmp_path, ready)
    old_org = config.org_id(ready)
    old_fingerprint = config.ensure_org_key(ready)
    statement = org_rotation.rotate_org_key(ready)
    path = org_rotation.write_statement(statement, tmp_path / "statements")
    args = ["intake", "register-rotation", *store, "--statement", str(path)]
    assert run([*args, "--fingerprint", statement.new_fingerprint], CMM_PASS + "\nno\n", monkeypatch) == (
        ExitCode.FAILURE)
    out = capsys.readouterr().out
    assert "Nothing was changed" in out and statement.old_fingerprint in out
    assert statement.new_key_id not in _rows(store)
    args.append("--yes")
    assert run([*args, "--fingerprint", old_fingerprint], CMM_PASS + "\n", monkeypatch) == ExitCode.INVALID_INPUT
    assert "does not match" in capsys.readouterr().err
    assert statement.new_key_id not in _rows(store) and _rows(store)[old_org].revoked_at is None
    assert run([*args, "--fingerprint", statement.new_fingerprint], CMM_PASS + "\n", monkeypatch) == ExitCode.OK
    rows = _rows(store)
    assert rows[old_org].revoked_at and rows[old_org].replaced_by == statement.new_key_id
    assert rows[statement.new_key_id].revoked_at is None

    forged = tmp_path / "forged.json"
    forged.write_bytes(path.read_bytes().replace(statement.org.encode(), b"f" * 32))
    assert run(["intake", "register-rotation", *store, "--statement", str(forged), "--fingerprint",
                statement.new_fingerprint], CMM_PASS + "\n", monkeypatch) == ExitCode.INVALID_INPUT
    link = tmp_path / "link.json"
    link.symlink_to("/dev/zero")
    assert run(["intake", "register-rotation", *store, "--statement", str(link), "--fingerprint",
                statement.new_fingerprint], CMM_PASS + "\n", monkeypatch) == ExitCode.INVALID_INPUT


def test_names_from_outside_are_printed_escaped() -> None:
    hostile = "NGO\x1b[2J\naccepted  fake\u202eevil\r"
    shown = printable(hostile)
    assert "\x1b" not in shown and "\n" not in shown and "\r" not in shown and "\u202e" not in shown
    assert "\\x1b" in shown and "accepted  fake" in shown and shown.count("\\") >= 4
    assert printable("Reden København — نور") == "Reden København — نور"
