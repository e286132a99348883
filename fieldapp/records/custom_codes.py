"""The organisation's own code lists (Settings → Organisation): an administrator adds venue kinds, platforms,
services, and languages or dialects, each under a standard parent code, renames them, and removes one no record
uses. Every change is installed at once for the open vault (``Session.load_custom_codes``)."""

from __future__ import annotations

from fieldapp.domain import codes
from fieldapp.domain.custom_codes import LISTS, MAX_PER_LIST, CustomCode, label_problem, new_code
from fieldapp.domain.places import language_name, standard_language_codes
from fieldapp.errors import InvalidInput
from fieldapp.i18n import _, current_language, ngettext
from fieldapp.records.common import missing
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo, custom_codes_repo


def parent_choices(list_name: str) -> dict[str, str]:
    """The standard codes an own code of ``list_name`` may count under, code -> name in the interface language.
    Languages: every language babel knows (so Darija may count as Arabic, or as Moroccan Arabic)."""
    _known_list(list_name)
    if list_name == "languages":
        language = current_language()
        return {code: language_name(code, language) for code in sorted(standard_language_codes())}
    return {code: _(label) for code, label in codes.EXTENSIBLE[list_name].standard.items()}


def list_codes(session: Session, list_name: str) -> tuple[CustomCode, ...]:
    """The own codes of ``list_name`` as the vault keeps them, sorted by label."""
    session.require("records")
    _known_list(list_name)
    return tuple(code for code in custom_codes_repo.all_codes(session.conn) if code.list_name == list_name)


def uses(session: Session, list_name: str, code: str) -> int:
    """How many records name the own code ``code``."""
    session.require("records")
    _known_list(list_name)
    return custom_codes_repo.uses(session.conn, list_name, code)


def add_code(session: Session, list_name: str, label: str, parent: str) -> CustomCode:
    """Add an own code; raises InvalidInput (with the reason) for an empty, too long or taken label or an
    unknown parent."""
    session.require("settings")
    existing = list_codes(session, list_name)
    if len(existing) >= MAX_PER_LIST:
        raise InvalidInput(_("A list holds at most {limit} codes of your own.").format(limit=MAX_PER_LIST))
    _check(list_name, label, parent, existing)
    added = CustomCode(list_name, new_code(label, (c.code for c in existing)), label.strip(), parent)
    with session.write() as conn:
        custom_codes_repo.insert(conn, added)
        audit_repo.append(conn, session.user.id, "custom_code.add", "custom_code", added.code)
    session.load_custom_codes()
    return added


def update_code(session: Session, list_name: str, code: str, label: str, parent: str) -> CustomCode:
    """Rename an own code or move it under another parent. Records keep the code, so they show the new name at
    once, and reports count them under the new parent."""
    session.require("settings")
    existing = list_codes(session, list_name)
    _check(list_name, label, parent, [c for c in existing if c.code != code])
    changed = CustomCode(list_name, code, label.strip(), parent)
    with session.write() as conn:
        if not custom_codes_repo.update(conn, changed):
            raise missing()
        audit_repo.append(conn, session.user.id, "custom_code.update", "custom_code", code)
    session.load_custom_codes()
    return changed


def remove_code(session: Session, list_name: str, code: str) -> None:
    """Remove an own code that no record uses (a form could not show a removed code, and would replace it)."""
    session.require("settings")
    _known_list(list_name)
    with session.write() as conn:
        count = custom_codes_repo.uses(conn, list_name, code)
        if count:
            raise InvalidInput(ngettext(
                "One record uses this code: change it first, or rename the code instead.",
                "{count} records use this code: change them first, or rename the code instead.", count,
            ).format(count=count))
        if not custom_codes_repo.delete(conn, list_name, code):
            raise missing()
        audit_repo.append(conn, session.user.id, "custom_code.remove", "custom_code", code)
    session.load_custom_codes()


def _known_list(list_name: str) -> None:
    if list_name not in LISTS:
        raise InvalidInput(_("There is no such code list."))


def _check(list_name: str, label: str, parent: str, others: list[CustomCode] | tuple[CustomCode, ...]) -> None:
    _known_list(list_name)
    problem = label_problem(label, [*_standard_names(list_name), *(other.label for other in others)])
    if problem:
        raise InvalidInput(problem)
    if parent not in parent_choices(list_name):
        raise InvalidInput(_("Choose the standard code this one counts under."))


def _standard_names(list_name: str) -> list[str]:
    """The standard names of a list as pickers show them: in English and in the interface language."""
    if list_name == "languages":
        language = current_language()
        return [name for code in codes.LANGUAGES for name in (language_name(code), language_name(code, language))]
    return [name for label in codes.EXTENSIBLE[list_name].standard.values() for name in (label, _(label))]
