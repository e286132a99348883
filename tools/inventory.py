#!/usr/bin/env python3
"""What is inside a build: every distribution fieldapp needs at run time, with its version and licence,
read from the installed metadata of the environment that builds it (a wheel check or a bundle).

    python tools/inventory.py --out dist/inventory.json      # JSON, and the same as Markdown beside it

The list follows fieldapp's requirements transitively, so test and build tools are left out.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from importlib import metadata
from pathlib import Path

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def licence_of(dist: metadata.Distribution) -> str:
    """SPDX expression when the package gives one (PEP 639), else its licence field, else its classifiers."""
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression.strip()
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 80:
        return text
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return "; ".join(classifiers)
    return _from_licence_file(dist) or ("see the package's licence file" if text else "unknown")


# Words that name a licence in its own text, for packages whose metadata names none.
_TEXTS = (("This software is provided 'as-is'", "Zlib"), ("Permission is hereby granted, free of charge", "MIT"),
          ("Apache License", "Apache-2.0"), ("Redistribution and use in source and binary forms", "BSD"),
          ("GNU LESSER GENERAL PUBLIC LICENSE", "LGPL"), ("GNU GENERAL PUBLIC LICENSE", "GPL"))


def _from_licence_file(dist: metadata.Distribution) -> str:
    for name in dist.metadata.get_all("License-File") or []:
        text = dist.read_text(f"licenses/{name}") or dist.read_text(name) or ""
        for words, licence in _TEXTS:
            if words in text:
                return f"{licence} (from its licence file)"
    return ""


def _requirements(dist: metadata.Distribution) -> list[str]:
    names = []
    for requirement in dist.requires or []:
        if ";" in requirement and "extra ==" in requirement.split(";", 1)[1]:
            continue                                   # only what the package needs without extras
        found = _NAME.match(requirement.strip())
        if not found:
            continue
        marker = requirement.split(";", 1)[1] if ";" in requirement else ""
        if marker and not _marker_holds(marker, found.group(0)):
            continue
        names.append(found.group(0))
    return names


def _marker_holds(marker: str, name: str) -> bool:
    """Whether a requirement with an environment marker applies here. Without the ``packaging``
    library (a fresh environment), it applies when the package is installed."""
    try:
        from packaging.markers import Marker
    except ImportError:
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            return False
        return True
    return Marker(marker).evaluate()


def inventory(root: str = "fieldapp", pyproject: Path | None = None) -> list[dict[str, str]]:
    """fieldapp and everything it needs, sorted by name. With ``pyproject``, fieldapp itself is read from
    the checkout (a build that runs it from source, as the bundle's does) and its requirements from there."""
    seen: dict[str, dict[str, str]] = {}
    queue = [root]
    if pyproject is not None:
        project = _project(pyproject)
        seen[_normal(project["name"])] = {k: project[k] for k in ("name", "version", "licence")}
        queue = [_NAME.match(r.strip()).group(0) for r in project["dependencies"]]
    while queue:
        name = _normal(queue.pop())
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            seen[name] = {"name": name, "version": "not installed", "licence": ""}
            continue
        seen[name] = {"name": dist.metadata["Name"], "version": dist.version, "licence": licence_of(dist)}
        queue.extend(_requirements(dist))
    return sorted(seen.values(), key=lambda item: item["name"].lower())


def _project(pyproject: Path) -> dict:
    import tomllib

    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    init = (pyproject.parent / config["name"] / "__init__.py").read_text(encoding="utf-8")
    version = re.search(r'__version__ = "([^"]+)"', init).group(1)
    return {"name": config["name"], "version": version, "licence": config["license"],
            "dependencies": config["dependencies"]}


def markdown(items: list[dict[str, str]]) -> str:
    lines = ["| package | version | licence |", "|---|---|---|"]
    lines += [f"| {i['name']} | {i['version']} | {i['licence']} |" for i in items]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="inventory")
    parser.add_argument("--out", type=Path, required=True, help="the JSON file to write (a .md is written beside it)")
    parser.add_argument("--pyproject", type=Path, help="fieldapp from this checkout instead of an installed one")
    args = parser.parse_args(argv)
    items = inventory(pyproject=args.pyproject)
    missing = [i["name"] for i in items if i["version"] == "not installed"]
    if missing:
        print(f"inventory: not installed here: {', '.join(missing)}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(items, indent=1) + "\n", encoding="utf-8")
    args.out.with_suffix(".md").write_text(markdown(items), encoding="utf-8")
    print(f"inventory: {len(items)} packages written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
