"""TimeWindow: open hours in the team's zone, holidays, exclusions, DST, JSON round trip."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seawall.model import MON_THU, Exclusion, TimeWindow

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def ny_window(**kw: object) -> TimeWindow:
    args: dict[str, object] = dict(time_zone="America/New_York", days=MON_THU, start=time(9), end=time(16),
                                   holidays=("US",))
    args.update(kw)
    return TimeWindow(**args)  # type: ignore[arg-type]


def utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


# ----------------------------------------------------------------------------- basics

def test_open_inside_hours_on_an_open_day() -> None:
    w = ny_window()
    assert w.is_open(datetime(2026, 12, 1, 9, 0, tzinfo=NY))
    assert w.is_open(datetime(2026, 12, 1, 15, 59, tzinfo=NY))
    assert not w.is_open(datetime(2026, 12, 1, 16, 0, tzinfo=NY)), "end is exclusive"
    assert not w.is_open(datetime(2026, 12, 1, 8, 59, tzinfo=NY))
    assert not w.is_open(datetime(2026, 12, 4, 10, 0, tzinfo=NY)), "Friday is not an open day"


def test_the_teams_zone_governs_not_the_callers() -> None:
    w = ny_window()
    tokyo = datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo("Asia/Tokyo"))  # 09:30 in New York
    assert w.is_open(tokyo)
    assert w.next_open(tokyo) == tokyo
    assert w.next_open(tokyo).tzinfo is tokyo.tzinfo, "answers come back in the caller's zone"


def test_us_thanksgiving_2026_is_closed() -> None:
    w = ny_window()
    assert w.holiday_name(date(2026, 11, 26)) == "Thanksgiving Day"
    assert not w.is_open_day(date(2026, 11, 26))
    assert not w.is_open(datetime(2026, 11, 26, 10, 0, tzinfo=NY))
    # Wednesday 16:00 -> Thanksgiving Thursday closed, Friday not open, weekend -> Monday 09:00.
    assert w.next_open(datetime(2026, 11, 25, 16, 0, tzinfo=NY)) == datetime(2026, 11, 30, 9, 0, tzinfo=NY)


def test_holidays_of_several_countries_and_a_subdivision() -> None:
    w = TimeWindow(time_zone="Europe/Berlin", days=("mon", "tue", "wed", "thu", "fri"), start=time(9),
                   end=time(17), holidays=("US", ("DE", "BY")))
    assert w.holidays == ("US", "DE-BY")
    assert not w.is_open(datetime(2026, 11, 26, 10, tzinfo=BERLIN)), "US Thanksgiving"
    assert not w.is_open(datetime(2026, 1, 6, 10, tzinfo=BERLIN)), "Epiphany, Bavaria only"
    assert TimeWindow(time_zone="Europe/Berlin", days=("tue",), start=time(9), end=time(17),
                      holidays=("DE-BE",)).is_open(datetime(2026, 1, 6, 10, tzinfo=BERLIN))


def test_no_friday_after_noon_and_nothing_after_four() -> None:
    w = TimeWindow(time_zone="America/New_York", days=("mon", "tue", "wed", "thu", "fri"), start=time(9),
                   end=time(18), exclusions=(Exclusion.after(time(12), days=("fri",)),
                                             Exclusion.after(time(16))))
    assert w.is_open(datetime(2026, 12, 4, 11, 59, tzinfo=NY))
    assert not w.is_open(datetime(2026, 12, 4, 12, 0, tzinfo=NY))
    assert not w.is_open(datetime(2026, 12, 3, 16, 30, tzinfo=NY))
    assert w.next_open(datetime(2026, 12, 4, 12, 0, tzinfo=NY)) == datetime(2026, 12, 7, 9, 0, tzinfo=NY)
    assert w.next_close(datetime(2026, 12, 3, 10, 0, tzinfo=NY)) == datetime(2026, 12, 3, 16, 0, tzinfo=NY)
    assert "no Fri after 12:00" in w.describe() and "nothing after 16:00" in w.describe()


def test_exclusion_in_the_middle_of_the_day_splits_it() -> None:
    w = ny_window(exclusions=(Exclusion(start=time(12), end=time(13), reason="lunch"),))
    assert w.next_close(datetime(2026, 12, 1, 9, tzinfo=NY)) == datetime(2026, 12, 1, 12, tzinfo=NY)
    assert w.next_open(datetime(2026, 12, 1, 12, 30, tzinfo=NY)) == datetime(2026, 12, 1, 13, tzinfo=NY)


def test_closed_dates_and_a_freeze() -> None:
    w = ny_window(closed_dates=(date(2026, 12, 1),))
    assert w.next_open(datetime(2026, 11, 30, 16, tzinfo=NY)) == datetime(2026, 12, 2, 9, tzinfo=NY)
    frozen = ny_window().with_closed_dates(date(2026, 12, 14), date(2027, 1, 3))
    assert frozen.next_open(datetime(2026, 12, 10, 16, tzinfo=NY)) == datetime(2027, 1, 4, 9, tzinfo=NY)


def test_next_close_is_none_for_an_always_open_window() -> None:
    w = TimeWindow.always()
    t = datetime(2026, 1, 1, tzinfo=UTC)
    assert w.is_open(t) and w.next_open(t) == t and w.next_close(t) is None


def test_business_hours_factory() -> None:
    w = TimeWindow.business_hours(time_zone="America/New_York", holidays=("US",))
    assert w.days == ("mon", "tue", "wed", "thu", "fri")
    assert w.is_open(datetime(2026, 12, 4, 11, tzinfo=NY)) and not w.is_open(datetime(2026, 12, 4, 12, tzinfo=NY))
    assert not w.is_open(datetime(2026, 12, 3, 16, tzinfo=NY))
    no_fri = TimeWindow.business_hours(time_zone="America/New_York", days=MON_THU)
    assert no_fri.exclusions == ()


def test_open_periods_clip_to_the_range() -> None:
    w = ny_window()
    periods = w.open_periods(datetime(2026, 11, 30, 12, tzinfo=NY), datetime(2026, 12, 2, 10, tzinfo=NY))
    assert periods == [
        (utc(datetime(2026, 11, 30, 12, tzinfo=NY)), utc(datetime(2026, 11, 30, 16, tzinfo=NY))),
        (utc(datetime(2026, 12, 1, 9, tzinfo=NY)), utc(datetime(2026, 12, 1, 16, tzinfo=NY))),
        (utc(datetime(2026, 12, 2, 9, tzinfo=NY)), utc(datetime(2026, 12, 2, 10, tzinfo=NY))),
    ]


# ----------------------------------------------------------------------------- DST

def test_new_york_spring_forward_2026_03_08() -> None:
    """Clocks jump 02:00 EST -> 03:00 EDT.  09:00 is the real local 09:00 (13:00 UTC, not 14:00)."""
    w = TimeWindow(time_zone="America/New_York", days=("sun", "mon"), start=time(9), end=time(16))
    sat_night = datetime(2026, 3, 7, 20, tzinfo=NY)
    opened = w.next_open(sat_night)
    assert utc(opened) == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)
    assert utc(w.next_close(opened)) == datetime(2026, 3, 8, 20, 0, tzinfo=UTC)  # type: ignore[arg-type]


def test_new_york_opening_inside_the_gap_opens_when_the_clock_passes_it() -> None:
    """A 02:30 start does not exist on 2026-03-08; the first instant whose clock shows >= 02:30 is 03:00 EDT."""
    w = TimeWindow(time_zone="America/New_York", days=("sun",), start=time(2, 30), end=time(4))
    opened = w.next_open(datetime(2026, 3, 8, 0, 0, tzinfo=NY))
    assert utc(opened) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert opened.astimezone(NY).hour == 3
    assert not w.is_open(utc(opened) - timedelta(seconds=1))  # UTC: wall-clock arithmetic would land in the gap


def test_new_york_fall_back_2026_11_01_repeated_hour_is_open_twice() -> None:
    """01:00-02:00 happens twice (EDT then EST); a 01:15-01:45 window opens in both."""
    w = TimeWindow(time_zone="America/New_York", days=("sun",), start=time(1, 15), end=time(1, 45))
    first = w.next_open(datetime(2026, 11, 1, 0, 0, tzinfo=NY))
    assert utc(first) == datetime(2026, 11, 1, 5, 15, tzinfo=UTC)
    after_first = utc(first) + timedelta(minutes=30)  # 01:45 EDT: closed
    assert not w.is_open(after_first)
    second = w.next_open(after_first)
    assert utc(second) == datetime(2026, 11, 1, 6, 15, tzinfo=UTC)
    assert second.astimezone(NY).fold == 1


def test_new_york_fall_back_business_day_starts_at_real_nine() -> None:
    w = TimeWindow(time_zone="America/New_York", days=("sun", "mon"), start=time(9), end=time(16))
    assert utc(w.next_open(datetime(2026, 11, 1, 0, tzinfo=NY))) == datetime(2026, 11, 1, 14, tzinfo=UTC)


def test_berlin_spring_forward_2026_03_29() -> None:
    """02:00 CET -> 03:00 CEST.  09:00 local is 07:00 UTC; a 02:00-03:00 window does not exist that day."""
    w = TimeWindow(time_zone="Europe/Berlin", days=("sun",), start=time(9), end=time(16))
    assert utc(w.next_open(datetime(2026, 3, 28, 20, tzinfo=BERLIN))) == datetime(2026, 3, 29, 7, tzinfo=UTC)
    night = TimeWindow(time_zone="Europe/Berlin", days=("sun",), start=time(2), end=time(3))
    opened = night.next_open(datetime(2026, 3, 29, 0, tzinfo=BERLIN))
    assert opened.date() == date(2026, 4, 5), "the 02:00-03:00 hour is skipped on 2026-03-29"
    assert utc(opened) == datetime(2026, 4, 5, 0, tzinfo=UTC)


def test_berlin_fall_back_2026_10_25() -> None:
    """03:00 CEST -> 02:00 CET: 02:00-03:00 happens twice; 09:00 local is 08:00 UTC."""
    w = TimeWindow(time_zone="Europe/Berlin", days=("sun",), start=time(9), end=time(16))
    assert utc(w.next_open(datetime(2026, 10, 25, 0, tzinfo=BERLIN))) == datetime(2026, 10, 25, 8, tzinfo=UTC)
    night = TimeWindow(time_zone="Europe/Berlin", days=("sun",), start=time(2), end=time(3))
    periods = night.open_periods(datetime(2026, 10, 24, 22, tzinfo=UTC), datetime(2026, 10, 25, 3, tzinfo=UTC))
    assert periods == [
        (datetime(2026, 10, 25, 0, tzinfo=UTC), datetime(2026, 10, 25, 2, tzinfo=UTC)),
    ], "two consecutive hours of wall time 02:xx form one open period"


# ----------------------------------------------------------------------------- properties

ZONES = ["America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo", "UTC",
         "Asia/Kolkata"]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


@st.composite
def windows(draw: st.DrawFn) -> TimeWindow:
    zone = draw(st.sampled_from(ZONES))
    days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True))
    start_min = draw(st.integers(0, 23 * 60 + 58))
    end_min = draw(st.integers(start_min + 1, 24 * 60))
    end = None if end_min == 24 * 60 else time(end_min // 60, end_min % 60)
    exclusions: list[Exclusion] = []
    if draw(st.booleans()) and end_min - start_min > 1:
        cut = draw(st.integers(start_min + 1, end_min - 1))
        exclusions.append(Exclusion.after(time(cut // 60, cut % 60), days=(days[0],)))
    hol = draw(st.sampled_from([(), ("US",), ("DE",), ("US", "JP")]))
    return TimeWindow(time_zone=zone, days=tuple(days), start=time(start_min // 60, start_min % 60), end=end,
                      holidays=hol, exclusions=tuple(exclusions))


instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),
                        timezones=st.sampled_from([UTC, NY, BERLIN, ZoneInfo("Asia/Tokyo")]))


@settings(max_examples=200, deadline=None)
@given(w=windows(), t=instants)
def test_next_open_is_open_not_before_t_and_skips_nothing(w: TimeWindow, t: datetime) -> None:
    nxt = w.next_open(t)
    assert w.is_open(nxt)
    assert utc(nxt) >= utc(t)
    # Nothing open was skipped: check a 15-minute grid plus the minute before the answer.
    probe = utc(t)
    while probe < utc(nxt):
        assert not w.is_open(probe), f"{probe} is open but next_open({t}) returned {nxt}"
        probe += timedelta(minutes=15)
    if utc(nxt) > utc(t):
        assert not w.is_open(utc(nxt) - timedelta(minutes=1))
        assert not w.is_open(utc(nxt) - timedelta(seconds=1))


@settings(max_examples=200, deadline=None)
@given(w=windows(), t=instants)
def test_next_close_ends_the_open_period(w: TimeWindow, t: datetime) -> None:
    opened = w.next_open(t)
    closed = w.next_close(opened)
    if closed is None:
        return
    assert utc(closed) > utc(opened)
    assert not w.is_open(closed)
    assert w.is_open(utc(closed) - timedelta(seconds=1))
    probe = utc(opened)
    while probe < utc(closed):
        assert w.is_open(probe)
        probe += timedelta(minutes=15)


@settings(max_examples=100, deadline=None)
@given(w=windows())
def test_json_round_trip(w: TimeWindow) -> None:
    assert TimeWindow.from_dict(json.loads(json.dumps(w.to_dict()))) == w


@settings(max_examples=200, deadline=None)
@given(w=windows(), t=instants)
def test_is_open_agrees_with_local_wall_time(w: TimeWindow, t: datetime) -> None:
    local = t.astimezone(ZoneInfo(w.time_zone))
    minute = local.hour * 60 + local.minute
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[local.weekday()]
    start = w.start.hour * 60 + w.start.minute
    end = 24 * 60 if w.end is None else w.end.hour * 60 + w.end.minute
    expected = day in w.days and start <= minute < end and w.holiday_name(local.date()) is None and not any(
        day in x.days and (x.start.hour * 60 + x.start.minute) <= minute
        < (24 * 60 if x.end is None else x.end.hour * 60 + x.end.minute) for x in w.exclusions)
    assert w.is_open(t) == expected


# ----------------------------------------------------------------------------- invalid input

@pytest.mark.parametrize(("kwargs", "match"), [
    ({"time_zone": "America/Nowhere"}, r"time_zone='America/Nowhere' is not a known IANA time zone"),
    ({"time_zone": ""}, r"time_zone='' is empty; pass a string such as 'America/New_York'"),
    ({"holidays": ("XX",)}, r"holidays: 'XX' is not a country the holidays package knows"),
    ({"holidays": ("US-ZZ",)}, r"subdivision 'ZZ' of 'US' is not known; allowed: one of AK"),
    ({"start": time(16), "end": time(9)}, r"start=16:00 is not before end=09:00"),
    ({"start": time(9), "end": time(9)}, r"start=09:00 is not before end=09:00"),
    ({"start": time(9, 0, 30)}, r"start=09:00:30 must be a whole minute"),
    ({"start": time(9, tzinfo=UTC)}, r"start=.* carries a tzinfo"),
    ({"days": ()}, r"days is empty"),
    ({"days": ("mon", "funday")}, r"days: 'funday' is not a day name; expected one of mon, tue"),
    ({"days": ("mon", "Monday")}, r"lists mon more than once"),
    ({"exclusions": (Exclusion(),)}, r"this window is never open: open Mon-Thu 09:00-16:00"),
    ({"days": ("fri",), "exclusions": (Exclusion.after(time(8), days=("fri",)),)}, r"this window is never open"),
    ({"exclusions": (Exclusion.after(time(12), days=("fri",)),)}, r"exclusions\[0\] .* closes nothing"),
    ({"exclusions": (Exclusion.after(time(17)),)}, r"exclusions\[0\] .* closes nothing"),
])
def test_invalid_window_raises(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ny_window(**kwargs)


def test_every_open_day_closed_for_two_years_is_never_open() -> None:
    today = datetime.now(UTC).date()
    span = tuple(today + timedelta(days=i) for i in range(-2, 800))
    with pytest.raises(ValueError, match=r"never open: every open day in the next two years is a holiday"):
        ny_window(closed_dates=span)


def test_next_open_gives_up_after_a_bounded_search() -> None:
    w = ny_window().with_closed_dates(date(2030, 1, 1), date(2031, 12, 31))
    with pytest.raises(ValueError, match=r"not open at any time in the 400 days after t=2030-01-01"):
        w.next_open(datetime(2030, 1, 1, tzinfo=NY))


@pytest.mark.parametrize("method", ["is_open", "next_open", "next_close"])
def test_naive_datetimes_are_rejected(method: str) -> None:
    with pytest.raises(ValueError, match=r"t=2026-12-01T10:00:00 is a naive datetime; give a timezone-aware"):
        getattr(ny_window(), method)(datetime(2026, 12, 1, 10))


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"start": time(12), "end": time(9)}, r"exclusion start=12:00 is not before end=09:00"),
    ({"days": ("xyz",)}, r"exclusion days: 'xyz' is not a day name"),
    ({"days": ()}, r"exclusion days is empty"),
])
def test_invalid_exclusion_raises(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Exclusion(**kwargs)  # type: ignore[arg-type]


def _good() -> dict[str, object]:
    return ny_window(exclusions=(Exclusion.before(time(10), days=("mon",)),),
                     closed_dates=(date(2026, 12, 24),)).to_dict()


@pytest.mark.parametrize(("mutate", "match"), [
    (lambda d: "not a dict", r"window='not a dict' must be an object"),
    (lambda d: {k: v for k, v in d.items() if k != "timeZone"}, r"window is missing timeZone"),
    (lambda d: {**d, "colour": "blue"}, r"window has unknown keys colour; allowed keys: timeZone"),
    (lambda d: {**d, "timeZone": "Mars/Olympus"}, r"time_zone='Mars/Olympus' is not a known IANA time zone"),
    (lambda d: {**d, "timeZone": 5}, r"window.timeZone=5 must be an IANA time zone name"),
    (lambda d: {**d, "start": "9am"}, r"window.start='9am' is not a time; expected 'HH:MM'"),
    (lambda d: {**d, "start": 900}, r"window.start=900 is not a time"),
    (lambda d: {**d, "end": "25:00"}, r"window.end='25:00' is not a time; expected 'HH:MM' .*24:00"),
    (lambda d: {**d, "start": "24:00"}, r"window.start='24:00' is not a time"),
    (lambda d: {**d, "days": "mon"}, r"window.days='mon' must be a list"),
    (lambda d: {**d, "days": ["mon", "someday"]}, r"window.days: 'someday' is not a day name"),
    (lambda d: {**d, "days": []}, r"window.days is empty"),
    (lambda d: {**d, "holidays": "US"}, r"window.holidays='US' must be a list of codes"),
    (lambda d: {**d, "holidays": ["Narnia"]}, r"'NARNIA' is not a country the holidays package knows"),
    (lambda d: {**d, "exclusions": {}}, r"window.exclusions=\{\} must be a list"),
    (lambda d: {**d, "exclusions": [5]}, r"window.exclusions\[0\]=5 must be an object"),
    (lambda d: {**d, "exclusions": [{"dayz": ["mon"]}]}, r"window.exclusions\[0\] has unknown keys dayz"),
    (lambda d: {**d, "exclusions": [{"start": "x"}]}, r"window.exclusions\[0\].start='x' is not a time"),
    (lambda d: {**d, "exclusions": [{"reason": 1}]}, r"window.exclusions\[0\].reason=1 must be a string"),
    (lambda d: {**d, "closedDates": "2026-12-24"}, r"window.closedDates='2026-12-24' must be a list"),
    (lambda d: {**d, "closedDates": ["24.12.2026"]}, r"window.closedDates\[0\]='24.12.2026' is not a date"),
    (lambda d: {**d, "start": "16:00", "end": "09:00"}, r"start=16:00 is not before end=09:00"),
])
def test_from_dict_rejects_malformed_input(mutate, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=match):
        TimeWindow.from_dict(mutate(_good()))


def test_from_dict_round_trip_and_end_of_day() -> None:
    d = _good()
    assert TimeWindow.from_dict(d) == TimeWindow.from_dict(json.loads(json.dumps(d)))
    late = TimeWindow.from_dict({"timeZone": "UTC", "days": ["sat"], "start": "20:00", "end": "24:00"})
    assert late.end is None and late.to_dict()["end"] == "24:00"
    assert late.is_open(datetime(2026, 12, 5, 23, 59, tzinfo=UTC))


TRANSITIONS = [  # (zone, a UTC instant near a DST change)
    ("America/New_York", datetime(2026, 3, 8, 7, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 11, 1, 6, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2026, 3, 29, 1, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2026, 10, 25, 1, tzinfo=UTC)),
]


@st.composite
def dst_cases(draw: st.DrawFn) -> tuple[TimeWindow, datetime]:
    zone, pivot = draw(st.sampled_from(TRANSITIONS))
    start_min = draw(st.integers(0, 5 * 60))
    end_min = draw(st.integers(start_min + 1, 6 * 60))
    w = TimeWindow(time_zone=zone, days=tuple(DAYS), start=time(start_min // 60, start_min % 60),
                   end=time(end_min // 60, end_min % 60) if end_min < 24 * 60 else None)
    t = pivot + timedelta(minutes=draw(st.integers(-36 * 60, 36 * 60)))
    return w, t


@settings(max_examples=200, deadline=None)
@given(case=dst_cases())
def test_next_open_and_close_around_dst_changes(case: tuple[TimeWindow, datetime]) -> None:
    """Night-time windows right across the New York and Berlin DST changes of 2026."""
    w, t = case
    test_next_open_is_open_not_before_t_and_skips_nothing.hypothesis.inner_test(w, t)  # type: ignore[attr-defined]
    test_next_close_ends_the_open_period.hypothesis.inner_test(w, t)  # type: ignore[attr-defined]


def test_docs_snippet_time_window_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """examples/snippets/time_window.py, shown in docs/planning.md."""
    import runpy
    from pathlib import Path

    runpy.run_path(str(Path(__file__).resolve().parents[2] / "examples" / "snippets" / "time_window.py"))
    out = capsys.readouterr().out.splitlines()
    assert out[1:4] == ["False", "2026-11-27 09:00:00+01:00", "2026-11-27 12:00:00+01:00"]
