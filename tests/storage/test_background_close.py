"""A lock closes the session in a thread of its own (the window is not held while the disk works): whoever opens the
same vault meanwhile waits for that close, the session says it is closed at once, and two closes never overlap."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from fieldapp.cancel import Cancelled
from fieldapp.security import vault
from fieldapp.storage.connection import close_in_background, wait_closed
from tests.conftest import PASSPHRASE


@pytest.mark.timeout(60)
def test_an_open_during_a_close_waits_for_it_instead_of_finding_the_vault_in_use(session, vault_path: Path) -> None:
    entered, proceed = threading.Event(), threading.Event()

    def slow_close() -> None:            # the session's own close, after a disk that takes its time
        entered.set()
        proceed.wait(10)
        session.close()

    session.begin_close()
    assert not session.is_open                           # at once, while the close has not begun
    with pytest.raises(Cancelled):
        with session.own_connection():                   # no thread opens a connection on a closing session
            pass
    close_in_background(vault_path, slow_close)
    assert entered.wait(10)
    assert not wait_closed(vault_path, 0.05)             # under way
    threading.Timer(0.3, proceed.set).start()
    again = vault.unlock(vault_path, "Admin", PASSPHRASE)   # waits for the close rather than "in use"
    try:
        assert again.is_open and not session.lock.held
        assert wait_closed(vault_path, 0)
    finally:
        again.close()


@pytest.mark.timeout(60)
def test_two_closes_of_one_session_never_overlap(session) -> None:
    """The window's close thread and a second caller (quitting, a teardown) at the same moment: one closes, the
    other waits and finds it closed (overlapping closes of one SQLite connection crashed the process)."""
    errors: list[BaseException] = []

    def close() -> None:
        try:
            session.close()
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=close) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and not session.lock.held and session.keys == {}
