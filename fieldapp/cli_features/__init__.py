"""The command line's sub-commands for the feature packages, one module each, kept above those packages
as ``fieldapp/ui`` is; each entry of ``REGISTRARS`` is ``register(subparsers)``."""

from __future__ import annotations

from fieldapp.cli_features import importing, leaflets, lifecycle, referral, reports

REGISTRARS: list = [lifecycle.register, referral.register, leaflets.register, leaflets.register_translations,
                    reports.register, importing.register]
