"""The anonymised figures for CMM, sealed like a referral: CMM's intake opens them, and only those."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fieldapp.cmm import figures
from fieldapp.errors import StorageIOError
from fieldapp.protocol import crypto
from fieldapp.protocol.crypto import CmmSecret, Rejected
from fieldapp.protocol.packet import SignerKey
from fieldapp.referral import aggregate, config
from fieldapp.reports import release
from fieldapp.reports.service import aggregate_packet
from tests.referral.helpers import cmm_secret, setup_channel
from tests.reports import dataset


def _org_keys(session, revoked: bool = False):
    public = crypto.org_public(config.org_seed(session))
    return {crypto.key_id(public).hex(): SignerKey(public, revoked)}.get


def test_sealed_figures_open_at_cmm_and_match_the_report(session, tmp_path: Path) -> None:
    setup_channel(session)
    dataset.fill(session)
    usb = tmp_path / "usb"
    usb.mkdir()
    path = aggregate.seal_to_folder(session, *dataset.PERIOD, usb)
    assert path.suffix == ".cmmagg" and list(usb.iterdir()) == [path]
    raw = path.read_bytes()
    assert b"tables" not in raw                                          # sealed, not readable in transit
    content = figures.open_aggregate(raw, cmm_secret(), _org_keys(session))
    expected = aggregate_packet(session, *dataset.PERIOD)
    assert content["schema"] == "cmm-aggregate/1" and content["tables"] == expected["tables"]
    cells = [v for table in content["tables"] for row in table["cells"] for v in row]
    assert content["exact"] is True and [v for v in cells if isinstance(v, int) and 0 < v < content["k"]]
    keys = {table["key"] for table in content["tables"]}        # no health or legal-pilot section
    assert keys and not {k for k in keys if k.startswith(("health", "legal"))}
    assert "Exact figures from" in figures.as_text(content)


def test_without_a_data_agreement_the_sealed_figures_are_suppressed(session, tmp_path: Path) -> None:
    setup_channel(session)
    dataset.fill(session)
    release.save(session, release.ReleaseSettings(cmm_exact=False))
    raw = aggregate.seal_to_folder(session, *dataset.PERIOD, tmp_path).read_bytes()
    content = figures.open_aggregate(raw, cmm_secret(), _org_keys(session))
    cells = [v for table in content["tables"] for row in table["cells"] for v in row]
    assert content["exact"] is False and "<5" in cells
    assert not [v for v in cells if isinstance(v, int) and 0 < v < content["k"]]
    assert "counts under 5 hidden" in figures.as_text(content)


def test_refused_when_tampered_foreign_or_unknown(session, tmp_path: Path) -> None:
    setup_channel(session)
    dataset.fill(session)
    raw = aggregate.seal_to_folder(session, *dataset.PERIOD, tmp_path / "data").read_bytes()
    flipped = bytearray(raw)
    flipped[len(flipped) // 2] ^= 0x04
    with pytest.raises(Rejected):
        figures.open_aggregate(bytes(flipped), cmm_secret(), _org_keys(session))
    with pytest.raises(Rejected) as other:
        figures.open_aggregate(raw, CmmSecret(os.urandom(32)), _org_keys(session))
    assert other.value.code == "other_recipient"
    with pytest.raises(Rejected) as unknown:
        figures.open_aggregate(raw, cmm_secret(), {}.get)
    assert unknown.value.code == "unknown_signer"
    with pytest.raises(Rejected) as revoked:
        figures.open_aggregate(raw, cmm_secret(), _org_keys(session, revoked=True))
    assert revoked.value.code == "revoked_signer"


def test_needs_cmm_key_and_a_folder(session, tmp_path: Path) -> None:
    from fieldapp.referral.errors import NoCmmKey

    dataset.fill(session)
    usb = tmp_path / "usb"
    usb.mkdir()
    with pytest.raises(NoCmmKey):
        aggregate.seal_to_folder(session, *dataset.PERIOD, usb)
    setup_channel(session)
    with pytest.raises(StorageIOError):
        aggregate.seal_to_folder(session, *dataset.PERIOD, tmp_path / "no-such-usb")
    assert list(usb.iterdir()) == [] and not (tmp_path / "no-such-usb").exists()
