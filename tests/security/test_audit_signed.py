"""The signed audit trail against an insider: an outreach worker who holds the core key edits the
core file and the key file directly, as an attacker would, and the admin's verify must see it."""

from __future__ import annotations

from pathlib import Path

from fieldapp.crypto import keys
from fieldapp.lifecycle import members
from fieldapp.security import audit, users, vault
from fieldapp.storage import audit_repo, sidecar
from fieldapp.storage.connection import connect
from tests.conftest import PASSPHRASE

OLA, OLA_PASS = "Ola", "ola passphrase one two"
HANNA, HANNA_PASS = "Hanna", "hanna passphrase three four"


def _trail_with_ola(session) -> Path:
    """Admin events, then Ola's own session, then more admin events; everything locked."""
    path = session.path
    session.audit("admin.first")
    vault.add_user(session, OLA, "outreach", OLA_PASS, PASSPHRASE)
    session.audit("admin.secret")
    session.audit("admin.after")
    session.close()
    ola = vault.unlock(path, OLA, OLA_PASS)
    ola.audit("ola.work")
    ola.close()
    return path


def _as_insider(path: Path, name: str = OLA, passphrase: str = OLA_PASS):
    """The core file opened with the insider's own core key, outside the app."""
    return connect(path, vault.open_data_key(path, passphrase, user_name=name))


