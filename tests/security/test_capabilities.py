"""Every service entry point checks its capability before it touches anything.

The table below says which capability each public service function (first parameter ``session``)
needs. A function found in the packages but missing from the table fails the test: a new service
function must be classified. Each function is then called, for every role without that capability
(and for a role that grants nothing, so "records" checks are proven too), with placeholders for
its other arguments: it must raise PermissionDenied before using them and leave the vault's files
exactly as they were. For roles with the capability, PermissionDenied must not be what comes back.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pkgutil
import secrets
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from fieldapp.domain.records import User
from fieldapp.errors import PermissionDenied
from fieldapp.referral import config
from fieldapp.security.roles import CAPABILITIES
from fieldapp.security.vault import create_vault
from fieldapp.storage import users_repo
from fieldapp.storage.connection import transaction
from tests.conftest import PASSPHRASE

PACKAGES = ("records", "lifecycle", "referral", "reports", "security", "leaflets", "importing")
NO_ROLE = ""   # a role unknown to roles.py (say, edited in the users table) grants nothing
ROLES = (*CAPABILITIES, NO_ROLE)

NEEDS: dict[str, str] = {
    "records.common.audit": "records",
    "records.contacts.complete_follow_up": "records",
    "records.contacts.count_follow_ups": "records",
    "records.contacts.create_contact": "records",
    "records.contacts.delete_contact": "records",
    "records.contacts.follow_ups_due": "records",
    "records.contacts.follow_ups_pager": "records",
    "records.contacts.get_contact": "records",
    "records.contacts.may_see": "records",
    "records.contacts.save_in": "records",
    "records.contacts.timeline": "records",
    "records.contacts.update_contact": "records",
    "records.current_visit.add_materials": "records",
    "records.custom_codes.add_code": "settings",
    "records.custom_codes.list_codes": "records",
    "records.custom_codes.remove_code": "settings",
    "records.custom_codes.update_code": "settings",
    "records.custom_codes.uses": "records",
    "records.current_visit.current_visit": "records",
    "records.health.delete_health_contact": "health",
    "records.health.get_health_contact": "health",
    "records.health.save_health_contact": "health",
    "records.legal.delete_legal_session": "legal",
    "records.legal.get_legal_session": "legal",
    "records.legal.save_legal_session": "legal",
    "records.organisation.load": "records",
    "records.organisation.save": "settings",
    "records.online.create_online_session": "records",
    "records.online.delete_online_session": "records",
    "records.online.get_online_session": "records",
    "records.online.online_pager": "records",
    "records.online.update_online_session": "records",
    "records.people.count_people": "records",
    "records.people.count_refusal": "records",
    "records.people.count_refusals": "records",
    "records.people.create_person": "records",
    "records.people.delete_person": "records",
    "records.people.get_person": "records",
    "records.people.list_people": "records",
    "records.people.merge_people": "records",
    "records.people.people_pager": "records",
    "records.people.similar_people": "records",
    "records.people.update_person": "records",
    "records.team.team_members": "records",
    "records.venues.count_venues": "records",
    "records.venues.create_venue": "records",
    "records.venues.delete_venue": "records",
    "records.venues.get_venue": "records",
    "records.venues.list_venues": "records",
    "records.venues.venue_names": "records",
    "records.venues.update_venue": "records",
    "records.venues.venues_pager": "records",
    "records.visits.count_visits": "records",
    "records.visits.create_visit": "records",
    "records.visits.delete_visit": "records",
    "records.visits.get_visit": "records",
    "records.visits.list_visits": "records",
    "records.visits.update_visit": "records",
    "records.visits.visits_pager": "records",
    "lifecycle.backup.backup_overdue": "records",
    "lifecycle.backup.backup_to": "backup",
    "lifecycle.erasure.erase_person": "records",
    "lifecycle.members.deactivate": "users",
    "lifecycle.retention.preview": "records",
    "lifecycle.retention.run": "retention",
    "lifecycle.retention.run_if_due": "records",      # runs only when the session may run retention
    "lifecycle.subject_export.collect": "records",
    "lifecycle.subject_export.export_person": "records",
    "lifecycle.subject_export.printable": "records",
    "referral.aggregate.build": "records",
    "referral.aggregate.seal_to_folder": "records",
    "referral.config.cmm_key": "records",
    "referral.config.ensure_org_key": "records",
    "referral.config.export_org_key": "records",
    "referral.config.get_k": "records",
    "referral.config.import_cmm_key": "settings",
    "referral.config.org_id": "records",
    "referral.config.org_seed": "records",
    "referral.config.require_cmm_key": "records",
    "referral.config.set_k": "settings",
    "referral.config.set_transport": "settings",
    "referral.config.transport": "records",
    "referral.org_rotation.replace_after_leaving": "users",
    "referral.org_rotation.rotate_org_key": "users",
    "referral.org_rotation.rotation_statement": "users",
    "referral.service.cmm_phone": "records",
    "referral.service.create_draft": "records",
    "referral.service.person_languages": "records",
    "referral.service.record_outcome": "records",
    "referral.service.interview_follow_ups": "records",
    "referral.service.complete_interview_follow_up": "records",
    "referral.service.record_urgent_call": "records",
    "referral.service.replies": "records",
    "referral.service.get": "records",
    "referral.service.list_outbox": "records",
    "referral.service.preview": "records",
    "referral.service.queue": "records",
    "referral.service.record_consent": "records",
    "referral.service.seal": "records",
    "referral.service.seal_and_queue": "records",
    "referral.service.update_draft": "records",
    "referral.service.withdraw": "records",
    "referral.sync.apply_receipt": "records",
    "referral.sync.apply_reply": "records",
    "referral.sync.sync": "records",
    "reports.export.write_csv": "records",
    "reports.export.write_pdf": "records",
    "reports.release.grid_for": "records",
    "reports.release.load": "records",
    "reports.release.save": "settings",
    "reports.service.aggregate_packet": "records",
    "reports.service.available_sections": "records",
    "reports.service.build_report": "records",
    "reports.service.may_see_legal": "records",
    "reports.service.shown": "records",
    "security.audit.events": "audit",
    "security.audit.verify": "audit",
    "security.retention_policy.adopt_old_policy": "settings",
    "security.retention_policy.checked_policy": "retention",
    "security.retention_policy.load_policy": "records",
    "security.retention_policy.save_policy": "settings",
    "security.rotation.grant_role": "users",
    "security.rotation.remove_member": "users",
    "security.rotation.rotate": "users",
    "security.users.add": "users",
    "security.users.deactivate": "users",
    "security.leaving.finish": "users",
    "security.leaving.finish_deactivations": "users",
    "security.users.list_all": "users",
    "security.users.set_role": "users",
    "security.vault.add_user": "users",
    "security.vault.confirm_recovery_key": "users",
    "security.vault.new_recovery_key": "users",
    "security.vault.change_passphrase": "records",
    "security.vault.set_wipe_passphrase": "wipe",
    "importing.service.import_file": "import",
    "importing.service.import_table": "import",
}

PERIOD = {"start": date(2026, 1, 1), "end": date(2026, 1, 31)}
SEND_LIMITED = "sending limited to referrals_send"

# Checks that depend on an argument or on a setting: (function, arguments, setting, capability).
WHEN: list[tuple[str, dict, str, str]] = [
    ("reports.service.shown", {"exact_counts": True}, "", "reports_exact"),
    ("reports.export.write_csv", {"exact": True}, "", "reports_exact"),
    ("reports.export.write_pdf", {"exact": True}, "", "reports_exact"),
    ("reports.service.build_report", {**PERIOD, "sections": ("health",)}, "", "health"),
    ("reports.service.build_report", {**PERIOD, "sections": ("legal",)}, "", "reports_legal"),
    ("referral.service.queue", {}, SEND_LIMITED, "referrals_send"),
    ("referral.service.seal_and_queue", {}, SEND_LIMITED, "referrals_send"),
    ("referral.sync.sync", {}, SEND_LIMITED, "referrals_send"),
    ("referral.sync.apply_receipt", {}, SEND_LIMITED, "referrals_send"),
    ("referral.sync.apply_reply", {}, SEND_LIMITED, "referrals_send"),
]

class ArgumentUsed(AssertionError):
    pass


class Unused:
    """Stands for every argument but the session: using it raises, so a check made too late shows."""

    def __getattr__(self, name: str):
        raise ArgumentUsed(name)

    def __repr__(self) -> str:
        return "<unused>"


def _refuse(name: str):
    def used(*_args, **_kwargs):
        raise ArgumentUsed(name)
    return used


for _dunder in ("__bool__", "__iter__", "__len__", "__index__", "__int__", "__float__", "__fspath__", "__str__",
                "__format__", "__eq__", "__lt__", "__gt__", "__le__", "__ge__", "__hash__", "__contains__",
                "__getitem__", "__add__", "__radd__", "__sub__", "__rsub__"):
    setattr(Unused, _dunder, _refuse(_dunder))


def discover() -> dict[str, object]:
    """Every public function whose first parameter is ``session``, by its name under ``fieldapp.``."""
    found = {}
    for package in PACKAGES:
        root = importlib.import_module(f"fieldapp.{package}")
        for info in pkgutil.walk_packages(root.__path__, f"fieldapp.{package}."):
            module = importlib.import_module(info.name)
            for name, function in inspect.getmembers(module, inspect.isfunction):
                if name.startswith("_") or function.__module__ != info.name:
                    continue
                parameters = list(inspect.signature(function).parameters)
                if parameters[:1] == ["session"]:
                    found[f"{info.name.removeprefix('fieldapp.')}.{name}"] = function
    return found


FUNCTIONS = discover()


def _cases(*, allowed: bool) -> list:
    cases = [(name, {}, "", capability) for name, capability in NEEDS.items()] + WHEN
    params = []
    for name, kwargs, setting, capability in cases:
        for role in ROLES:
            if CAPABILITIES.get(role, frozenset()).__contains__(capability) != allowed:
                continue
            label = f"{name}[{capability}]-{role or 'no-role'}{'-' + setting if setting else ''}"
            params.append(pytest.param(name, kwargs, setting, role, id=label))
    return params


def _call(name: str, session, kwargs: dict):
    function = FUNCTIONS[name]
    required = [p.name for p in list(inspect.signature(function).parameters.values())[1:]
                if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD]
    return function(session, **{**{p: Unused() for p in required}, **kwargs})


def _files(folder: Path) -> str:
    """The vault's files (its -shm index changes on every read, so it is left out)."""
    digest = hashlib.sha256()
    for file in sorted(f for f in folder.iterdir() if not f.name.endswith("-shm")):
        digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def _content(session) -> str:
    digest = hashlib.sha256()
    tables = session.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    for (table,) in tables:
        rows = sorted(repr(row) for row in session.conn.execute(f'SELECT * FROM "{table}"'))
        digest.update(table.encode() + repr(rows).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def vaults(tmp_path_factory):
    """``vaults(purpose, setting)``: one open vault per purpose and setting, with a session per role."""
    made, admins = {}, []

    def get(purpose: str, setting: str) -> dict[str, object]:
        if (purpose, setting) not in made:
            folder = tmp_path_factory.mktemp(f"{purpose}-vault")
            admin, _recovery = create_vault(folder / "v.fieldapp", "Admin", "admin", PASSPHRASE)
            admins.append(admin)
            if setting == SEND_LIMITED:
                config.set_transport(admin, config.TransportSettings(folder=str(folder),
                                                                     require_send_capability=True))
            made[(purpose, setting)] = {role: _as(admin, role) for role in ROLES}
        return made[(purpose, setting)]

    yield get
    for admin in admins:
        admin.close(audit_lock=False)


def _as(admin, role: str):
    if role == NO_ROLE:
        return replace(admin, user=replace(admin.user, role=NO_ROLE))
    with transaction(admin.conn):
        user = users_repo.insert_user(admin.conn, User(name=f"{role} {secrets.token_hex(2)}", role=role),
                                      f"lookup-{secrets.token_hex(8)}")
    return replace(admin, user=user)


def test_every_service_function_is_in_the_table() -> None:
    assert sorted(set(FUNCTIONS) - set(NEEDS)) == [], "classify these: which capability does each need?"
    assert sorted(set(NEEDS) - set(FUNCTIONS)) == [], "these are no longer service functions: remove them"
    assert {capability for *_rest, capability in [*NEEDS.items(), *WHEN]} <= set().union(*CAPABILITIES.values())


@pytest.mark.parametrize(("name", "kwargs", "setting", "role"), _cases(allowed=False))
def test_a_role_without_the_capability_is_refused_before_anything_happens(vaults, name, kwargs, setting,
                                                                           role) -> None:
    session = vaults("refused", setting)[role]
    files, content = _files(session.path.parent), _content(session)
    with pytest.raises(PermissionDenied):
        _call(name, session, kwargs)
    assert _content(session) == content
    assert _files(session.path.parent) == files


@pytest.mark.parametrize(("name", "kwargs", "setting", "role"), _cases(allowed=True))
def test_a_role_with_the_capability_is_not_refused(vaults, name, kwargs, setting, role) -> None:
    session = vaults("allowed", setting)[role]
    try:
        _call(name, session, kwargs)
    except PermissionDenied:
        pytest.fail(f"{role} has what {name} needs but was refused")
    except Exception:  # noqa: BLE001 - placeholders make most calls fail later; only a refusal matters here
        pass
