"""Sub-commands contributed by feature packages; each entry is ``register(subparsers)``."""

from __future__ import annotations

from fieldapp.leaflets import cli as leaflets_cli
from fieldapp.lifecycle import cli as lifecycle_cli
from fieldapp.referral import cli as referral_cli
from fieldapp.reports import cli as reports_cli

REGISTRARS: list = [lifecycle_cli.register, referral_cli.register, leaflets_cli.register,
                     leaflets_cli.register_translations, reports_cli.register]
