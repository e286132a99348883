"""Counts checked against the hand-built dataset, year on year, roles, and the CMM packet."""

from __future__ import annotations

import dataclasses
import json

import pytest

from fieldapp.errors import InvalidInput, PermissionDenied
from fieldapp.reports import release, service
from tests.reports.dataset import PERIOD, fill


def _as(session, role):
    session.user = dataclasses.replace(session.user, role=role)
    return session


@pytest.fixture
def filled(session):
    fill(session)
    return session


def _tables(report):
    return {table.key: table for table in report.tables()}


def _column(table, col=0):
    return dict(zip(table.row_labels, (row[col] for row in table.cells), strict=True))


def test_activity_counts(filled):
    tables = _tables(service.build_report(filled, *PERIOD, ("activity",)))
    key = tables["key_figures"]
    refused = "People who did not want to be recorded (counted only)"
    assert _column(key) == {"Outreach visits": 10, "People met at visits": 20, "Contacts": 10,
                            "Unique people contacted": 5, "Referrals to CMM": 2, refused: 0}
    assert _column(key, 1) == {"Outreach visits": 2, "People met at visits": 4, "Contacts": 2,
                               "Unique people contacted": 2, "Referrals to CMM": 0, refused: 0}
    visits = tables["visits_by_kind_region"]
    capital, southern = visits.col_labels.index("Capital Region of Denmark"), visits.col_labels.index(
        "Region of Southern Denmark")
    assert visits.cells[visits.row_labels.index("Massage clinic")][capital] == 3
    assert visits.cells[visits.row_labels.index("Massage clinic")][southern] == 1
    assert visits.cells[visits.row_labels.index("Street area")][capital] == 6
    assert visits.grand_total() == 10
    assert _column(tables["contacts_by_kind"]) == {"Street": 3, "Venue": 2, "Health": 2, "Legal advice": 2,
                                                   "Phone or online": 1, "Drop-in": 0}
    months = tables["contacts_by_month"]
    assert _column(months)["2025-03"] == 2 and _column(months)["2025-06"] == 3
    assert _column(months, 1)["2025-03"] == 1 and _column(months, 1)["2025-04"] == 1


def test_people_indicators_referrals_materials(filled):
    tables = _tables(service.build_report(filled, *PERIOD, ("people", "referrals", "materials")))
    people = tables["people"]
    grid = {(row, col): people.cells[i][j] for i, row in enumerate(people.row_labels)
            for j, col in enumerate(people.col_labels) if people.cells[i][j]}
    assert grid == {("Thailand · Woman", "25–34"): 1, ("Thailand · Woman", "18–24"): 1,
                    ("Romania · Woman", "25–34"): 1, ("Nigeria · Man", "Under 18"): 1,
                    ("Nationality not recorded · Unknown", "Age unknown"): 1}
    indicators = {k: v for k, v in _column(tables["indicators"]).items() if v}
    assert indicators == {"In debt to an exploiter or recruiter": 3, "Threats or violence": 1,
                          "Deceived about the job, pay or conditions": 1}
    referrals = tables["referrals"]
    sexual = dict(zip(referrals.col_labels, referrals.cells[referrals.row_labels.index("Sexual exploitation")],
                      strict=True))
    assert sexual["Draft"] == 1 and sexual["Queued"] == 1
    assert referrals.cells[referrals.row_labels.index("Forced labour")][referrals.col_labels.index("Draft")] == 1
    materials = tables["materials"]
    assert materials.row_labels == ("ro", "th")
    assert materials.cells == ((7, 0, 0, 0), (10, 3, 0, 0))


def test_health_needs_the_health_role(filled):
    with pytest.raises(PermissionDenied):
        service.build_report(_as(filled, "outreach"), *PERIOD, ("health",))
    assert "health" not in service.available_sections(filled)
    health = _tables(service.build_report(_as(filled, "health"), *PERIOD, ("health",)))["health"]
    sti = health.cells[health.row_labels.index("STI test")]
    assert sti == (2, 1, 0)


