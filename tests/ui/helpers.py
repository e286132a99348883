"""What the form tests share."""

from __future__ import annotations

from shiboken6 import isValid


def written(qtbot, form) -> None:
    """Wait for the form's write, which runs on a task's thread, to end: saved (the form closes) or refused (the
    problems show). A form that refused before writing has nothing running, and this returns at once."""
    qtbot.waitUntil(lambda: not isValid(form) or form.saving is None, timeout=15_000)


def shown(form) -> bool:
    """The form is still open (a saved form closes, and Qt deletes it soon after)."""
    return isValid(form) and form.isVisible()


def pdf_written(qtbot, page) -> None:
    """Wait for the Leaflets page to finish writing a PDF (the write runs on a task's thread)."""
    qtbot.waitUntil(lambda: page.saving is None, timeout=15_000)
