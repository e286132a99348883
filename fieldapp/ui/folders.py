"""The last folder something was exported to (a USB stick, say): file dialogs open there next time.

Only the folder is kept, in the app's settings, never a file name (a name such as "leaflet-th" or a report's
period would say something about the work); the folder a person's own data goes to is not kept at all (it may
be named after them), and a panic wipe forgets the folder too."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

KEY = "paths/last_export_folder"


def last_folder() -> str:
    """The folder of the last export, if it is still there (a stick may be gone); else the home folder."""
    folder = str(QSettings().value(KEY, "") or "")
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def in_last_folder(name: str) -> str:
    """A suggested file name, placed in the last export folder."""
    return str(Path(last_folder()) / name)


def remember(chosen: str | Path) -> None:
    """Keep the folder of a chosen file, or a chosen folder itself."""
    path = Path(chosen)
    QSettings().setValue(KEY, str(path if path.is_dir() else path.parent))


def forget() -> None:
    """Drop the remembered folder (a panic wipe)."""
    QSettings().remove(KEY)
