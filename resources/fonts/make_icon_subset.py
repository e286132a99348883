"""Rebuild the leaflet pictogram font shipped in this folder (a developer tool, not run by the app).

Source: Phosphor Icons 1.3.0, regular weight (MIT licence, LICENSE-Phosphor.txt beside this file), as packaged
in the qtawesome 1.4.2 wheel from PyPI (qtawesome/fonts/phosphor-1.3.0.ttf with its charmap). The subset keeps
only the bold weight of the pictograms fieldapp.leaflets.pictograms names, under the same code points.

    pip download qtawesome==1.4.2 --no-deps -d /tmp/qta
    unzip -q /tmp/qta/qtawesome-1.4.2-py3-none-any.whl -d /tmp/qta
    python resources/fonts/make_icon_subset.py /tmp/qta/qtawesome/fonts
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
OUT = HERE / "phosphor-leaflet-subset.ttf"
sys.path.insert(0, str(HERE.parent.parent))


def main(fonts: Path) -> None:
    from fieldapp.leaflets.pictograms import NAMES

    charmap = json.loads((fonts / "phosphor-charmap-1.3.0.json").read_text(encoding="utf-8"))
    codepoints = sorted(int(charmap[f"{name}-bold"], 16) for name in set(NAMES.values()))
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(fonts / "phosphor-1.3.0.ttf")
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    font.save(OUT)
    print(f"{OUT.name}: {len(codepoints)} pictograms, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
