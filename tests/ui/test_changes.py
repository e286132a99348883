"""The change signal: pages that show a kind of record refresh after a change to it, each once, in turns of the
event loop after the change (never in the middle of it), and not at all once the vault locked or the page went."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QWidget
from shiboken6 import delete

from fieldapp.ui import changes, tasks


def test_listeners_refresh_after_the_change_once_each_and_only_those_concerned(qtbot, session) -> None:
    people, both, visits = QWidget(), QWidget(), QWidget()
    for widget in (people, both, visits):
        qtbot.addWidget(widget)
    calls: list[str] = []
    changes.on_change(session, people, ["people"], lambda: calls.append("people"))
    changes.on_change(session, both, ["people", "contacts"], lambda: calls.append("both"))
    changes.on_change(session, visits, ["visits"], lambda: calls.append("visits"))
    changes.notify(session, "people")
    changes.notify(session, "contacts")
    assert calls == []                                   # not in the middle of the change
    qtbot.waitUntil(lambda: len(calls) == 2)
    qtbot.wait(50)
    assert calls == ["people", "both"]                   # each once, in the order they asked; visits untouched


def test_a_refresh_waiting_at_lock_or_for_a_page_that_went_is_dropped(qtbot, session) -> None:
    gone, kept = QWidget(), QWidget()
    qtbot.addWidget(kept)
    calls: list[str] = []
    changes.on_change(session, gone, ["people"], lambda: calls.append("gone"))
    changes.on_change(session, kept, ["people"], lambda: calls.append("kept"))
    changes.notify(session, "people")
    delete(gone)                                         # the page was deleted before its turn
    qtbot.waitUntil(lambda: calls == ["kept"])
    changes.notify(session, "people")
    session.begin_close()                                # locked before the turn came
    qtbot.wait(50)
    assert calls == ["kept"] and changes.bus(session).pending() == 0


def test_a_refresh_waits_while_work_runs_on_the_windows_own_connection(qtbot, session) -> None:
    """A deactivation re-encrypts the vault on the window's own connection: a page must not read beside it."""
    page = QWidget()
    qtbot.addWidget(page)
    calls: list[str] = []
    changes.on_change(session, page, ["people"], lambda: calls.append("page"))
    release = threading.Event()
    work = tasks.Task(page, "re-encrypting", lambda _progress: release.wait(10))    # no session=: the window's
    work.start()
    changes.notify(session, "people")
    qtbot.wait(200)
    assert calls == []
    release.set()
    qtbot.waitUntil(lambda: calls == ["page"])
