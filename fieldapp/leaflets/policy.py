"""Whether leaflets may be printed for this organisation, and with which mark."""

from __future__ import annotations

from fieldapp.domain.organisation import Organisation
from fieldapp.leaflets.errors import PrintRefused

REAL = "real"
SAMPLE = "sample"


def print_mode(org: Organisation) -> str:
    """``SAMPLE`` for the sample/demo configuration (printed with a SAMPLE mark), ``REAL`` for a complete one.

    Raises ``PrintRefused`` when the organisation's name or contact lines are missing: a leaflet without a way
    to get help, or with a number nobody configured, is worse than none.
    """
    if org.is_sample:
        return SAMPLE
    if not org.can_print_for_real():
        raise PrintRefused()
    return REAL
