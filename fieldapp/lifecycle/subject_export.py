"""Data-subject access: everything the organisation holds about one person, as a PDF for printing
(made in memory) and as an encrypted file (argon2id + XChaCha20-Poly1305 with a passphrase the worker tells the person).

Health and legal details are included only for a user allowed to see them; the export says so
when parts were left out. Every export is audited (without personal data).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from nacl import bindings

from fieldapp.crypto import keys
from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.records import contacts, people
from fieldapp.security.passphrase import strength
from fieldapp.security.session import Session
from fieldapp.storage.atomic import write_atomic

FORMAT = "fieldapp-subject-export/1"


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def collect(session: Session, person_id: str) -> dict:
    session.require("records")
    person = people.get_person(session, person_id)
    if person is None:
        raise InvalidInput(_("This person no longer exists."))
    entries = contacts.timeline(session, person_id)
    return _plain({
        "person": asdict(person),
        "contacts": [{"contact": asdict(e.contact), "health": asdict(e.health) if e.health else None,
                      "legal": asdict(e.legal) if e.legal else None, "details_withheld": e.restricted}
                     for e in entries],
        "exported_at": datetime.now().astimezone(),
    })


def encrypt(data: dict, passphrase: str) -> bytes:
    if not strength(passphrase).acceptable:
        raise InvalidInput(_("Choose a stronger passphrase for the export (at least 10 characters, a few words)."))
    salt, params = keys.new_salt(), keys.default_params()
    key = keys.derive(passphrase, salt, params)
    nonce = bindings.randombytes(keys.NONCE_BYTES)
    body = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    sealed = bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(body, FORMAT.encode(), nonce, key)
    return json.dumps({"format": FORMAT, "salt": keys.b64(salt), "kdf": params.to_json(),
                       "data": keys.b64(nonce + sealed)}).encode("utf-8")


def decrypt(raw: bytes, passphrase: str) -> dict:
    """Open an encrypted export; InvalidInput if the passphrase is wrong or the file damaged."""
    try:
        outer = json.loads(raw.decode("utf-8"))
        key = keys.derive(passphrase, keys.unb64(outer["salt"]), keys.KdfParams(**outer["kdf"]))
        blob = keys.unb64(outer["data"])
        body = bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            blob[keys.NONCE_BYTES:], FORMAT.encode(), blob[:keys.NONCE_BYTES], key)
        return json.loads(body.decode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - any failure means: not openable with this passphrase
        raise InvalidInput(_("The export could not be opened: wrong passphrase or a damaged file.")) from exc


def export_person(session: Session, person_id: str, folder: Path, passphrase: str) -> Path:
    """Write ``<reference>.fieldapp-export`` (encrypted) into ``folder``; nothing else touches the disk."""
    session.require("records")
    data = collect(session, person_id)
    reference = data["person"]["reference"] or f"person-{person_id}"
    encrypted = Path(folder) / f"{reference}.fieldapp-export"
    write_atomic(encrypted, encrypt(data, passphrase))
    session.audit("person.export", "person", person_id)
    return encrypted


def printable(session: Session, person_id: str) -> bytes:
    """The same content as a PDF, in memory, for the print dialog (it is not written to disk here)."""
    session.require("records")
    data = collect(session, person_id)
    session.audit("person.export_print", "person", person_id)
    return render_pdf(data)


def _rows(data: dict) -> list[tuple[str, str]]:
    person = data["person"]
    shown = [("alias", _("Alias")), ("reference", _("Reference")), ("gender", _("Gender")),
             ("age_estimate", _("Age (estimate)")), ("birth_year", _("Year of birth")),
             ("nationality", _("Nationality")), ("languages", _("Languages")), ("phone", _("Phone")),
             ("first_contact", _("First contact")), ("last_contact", _("Last contact"))]
    return [(label, ", ".join(person[k]) if isinstance(person[k], list) else str(person[k] or "-"))
            for k, label in shown]


def render_pdf(data: dict) -> bytes:
    """A printable summary: the person's details, then each contact with its parts."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    from fieldapp.reports.export import register_font

    font = register_font()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=13)
    head = ParagraphStyle("head", fontName=font, fontSize=15, leading=19, spaceAfter=8)
    story = [Paragraph(escape(_("What we hold about you")), head),
             Paragraph(escape(_("This is everything our organisation has recorded about you. You may ask us to "
                                "correct it or to delete it.")), body), Spacer(1, 8),
             Table([[Paragraph(escape(a), body), Paragraph(escape(b), body)] for a, b in _rows(data)],
                   colWidths=[150, 330]), Spacer(1, 12),
             Paragraph(escape(_("Contacts")), head)]
    for entry in data["contacts"]:
        story.append(Paragraph(escape(_contact_line(entry)), body))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title="fieldapp").build(story)
    return out.getvalue()


def _contact_line(entry: dict) -> str:
    contact = entry["contact"]
    parts = [contact["occurred_at"][:16].replace("T", " "), contact["kind"], " ".join(contact["topics"]),
             " ".join(contact["services"]), contact["note"]]
    if entry["health"]:
        parts.append(_("health: {reason}").format(reason=entry["health"]["reason"]))
    if entry["legal"]:
        parts.append(_("legal advice: {topics}").format(topics=" ".join(entry["legal"]["topics"])))
    if entry["details_withheld"]:
        parts.append(_("(details held by health or legal staff; ask them)"))
    return " · ".join(p for p in parts if p)
