"""Run every ``benchmarks/bench_*.py`` (each has ``run(quick) -> {metric: {median, unit, scale}}``),
print a table and optionally write JSON."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="reduced scale, under a minute")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    parser.add_argument("--only", help="run only benchmark modules whose name contains this")
    args = parser.parse_args(argv)
    results: dict[str, dict] = {}
    package = Path(__file__).resolve().parent
    for info in sorted(pkgutil.iter_modules([str(package)]), key=lambda i: i.name):
        if not info.name.startswith("bench_") or (args.only and args.only not in info.name):
            continue
        started = time.perf_counter()
        module = importlib.import_module(f"benchmarks.{info.name}")
        results.update(module.run(args.quick))
        print(f"# {info.name}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    print(f"{'metric':32} {'median':>12} unit  scale")
    for name, value in results.items():
        print(f"{name:32} {value['median']:>12.3f} {value['unit']:5} {value['scale']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