def _rebuild_global_chain(conn) -> None:
    """What an attacker does after a change: every hash and link again, with the app's own function."""
    prev = audit_repo.GENESIS
    rows = conn.execute("SELECT id, at, user_id, action, entity, entity_id FROM audit_events ORDER BY id").fetchall()
    for event_id, at, user_id, action, entity, entity_id in rows:
        digest = audit_repo._digest(prev, at, user_id, action, entity, entity_id)
        conn.execute("UPDATE audit_events SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, event_id))
        prev = digest


def _relink_and_resign_own(conn, path: Path) -> None:
    """Keep every signer's links pointing at the rebuilt hashes, and sign the insider's own events again."""
    if "signer" not in {row[1] for row in conn.execute("PRAGMA table_info(audit_events)")}:
        return                         # a trail without signatures: nothing more to redo
    opened = vault.open_keys(path, OLA_PASS, user_name=OLA)
    last: dict[str, str] = {}
    for event_id, signer, digest in conn.execute(
            "SELECT id, signer, hash FROM audit_events WHERE signer IS NOT NULL ORDER BY id").fetchall():
        link = last.get(signer, audit_repo.GENESIS)
        conn.execute("UPDATE audit_events SET signer_prev = ? WHERE id = ?", (link, event_id))
        if signer == opened.slot_id:
            signature = opened.member.sign(audit_repo.signed_message(digest, signer, link))
            conn.execute("UPDATE audit_events SET signature = ? WHERE id = ?", (signature, event_id))
        last[signer] = digest
    opened.forget()


def _rewrite_anchor(conn, path: Path) -> None:
    side = sidecar.read(path)
    side.audit_head = audit_repo.head(conn)
    sidecar.write(path, side)


def _admin_verify(path: Path) -> audit.AuditReport:
    admin = vault.unlock(path, "Admin", PASSPHRASE)
    try:
        return audit.verify(admin)
    finally:
        admin.close(audit_lock=False)


def test_an_insider_who_deletes_an_admin_event_and_rebuilds_chain_and_anchor_is_detected(session) -> None:
    path = _trail_with_ola(session)
    conn = _as_insider(path)
    with conn:
        secret_id, = conn.execute("SELECT id FROM audit_events WHERE action = 'admin.secret'").fetchone()
        conn.execute("DELETE FROM audit_events WHERE id = ?", (secret_id,))
        _rebuild_global_chain(conn)
        _relink_and_resign_own(conn, path)
    assert audit_repo.verify(conn) == []                  # the chain of all events is whole again
    _rewrite_anchor(conn, path)
    conn.close()

    report = _admin_verify(path)
    assert not report.ok and not report.broken and not report.tail_missing
    after_id, = _as_insider(path).execute("SELECT id FROM audit_events WHERE action = 'admin.after'").fetchone()
    assert after_id in report.edited                      # the admin's later signature no longer fits
    assert "changed" in report.describe()


def test_an_insider_who_deletes_an_admin_event_without_rebuilding_leaves_a_gap(session) -> None:
    path = _trail_with_ola(session)
    with _as_insider(path) as conn:
        conn.execute("DELETE FROM audit_events WHERE action = 'admin.secret'")
    report = _admin_verify(path)
    assert not report.ok and report.removed and not report.edited


def test_editing_another_users_event_and_rehashing_is_detected(session) -> None:
    path = _trail_with_ola(session)
    conn = _as_insider(path)
    with conn:
        event_id, = conn.execute("SELECT id FROM audit_events WHERE action = 'admin.first'").fetchone()
        conn.execute("UPDATE audit_events SET action = 'admin.nothing' WHERE id = ?", (event_id,))
        _rebuild_global_chain(conn)
        _relink_and_resign_own(conn, path)
    _rewrite_anchor(conn, path)
    conn.close()

    report = _admin_verify(path)
    assert not report.ok and event_id in report.edited and not report.broken


def test_an_insider_event_in_an_admins_name_is_detected(session) -> None:
    path = _trail_with_ola(session)
    opened = vault.open_keys(path, OLA_PASS, user_name=OLA)
    conn = _as_insider(path)
    with conn:
        admin_id, = conn.execute("SELECT id FROM users WHERE name = 'Admin'").fetchone()
        audit_repo.bind_signer(conn, opened.slot_id, opened.member.sign)   # signed, but by Ola
        audit_repo.append(conn, admin_id, "user.role", "user", admin_id)
        audit_repo.unbind_signer(conn)
        forged_id, = conn.execute("SELECT max(id) FROM audit_events").fetchone()
    _rewrite_anchor(conn, path)
    conn.close()
    opened.forget()

    report = _admin_verify(path)
    assert not report.ok and forged_id in report.unverifiable


def test_an_insider_who_puts_their_key_in_the_admins_place_is_detected(session) -> None:
    path = _trail_with_ola(session)
    admin_slot = keys.lookup_id(sidecar.read(path).lookup_salt, "Admin")
    opened = vault.open_keys(path, OLA_PASS, user_name=OLA)
    side = sidecar.read(path)
    side.signers[admin_slot]["keys"] = [keys.b64(opened.member.sign_public)]
    sidecar.write(path, side)
    conn = _as_insider(path)
    with conn:                       # every admin event signed again, with Ola's key
        for event_id, digest, link in conn.execute(
                "SELECT id, hash, signer_prev FROM audit_events WHERE signer = ?", (admin_slot,)).fetchall():
            signature = opened.member.sign(audit_repo.signed_message(digest, admin_slot, link))
            conn.execute("UPDATE audit_events SET signature = ? WHERE id = ?", (signature, event_id))
    conn.close()
    opened.forget()

    report = _admin_verify(path)
    assert not report.ok and report.signers_forged
    assert "signing keys" in report.describe()
    assert _admin_verify(path).signers_forged             # an admin's unlock and lock did not bless it


def test_an_insider_who_cuts_the_tail_an_admin_saw_is_detected(session) -> None:
    path = _trail_with_ola(session)
    admin = vault.unlock(path, "Admin", PASSPHRASE)     # an admin sees Ola's events
    admin.close()
    conn = _as_insider(path)
    with conn:
        cut_from, = conn.execute("SELECT id FROM audit_events WHERE action = 'ola.work'").fetchone()
        conn.execute("DELETE FROM audit_events WHERE id >= ?", (cut_from,))
    _rewrite_anchor(conn, path)
    conn.close()

    report = _admin_verify(path)
    assert not report.ok and report.cut_chains == 2 and not report.tail_missing


def test_an_untouched_trail_of_several_users_is_complete_and_signed(session) -> None:
    path = session.path
    vault.add_user(session, OLA, "outreach", OLA_PASS, PASSPHRASE)
    vault.add_user(session, HANNA, "health", HANNA_PASS, PASSPHRASE)
    session.audit("admin.work")
    session.close()
    for name, passphrase in ((OLA, OLA_PASS), (HANNA, HANNA_PASS), (OLA, OLA_PASS)):
        member = vault.unlock(path, name, passphrase)
        member.audit(f"{name}.work")
        member.close()

    admin = vault.unlock(path, "Admin", PASSPHRASE)
    report = audit.verify(admin)
    signers = {row[0] for row in admin.conn.execute("SELECT DISTINCT signer FROM audit_events")}
    admin.close()
    assert report.ok, report
    assert report.signed == report.events and report.before_signing == 0
    assert len(signers) == 3 and None not in signers
    assert "complete" in report.describe()


def test_a_deactivated_users_events_still_verify_after_the_keys_rotate(session) -> None:
    path = session.path
    vault.add_user(session, OLA, "outreach", OLA_PASS, PASSPHRASE)
    vault.add_user(session, "Kari", "admin", "kari passphrase five six", PASSPHRASE)
    session.close()
    for name, passphrase in ((OLA, OLA_PASS), ("Kari", "kari passphrase five six")):
        member = vault.unlock(path, name, passphrase)
        member.audit(f"{name}.work")
        member.close()

    admin = vault.unlock(path, "Admin", PASSPHRASE)
    ids = {u.name: u.id for u in users.list_all(admin)}
    members.deactivate(admin, ids[OLA])
    members.deactivate(admin, ids["Kari"])    # an admin: the administration key rotates too
    assert audit.verify(admin).ok
    admin.close()

    report = _admin_verify(path)
    assert report.ok, report
    side = sidecar.read(path)
    assert keys.lookup_id(side.lookup_salt, OLA) not in side.members
    assert keys.lookup_id(side.lookup_salt, OLA) in side.signers


def test_a_reset_with_the_recovery_key_keeps_the_users_old_events_verifiable(vault_path: Path) -> None:
    admin, recovery_key = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    vault.add_user(admin, OLA, "outreach", OLA_PASS, PASSPHRASE)
    admin.close()
    ola = vault.unlock(vault_path, OLA, OLA_PASS)
    ola.audit("ola.before")
    ola.close()
    vault.reset_with_recovery(vault_path, recovery_key, OLA, "ola new passphrase seven")
    ola = vault.unlock(vault_path, OLA, "ola new passphrase seven")
    ola.audit("ola.after")
    ola.close()

    report = _admin_verify(vault_path)
    assert report.ok, report
    assert report.signed == report.events
