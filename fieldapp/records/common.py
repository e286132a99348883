"""What every field-record service shares: validation, the "record is gone" error, audit and paging."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from fieldapp.domain.validation import problems
from fieldapp.errors import InvalidInput, ValidationError
from fieldapp.i18n import _
from fieldapp.security.session import Session
from fieldapp.storage import audit_repo
from fieldapp.storage.connection import Connection

Row = TypeVar("Row")
DEFAULT_PAGE = 100


def validate(record: object, extra: dict[str, str] | None = None) -> None:
    """Raise ``ValidationError`` with every problem of ``record`` (plus ``extra``), or return."""
    found = {**problems(record), **(extra or {})}
    if found:
        raise ValidationError(found)


def missing() -> InvalidInput:
    return InvalidInput(_("This record no longer exists; it may have been deleted."))


def audit(session: Session, conn: Connection, action: str, entity: str, entity_id: int | str | None) -> None:
    """An audit event in the transaction of the change (ids only, never personal data)."""
    session.require("records")
    audit_repo.append(conn, session.user.id, action, entity, entity_id)


@dataclass(frozen=True)
class Pager(Generic[Row]):
    """What a lazy list model needs: how many rows match, and one page of them.

    ``count()`` runs one COUNT query the first time it is asked and then answers from memory: a list makes a pager
    for each refill, so the count is the refill's, and saying it again (a language switch) asks the vault nothing.
    ``page(offset, limit)`` returns up to ``limit`` rows in list order.
    """
    count: Callable[[], int]
    page: Callable[[int, int], list[Row]]

    def __post_init__(self) -> None:
        object.__setattr__(self, "count", functools.cache(self.count))
