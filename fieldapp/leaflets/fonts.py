"""The font files leaflets are set in, and which families each script uses (first match wins per character).

Noto Sans (Latin, Cyrillic, Vietnamese) and Noto Sans Thai come from the fontpkg PyPI packages; Almarai
(Arabic; its glyphs map back to Unicode, so the PDF's text layer stays readable) from fontpkg-almarai; the
Simplified Chinese subset of Noto Sans CJK SC and the pictograms (a subset of Phosphor Icons) are shipped in
resources/fonts with their licences.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from fieldapp.leaflets import pictograms
from fieldapp.leaflets.languages import Language
from fieldapp.resources import resource

FONT_DIR = resource("fonts")
NOTO_SANS = "Noto Sans"
NOTO_THAI = "Noto Sans Thai"
ARABIC = "Almarai"
CJK_SC = "Noto Sans CJK SC"


@dataclass(frozen=True)
class FontFace:
    family: str
    path: Path


def _package_files(package: str, pattern: str) -> list[Path]:
    module = importlib.import_module(package)
    return sorted((Path(module.__file__).resolve().parent / "files").glob(pattern))


def font_faces() -> tuple[FontFace, ...]:
    """Every face to register, in a fixed order; each path exists once its package is installed."""
    faces = [FontFace(NOTO_SANS, path) for path in _package_files("fontpkg_noto_sans", "NotoSans[[]*.ttf")]
    faces += [FontFace(NOTO_THAI, path) for path in _package_files("fontpkg_noto_sans_thai", "NotoSansThai*.ttf")]
    faces += [FontFace(ARABIC, path) for path in _package_files("fontpkg_almarai", "Almarai-*.ttf")
              if path.stem in ("Almarai-Regular", "Almarai-Bold")]
    faces.append(FontFace(CJK_SC, FONT_DIR / "NotoSansCJKsc-Regular-subset.otf"))
    faces.append(FontFace(pictograms.FAMILY, FONT_DIR / pictograms.FONT_FILE))
    return tuple(faces)


_PRIMARY = {"latin": NOTO_SANS, "cyrillic": NOTO_SANS, "vietnamese": NOTO_SANS, "thai": NOTO_THAI,
            "arabic": ARABIC, "cjk": CJK_SC}
ALL_FAMILIES = (NOTO_SANS, NOTO_THAI, ARABIC, CJK_SC)


def families_for(lang: Language) -> list[str]:
    """The family fallback list for a language: its own script's family first, then the others."""
    primary = _PRIMARY[lang.script]
    return [primary, *(family for family in ALL_FAMILIES if family != primary)]


def faces_of(family: str) -> list[FontFace]:
    return [face for face in font_faces() if face.family == family]
