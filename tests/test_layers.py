"""The house rules of DESIGN §3: which package may import which (the table below, for every import,
those inside functions included), Qt only in fieldapp/ui (and leaflet printing), SQL only in
fieldapp/storage and in CMM's own store (fieldapp/cmm/store*.py, another program's database), and
fieldapp/domain imports nothing of ours but i18n."""

from __future__ import annotations

import ast
import re
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "fieldapp"
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)"
                 r"|DROP\s+TABLE|ALTER\s+TABLE|PRAGMA\s+\w+)", re.IGNORECASE | re.DOTALL)

# The layers, bottom to top. A unit is a package (fieldapp/<name>/) or a top-level module
# (fieldapp/<name>.py); ``__init__`` is fieldapp/__init__.py, which every unit may import. A unit may
# import itself and the units listed for it, and no other: a new package or module is placed here.
FOUNDATION = frozenset({"paths", "resources", "crypto", "i18n", "errors", "cancel"})
SERVICES = FOUNDATION | {"domain", "storage", "security"}
MAY_IMPORT: dict[str, frozenset[str]] = {
    "__init__": frozenset(),
    "paths": frozenset(),
    "resources": frozenset(),
    "crypto": frozenset(),                                 # argon2id and key wrapping, nothing of ours
    "i18n": frozenset({"resources"}),
    "errors": frozenset({"i18n"}),
    "cancel": frozenset({"errors", "i18n"}),
    "domain": frozenset({"i18n"}),                         # the vocabulary: no SQL, no Qt
    "storage": FOUNDATION | {"domain"},                    # every SQL statement
    "security": FOUNDATION | {"domain", "storage"},        # keys, users, unlock, wipe
    "records": SERVICES,
    "reports": SERVICES,
    "leaflets": SERVICES,
    "protocol": FOUNDATION | {"domain"},                 # the wire format both sides share
    "cmm": FOUNDATION | {"domain", "storage", "protocol"},  # CMM's side: never the NGO's vault or session
    "referral": SERVICES | {"records", "reports", "protocol"},
    "lifecycle": SERVICES | {"records", "reports", "referral", "protocol"},
    "demo": SERVICES | {"records", "referral", "protocol"},
    "importing": SERVICES | {"records"},                   # old records from spreadsheets
    "cli_support": FOUNDATION | {"security", "lifecycle"},
    "cli_features": SERVICES | {"records", "reports", "leaflets", "referral", "lifecycle", "cli_support", "protocol",
                                "cmm", "importing"},
    "ui": SERVICES | {"records", "reports", "leaflets", "referral", "lifecycle", "demo", "protocol",
                      "cmm", "importing"},                              # ui/desk: CMM's desk on an intake store
    "cli": SERVICES | {"lifecycle", "demo", "cli_support", "cli_features", "ui"},
    "__main__": frozenset({"cli"}),
}


def _modules(package: Path = PACKAGE):
    for path in sorted(package.rglob("*.py")):
        yield path.relative_to(package.parent).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


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
        if rel.startswith(("fieldapp/storage/", "fieldapp/cmm/store")):
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


def _units(package: Path) -> set[str]:
    """Every package and top-level module of ``package``, by name."""
    return ({path.stem for path in package.glob("*.py")}
            | {path.name for path in package.iterdir() if (path / "__init__.py").is_file()})


def _imported(rel: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The dotted names an import statement may load, relative imports resolved."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module.split(".") if node.module else []
    if node.level:
        package = rel.removesuffix(".py").split("/")[:-1]
        base = package[:len(package) - node.level + 1] + base
    if len(base) > 1:
        return [".".join(base)]
    return [".".join([*base, alias.name]) for alias in node.names]      # from fieldapp import paths


def _target(name: str, units: set[str]) -> str | None:
    """The unit a dotted name belongs to (``__init__`` for fieldapp itself), or None if not ours."""
    parts = name.split(".")
    if parts[0] != "fieldapp":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in units else "__init__"


def layer_offenders(package: Path, table: dict[str, frozenset[str]]) -> list[str]:
    """``file: imported module`` for every import, at any depth in the file, that the table does not allow."""
    units, offenders = _units(package), set()
    for rel, tree in _modules(package):
        unit = rel.split("/")[1].removesuffix(".py")
        allowed = table.get(unit, frozenset()) | {unit, "__init__"}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                offenders.update(f"{rel}: {name}" for name in _imported(rel, node)
                                 if _target(name, units) not in allowed | {None})
    return sorted(offenders)


def table_problems(table: dict[str, frozenset[str]], units: set[str]) -> list[str]:
    """Units missing from the table or named in it without existing, and any cycle in it."""
    problems = [f"not in the table: {name}" for name in sorted(units - set(table))]
    problems += [f"no such package or module: {name}" for name in sorted(set(table) - units)]
    problems += [f"{name} may import unknown {other}" for name, others in sorted(table.items())
                 for other in sorted(others - set(table))]
    try:
        tuple(TopologicalSorter({name: others - {name} for name, others in table.items()}).static_order())
    except CycleError as error:
        problems.append("cycle: " + " -> ".join(error.args[1]))
    return problems


def test_every_import_follows_the_layer_table() -> None:
    assert layer_offenders(PACKAGE, MAY_IMPORT) == []


def test_the_table_names_every_package_once_and_has_no_cycle() -> None:
    assert table_problems(MAY_IMPORT, _units(PACKAGE)) == []


def test_the_layer_rules_catch_offenders(tmp_path: Path) -> None:
    package = tmp_path / "fieldapp"
    for folder in ("storage", "security", "ui", "newthing"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "i18n.py").write_text("")
    (package / "storage" / "sidecar.py").write_text(
        "from fieldapp.i18n import _\n"
        "from fieldapp.storage import atomic\n"
        "def later():\n"
        "    from fieldapp.security import keys\n"
        "    if True:\n"
        "        import fieldapp.ui.app\n")
    (package / "security" / "vault.py").write_text("from ..storage import sidecar\nfrom .. import ui\n")
    table = {"__init__": frozenset(), "i18n": frozenset(), "storage": frozenset({"i18n"}),
             "security": frozenset({"i18n", "storage"}), "ui": frozenset({"storage", "security"})}
    assert layer_offenders(package, table) == ["fieldapp/security/vault.py: fieldapp.ui",
                                               "fieldapp/storage/sidecar.py: fieldapp.security",
                                               "fieldapp/storage/sidecar.py: fieldapp.ui.app"]
    assert table_problems(table, _units(package)) == ["not in the table: newthing"]
    cyclic = {**table, "newthing": frozenset(), "storage": frozenset({"security"}), "gone": frozenset({"x"})}
    problems = table_problems(cyclic, _units(package))
    assert problems[:2] == ["no such package or module: gone", "gone may import unknown x"]
    assert problems[2].startswith("cycle: ") and {"storage", "security"} <= set(problems[2][7:].split(" -> "))
