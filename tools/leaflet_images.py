"""Render the leaflet pictures in docs/img/ from the same layout the PDF uses (a developer tool).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/leaflet_images.py

Every variant in English, and one sheet per script family, with the sample configuration (hence SAMPLE)
and every service ticked.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

OUT = ROOT / "docs" / "img"
SHEETS = [("en", "women", "leaflet-women-en"), ("en", "men", "leaflet-men-en"), ("en", "minor", "leaflet-minor-en"),
          ("ro", "women", "leaflet-latin-ro"), ("uk", "women", "leaflet-cyrillic-uk"),
          ("vi", "men", "leaflet-vietnamese-vi"), ("th", "women", "leaflet-thai-th"),
          ("fa", "men", "leaflet-arabic-fa"), ("zh-Hans", "women", "leaflet-cjk-zh-Hans")]


def main() -> None:
    QApplication.instance() or QApplication([])
    from fieldapp.domain.organisation import OFFERED_SERVICES
    from fieldapp.leaflets import qt_layout, qt_render
    from fieldapp.records.organisation import sample

    org = replace(sample(), services=OFFERED_SERVICES)
    for tag, variant, name in SHEETS:
        laid = qt_layout.lay_out(org, tag, "a4", variant=variant)
        qt_render.render_image(laid, 0, 900).save(str(OUT / f"{name}.png"))
        print(OUT / f"{name}.png")


if __name__ == "__main__":
    main()
