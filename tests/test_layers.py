"""The house rules of DESIGN §3: Qt only in fieldapp/ui (and leaflet printing), SQL only in
fieldapp/storage, and fieldapp/domain imports nothing of ours but i18n."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "fieldapp"
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)"
                 r"|DROP\s+TABLE|ALTER\s+TABLE|PRAGMA\s+\w+)", re.IGNORECASE | re.DOTALL)


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE.parent).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _qt_allowed(rel: str) -> bool:
    return rel.startswith("fieldapp/ui/") or re.match(r"fieldapp/[a-z]+/qt_\w+\.py$", rel) is not None


def test_qt_only_in_ui() -> None:
    offenders = [rel for rel, tree in _modules()
                 if not _qt_allowed(rel) and any(n.split(".")[0] in {"PySide6", "shiboken6"} for n in _imports(tree))]
    assert offenders == []


def test_sql_only_in_storage() -> None:
    offenders = []
    for rel, tree in _modules():
        if rel.startswith("fieldapp/storage/"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []


def test_domain_imports_nothing_of_ours_but_i18n() -> None:
    offenders = []
    for rel, tree in _modules():
        if rel.startswith("fieldapp/domain/"):
            ours = {n for n in _imports(tree) if n.startswith("fieldapp")}
            offenders += [f"{rel}: {n}" for n in ours if not n.startswith(("fieldapp.domain", "fieldapp.i18n"))]
    assert offenders == []


def test_the_rules_catch_offenders() -> None:
    assert SQL.search("select id from people where alias = ?")
    assert SQL.search("PRAGMA key = 'x'")
    assert not SQL.search("Select the people you met")
    assert not _qt_allowed("fieldapp/records/people.py") and _qt_allowed("fieldapp/leaflets/qt_render.py")
