"""The data files are found in one place, in a checkout and in an installed wheel alike, and the build
puts them where that place looks. (`python3 dev.py wheel`, run by .ci/run, builds the wheel, installs
it in a fresh venv outside the checkout and runs it.)"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from fieldapp import resources

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fieldapp"


def test_no_module_but_one_builds_paths_to_the_data_files() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "resources.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in ("resources", "translations", "_resources"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr == "parent" \
                    and isinstance(node.value, ast.Attribute) and node.value.attr == "parent":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} (parent.parent)")
    assert offenders == []


def test_in_a_checkout_the_top_level_folders_are_used() -> None:
    assert resources.resources_dir() == ROOT / "resources"
    assert resources.resource("sample-organisation.json").is_file()
    assert (resources.translations_dir() / "da" / "LC_MESSAGES" / "messages.mo").is_file()


def test_inside_an_installed_package_the_packaged_folders_win(tmp_path: Path, monkeypatch) -> None:
    installed = tmp_path / "site-packages" / "fieldapp"
    (installed / "_resources" / "fonts").mkdir(parents=True)
    (installed / "_translations").mkdir()
    monkeypatch.setattr(resources.resources, "files", lambda _package: installed)
    assert resources.resources_dir() == installed / "_resources"
    assert resources.resource("fonts") == installed / "_resources" / "fonts"
    assert resources.translations_dir() == installed / "_translations"


def test_the_build_puts_the_folders_where_the_package_looks() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    mapped = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert mapped == {"resources": "fieldapp/_resources", "translations": "fieldapp/_translations"}
    assert config["project"]["license"] == "GPL-3.0-or-later"
    for pattern in config["project"]["license-files"]:
        assert list(ROOT.glob(pattern)), pattern


def test_the_inventory_lists_every_run_time_package_with_its_licence() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("inventory", ROOT / "tools" / "inventory.py")
    inventory = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(inventory)
    items = {inventory._normal(i["name"]): i for i in inventory.inventory()}
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for requirement in config["project"]["dependencies"]:
        name = inventory._normal(inventory._NAME.match(requirement).group(0))
        assert items[name]["version"] not in ("", "not installed"), name
    assert "pytest" not in items and "ruff" not in items          # test and build tools are not shipped
    assert all(i["licence"] and i["licence"] != "unknown" for i in items.values()), \
        [i["name"] for i in items.values() if i["licence"] in ("", "unknown")]
    assert items["fieldapp"]["licence"] == "GPL-3.0-or-later"


def test_the_bundle_lock_pins_every_requirement_with_hashes() -> None:
    import re

    from packaging.requirements import Requirement

    lock = (ROOT / "packaging" / "requirements-bundle-linux.txt").read_text(encoding="utf-8")
    pin = re.compile(r"^([A-Za-z0-9._-]+)==([^\s\\]+) \\\n((?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", re.M)
    entries = pin.findall(lock)
    pinned = {name.lower().replace("_", "-"): version for name, version, _hashes in entries}
    assert len(entries) == len(re.findall(r"^[A-Za-z0-9]", lock, re.M))   # every line that pins carries hashes
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for text in config["project"]["dependencies"]:
        requirement = Requirement(text)
        name = requirement.name.lower().replace("_", "-")
        assert name in pinned, name
        assert requirement.specifier.contains(pinned[name]), (name, pinned[name], str(requirement.specifier))
    wanted = (ROOT / "packaging" / "bundle.in").read_text(encoding="utf-8")
    assert f"pyinstaller=={pinned['pyinstaller']}" in wanted
    assert "--find-links" not in lock and "--index-url" not in lock and "/work/" not in lock
