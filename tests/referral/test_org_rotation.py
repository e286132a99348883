"""Rotating the organisation's signing key against a real vault, a real outbox and CMM's test key:
every packet CMM has not acknowledged is signed again with the new key (and only verifies with it),
acknowledged ones stay as they were, the statement for CMM is signed by the new key and names no
person, and only an administrator may rotate."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from nacl.signing import VerifyKey

from fieldapp.cmm import intake
from fieldapp.cmm import store as intake_store
from fieldapp.cmm.folder import receive_folder
from fieldapp.crypto import keys
from fieldapp.errors import PermissionDenied
from fieldapp.protocol import crypto, rotation
from fieldapp.protocol.errors import BadKeyFile
from fieldapp.protocol.reasons import Rejected
from fieldapp.referral import config, org_rotation, service, sync
from fieldapp.security import vault
from fieldapp.storage import audit_repo, outbox_repo, referral_repo, settings_repo
from tests.conftest import PASSPHRASE
from tests.referral.helpers import add_contact, add_person, crowd

ALIASES = ("Rose Alias", "Lily Alias", "Iris Alias", "Fern Alias")


def _referral(session, alias: str, *, queue: bool = True, reason: str = "") -> int:
    pid = add_person(session.conn, alias=alias, phone="+45 2222 3333")
    add_contact(session.conn, pid, kind="street", indicators="debt", note="lives above the bar")
    draft = service.create_draft(session, pid)
    draft = service.update_draft(session, replace(draft, region="hovedstaden", exploitation_forms=("sexual",)))
    service.record_consent(session, draft.id, "anonymous_notice", "en", "2026.1", notice_read=True)
    (service.seal_and_queue if queue else service.seal)(session, draft.id, exact=bool(reason), reason=reason)
    return draft.id


def _sealed(session) -> dict[int, tuple[str, bytes]]:
    rows = session.conn.execute("SELECT referral_id, packet_id, sealed FROM outbox").fetchall()
    return {row[0]: (row[1], bytes(row[2])) for row in rows}


def _status(session, referral_id: int) -> str:
    return referral_repo.get(session.conn, referral_id).status


@pytest.fixture
def store(tmp_path, ready):
    conn = intake_store.create(tmp_path / "cmm" / "intake.store", "cmm store passphrase 2026")
    intake.register(conn, config.export_org_key(ready))
    yield conn
    intake_store.close(conn)


@pytest.fixture
def outbox(ready, store, cmm, tmp_path):
    """One referral of each kind: acknowledged, sent, queued, sealed; returns their ids by status."""
    crowd(ready.conn, 5)
    usb = tmp_path / "usb"
    usb.mkdir()
    acknowledged = _referral(ready, ALIASES[0])
    sync.sync(ready, to_folder=usb)
    receive_folder(intake.Intake(store, cmm), usb)
    sent = _referral(ready, ALIASES[1])
    sync.sync(ready, to_folder=usb)                       # reads the receipt, then sends the second
    ids = {"acknowledged": acknowledged, "sent": sent, "queued": _referral(ready, ALIASES[2]),
           "sealed": _referral(ready, ALIASES[3], queue=False)}
    assert {status: _status(ready, rid) for status, rid in ids.items()} == {s: s for s in ids}
    return ids


def test_rotation_resigns_every_packet_cmm_has_not_acknowledged(ready, outbox, cmm) -> None:
    old_fingerprint = config.ensure_org_key(ready)
    old_public = crypto.org_public(config.org_seed(ready))
    before = _sealed(ready)

    statement = org_rotation.rotate_org_key(ready)

    new_public = crypto.org_public(config.org_seed(ready))
    assert config.ensure_org_key(ready) != old_fingerprint == statement.old_fingerprint
    assert statement.new_public == new_public and statement.new_fingerprint == crypto.fingerprint(new_public)
    assert config.org_id(ready) == crypto.key_id(new_public).hex() == statement.new_key_id
    after = _sealed(ready)
    assert after[outbox["acknowledged"]] == before[outbox["acknowledged"]]
    for status in ("sent", "queued", "sealed"):
        packet_id, sealed = after[outbox[status]]
        assert packet_id == before[outbox[status]][0] and sealed != before[outbox[status]][1]
        signer, signature, body = crypto.split_signed(crypto.open_packet(sealed, cmm))
        assert signer == crypto.key_id(new_public)
        crypto.verify_body(new_public, signature, body)
        with pytest.raises(Rejected):
            crypto.verify_body(old_public, signature, body)
        packet = json.loads(body)
        assert packet["packet_id"] == packet_id and packet["org"] == statement.new_key_id
        assert _status(ready, outbox[status]) == status
    assert sorted(statement.resigned) == sorted(after[outbox[s]][0] for s in ("sent", "queued", "sealed"))
    assert [e.action for e in audit_repo.events(ready.conn, 20)].count("org_key.rotate") == 1


def test_resigned_packets_are_accepted_under_the_new_key_and_refused_under_the_old(ready, outbox, store, cmm,
                                                                                   tmp_path) -> None:
    org_rotation.rotate_org_key(ready)
    usb = tmp_path / "after"
    usb.mkdir()
    sync.sync(ready, to_folder=usb)
    assert [r.reason_code for r in receive_folder(intake.Intake(store, cmm), usb)] == ["unknown_signer"]
    intake.register(store, config.export_org_key(ready))     # after the fingerprint check by phone
    assert [r.accepted for r in receive_folder(intake.Intake(store, cmm), usb)] == [True]


def test_the_statement_is_signed_by_the_new_key_and_names_no_person(ready, outbox, tmp_path) -> None:
    old_public = crypto.org_public(config.org_seed(ready))
    statement = org_rotation.rotate_org_key(ready)
    path = org_rotation.write_statement(statement, tmp_path / "statements")
    assert path.parent == tmp_path / "statements" and path.name.startswith("cmm-key-rotation-")
    assert not list(path.parent.glob(".*"))
    raw = path.read_bytes()
    body = rotation.read_statement(raw)
    assert body == statement.body() and body["format"] == "cmm-key-rotation/1" and body["reason"] == "member_removed"
    assert body["org"] == crypto.key_id(old_public).hex() and body["old_key"]["fingerprint"] == crypto.fingerprint(
        old_public)
    assert body["revoke_from"].endswith("Z") and body["new_key"]["ed25519"] == keys.b64(statement.new_public)
    signature = keys.unb64(json.loads(raw)["signature"])
    VerifyKey(statement.new_public).verify(crypto.canonical_json(body), signature)
    with pytest.raises(Exception, match="Signature"):
        VerifyKey(old_public).verify(crypto.canonical_json(body), signature)
    forged = raw.replace(body["revoke_from"].encode(), b"2030-01-01T00:00:00Z")
    with pytest.raises(BadKeyFile):
        rotation.read_statement(forged)

    text = raw.decode("ascii").casefold()
    secrets_of_people = [*ALIASES, "crowd", "2222", "above the bar", "hovedstaden"]
    for rid in outbox.values():
        referral = referral_repo.get(ready.conn, rid)
        secrets_of_people += [referral.reference, outbox_repo.for_referral(ready.conn, rid).packet_id]
    assert not [value for value in secrets_of_people if value.casefold() in text]
    assert org_rotation.rotation_statement(ready) == statement


def test_only_an_administrator_rotates_and_a_refusal_changes_nothing(ready, outbox) -> None:
    seed = settings_repo.get(ready.conn, config.ORG_SEED)
    before, events = _sealed(ready), len(audit_repo.events(ready.conn))
    for role in ("outreach", "coordinator", "health", "legal"):
        member = vault.add_user(ready, f"Member {role}", role, f"{role} passphrase 2026 long", PASSPHRASE)
        with pytest.raises(PermissionDenied):
            org_rotation.rotate_org_key(replace(ready, user=member))
        with pytest.raises(PermissionDenied):
            org_rotation.rotation_statement(replace(ready, user=member))
        events += 1                                             # the user.add event
    assert settings_repo.get(ready.conn, config.ORG_SEED) == seed and _sealed(ready) == before
    assert len(audit_repo.events(ready.conn)) == events and org_rotation.rotation_statement(ready) is None


def test_without_an_organisation_key_there_is_nothing_to_rotate(session) -> None:
    assert org_rotation.rotate_org_key(session) is None
    assert settings_repo.get(session.conn, config.ORG_SEED) is None


def test_an_unsent_packet_no_longer_shared_by_k_people_goes_back_to_draft(ready, outbox, cmm) -> None:
    config.set_k(ready, 20)                          # raised since sealing: 10 people share the details
    overridden = _referral(ready, "Solo Alias", reason="CMM asked for the exact details")
    statement = org_rotation.rotate_org_key(ready)
    kept = {outbox_repo.for_referral(ready.conn, rid).packet_id for rid in (overridden, outbox["sent"])}
    assert set(statement.resigned) == kept                  # the sent one may be at CMM already: same id
    assert _status(ready, overridden) == "queued" and _status(ready, outbox["sent"]) == "sent"
    assert sorted(statement.returned_to_draft) == sorted(outbox[s] for s in ("queued", "sealed"))
    for status in ("queued", "sealed"):
        assert _status(ready, outbox[status]) == "draft"
        assert outbox_repo.for_referral(ready.conn, outbox[status]) is None
    assert _status(ready, outbox["acknowledged"]) == "acknowledged"
    assert "referral.returned_to_draft" in [e.action for e in audit_repo.events(ready.conn, 20)]


def test_a_second_rotation_revokes_the_key_of_the_first(ready, outbox) -> None:
    first = org_rotation.rotate_org_key(ready)
    second = org_rotation.rotate_org_key(ready)
    assert second.org == first.new_key_id and second.old_fingerprint == first.new_fingerprint
    history = settings_repo.get(ready.conn, org_rotation.REVOKED)
    assert [entry["key_id"] for entry in history] == [first.org, second.org]
