"""The organisation's own configuration (name, contact lines for leaflets, hotline), kept in the vault."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, replace

from fieldapp.domain.organisation import ACCENTS, OFFERED_SERVICES, ContactLine, Organisation
from fieldapp.resources import resource
from fieldapp.security import retention_policy
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, settings_repo

SAMPLE_PATH = resource("sample-organisation.json")
_KEY = "organisation"


def from_dict(data: dict) -> Organisation:
    lines = tuple(ContactLine(**line) for line in data.get("contact_lines", ()))
    stored = data.get("services")
    services = tuple(code for code in stored if code in OFFERED_SERVICES) if isinstance(stored, list) else ()
    fields = {k: v for k, v in data.items()
              if k in Organisation.__dataclass_fields__
              and k not in ("contact_lines", "services", "services_set", "accent", "logo_png")}
    fields["services_set"] = isinstance(stored, list)
    try:
        fields["logo_png"] = base64.b64decode(data.get("logo_png", ""), validate=True)
    except (binascii.Error, TypeError, ValueError):
        fields["logo_png"] = b""
    if data.get("accent") in ACCENTS:
        fields["accent"] = data["accent"]
    return Organisation(contact_lines=lines, services=services, **fields)


def to_dict(org: Organisation) -> dict:
    data = asdict(org)
    data["contact_lines"] = [asdict(line) for line in org.contact_lines]
    data["services"] = list(org.services)
    data.pop("services_set", None)
    data["logo_png"] = base64.b64encode(org.logo_png).decode("ascii")
    data.pop("retention_months", None)          # the retention policy's, never stored here
    return data


def sample() -> Organisation:
    """The sample configuration used by the demo and by the leaflet CLI without a vault."""
    return from_dict(json.loads(SAMPLE_PATH.read_text(encoding="utf-8")))


def load(session: Session) -> Organisation:
    """The organisation's configuration, with the retention period its leaflets state taken from the vault's
    retention policy (what an automatic run deletes; none when runs are by hand only), never from a number
    typed elsewhere."""
    session.require("records")
    data = settings_repo.get(session.conn, _KEY)
    org = (sample() if session.demo else Organisation()) if data is None else from_dict(data)
    policy = retention_policy.load_policy(session)
    return replace(org, retention_months=policy.people_inactive_months if policy.automatic else 0)


def save(session: Session, org: Organisation) -> None:
    session.require("settings")
    with session.write() as conn:
        settings_repo.put(conn, _KEY, to_dict(org))
        audit_repo.append(conn, session.user.id, "organisation.update")
