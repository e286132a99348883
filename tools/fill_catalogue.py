"""Fill translations into a .po from a JSON object {source: translation}; existing ones are kept
unless --overwrite. Used by translators' tooling and for bulk review imports.

    python tools/fill_catalogue.py da translations-da.json [--overwrite]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def fill(language: str, pairs: dict[str, str], overwrite: bool = False) -> int:
    path = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    filled = 0
    for message in catalog:
        if message.id in pairs and (overwrite or not message.string):
            message.string = pairs[message.id]
            message.flags.discard("fuzzy")
            filled += 1
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    return filled


if __name__ == "__main__":
    data = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    print(fill(sys.argv[1], data, "--overwrite" in sys.argv))
