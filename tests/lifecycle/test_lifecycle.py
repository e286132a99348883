"""Security and data lifecycle: back-off, wipe, audit chain, backup/restore, retention, erasure."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from fieldapp.errors import (
    IntegrityError,
    NotAVault,
    PermissionDenied,
    StorageIOError,
    VaultExists,
    VaultMissing,
    WrongPassphrase,
)
from fieldapp.lifecycle import backup, erasure, members, retention
from fieldapp.security import audit, backoff, retention_policy, users, vault, wipe
from fieldapp.storage import sidecar
from tests.conftest import PASSPHRASE
from tests.sqlcipher_pages import plaintext_contains

SENTINEL = "Sentinel-Lifecycle-91c2"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


def _add_person(conn, alias: str, last_contact: str, note: str = "") -> str:
    person_id = conn.execute(
        "INSERT INTO people (reference, alias, alias_key, nationality, first_contact, last_contact)"
        " VALUES (?, ?, ?, 'TH', ?, ?) RETURNING id",
        (os.urandom(8).hex(), alias, alias.casefold(), last_contact, last_contact)).fetchone()[0]
    conn.execute("INSERT INTO contacts (person_id, kind, occurred_at, note) VALUES (?, 'street', ?, ?)",
                 (person_id, last_contact + "T21:00:00+00:00", note))
    return person_id


# -- back-off ---------------------------------------------------------------------------------

def test_wrong_passphrases_across_restarts_slow_down_and_leave_vault_unchanged(session, monkeypatch) -> None:
    path = session.path
    session.close()
    now = [1_000_000.0]
    monkeypatch.setattr(backoff, "clock", lambda: now[0])
    before = (_digest(path), _digest(path.with_name(path.name + "-wal")))
    waits = []
    for _attempt in range(6):                # each unlock() call reads the sidecar anew, as after a restart
        try:
            vault.unlock(path, "Admin", "wrong passphrase")
        except backoff.TooManyAttempts as error:
            waits.append(error.wait_s)
            now[0] += error.wait_s
            with pytest.raises(WrongPassphrase):
                vault.unlock(path, "Admin", "wrong passphrase")
        except WrongPassphrase:
            waits.append(0)
    assert waits[:3] == [0, 0, 0] and waits[3:] == sorted(waits[3:]) and waits[-1] > waits[3] > 0
    assert (_digest(path), _digest(path.with_name(path.name + "-wal"))) == before
    with pytest.raises(backoff.TooManyAttempts):        # even the right passphrase must wait
        vault.unlock(path, "Admin", PASSPHRASE)
    now[0] += 10_000
    opened = vault.unlock(path, "Admin", PASSPHRASE)
    failed = opened.conn.execute("SELECT count(*) FROM audit_events WHERE action = 'unlock.failed'").fetchone()[0]
    opened.close()
    assert failed == 6 and sidecar.read(path).failed_at == []


def test_optional_wipe_after_failures_warns_first(session, monkeypatch) -> None:
    path = session.path
    vault.set_wipe_passphrase(session, None, wipe_after=4)
    session.close()
    monkeypatch.setattr(backoff, "delay_after", lambda failures: 0.0)
    messages = []
    for _attempt in range(4):
        with pytest.raises(WrongPassphrase) as raised:
            vault.unlock(path, "Admin", "wrong passphrase")
        messages.append(raised.value.message)
    assert "erased" in messages[0] and "erased" in messages[2]
    assert not any(p.exists() for p in wipe.vault_files(path))


def test_wipe_passphrase_at_unlock_destroys_the_vault(session) -> None:
    path = session.path
    vault.set_wipe_passphrase(session, "duress words for wiping")
    session.close()
    with pytest.raises(WrongPassphrase):
        vault.unlock(path, "Admin", "duress words for wiping")
    assert not any(p.exists() for p in wipe.vault_files(path))


# -- panic wipe ---------------------------------------------------------------------------------

def test_panic_wipe_leaves_nothing_that_opens(vault_path: Path, tmp_path: Path) -> None:
    session, recovery_key = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    with session.write() as conn:
        _add_person(conn, SENTINEL, "2026-01-01")
    saved_sidecar = sidecar.sidecar_path(vault_path).read_bytes()
    session.close()
    wipe.wipe_files(vault_path)
    assert list(vault_path.parent.iterdir()) == []
    with pytest.raises(VaultMissing):
        vault.unlock(vault_path, "Admin", PASSPHRASE)
    with pytest.raises(VaultMissing):
        vault.reset_with_recovery(vault_path, recovery_key, "Admin", "another passphrase here")
    assert saved_sidecar                      # (the keys existed before the wipe)


# -- audit ----------------------------------------------------------------------------------------

def test_audit_chain_detects_edits_removals_and_a_cut_tail(session) -> None:
    path = session.path
    for action in ("a", "b", "c", "d"):
        session.audit(action)
    assert audit.verify(session).ok
    session.close()

    def tamper(sql: str) -> audit.AuditReport:
        opened = vault.unlock(path, "Admin", PASSPHRASE)
        with opened.write() as conn:
            conn.execute(sql)
        report = audit.verify(opened)
        opened.close(audit_lock=False)
        return report

    report = tamper("UPDATE audit_events SET action = 'x' WHERE action = 'b'")
    assert not report.ok and report.broken and "changed" in report.describe()


def test_audit_detects_removed_middle_and_tail(session) -> None:
    path = session.path
    for action in ("a", "b", "c"):
        session.audit(action)
    session.close()
    opened = vault.unlock(path, "Admin", PASSPHRASE)
    with opened.write() as conn:      # an insider with the key removes one event in the middle
        conn.execute("DELETE FROM audit_events WHERE action = 'b'")
    assert audit.verify(opened).broken
    with opened.write() as conn:      # ... or the newest ones, which no later link points back to
        conn.execute("DELETE FROM audit_events WHERE id >= (SELECT id FROM audit_events WHERE action = 'c')")
    report = audit.verify(opened)
    assert report.tail_missing and not report.broken and not report.ok
    opened.close(audit_lock=False)


def test_audit_verify_is_for_admins(vault_path: Path) -> None:
    session, _ = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    users.add(session, "Ola", "outreach", "ola passphrase one", PASSPHRASE)
    session.close()
    ola = vault.unlock(vault_path, "Ola", "ola passphrase one")
    with pytest.raises(PermissionDenied):
        audit.verify(ola)
    ola.close()


# -- users ----------------------------------------------------------------------------------------

def test_deactivated_user_cannot_unlock_and_role_changes(session) -> None:
    ola = users.add(session, "Ola", "outreach", "ola passphrase one", PASSPHRASE)
    users.set_role(session, ola.id, "health")
    assert {u.name: u.role for u in users.list_all(session)}["Ola"] == "health"
    members.deactivate(session, ola.id)
    with pytest.raises(Exception) as raised:
        users.add(session, "Eve", "nonsense", "eve passphrase one", PASSPHRASE)
    assert "role" in str(raised.value)
    path = session.path
    session.close()
    with pytest.raises(WrongPassphrase):
        vault.unlock(path, "Ola", "ola passphrase one")


# -- backup and restore ----------------------------------------------------------------------------

def test_backup_is_encrypted_verified_and_restores_elsewhere(vault_path: Path, tmp_path: Path) -> None:
    session, recovery_key = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    with session.write() as conn:
        _add_person(conn, SENTINEL, "2026-10-01", note=SENTINEL)
    assert backup.backup_overdue(session)
    stages = []
    usb = tmp_path / "usb"
    usb.mkdir()
    result = backup.backup_to(session, usb, lambda done, total, stage: stages.append((done, total)))
    assert stages[-1] == (3, 3) and not backup.backup_overdue(session)
    session.close()
    data = result.path.read_bytes()
    assert not data.startswith(b"SQLite format 3") and SENTINEL.encode() not in data
    assert sorted(p.name for p in usb.iterdir()) == sorted(
        result.path.name + suffix for suffix in ("", ".keys", ".health", ".legal"))

    other = tmp_path / "other-laptop" / "vault.fieldapp"
    backup.restore(result.path, other, PASSPHRASE, user_name="Admin")
    restored = vault.unlock(other, "Admin", PASSPHRASE)
    assert restored.conn.execute("SELECT alias FROM people").fetchone()[0] == SENTINEL
    restored.close()
    with pytest.raises(VaultExists):
        backup.restore(result.path, other, PASSPHRASE, user_name="Admin")
    third = tmp_path / "third" / "vault.fieldapp"
    backup.restore(result.path, third, recovery_key, recovery=True)
    vault.unlock(third, "Admin", PASSPHRASE).close()


def test_backup_to_missing_folder_writes_nothing(session, tmp_path: Path) -> None:
    with pytest.raises(StorageIOError):
        backup.backup_to(session, tmp_path / "no-such-usb")
    assert not (tmp_path / "no-such-usb").exists()


def test_tampered_backup_is_refused_cleanly(session, tmp_path: Path) -> None:
    with session.write() as conn:
        for i in range(40):
            _add_person(conn, f"alias {i}", "2026-10-01", note="n" * 300)
    result = backup.backup_to(session, tmp_path)
    data = bytearray(result.path.read_bytes())
    data[len(data) // 2] ^= 0x01
    result.path.write_bytes(bytes(data))
    target = tmp_path / "restored" / "v.fieldapp"
    with pytest.raises((IntegrityError, NotAVault)):
        backup.restore(result.path, target, PASSPHRASE, user_name="Admin")
    assert not target.exists()
    with pytest.raises(WrongPassphrase):
        backup.restore(result.path, target, "wrong passphrase", user_name="Admin")


# -- retention and erasure ------------------------------------------------------------------------

def test_retention_preview_then_run_deletes_for_real(session) -> None:
    with session.write() as conn:
        old = _add_person(conn, SENTINEL, "2022-01-15", note=SENTINEL + " note")
        recent = _add_person(conn, "Recent", "2026-10-01")
    from datetime import date

    plan = retention.preview(session, today=date(2026, 11, 24))
    assert plan.people == [old]
    assert session.conn.execute("SELECT count(*) FROM people").fetchone()[0] == 2   # preview deletes nothing
    retention.run(session, today=date(2026, 11, 24))
    assert [r[0] for r in session.conn.execute("SELECT id FROM people")] == [recent]
    assert session.conn.execute("SELECT count(*) FROM contacts WHERE person_id = ?", (old,)).fetchone()[0] == 0
    key, path = bytes(session.data_key), session.path
    session.close(audit_lock=False)
    assert not plaintext_contains(path, key, SENTINEL.encode())


def test_erase_person_leaves_no_trace_but_an_audit_event(session) -> None:
    with session.write() as conn:
        person = _add_person(conn, SENTINEL, "2026-11-01", note=SENTINEL * 20)
        _add_person(conn, "Someone else", "2026-11-01")
    erasure.erase_person(session, person)
    event = session.conn.execute("SELECT action, entity, entity_id FROM audit_events ORDER BY id DESC").fetchone()
    assert event == ("person.erase", "person", person)
    key, path = bytes(session.data_key), session.path
    session.close(audit_lock=False)
    assert not plaintext_contains(path, key, SENTINEL.encode())


def test_policy_validation(session) -> None:
    from fieldapp.errors import InvalidInput

    with pytest.raises(InvalidInput):
        retention_policy.save_policy(session, retention_policy.RetentionPolicy(people_inactive_months=0))
    retention_policy.save_policy(session, retention_policy.RetentionPolicy(people_inactive_months=12, automatic=True))
    assert retention_policy.load_policy(session).people_inactive_months == 12


def test_wipe_passphrase_works_even_while_unlocking_must_wait(session, monkeypatch) -> None:
    path = session.path
    vault.set_wipe_passphrase(session, "duress words for wiping")
    session.close()
    now = [2_000_000.0]
    monkeypatch.setattr(backoff, "clock", lambda: now[0])
    for _attempt in range(4):
        with pytest.raises((WrongPassphrase, backoff.TooManyAttempts)):
            vault.unlock(path, "Admin", "wrong passphrase")
    with pytest.raises(backoff.TooManyAttempts):
        vault.unlock(path, "Admin", PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        vault.unlock(path, "Admin", "duress words for wiping")
    assert not any(p.exists() for p in wipe.vault_files(path))


def test_a_restore_cut_short_does_not_block_the_next(session, tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    made = backup.backup_to(session, usb).path
    session.close()
    target = tmp_path / "laptop" / "vault.fieldapp"
    target.parent.mkdir()
    for suffix in (".keys", ".health"):                      # what a kill before the core file leaves
        target.with_name(target.name + suffix).write_bytes(b"half")
    with pytest.raises(WrongPassphrase):
        backup.restore(made, target, "not the passphrase", user_name="Admin")
    assert target.with_name(target.name + ".keys").read_bytes() == b"half"      # a refused restore touches nothing
    backup.restore(made, target, PASSPHRASE, user_name="Admin")
    vault.unlock(target, "Admin", PASSPHRASE).close()


@pytest.mark.parametrize("odd", ["fifo key file", "linked key file", "fifo health file"])
def test_a_backup_with_a_link_or_fifo_is_refused_at_once(session, tmp_path: Path, odd: str) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    made = backup.backup_to(session, usb).path
    session.close()
    victim = made.with_name(made.name + (".health" if "health" in odd else ".keys"))
    kept = tmp_path / "kept"
    victim.rename(kept)
    if "fifo" in odd:
        os.mkfifo(victim)                         # reading it would block for ever
    else:
        victim.symlink_to(kept)
    target = tmp_path / "laptop" / "vault.fieldapp"
    with pytest.raises((NotAVault, IntegrityError)):
        backup.restore(made, target, PASSPHRASE, user_name="Admin")
    assert not target.exists()


def _people_count(path: Path) -> int:
    admin = vault.unlock(path, "Admin", PASSPHRASE)
    try:
        return admin.conn.execute("SELECT count(*) FROM people").fetchone()[0]
    finally:
        admin.close()


@pytest.mark.parametrize("where", ["core settings", "key file"])
def test_an_insider_cannot_make_retention_delete_everyone(session, where: str) -> None:
    from fieldapp.errors import IntegrityError
    from fieldapp.storage.connection import connect

    path = session.path
    vault.add_user(session, "Ola", "outreach", "ola passphrase one two", PASSPHRASE)
    retention_policy.save_policy(session, retention_policy.RetentionPolicy(people_inactive_months=120))
    with session.write() as conn:
        for i in range(5):
            _add_person(conn, f"Person {i}", "2025-01-01")          # 23 months ago: kept by the policy
    session.close()
    aggressive = {"people_inactive_months": 1, "visits_months": 1, "automatic": True}
    if where == "core settings":                                    # where earlier versions kept it
        conn = connect(path, vault.open_data_key(path, "ola passphrase one two", user_name="Ola"))
        with conn:
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('retention_policy', ?)",
                          (json.dumps(aggressive),))
        conn.close()
    else:                                                           # the key file, without the admin key
        side = sidecar.read(path)
        side.retention = aggressive
        sidecar.write(path, side)
    ola = vault.unlock(path, "Ola", "ola passphrase one two")
    assert retention.run_if_due(ola) is None                        # never at a non-admin's unlock
    ola.close()
    admin = vault.unlock(path, "Admin", PASSPHRASE)
    try:
        if where == "key file":
            with pytest.raises(IntegrityError):
                retention.run_if_due(admin)
            with pytest.raises(IntegrityError):
                retention.run(admin)
        else:
            assert retention.run_if_due(admin) is None             # the planted row was never adopted
            assert retention_policy.load_policy(admin).people_inactive_months == 120
    finally:
        admin.close()
    assert _people_count(path) == 5


def test_an_old_policy_moves_under_the_admin_key_with_automatic_runs_off(session) -> None:
    with session.write() as conn:                                   # as an earlier version saved it
        conn.execute("INSERT INTO settings (key, value) VALUES ('retention_policy', ?)",
                     (json.dumps({"people_inactive_months": 36, "visits_months": 48, "automatic": True}),))
    path = session.path
    session.close()
    admin = vault.unlock(path, "Admin", PASSPHRASE)
    try:
        assert any("after 36 months" in w and "automatic runs off" in w for w in admin.warnings)
        policy = retention_policy.load_policy(admin)
        assert (policy.people_inactive_months, policy.visits_months, policy.automatic) == (36, 48, False)
        assert admin.conn.execute("SELECT count(*) FROM settings WHERE key = 'retention_policy'").fetchone()[0] == 0
    finally:
        admin.close()
