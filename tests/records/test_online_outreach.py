"""Online outreach: sessions with counts only, refused when the counts contradict each other, reported apart from
visits, year on year and by platform."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fieldapp.domain.records import OnlineSession
from fieldapp.errors import ValidationError
from fieldapp.records import online
from fieldapp.reports import service

PERIOD = (date(2025, 1, 1), date(2025, 12, 31))


def _session(day: str, platform: str = "escort_sites", **counts) -> OnlineSession:
    return OnlineSession(started_at=datetime.fromisoformat(day + "T20:00:00+00:00"), platform=platform, **counts)


def test_counts_that_contradict_each_other_or_the_clock_are_refused(session) -> None:
    bad = [({"ads_screened": 3, "ads_flagged": 4}, "ads_flagged"), ({"messages_sent": 1, "replies": 2}, "replies"),
           ({"people_reached": -1}, "people_reached"), ({"ads_screened": 10_001}, "ads_screened")]
    for counts, field in bad:
        with pytest.raises(ValidationError) as refused:
            online.create_online_session(session, _session("2025-03-01", **counts))
        assert field in refused.value.problems
    with pytest.raises(ValidationError) as refused:
        online.create_online_session(session, OnlineSession(datetime.now(UTC) + timedelta(days=2), "classifieds"))
    assert "started_at" in refused.value.problems
    with pytest.raises(ValidationError):
        online.create_online_session(session, _session("2025-03-01", platform="tiktok_live"))
    assert online.online_pager(session).count() == 0


def test_sessions_are_reported_apart_from_visits_year_on_year_and_by_platform(session) -> None:
    online.create_online_session(session, _session("2025-02-01", ads_screened=40, ads_flagged=5, messages_sent=8,
                                                   replies=3, people_reached=2))
    online.create_online_session(session, _session("2025-09-01", "dating_apps", ads_screened=20, ads_flagged=1,
                                                   messages_sent=2, replies=1, people_reached=1))
    online.create_online_session(session, _session("2024-05-01", ads_screened=7))
    stored = online.online_pager(session)
    assert stored.count() == 3 and [s.platform for s in stored.page(0, 10)][:2] == ["dating_apps", "escort_sites"]
    tables = {t.key: t for t in service.build_report(session, *PERIOD, ("activity",)).tables()}
    figures = dict(zip(tables["online"].row_labels, tables["online"].cells, strict=True))
    assert figures == {"Online outreach sessions": (2, 1), "Ads screened": (60, 7),
                       "Ads with signs of exploitation": (6, 0), "Messages sent": (10, 0), "Replies": (4, 0),
                       "People reached online": (3, 0)}
    platforms = dict(zip(tables["online_platforms"].row_labels, tables["online_platforms"].cells, strict=True))
    assert platforms["Escort and massage sites"] == (1, 1) and platforms["Dating apps"] == (1, 0)
    key = dict(zip(tables["key_figures"].row_labels, tables["key_figures"].cells, strict=True))
    assert key["Outreach visits"] == (0, 0)                  # online sessions are not visits


def test_a_session_is_changed_and_deleted_and_keeps_its_author(session) -> None:
    made = online.create_online_session(session, _session("2025-03-01", ads_screened=5))
    assert made.created_by == session.user.id
    changed = online.update_online_session(session, OnlineSession(**{**made.__dict__, "ads_screened": 9}))
    assert changed.ads_screened == 9 and changed.created_by == session.user.id
    online.delete_online_session(session, made.id)
    assert online.get_online_session(session, made.id) is None


def test_an_update_keeps_the_author_and_a_yes_is_not_a_number(session) -> None:
    from dataclasses import replace

    made = online.create_online_session(session, _session("2025-03-01", ads_screened=5))
    assert online.update_online_session(session, replace(made, created_by=999, ads_screened=6)).created_by == \
        session.user.id
    with pytest.raises(ValidationError):
        online.create_online_session(session, _session("2025-03-01", ads_screened=True))
