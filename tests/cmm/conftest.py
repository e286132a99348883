"""CMM's side is tested with packets made by a real NGO vault: the referral tests' fixtures (``ready``,
``cmm``) serve here too."""

from tests.referral.conftest import cmm, ready  # noqa: F401 - fixtures, found by pytest by name
