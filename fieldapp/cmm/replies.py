"""CMM's answers about a referral, written at CMM's desk: received, interview booked (a date window),
assessed, contact person assigned (a role, no name), reflection period started, closed.

A reply is signed with CMM's key and sealed to the key of the organisation that sent the referral (its
newest, after a rotation); it names the packet and the organisation's own reference, which only the
referral's body holds, so writing one reads the referral (a caseworker's reading, logged) and signs with
CMM's secret: an admin's desk holds both. The reply is kept in the store and written whole into a
folder the organisation's sync reads (``replies`` beside its packets on the stick).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fieldapp.cmm import accounts
from fieldapp.cmm import store as db
from fieldapp.cmm.staff import ADMIN
from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.protocol import crypto, reply
from fieldapp.protocol.crypto import CmmSecret
from fieldapp.storage.atomic import write_atomic
from fieldapp.storage.untrusted_dir import printable

FOLDER = "replies"


def _newest_key(store, org: str) -> tuple[str, bytes]:
    """The organisation's key to seal to: the one that signed the referral, or the key that replaced it."""
    for _step in range(64):
        successor = db.replaced_by(store, org)
        if successor is None:
            break
        org = successor
    found = db.org_key(store, org)
    if found is None or found[1]:
        raise InvalidInput(_("The organisation that sent this referral has no key CMM trusts now; a reply "
                             "cannot be sealed to it."))
    return org, found[0]


def write_reply(store, secret: CmmSecret, packet_id: str, answer: reply.Answer,
                folder: Path | None) -> Path | None:
    """Seal a reply about ``packet_id``, keep it in the store (CMM's server hands it over when the organisation
    asks over HTTPS) and, with a ``folder``, write ``<reply id>.cmmreply`` into it (the stick's replies folder);
    the file's path, or None. Raises ``InvalidInput`` for an unknown packet or a reply that does not fit the
    format."""
    store.desk.require(ADMIN)
    if folder is not None:
        _check_folder(Path(folder))               # before anything is read, logged or kept
    origin = db.packet_origin(store, packet_id)
    body = accounts.read_referral(store, packet_id) if origin is not None else None
    if origin is None or body is None:
        raise InvalidInput(_("No packet with this id is in the intake store."))
    org, public = _newest_key(store, origin[0])
    try:
        built = reply.build(org, packet_id, json.loads(body)["reference"], answer,
                            len(db.replies_for(store, packet_id)) + 1)
    except ValueError as exc:
        raise InvalidInput(_("This reply does not fit CMM's reply format: an interview needs its dates (the "
                             "first not after the last), an assessment its outcome, a contact person a role, "
                             "and no other status takes them.")) from exc
    sealed = reply.seal(built, secret, public)
    # The store keeps what CMM said, without the organisation's reference: the reference stays in the referral's
    # body, which only the case key opens, and in the sealed copy, which only the organisation opens.
    kept = {name: value for name, value in built.items() if name != "reference"}

    def keep() -> None:
        if db.packet_origin(store, packet_id) is None:     # erased meanwhile (the person withdrew consent)
            raise InvalidInput(_("No packet with this id is in the intake store."))
        db.add_reply(store, built, crypto.canonical_json(kept).decode("ascii"), sealed)

    store.run_transaction(keep)
    if folder is None:
        return None
    path = Path(folder) / f"{built['reply_id']}{reply.SUFFIX}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _check_folder(path.parent)
        write_atomic(path, sealed, mode=0o644)
    except (OSError, InvalidInput) as exc:        # a stick pulled out, a full disk: the reply was not sent
        store.run_transaction(lambda: db.remove_reply(store, built["reply_id"]))
        raise InvalidInput(_("The reply could not be written into {folder}; it was not sent and not kept. Check "
                             "the stick and try again.").format(folder=printable(folder))) from exc
    return path


def _check_folder(folder: Path) -> None:
    """A replies folder the organisation's sync will read: a real folder (not a link, which its sync refuses)
    that can be written, or one that can be made in a folder that can be written."""
    problem = _("The folder {folder} cannot take the reply: choose the replies folder on the organisation's stick "
                "(a folder you can write to, not a link).").format(folder=printable(folder))
    if folder.is_symlink():
        raise InvalidInput(problem)
    existing = folder                             # the folder, or the nearest folder above it that exists
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise InvalidInput(problem)


def for_request(store, data: bytes, secret: CmmSecret, now=None) -> bytes:
    """Answer an organisation's signed request for its replies (``POST /replies``) with the bundle of the latest
    sealed replies about the referrals it sent, under its current key or one it replaced; ``Rejected`` for a
    request that does not verify."""
    from fieldapp.protocol.packet import SignerKey

    def lookup(org: str):
        found = db.org_key(store, org)
        return SignerKey(*found) if found else None

    org = reply.open_replies_request(data, secret, lookup, now=now)
    sealed = store.run_transaction(lambda: db.sealed_replies(store, db.replaced_keys(store, org),
                                                             reply.MAX_BUNDLE_REPLIES))
    return reply.bundle(sealed)
