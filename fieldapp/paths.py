"""Where fieldapp keeps its files by default (platformdirs), and the FIELDAPP_VAULT override."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

APP = "fieldapp"
VAULT_NAME = "vault.fieldapp"
DEMO_VAULT_NAME = "demo.fieldapp"


def data_dir() -> Path:
    return user_data_path(APP, appauthor=False, ensure_exists=False)


def default_vault() -> Path:
    override = os.environ.get("FIELDAPP_VAULT")
    return Path(override).expanduser() if override else data_dir() / VAULT_NAME


def default_demo_vault() -> Path:
    return data_dir() / DEMO_VAULT_NAME
