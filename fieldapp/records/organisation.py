"""The organisation's own configuration (name, contact lines for leaflets, hotline), kept in the vault."""

from __future__ import annotations

import json
from dataclasses import asdict

from fieldapp.domain.organisation import ContactLine, Organisation
from fieldapp.resources import resource
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, settings_repo

SAMPLE_PATH = resource("sample-organisation.json")
_KEY = "organisation"


def from_dict(data: dict) -> Organisation:
    lines = tuple(ContactLine(**line) for line in data.get("contact_lines", ()))
    fields = {k: v for k, v in data.items() if k in Organisation.__dataclass_fields__ and k != "contact_lines"}
    return Organisation(contact_lines=lines, **fields)


def to_dict(org: Organisation) -> dict:
    data = asdict(org)
    data["contact_lines"] = [asdict(line) for line in org.contact_lines]
    return data


def sample() -> Organisation:
    """The sample configuration used by the demo and by the leaflet CLI without a vault."""
    return from_dict(json.loads(SAMPLE_PATH.read_text(encoding="utf-8")))


def load(session: Session) -> Organisation:
    session.require("records")
    data = settings_repo.get(session.conn, _KEY)
    if data is None:
        return sample() if session.demo else Organisation()
    return from_dict(data)


def save(session: Session, org: Organisation) -> None:
    session.require("settings")
    with session.write() as conn:
        settings_repo.put(conn, _KEY, to_dict(org))
        audit_repo.append(conn, session.user.id, "organisation.update")
