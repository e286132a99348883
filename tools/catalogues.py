"""Maintain the UI's gettext catalogues with babel.

    python tools/catalogues.py extract   # fieldapp/**.py -> translations/messages.pot, then update every .po
    python tools/catalogues.py compile   # .po -> .mo (refuses a catalogue whose placeholders differ)
    python tools/catalogues.py check     # exit 1 if any translation's {placeholders} differ from its source
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def extract() -> None:
    babel = [sys.executable, "-m", "babel.messages.frontend"]
    subprocess.run([*babel, "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "N_", "-k", "ngettext:1,2",
                    "-k", "pgettext:1c,2", "--no-location", "--sort-output", "--project=fieldapp",
                    "-o", str(POT), str(ROOT / "fieldapp")], check=True)
    subprocess.run([*babel, "-q", "update", "--no-fuzzy-matching", "-i", str(POT), "-d", str(TRANSLATIONS)],
                   check=True)


def placeholder_problems(po_path: Path) -> list[str]:
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(sources[-1]))
        for target in targets:
            if target and set(PLACEHOLDER.findall(target)) != wanted:
                problems.append(f"{po_path.parent.parent.name}: {sources[0]!r}")
    return problems


def compile_all() -> int:
    problems = check()
    if problems:
        return 1
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        with po_path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)
    return 0


def check() -> list[str]:
    problems = [p for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po") for p in placeholder_problems(po)]
    for problem in problems:
        print(f"placeholders differ: {problem}", file=sys.stderr)
    return problems


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "compile"
    if command == "extract":
        extract()
        sys.exit(0)
    if command == "check":
        sys.exit(1 if check() else 0)
    sys.exit(compile_all())
