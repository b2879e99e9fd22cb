"""Time windows: when a production step may *start*.

A :class:`TimeWindow` is a set of open hours on open days in one IANA time
zone -- the team's zone, not the region's: a team in New York deploying to
Tokyo deploys during New York business hours, because New York engineers
answer the page.  Public holidays of one or more countries (through the
``holidays`` package), extra closed dates and exclusions such as "no Friday
after 12:00" close it further.

Semantics, precisely:

* An instant ``t`` is open when its local wall-clock time in `time_zone`
  (what a clock on the team's wall shows) falls in ``[start, end)`` on an
  open day, is not inside an :class:`Exclusion` for that weekday, and the
  local date is neither a public holiday nor a closed date.
* Everything is computed in local wall time with :mod:`zoneinfo`, so a
  09:00 start on a DST-change day is the real 09:00 local.  When an open
  hour does not exist (a spring-forward gap), the window opens at the first
  instant whose clock shows a later time; when it exists twice (a fall-back
  repeat), both occurrences are open.
* All methods take and return timezone-aware datetimes; naive ones are
  rejected because they name no instant.

The gate Lambda receives the window as JSON (:meth:`TimeWindow.to_dict`) and
rebuilds it with :meth:`TimeWindow.from_dict`, which validates everything.

Holiday data: resolved at synth, read by the gate
-------------------------------------------------
The ``holidays`` package is used only where the window is *defined* (the
CDK app, the planner, the CLI).  :meth:`TimeWindow.to_dict` resolves each
calendar into its dates for an explicit horizon -- whole calendar years, from
January 1 of the current year (in the window's zone) through December 31 of
the year :data:`HOLIDAY_YEARS_AHEAD` years later -- and the gate rebuilds the
window from those dates, so the Lambda needs no ``holidays`` package (whose
import reads its own package metadata, which a copied folder does not have)
and the planner and the gate close on the same dates: both come from the same
calendar objects in this module.  A question about a date outside the horizon
raises :class:`HolidayDataExpired`, and the gate fails closed with it.  The
pipeline re-synthesizes (and so refreshes the dates) on every execution that
updates it; the data changes once a year.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._validate import require_items, require_str, require_unique

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS: tuple[str, ...] = DAY_NAMES
MON_THU: tuple[str, ...] = ("mon", "tue", "wed", "thu")
MON_FRI: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: How far ahead :meth:`TimeWindow.next_open` and :meth:`TimeWindow.next_close` look before giving up.
SEARCH_DAYS = 400
#: Whole calendar years after the current one whose public holidays :meth:`TimeWindow.to_dict` resolves.
#: With 1, data written on any day holds for at least twelve months -- longer than a gate may wait.
HOLIDAY_YEARS_AHEAD = 1

_DAY_SECONDS = 86_400
_CODE = re.compile(r"[A-Z]{2,3}(-[A-Za-z0-9]{1,10})?")
_Interval = tuple[int, int]  # [start, end) in seconds after local midnight; end may be 86 400


# --------------------------------------------------------------------------- parsing helpers

def _parse_day(value: object, parameter: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{parameter}: {value!r} is a {type(value).__name__}; pass a day name such as 'mon'")
    if isinstance(value, str):
        v = value.strip().lower()
        if v in DAY_NAMES:
            return v
        if v in _FULL_NAMES:
            return DAY_NAMES[_FULL_NAMES.index(v)]
    raise ValueError(
        f"{parameter}: {value!r} is not a day name; expected one of {', '.join(DAY_NAMES)} "
        f"(or the full English name)"
    )


def _parse_days(value: object, parameter: str) -> tuple[str, ...]:
    given = require_items(value, parameter, "('mon', 'tue')")
    days = [_parse_day(d, parameter) for d in given]
    if not days:
        raise ValueError(f"{parameter} is empty; give at least one of {', '.join(DAY_NAMES)}")
    dupes = sorted({d for d in days if days.count(d) > 1}, key=DAY_NAMES.index)
    if dupes:
        raise ValueError(f"{parameter}={given!r} lists {', '.join(dupes)} more than once; list each day once")
    return tuple(sorted(days, key=DAY_NAMES.index))


def _json_days(value: object, parameter: str) -> tuple[str, ...]:
    """Day names read from JSON: a wrong type there is bad input like any other, a ValueError (``from_dict``)."""
    if not isinstance(value, list):
        raise ValueError(f"{parameter}={value!r} must be a list of day names such as ['mon', 'tue']")
    try:
        return _parse_days(value, parameter)
    except TypeError as e:
        raise ValueError(str(e)) from None


def _seconds(value: time, parameter: str) -> int:
    if not isinstance(value, time):
        raise TypeError(f"{parameter}={value!r} is a {type(value).__name__}; pass a datetime.time such as time(9, 0)")
    if value.tzinfo is not None:
        raise ValueError(
            f"{parameter}={value!r} carries a tzinfo; give a plain wall-clock time, the window's "
            f"time_zone applies"
        )
    if value.second or value.microsecond:
        raise ValueError(f"{parameter}={value.isoformat()} must be a whole minute such as time(9, 0)")
    return value.hour * 3600 + value.minute * 60


def _format_time(value: time | None) -> str:
    return "24:00" if value is None else value.strftime("%H:%M")


def _parse_time(value: object, parameter: str, *, allow_end_of_day: bool = False) -> time | None:
    if isinstance(value, str):
        text = value.strip()
        if allow_end_of_day and text in ("24:00", "24:00:00"):
            return None
        try:
            parsed = time.fromisoformat(text)
        except ValueError:
            pass
        else:
            _seconds(parsed, parameter)
            return parsed
    allowed = "'HH:MM' (00:00-23:59" + (", or 24:00 for the end of the day)" if allow_end_of_day else ")")
    raise ValueError(f"{parameter}={value!r} is not a time; expected {allowed}")


def _load_zone(value: object, parameter: str = "time_zone") -> ZoneInfo:
    require_str(value, parameter, "America/New_York")
    assert isinstance(value, str)
    try:
        return _cached_zone(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{parameter}={value!r} is not a known IANA time zone; use a name such as 'America/New_York', "
            f"'Europe/Berlin' or 'UTC' (the team's zone, not the region's)"
        ) from None


@lru_cache(maxsize=64)
def _cached_zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


def _require_aware(value: object, parameter: str) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"{parameter}={value!r} is a {type(value).__name__}; pass a timezone-aware datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{parameter}={value.isoformat()} is a naive datetime; give a timezone-aware one, e.g. "
            f"datetime(..., tzinfo=ZoneInfo('America/New_York')), so it names one instant"
        )
    return value


def _holidays_lib() -> Any:
    """The ``holidays`` package, imported only where a window is defined (never in the gate Lambda)."""
    import holidays

    return holidays


@cache
def _supported_countries() -> Mapping[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in _holidays_lib().list_supported_countries().items()}


@lru_cache(maxsize=64)
def _calendar(code: str) -> Any:
    """One shared, lazily expanded holiday calendar per normalised code."""
    country, _, subdiv = code.partition("-")
    return _holidays_lib().country_holidays(country, subdiv=subdiv or None)


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    return digits[n // 36] + digits[n % 36]


class HolidayDataExpired(ValueError):
    """A date outside the resolved holiday data was asked about; nobody knows whether it is a holiday."""


@dataclass(frozen=True)
class HolidayDates:
    """Public holidays resolved for ``[first, last]``: what the gate reads instead of the ``holidays`` package.

    Built by :meth:`TimeWindow.to_dict` from the window's calendars, and by
    :meth:`TimeWindow.from_dict` from that JSON.
    """

    first: date
    last: date
    dates: frozenset[date]

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last

    def check(self, day: date, codes: Sequence[str]) -> None:
        if not self.covers(day):
            raise HolidayDataExpired(
                f"holiday data ({', '.join(codes)}) covers {self.first.isoformat()} to {self.last.isoformat()} "
                f"and ends at {self.last.isoformat()}; {day.isoformat()} is outside it, so nobody can tell whether "
                f"it is a holiday and the gate fails closed: redeploy the team runtime (a new execution of the "
                f"team's foundation pipeline "
                f"updates it with holiday data from its synthesis year on)"
            )

    def to_dict(self) -> dict[str, object]:
        """Compact, because the gate input is one CodePipeline action configuration value (at most 1,000
        characters, :data:`seawall.model.limits.MAX_ACTION_CONFIGURATION_VALUE`): each date is its day offset from
        ``from`` in two base-36 digits, e.g. ``{"from": "2026-01-01", "through": "2027-12-31", "days": "00i..."}``.
        """
        offsets = sorted((d - self.first).days for d in self.dates)
        return {"from": self.first.isoformat(), "through": self.last.isoformat(),
                "days": "".join(_base36(n) for n in offsets)}

    @classmethod
    def from_dict(cls, data: object, parameter: str = "window.holidayDates") -> HolidayDates:
        if not isinstance(data, Mapping):
            raise ValueError(f"{parameter}={data!r} must be an object with from, through and days")
        _check_keys(data, parameter, required=("from", "through", "days"), allowed=("from", "through", "days"))
        try:
            first, last = date.fromisoformat(data["from"]), date.fromisoformat(data["through"])
        except (TypeError, ValueError):
            raise ValueError(
                f"{parameter}.from={data['from']!r} / .through={data['through']!r} must be 'YYYY-MM-DD' dates"
            ) from None
        if not timedelta(0) <= last - first < timedelta(days=36 * 36):
            raise ValueError(f"{parameter}: from={first} to through={last} must be 0 to {36 * 36 - 1} days")
        days = data["days"]
        if not isinstance(days, str) or len(days) % 2:
            raise ValueError(f"{parameter}.days={days!r} must be a string of two-digit base-36 day offsets")
        dates: set[date] = set()
        for i in range(0, len(days), 2):
            chunk = days[i:i + 2]
            try:
                d = first + timedelta(days=int(chunk, 36))
            except ValueError:
                raise ValueError(f"{parameter}.days holds {chunk!r}, not a base-36 day offset") from None
            if d > last:
                raise ValueError(f"{parameter}.days holds {chunk!r} = {d}, after through={last}")
            dates.add(d)
        return cls(first=first, last=last, dates=frozenset(dates))

    @classmethod
    def resolve(cls, codes: Sequence[str], first: date, last: date) -> HolidayDates:
        """The dates from `first` to `last` on which any of the calendars `codes` has a holiday."""
        found: set[date] = set()
        for code in codes:
            cal = _calendar(code)
            for year in range(first.year, last.year + 1):
                cal.get(date(year, 1, 1))  # expands the shared calendar to that year
            found.update(d for d in cal if first <= d <= last)
        return cls(first=first, last=last, dates=frozenset(found))


def _parse_holiday(value: object, parameter: str) -> str:
    """Normalise ``"US"``, ``"us-ca"``, ``("US", "CA")`` to ``"US"`` / ``"US-CA"``."""
    if isinstance(value, tuple | list) and len(value) == 2 and all(isinstance(v, str) for v in value):
        country, subdiv = str(value[0]).strip().upper(), str(value[1]).strip()
    elif isinstance(value, str) and value.strip():
        country, _, subdiv = value.strip().partition("-")
        country = country.upper()
    elif not isinstance(value, str | tuple | list):
        raise TypeError(f"{parameter}: {value!r} is a {type(value).__name__}; pass a country code such as 'US', "
                        f"a subdivision such as 'US-CA', or a (country, subdivision) pair")
    else:
        raise ValueError(
            f"{parameter}: {value!r} is not a holiday calendar; give a country code such as 'US', "
            f"a subdivision such as 'US-CA', or a (country, subdivision) pair"
        )
    supported = _supported_countries()
    if country not in supported:
        raise ValueError(
            f"{parameter}: {country!r} is not a country the holidays package knows; use an ISO 3166-1 "
            f"code such as 'US', 'DE', 'GB' or 'JP' (see holidays.list_supported_countries())"
        )
    if not subdiv:
        return country
    subdivs = supported[country]
    match = next((s for s in subdivs if s.upper() == subdiv.upper()), None)
    if match is None:
        shown = ", ".join(subdivs[:25]) + (", ..." if len(subdivs) > 25 else "")
        allowed = f"one of {shown}" if subdivs else f"none: {country} has no subdivisions in the holidays package"
        raise ValueError(f"{parameter}: subdivision {subdiv!r} of {country!r} is not known; allowed: {allowed}")
    return f"{country}-{match}"


# --------------------------------------------------------------------------- exclusions

@dataclass(frozen=True, kw_only=True)
class Exclusion:
    """Hours closed on some weekdays inside otherwise open hours.

    Parameters
    ----------
    days:
        Weekdays the exclusion applies to (``"mon"`` ... ``"sun"``).
        Default: every day.
    start:
        Local wall-clock time the exclusion begins.  Default: midnight.
    end:
        Local wall-clock time it ends (exclusive); ``None`` means the end of
        the day.  Default: the end of the day.
    reason:
        Why, shown to people reading the plan.  Default: none.

    Examples
    --------
    ``Exclusion.after(time(12), days=("fri",))`` -- no Friday after 12:00;
    ``Exclusion.after(time(16))`` -- nothing after 16:00.
    """

    days: tuple[str, ...] = ALL_DAYS
    start: time = time(0)
    end: time | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "days", _parse_days(self.days, "exclusion days"))
        a = _seconds(self.start, "exclusion start")
        b = _DAY_SECONDS if self.end is None else _seconds(self.end, "exclusion end")
        if a >= b:
            raise ValueError(
                f"exclusion start={_format_time(self.start)} is not before end={_format_time(self.end)}; "
                f"an exclusion closes [start, end) within one day (end=None means the end of the day)"
            )
        require_str(self.reason, "exclusion reason", "release freeze", empty=True)

    @classmethod
    def after(cls, at: time, *, days: Sequence[str] = ALL_DAYS, reason: str = "") -> Exclusion:
        """Closed from `at` to the end of the day on `days` (default: every day)."""
        return cls(days=tuple(days), start=at, end=None, reason=reason)

    @classmethod
    def before(cls, at: time, *, days: Sequence[str] = ALL_DAYS, reason: str = "") -> Exclusion:
        """Closed from midnight until `at` on `days` (default: every day)."""
        return cls(days=tuple(days), start=time(0), end=at, reason=reason)

    @property
    def interval(self) -> _Interval:
        return (_seconds(self.start, "start"), _DAY_SECONDS if self.end is None else _seconds(self.end, "end"))

    def describe(self) -> str:
        days = "every day" if self.days == ALL_DAYS else "/".join(d.capitalize() for d in self.days)
        return f"{days} {_format_time(self.start)}-{_format_time(self.end)} closed" + (
            f" ({self.reason})" if self.reason else "")

    def to_dict(self) -> dict[str, object]:
        return {"days": list(self.days), "start": _format_time(self.start), "end": _format_time(self.end),
                "reason": self.reason}

    @classmethod
    def from_dict(cls, data: object, parameter: str = "exclusion") -> Exclusion:
        if not isinstance(data, Mapping):
            raise ValueError(f"{parameter}={data!r} must be an object with days, start and end")
        _check_keys(data, parameter, required=(), allowed=("days", "start", "end", "reason"))
        start = _parse_time(data.get("start", "00:00"), f"{parameter}.start")
        assert start is not None
        end = _parse_time(data.get("end", "24:00"), f"{parameter}.end", allow_end_of_day=True)
        reason = data.get("reason", "")
        if not isinstance(reason, str):
            raise ValueError(f"{parameter}.reason={reason!r} must be a string")
        return cls(days=_json_days(data.get("days", list(ALL_DAYS)), f"{parameter}.days"),
                   start=start, end=end, reason=reason)


def _check_keys(data: Mapping[Any, Any], parameter: str, *, required: Sequence[str], allowed: Sequence[str]) -> None:
    missing = [k for k in required if k not in data]
    if missing:
        raise ValueError(f"{parameter} is missing {', '.join(missing)}; required keys: {', '.join(required)}")
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        raise ValueError(f"{parameter} has unknown keys {', '.join(unknown)}; allowed keys: {', '.join(allowed)}")


def _subtract(intervals: list[_Interval], cut: _Interval) -> list[_Interval]:
    out: list[_Interval] = []
    c0, c1 = cut
    for a, b in intervals:
        if c1 <= a or c0 >= b:
            out.append((a, b))
            continue
        if a < c0:
            out.append((a, c0))
        if c1 < b:
            out.append((c1, b))
    return out


# --------------------------------------------------------------------------- the window

@dataclass(frozen=True, kw_only=True)
class TimeWindow:
    """When production steps may start, in the team's own time zone.

    Parameters
    ----------
    time_zone:
        IANA time zone of the team (``"America/New_York"``).  It governs every
        region: the people who answer the page are the team.
    days:
        Open weekdays, e.g. ``("mon", "tue", "wed", "thu")``.
    start, end:
        Open wall-clock hours ``[start, end)`` on open days, whole minutes.
        ``end=None`` means until midnight.
    holidays:
        Public-holiday calendars that close the window all day: country codes
        (``"US"``), subdivisions as ``"US-CA"`` or ``("US", "CA")``.
        Default: none.
    exclusions:
        Closed hours within open days (:class:`Exclusion`), e.g. no Friday
        after 12:00.  Default: none.
    closed_dates:
        Extra local dates closed all day (company holidays, a freeze).
        Default: none.

    Raises
    ------
    ValueError
        For an unknown time zone, holiday country or day name, ``start >= end``,
        no open days, an exclusion that closes nothing, or a window that is
        never open.
    """

    time_zone: str
    days: tuple[str, ...]
    start: time
    end: time | None
    holidays: tuple[str, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    closed_dates: tuple[date, ...] = ()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _weekly: tuple[tuple[_Interval, ...], ...] = field(init=False, repr=False, compare=False)
    _calendars: tuple[Any, ...] = field(init=False, repr=False, compare=False)
    _closed: frozenset[date] = field(init=False, repr=False, compare=False)
    #: Resolved dates instead of the ``holidays`` package (set by :meth:`from_dict`); None: use the calendars.
    _holiday_dates: HolidayDates | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "_zone", _load_zone(self.time_zone))
        set_(self, "days", _parse_days(self.days, "days"))
        a = _seconds(self.start, "start")
        b = _DAY_SECONDS if self.end is None else _seconds(self.end, "end")
        if a >= b:
            raise ValueError(
                f"start={_format_time(self.start)} is not before end={_format_time(self.end)}; the window "
                f"is open from start to end within one day (end=None means until midnight)"
            )
        holidays = require_items(self.holidays, "holidays", "('US', 'DE-BY')")
        if self._holiday_dates is not None:
            # Rebuilt from resolved data (the gate): no holidays package, codes are already normalised.
            if not isinstance(self._holiday_dates, HolidayDates):
                raise ValueError(f"_holiday_dates={self._holiday_dates!r} must be HolidayDates")
            codes = tuple(require_str(h, "holidays item", "US") for h in holidays)
            require_unique(codes, "holidays", "calendar")
            set_(self, "_calendars", ())
        else:
            codes = tuple(_parse_holiday(h, "holidays") for h in holidays)
            require_unique(codes, "holidays", "calendar")
            set_(self, "_calendars", tuple(_calendar(code) for code in codes))
        set_(self, "holidays", codes)

        exclusions = require_items(self.exclusions, "exclusions", "[Exclusion.after(time(12), days=('fri',))]")
        for i, x in enumerate(exclusions):
            if not isinstance(x, Exclusion):
                raise TypeError(
                    f"exclusions[{i}]={x!r} is a {type(x).__name__}, not an Exclusion; use "
                    f"Exclusion.after(time(12), days=('fri',))"
                )
        require_unique(exclusions, "exclusions", "exclusion")
        set_(self, "exclusions", exclusions)
        weekly: list[tuple[_Interval, ...]] = []
        for name in DAY_NAMES:
            spans: list[_Interval] = [(a, b)] if name in self.days else []
            for x in exclusions:
                if name in x.days:
                    spans = _subtract(spans, x.interval)
            weekly.append(tuple(spans))
        set_(self, "_weekly", tuple(weekly))
        for i, x in enumerate(exclusions):
            closes = any(
                name in x.days and _subtract([(a, b)], x.interval) != [(a, b)] for name in self.days
            )
            if not closes:
                raise ValueError(
                    f"exclusions[{i}] ({x.describe()}) closes nothing: the window is already closed then "
                    f"(open {self.describe_hours()}); remove it or change its days or hours"
                )
        if not any(weekly):
            raise ValueError(
                f"this window is never open: open {self.describe_hours()}, but the exclusions "
                f"({'; '.join(x.describe() for x in exclusions)}) close every open hour; "
                f"a production step could never start"
            )
        closed = []
        for i, d in enumerate(require_items(self.closed_dates, "closed_dates", "[date(2026, 12, 24)]")):
            if isinstance(d, datetime) or not isinstance(d, date):
                raise TypeError(f"closed_dates[{i}]={d!r} is a {type(d).__name__}; pass a datetime.date such as "
                                f"date(2026, 12, 24)")
            closed.append(d)
        require_unique(closed, "closed_dates", "date")
        set_(self, "closed_dates", tuple(sorted(closed)))
        set_(self, "_closed", frozenset(closed))
        # A bounded search for an open day: holidays and closed dates can only
        # remove days, so if none is open in two years the window is useless.
        today = datetime.now(UTC).astimezone(self._zone).date()
        if not self._open_day_within(today, 2 * 366):
            raise ValueError(
                "this window is never open: every open day in the next two years is a holiday or a "
                "closed date; a production step could never start"
            )

    def _open_day_within(self, first: date, days: int) -> bool:
        """Whether some day of ``[first, first + days)`` is open; True when holiday data ends first (unknown)."""
        try:
            return any(self._day_intervals(first + timedelta(days=i)) for i in range(days))
        except HolidayDataExpired:
            return True

    # ----------------------------------------------------------------- factories

    @classmethod
    def business_hours(
        cls,
        *,
        time_zone: str,
        holidays: Sequence[str | tuple[str, str]] = (),
        days: Sequence[str] = MON_FRI,
        start: time = time(9),
        end: time = time(16),
        friday_until: time | None = time(12),
        closed_dates: Sequence[date] = (),
    ) -> TimeWindow:
        """Business hours as the article describes them.

        Default: Monday to Friday 09:00-16:00 in `time_zone` (nothing late in
        the afternoon), Fridays only until 12:00 (``friday_until``; ``None``
        keeps Friday like any other day), closed on the public holidays of
        `holidays` (default: none) and on `closed_dates`.
        """
        exclusions: tuple[Exclusion, ...] = ()
        parsed_days = _parse_days(days, "days")
        if friday_until is not None and "fri" in parsed_days and _seconds(friday_until, "friday_until") < \
                _seconds(end, "end"):
            exclusions = (Exclusion.after(friday_until, days=("fri",), reason="no Friday afternoons"),)
        codes = tuple(_parse_holiday(h, "holidays") for h in require_items(holidays, "holidays", "('US', 'DE-BY')"))
        return cls(time_zone=time_zone, days=parsed_days, start=start, end=end, holidays=codes,
                   exclusions=exclusions,
                   closed_dates=require_items(closed_dates, "closed_dates", "[date(2026, 12, 24)]"))

    @classmethod
    def always(cls, *, time_zone: str = "UTC") -> TimeWindow:
        """Open at every instant: no time blocker (the alarm blocker still applies)."""
        return cls(time_zone=time_zone, days=ALL_DAYS, start=time(0), end=None)

    def with_closed_dates(self, first: date, last: date) -> TimeWindow:
        """This window, also closed every date from `first` to `last` inclusive (a change freeze)."""
        for parameter, value in (("first", first), ("last", last)):
            if isinstance(value, datetime) or not isinstance(value, date):
                raise TypeError(f"{parameter}={value!r} is a {type(value).__name__}; pass a datetime.date")
        if first > last:
            raise ValueError(f"first={first!r} must be a date on or before last={last!r}")
        span = {first + timedelta(days=i) for i in range((last - first).days + 1)}
        return TimeWindow(time_zone=self.time_zone, days=self.days, start=self.start, end=self.end,
                          holidays=self.holidays, exclusions=self.exclusions,
                          closed_dates=tuple(sorted(set(self.closed_dates) | span)),
                          _holiday_dates=self._holiday_dates)

    # ----------------------------------------------------------------- queries

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def holiday_name(self, day: date) -> str | None:
        """The holiday that closes local date `day`, or None.

        A window rebuilt from resolved data (the gate) knows dates, not names:
        it answers ``"public holiday (<calendars>)"``.

        Raises
        ------
        HolidayDataExpired
            For a window rebuilt from resolved data, when `day` is outside it.
        """
        if self._holiday_dates is not None:
            if not self.holidays:
                return None
            self._holiday_dates.check(day, self.holidays)
            return f"public holiday ({', '.join(self.holidays)})" if day in self._holiday_dates.dates else None
        for cal in self._calendars:
            name = cal.get(day)
            if name:
                return str(name)
        return None

    def _is_holiday(self, day: date) -> bool:
        if not self.holidays:
            return False
        if self._holiday_dates is not None:
            self._holiday_dates.check(day, self.holidays)
            return day in self._holiday_dates.dates
        return any(day in cal for cal in self._calendars)

    def _day_intervals(self, day: date) -> tuple[_Interval, ...]:
        spans = self._weekly[day.weekday()]
        if not spans or day in self._closed or self._is_holiday(day):
            return ()
        return spans

    def holiday_dates(self, *, today: date | None = None) -> HolidayDates | None:
        """The holiday dates the gate reads: whole years from `today`'s through :data:`HOLIDAY_YEARS_AHEAD` later.

        Parameters
        ----------
        today:
            The local date the data starts from (January 1 of its year).
            Default: today in the window's time zone.

        Returns None for a window without holiday calendars; a window rebuilt
        from resolved data returns that data unchanged.
        """
        if not self.holidays:
            return None
        if self._holiday_dates is not None:
            return self._holiday_dates
        if today is None:
            today = datetime.now(UTC).astimezone(self._zone).date()
        elif isinstance(today, datetime) or not isinstance(today, date):
            raise TypeError(f"today={today!r} must be a datetime.date")
        return HolidayDates.resolve(self.holidays, date(today.year, 1, 1),
                                    date(today.year + HOLIDAY_YEARS_AHEAD, 12, 31))

    def is_open_day(self, day: date) -> bool:
        """Whether the window opens at some time on local date `day`."""
        if isinstance(day, datetime) or not isinstance(day, date):
            raise TypeError(f"day={day!r} is a {type(day).__name__}; pass a datetime.date")
        return bool(self._day_intervals(day))

    def is_open(self, t: datetime) -> bool:
        """Whether a production step may start at instant `t` (timezone-aware)."""
        _require_aware(t, "t")
        return self._open_at(t)

    def _open_at(self, t: datetime) -> bool:
        local = t.astimezone(self._zone)
        s = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        return any(a <= s < b for a, b in self._day_intervals(local.date()))

    def _instant(self, day: date, seconds: int, fold: int) -> datetime:
        """UTC instant of local wall time `seconds` after midnight of `day` (86 400 = next midnight)."""
        if seconds >= _DAY_SECONDS:
            day, seconds = day + timedelta(days=1), seconds - _DAY_SECONDS
        wall = datetime(day.year, day.month, day.day, seconds // 3600, seconds // 60 % 60,
                        tzinfo=self._zone, fold=fold)
        return wall.astimezone(UTC)

    def _transitions(self, day: date) -> list[datetime]:
        """UTC instants where the zone's offset changes during local date `day` (to the second)."""
        lo, hi = self._instant(day, 0, 0), self._instant(day, _DAY_SECONDS, 0)
        o_lo, o_hi = lo.astimezone(self._zone).utcoffset(), hi.astimezone(self._zone).utcoffset()
        if o_lo == o_hi:
            return []
        while hi - lo > timedelta(seconds=1):
            mid = lo + (hi - lo) / 2
            mid = mid.replace(microsecond=0)
            if mid <= lo:
                mid = lo + timedelta(seconds=1)
            if mid.astimezone(self._zone).utcoffset() == o_lo:
                lo = mid
            else:
                hi = mid
        return [hi]

    def _search(self, t: datetime, want_open: bool) -> datetime | None:
        """First instant >= t whose openness is `want_open`, or None within SEARCH_DAYS.

        Candidates are t, every wall-clock boundary of the open intervals
        (both folds, so repeated hours count twice) and every DST transition;
        the answer is the earliest candidate in the wanted state.  Day by day,
        never minute by minute.
        """
        utc = t.astimezone(UTC)
        if self._open_at(utc) == want_open:
            return utc
        first = utc.astimezone(self._zone).date() - timedelta(days=1)
        if self._holiday_dates is not None and self.holidays:
            first = max(first, self._holiday_dates.first)  # nothing before the data is ever asked about
        best: datetime | None = None
        for i in range(SEARCH_DAYS + 2):
            day = first + timedelta(days=i)
            if best is not None and self._instant(day, 0, 0) - timedelta(days=1) > best:
                break
            candidates = list(self._transitions(day))
            spans = self._day_intervals(day)
            if want_open:
                points = [a for a, _ in spans]
            else:
                points = [b for _, b in spans]
                if not spans:
                    points = [0]
            for p in points:
                candidates.append(self._instant(day, p, 0))
                candidates.append(self._instant(day, p, 1))
            for c in candidates:
                if c >= utc and (best is None or c < best) and self._open_at(c) == want_open:
                    best = c
        return best

    def next_open(self, t: datetime) -> datetime:
        """The first open instant at or after `t`, in `t`'s time zone.

        Raises
        ------
        ValueError
            If `t` is naive, or the window stays closed for more than
            :data:`SEARCH_DAYS` days after `t` (e.g. closed dates cover them all).
        """
        _require_aware(t, "t")
        found = self._search(t, True)
        if found is None:
            raise ValueError(
                f"the window is not open at any time in the {SEARCH_DAYS} days after t={t.isoformat()}; "
                f"check closed_dates and holidays"
            )
        return found.astimezone(t.tzinfo)

    def next_close(self, t: datetime) -> datetime | None:
        """The first closed instant at or after `t`, in `t`'s time zone; None if open for SEARCH_DAYS days."""
        _require_aware(t, "t")
        found = self._search(t, False)
        return None if found is None else found.astimezone(t.tzinfo)

    def open_periods(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The open periods overlapping ``[start, end)``, clipped to it, as UTC instants."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        out: list[tuple[datetime, datetime]] = []
        t, stop = start.astimezone(UTC), end.astimezone(UTC)
        while t < stop:
            o = self._search(t, True)
            if o is None or o >= stop:
                break
            c = self._search(o, False)
            c = stop if c is None or c > stop else c
            out.append((o, c))
            t = c
        return out

    # ----------------------------------------------------------------- description and JSON

    def describe_hours(self) -> str:
        days = _describe_days(self.days)
        return f"{days} {_format_time(self.start)}-{_format_time(self.end)} {self.time_zone}"

    def describe(self) -> str:
        parts = [self.describe_hours()]
        parts += [_describe_exclusion(x) for x in self.exclusions]
        if self.holidays:
            parts.append(f"closed on {', '.join(self.holidays)} holidays")
        if self.closed_dates:
            parts.append(f"{len(self.closed_dates)} closed dates")
        return ", ".join(parts)

    def to_dict(self, *, today: date | None = None) -> dict[str, object]:
        """A JSON-safe form; :meth:`from_dict` rebuilds an equal window.

        With holiday calendars it carries ``holidayDates``: the dates resolved
        by :meth:`holiday_dates` (`today` as there; default: today in the
        window's zone), so that the reader needs no ``holidays`` package.
        """
        out: dict[str, object] = {
            "timeZone": self.time_zone,
            "days": list(self.days),
            "start": _format_time(self.start),
            "end": _format_time(self.end),
            "holidays": list(self.holidays),
            "exclusions": [x.to_dict() for x in self.exclusions],
            "closedDates": [d.isoformat() for d in self.closed_dates],
        }
        resolved = self.holiday_dates(today=today)
        if resolved is not None:
            out["holidayDates"] = resolved.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: object) -> TimeWindow:
        """Rebuild a window from :meth:`to_dict` output, validating every field.

        Raises
        ------
        ValueError
            Naming the field, the bad value and what is allowed.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"window={data!r} must be an object (a dict) as produced by TimeWindow.to_dict()")
        _check_keys(data, "window", required=("timeZone", "days", "start", "end"),
                    allowed=("timeZone", "days", "start", "end", "holidays", "exclusions", "closedDates",
                             "holidayDates"))
        if not isinstance(data["timeZone"], str):
            raise ValueError(f"window.timeZone={data['timeZone']!r} must be an IANA time zone name such as "
                             f"'America/New_York'")
        start = _parse_time(data["start"], "window.start")
        assert start is not None
        end = _parse_time(data["end"], "window.end", allow_end_of_day=True)
        hol = data.get("holidays", [])
        if not isinstance(hol, list) or not all(isinstance(h, str) for h in hol):
            raise ValueError(f"window.holidays={hol!r} must be a list of codes such as ['US', 'DE-BY']")
        exc = data.get("exclusions", [])
        if not isinstance(exc, list):
            raise ValueError(f"window.exclusions={exc!r} must be a list of exclusion objects")
        dates = data.get("closedDates", [])
        if not isinstance(dates, list):
            raise ValueError(f"window.closedDates={dates!r} must be a list of 'YYYY-MM-DD' dates")
        closed: list[date] = []
        for i, d in enumerate(dates):
            try:
                closed.append(date.fromisoformat(d))
            except (TypeError, ValueError):
                raise ValueError(
                    f"window.closedDates[{i}]={d!r} is not a date; expected 'YYYY-MM-DD'"
                ) from None
        days = data["days"]
        if not isinstance(days, list):
            raise ValueError(f"window.days={days!r} must be a list of day names such as ['mon', 'tue']")
        resolved: HolidayDates | None = None
        if "holidayDates" in data:
            if not hol:
                raise ValueError("window.holidayDates is given but window.holidays is empty; drop holidayDates")
            resolved = HolidayDates.from_dict(data["holidayDates"])
            try:
                _holidays_lib()
            except ImportError:  # the gate: the codes only label the resolved dates
                if not all(_CODE.fullmatch(h) for h in hol):
                    raise ValueError(
                        f"window.holidays={hol!r} must hold calendar codes such as 'US' or 'DE-BY'") from None
            else:  # where the package is installed, the codes must name its calendars
                hol = [_parse_holiday(h, "window.holidays") for h in hol]
        elif hol:
            try:
                _holidays_lib()
            except ImportError:
                raise ValueError(
                    f"window.holidays={hol!r} comes without holidayDates and the holidays package is not "
                    f"installed here; build the input with TimeWindow.to_dict() of this Seawall version "
                    f"(it resolves the dates), i.e. redeploy the team runtime"
                ) from None
        return cls(
            time_zone=data["timeZone"], days=_json_days(days, "window.days"), start=start, end=end,
            holidays=tuple(hol),
            exclusions=tuple(Exclusion.from_dict(x, f"window.exclusions[{i}]") for i, x in enumerate(exc)),
            closed_dates=tuple(closed),
            _holiday_dates=resolved,
        )


def _describe_exclusion(x: Exclusion) -> str:
    who = "nothing" if x.days == ALL_DAYS else f"no {_describe_days(x.days)}"
    if x.end is None:
        return f"{who} after {_format_time(x.start)}"
    if x.start == time(0):
        return f"{who} before {_format_time(x.end)}"
    return f"{who} {_format_time(x.start)}-{_format_time(x.end)}"


def _describe_days(days: Sequence[str]) -> str:
    idx = [DAY_NAMES.index(d) for d in days]
    if len(idx) > 2 and idx == list(range(idx[0], idx[-1] + 1)):
        return f"{days[0].capitalize()}-{days[-1].capitalize()}"
    return "/".join(d.capitalize() for d in days)
