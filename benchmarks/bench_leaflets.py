"""leaflet_one_ms and leaflets_all_a4_ms (issue: multilingual client information sheets).

Each run starts from cleared content caches (catalogues re-read, Thai re-segmented) in a warm process (Qt,
fonts and the Thai dictionary loaded once, as in the app after its first leaflet) and writes real PDF files.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from benchmarks.common import median_ms, metric

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _cold_content() -> None:
    from fieldapp.leaflets import catalogue, content

    catalogue.load.cache_clear()
    content._tokenize_thai.cache_clear()


def run(quick: bool) -> dict[str, dict]:
    from fieldapp.leaflets.languages import TAGS, VARIANTS
    from fieldapp.leaflets.qt_fonts import ensure_application
    from fieldapp.leaflets.qt_render import render_leaflet
    from fieldapp.records.organisation import sample

    ensure_application()
    org = sample()
    runs = 3 if quick else 9
    with tempfile.TemporaryDirectory(prefix="fieldapp-bench-leaflets-") as folder:
        out = Path(folder)

        def one() -> None:
            _cold_content()
            render_leaflet(org, "th", "a4", out / "th-a4.pdf")

        def all_a4() -> None:
            _cold_content()
            for tag in TAGS:
                for variant in VARIANTS:
                    render_leaflet(org, tag, "a4", out / f"{tag}-{variant}-a4.pdf", variant=variant)

        one_ms = median_ms(one, runs)
        all_ms = median_ms(all_a4, max(2, runs // 3))
    return {
        "leaflet_one_ms": metric(one_ms, "ms", "Thai A4 leaflet to PDF, content caches cold"),
        "leaflets_all_a4_ms": metric(all_ms, "ms", f"{len(TAGS)} languages × {len(VARIANTS)} readers as A4 PDFs, "
                                                   "content caches cold"),
    }
