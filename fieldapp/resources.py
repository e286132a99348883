"""Where the app's own data files are: leaflet texts, fonts, JSON schemas, the demo keys and the
translation catalogues. No other module builds a path to them.

In an installed wheel or a desktop bundle they are inside the package (``fieldapp/_resources`` and
``fieldapp/_translations``, put there by the build from the repository's top-level ``resources/`` and
``translations/``), found with ``importlib.resources``. In a checkout they are those top-level folders.
The app needs real files (fonts are registered by path), so an installation must be unpacked on disk,
as pip and PyInstaller leave it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _inside_package(name: str) -> Path | None:
    found = resources.files("fieldapp") / name
    return Path(str(found)) if found.is_dir() else None


def resources_dir() -> Path:
    return _inside_package("_resources") or _CHECKOUT / "resources"


def translations_dir() -> Path:
    return _inside_package("_translations") or _CHECKOUT / "translations"


def resource(*parts: str) -> Path:
    """A path inside the resources folder, e.g. ``resource("fonts")``."""
    return resources_dir().joinpath(*parts)
