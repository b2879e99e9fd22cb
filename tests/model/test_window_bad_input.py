"""TimeWindow and Exclusion refuse bad input: a wrong type is a TypeError naming the parameter, a value listed
twice is a ValueError, and a string is never read as a sequence of its characters."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from seawall.model import MON_THU, Exclusion, TimeWindow


def ny_window(**kw: object) -> TimeWindow:
    args: dict[str, object] = dict(time_zone="America/New_York", days=MON_THU, start=time(9), end=time(16))
    args.update(kw)
    return TimeWindow(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"time_zone": 5}, r"time_zone=5 is a int; pass a string such as 'America/New_York'"),
    ({"holidays": "US"}, r"holidays='US' is a str; pass a list such as \('US', 'DE-BY'\) \(one item\? pass \['US'\]\)"),
    ({"holidays": (5,)}, r"holidays: 5 is a int; pass a country code such as 'US'"),
    ({"start": "09:00"}, r"start='09:00' is a str; pass a datetime.time such as time\(9, 0\)"),
    ({"end": 16}, r"end=16 is a int; pass a datetime.time"),
    ({"days": "mon"}, r"days='mon' is a str; pass a list such as \('mon', 'tue'\) \(one item\? pass \['mon'\]\)"),
    ({"days": ("mon", 2)}, r"days: 2 is a int; pass a day name such as 'mon'"),
    ({"days": ("mon", True)}, r"days: True is a bool; pass a day name"),
    ({"exclusions": ("no fridays",)}, r"exclusions\[0\]='no fridays' is a str, not an Exclusion"),
    ({"exclusions": Exclusion.after(time(12), days=("fri",))},
     r"exclusions=Exclusion\(.*\) is a Exclusion; pass a list"),
    ({"closed_dates": ("2026-12-24",)}, r"closed_dates\[0\]='2026-12-24' is a str; pass a datetime.date"),
    ({"closed_dates": "2026-12-24"}, r"closed_dates='2026-12-24' is a str; pass a list"),
    ({"closed_dates": (datetime(2026, 12, 24, 9),)}, r"closed_dates\[0\]=datetime.datetime\(2026, 12, 24, 9, 0\) is a "
                                                     r"datetime; pass a datetime.date"),
])
def test_wrong_types_are_type_errors(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(TypeError, match=match):
        ny_window(**kwargs)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"holidays": ("US", "us")}, r"holidays lists calendar 'US' twice; list each calendar once"),
    ({"holidays": ("US-CA", ("US", "CA"))}, r"holidays lists calendar 'US-CA' twice"),
    ({"closed_dates": (date(2026, 12, 24), date(2026, 12, 24))},
     r"closed_dates lists date datetime.date\(2026, 12, 24\) twice; list each date once"),
    ({"exclusions": (Exclusion.after(time(12), days=("thu",)), Exclusion.after(time(12), days=("thu",)))},
     r"exclusions lists exclusion Exclusion\(days=\('thu',\).* twice; list each exclusion once"),
])
def test_duplicates_are_refused_not_dropped(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ny_window(**kwargs)


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"holidays": "US"}, TypeError, r"holidays='US' is a str; pass a list"),
    ({"closed_dates": "2026-12-24"}, TypeError, r"closed_dates='2026-12-24' is a str; pass a list"),
    ({"days": "fri"}, TypeError, r"days='fri' is a str; pass a list"),
    ({"friday_until": "12:00"}, TypeError, r"friday_until='12:00' is a str; pass a datetime.time"),
])
def test_business_hours_reads_no_string_as_characters(kwargs: dict[str, object], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        TimeWindow.business_hours(time_zone="Europe/Berlin", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"days": "fri"}, TypeError, r"exclusion days='fri' is a str; pass a list such as \('mon', 'tue'\)"),
    ({"days": ("fri", "fri")}, ValueError, r"exclusion days=\('fri', 'fri'\) lists fri more than once"),
    ({"start": 12}, TypeError, r"exclusion start=12 is a int; pass a datetime.time"),
    ({"reason": 1}, TypeError, r"exclusion reason=1 is a int; pass a string such as 'release freeze'"),
])
def test_exclusion_refuses(kwargs: dict[str, object], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        Exclusion(**kwargs)  # type: ignore[arg-type]


def test_queries_name_the_parameter_of_a_wrong_type() -> None:
    window = ny_window()
    with pytest.raises(TypeError, match=r"t='2026-12-01T10:00' is a str; pass a timezone-aware datetime"):
        window.is_open("2026-12-01T10:00")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"day='2026-12-01' is a str; pass a datetime.date"):
        window.is_open_day("2026-12-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"first='2026-12-01' is a str; pass a datetime.date"):
        window.with_closed_dates("2026-12-01", date(2026, 12, 2))  # type: ignore[arg-type]


def test_a_freeze_over_an_already_closed_date_is_not_a_duplicate() -> None:
    window = ny_window(closed_dates=(date(2026, 12, 24),))
    frozen = window.with_closed_dates(date(2026, 12, 23), date(2026, 12, 25))
    assert frozen.closed_dates == (date(2026, 12, 23), date(2026, 12, 24), date(2026, 12, 25))


def test_json_input_keeps_value_errors() -> None:
    """``from_dict`` reads JSON: a wrong type there is bad input, a ValueError naming the field."""
    good = ny_window().to_dict()
    with pytest.raises(ValueError, match=r"window.days: 5 is a int; pass a day name"):
        TimeWindow.from_dict({**good, "days": ["mon", 5]})
    with pytest.raises(ValueError, match=r"window.exclusions\[0\].days='fri' must be a list of day names"):
        TimeWindow.from_dict({**good, "exclusions": [{"days": "fri", "start": "12:00"}]})
