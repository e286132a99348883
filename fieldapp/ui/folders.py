"""The last folder something was exported to (a USB stick, say): file dialogs open there next time.

Only the folder is kept, in the app's settings, never a file name (a name such as "leaflet-th" or a report's
period would say something about the work); the folder a person's own data goes to is not kept at all (it may
be named after them), and a panic wipe forgets the folder too.

Writing the settings file syncs it to disk, which can take a second on a busy disk: the window keeps the folder
at once and a worker thread writes it (in order, one write at a time).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QSettings

KEY = "paths/last_export_folder"
_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="settings")
_written: list[Future] = []
_current: str | None = None          # the folder chosen in this run, before the writer has saved it


def last_folder() -> str:
    """The folder of the last export, if it is still there (a stick may be gone); else the home folder."""
    folder = _current if _current is not None else str(QSettings().value(KEY, "") or "")
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def in_last_folder(name: str) -> str:
    """A suggested file name, placed in the last export folder."""
    return str(Path(last_folder()) / name)


def remember(chosen: str | Path) -> None:
    """Keep the folder of a chosen file, or a chosen folder itself."""
    global _current
    path = Path(chosen)
    folder = str(path if path.is_dir() else path.parent)
    if folder == _current:
        return
    _current = folder
    store_setting(KEY, folder)


def store_setting(key: str, value: str) -> None:
    """Save a (not sensitive) setting off the window's thread."""
    _written.append(_writer.submit(_write, key, value))
    _written[:] = [future for future in _written if not future.done()]


def _write(key: str, value: str) -> None:
    settings = QSettings()
    settings.setValue(key, value)
    settings.sync()


def flush() -> None:
    """Wait until every setting asked for is written."""
    for future in list(_written):
        future.result()
    _written.clear()


def forget() -> None:
    """Drop the remembered folder (a panic wipe)."""
    global _current
    flush()
    _current = None
    QSettings().remove(KEY)