def test_legal_pilot_for_legal_and_coordinator_only(filled):
    for role in ("outreach", "health", "admin"):
        with pytest.raises(PermissionDenied):
            service.build_report(_as(filled, role), *PERIOD, ("legal",))
        assert "legal" not in service.available_sections(filled)
    for role in ("legal", "coordinator"):
        tables = _tables(service.build_report(_as(filled, role), *PERIOD, ("legal",)))
        assert _column(tables["legal_figures"]) == {
            "Legal advice sessions": 2, "Unique clients": 1, "Repeat clients (two or more sessions)": 1,
            "Police reports assisted": 1, "Police reports filed": 1, "Victim's lawyer requested": 1,
            "Clients who disclosed a crime": 1, "Clients referred to CMM": 1,
            "Clients first reached through legal advice": 0}
        topics = {k: v for k, v in _column(tables["legal_topics"]).items() if v}
        assert topics == {"Reporting violence or rape": 1, "Residence status": 2}


def test_exact_counts_only_for_coordinators(filled):
    report = service.build_report(filled, *PERIOD, ("activity",))
    with pytest.raises(PermissionDenied):
        service.shown(filled, report, exact_counts=True)
    exact = service.shown(_as(filled, "coordinator"), report, exact_counts=True)
    assert exact[0].tables[0].cells[4] == ("2", "0")
    suppressed = service.shown(filled, report)
    assert suppressed[0].tables[0].cells[4] == ("<5", "0")


def test_a_period_that_ends_before_it_starts_is_refused(filled):
    with pytest.raises(InvalidInput):
        service.build_report(filled, PERIOD[1], PERIOD[0])


def test_previous_period_handles_leap_days():
    from datetime import date

    assert service.previous_period(date(2024, 2, 29), date(2024, 12, 31)) == (date(2023, 2, 28),
                                                                            date(2023, 12, 31))


def _values(packet):
    values = [v for table in packet["tables"] for row in table["cells"] for v in row]
    return values + [v for table in packet["tables"] for v in table["row_totals"] + table["column_totals"]]


def test_aggregate_packet_is_exact_by_default_and_has_no_restricted_sections(filled):
    packet = service.aggregate_packet(_as(filled, "coordinator"), *PERIOD)
    text = json.dumps(packet, ensure_ascii=False)
    keys = [table["key"] for table in packet["tables"]]
    assert "health" not in keys and not any(key.startswith("legal_") for key in keys)
    assert packet["exact"] is True and "<5" not in text and " x" not in text
    assert any(isinstance(v, int) and 1 <= v < 5 for v in _values(packet))     # CMM gets the small counts
    key_figures = next(table for table in packet["tables"] if table["key"] == "key_figures")
    assert key_figures["cells"][0] == [10, 2]                                   # 10 visits in 2025, 2 in 2024
    assert "Alias" not in text and "P-" not in text


def test_aggregate_packet_is_suppressed_without_a_data_agreement(filled):
    release.save(filled, release.ReleaseSettings(cmm_exact=False))
    packet = service.aggregate_packet(_as(filled, "coordinator"), *PERIOD)
    assert packet["exact"] is False and "<5" in json.dumps(packet)
    assert not any(isinstance(v, int) and 1 <= v < 5 for v in _values(packet))


@pytest.mark.parametrize("start, end", [("2025-01-01", "2025-12-30"), ("2025-03-01", "2025-03-01"),
                                        ("2025-02-01", "2025-04-30"), ("2024-01-01", "2025-12-31")])
def test_aggregate_packet_for_cmm_covers_a_whole_calendar_period(filled, start, end):
    from datetime import date

    with pytest.raises(InvalidInput, match="whole calendar"):
        service.aggregate_packet(filled, date.fromisoformat(start), date.fromisoformat(end))
    for first, last in (("2025-03-01", "2025-03-31"), ("2025-04-01", "2025-06-30"), ("2025-07-01", "2025-12-31")):
        assert service.aggregate_packet(filled, date.fromisoformat(first), date.fromisoformat(last))["exact"]
