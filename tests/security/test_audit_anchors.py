"""Each member's signed anchor: a cut tail shows at the next unlock of anyone who saw the removed
events, not only to an admin. The insider is Ola (outreach, core key): she edits the core file and the
key file with her own Python after Hanna, a colleague, locked."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fieldapp.security import audit, vault
from fieldapp.storage import audit_repo, sidecar
from tests.conftest import PASSPHRASE
from tests.security.test_audit_signed import _as_insider, _rewrite_anchor

OLA, OLA_PASS = "Ola", "ola passphrase one two"
HANNA, HANNA_PASS = "Hanna", "hanna passphrase three four"


def _team_then_hanna_works(session) -> tuple[Path, str]:
    path = session.path
    vault.add_user(session, OLA, "outreach", OLA_PASS, PASSPHRASE)
    vault.add_user(session, HANNA, "outreach", HANNA_PASS, PASSPHRASE)
    session.close()
    hanna = vault.unlock(path, HANNA, HANNA_PASS)
    hanna.audit("hanna.referral_sent")
    slot = hanna.slot_id
    hanna.close()
    return path, slot


def _cut_after(path: Path, action: str) -> None:
    """Ola deletes every event from ``action`` on (Hanna's session) and rewrites the key-file anchor."""
    conn = _as_insider(path)
    with conn:
        first, = conn.execute("SELECT min(id) FROM audit_events WHERE action = ?", (action,)).fetchone()
        conn.execute("DELETE FROM audit_events WHERE id >= ?", (first,))
    _rewrite_anchor(conn, path)
    conn.close()


def _hanna_unlocks(path: Path) -> list[str]:
    hanna = vault.unlock(path, HANNA, HANNA_PASS)
    try:
        return list(hanna.warnings)
    finally:
        hanna.close()


def test_every_lock_leaves_a_signed_anchor_and_a_whole_trail_raises_nothing(session) -> None:
    path, hanna_slot = _team_then_hanna_works(session)
    side = sidecar.read(path)
    assert hanna_slot in side.anchors and side.anchors[hanna_slot]["count"] > 0
    for _round in range(3):
        assert _hanna_unlocks(path) == []
        ola = vault.unlock(path, OLA, OLA_PASS)
        assert ola.warnings == []
        ola.close()
    admin = vault.unlock(path, "Admin", PASSPHRASE)
    try:
        report = audit.verify(admin)
        assert report.ok and report.cut_anchors == 0, report.describe()
    finally:
        admin.close()


def test_a_cut_tail_shows_at_the_next_unlock_of_a_user_who_saw_it(session) -> None:
    path, _slot = _team_then_hanna_works(session)
    _cut_after(path, "hanna.referral_sent")
    ola = vault.unlock(path, OLA, OLA_PASS)                 # the insider herself saw nothing of it
    assert ola.warnings == []
    ola.close()
    admin = vault.unlock(path, "Admin", PASSPHRASE)         # an admin's verify sees Hanna's anchor cut
    try:
        report = audit.verify(admin)
        assert not report.ok and report.cut_anchors == 1 and not report.tail_missing
    finally:
        admin.close()
    warnings = _hanna_unlocks(path)
    assert any("you saw at your last lock were removed" in w for w in warnings)
    admin = vault.unlock(path, "Admin", PASSPHRASE)
    try:
        report = audit.verify(admin)                        # her new anchor is whole; her finding stays
        assert not report.ok and report.cut_seen == 1
        assert "found at unlock that events they had seen were removed" in report.describe()
        cut_seen = audit_repo.events(admin.conn, action="audit.cut_seen")
        assert cut_seen                                     # Hanna's unlock left a signed event for the admins
    finally:
        admin.close()


@pytest.mark.parametrize("tamper", ["anchor removed", "anchor moved back"])
def test_hiding_the_cut_by_editing_the_anchor_shows_too(session, tamper: str) -> None:
    path, hanna_slot = _team_then_hanna_works(session)
    _cut_after(path, "hanna.referral_sent")
    side = sidecar.read(path)
    if tamper == "anchor removed":
        del side.anchors[hanna_slot]
        expected = "is missing from the key file"
    else:                                                   # her anchor rewritten to the cut trail, unsigned
        conn = _as_insider(path)
        side.anchors[hanna_slot].update(audit_repo.head(conn))
        conn.close()
        expected = "was changed outside the app"
    sidecar.write(path, side)
    assert any(expected in w for w in _hanna_unlocks(path))


def test_a_reset_with_the_recovery_key_raises_no_false_alarm(vault_path: Path) -> None:
    session, recovery_key = vault.create_vault(vault_path, "Admin", "admin", PASSPHRASE)
    vault.add_user(session, HANNA, "outreach", HANNA_PASS, PASSPHRASE)
    session.close()
    vault.unlock(vault_path, HANNA, HANNA_PASS).close()
    vault.reset_with_recovery(vault_path, recovery_key, HANNA, "hanna new passphrase five six")
    hanna = vault.unlock(vault_path, HANNA, "hanna new passphrase five six")
    try:
        assert hanna.warnings == []
    finally:
        hanna.close()


_CRASH_IN_FIRST_SESSION = textwrap.dedent("""
    import os, sys
    from fieldapp.security import vault
    session = vault.unlock(sys.argv[1], sys.argv[2], sys.argv[3])
    session.audit("work.before_the_crash")
    os._exit(0)                                      # no lock: the process dies
""")


def test_a_crash_in_a_first_session_raises_no_false_alarm(session) -> None:
    path = session.path
    vault.add_user(session, OLA, "outreach", OLA_PASS, PASSPHRASE)
    session.close()
    result = subprocess.run([sys.executable, "-c", _CRASH_IN_FIRST_SESSION, str(path), OLA, OLA_PASS],
                            capture_output=True, text=True, timeout=120, env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    ola = vault.unlock(path, OLA, OLA_PASS)
    try:
        assert ola.warnings == []
    finally:
        ola.close()


def test_a_backup_made_in_a_session_restores_without_a_false_alarm(session, tmp_path: Path) -> None:
    from fieldapp.lifecycle import backup

    session.audit("admin.work")
    (tmp_path / "backups").mkdir()
    made = backup.backup_to(session, tmp_path / "backups")
    session.close()
    target = tmp_path / "restored" / "v.fieldapp"
    backup.restore(made.path, target, PASSPHRASE, user_name="Admin")
    admin = vault.unlock(target, "Admin", PASSPHRASE)
    try:
        assert admin.warnings == []
        assert audit.verify(admin).ok
    finally:
        admin.close()
