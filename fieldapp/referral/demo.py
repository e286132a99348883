"""The demo CMM key pair shipped in ``resources/demo-cmm`` (DEMO ONLY: its secret half is public),
so the demo vault can show the whole referral path."""

from __future__ import annotations

from fieldapp.protocol import crypto
from fieldapp.protocol.crypto import CmmPublic, CmmSecret
from fieldapp.referral.config import read_cmm_key
from fieldapp.resources import resource

DEMO_CMM_DIR = resource("demo-cmm")
DEMO_CMM_PUBLIC = DEMO_CMM_DIR / "cmm-public.json"
DEMO_CMM_SECRET = DEMO_CMM_DIR / "cmm-secret.key"
DEMO_CMM_PASSPHRASE = "demo cmm passphrase - not secret"


def demo_public_bytes() -> bytes:
    """The demo public key file, ready for ``config.import_cmm_key``."""
    return DEMO_CMM_PUBLIC.read_bytes()


def demo_public() -> CmmPublic:
    return read_cmm_key(demo_public_bytes())


def demo_secret() -> CmmSecret:
    return crypto.open_secret_key_file(DEMO_CMM_SECRET.read_bytes(), DEMO_CMM_PASSPHRASE)
