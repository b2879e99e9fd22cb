"""Holiday dates resolved at synth: the gate's window closes on exactly the planner's days, and fails past them."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from seawall.model import Target
from seawall.model import window as window_module
from seawall.model.contracts import GateInput, PipelineRef, TargetRef, TeamSettings
from seawall.model.limits import MAX_ACTION_CONFIGURATION_VALUE, MAX_LAMBDA_ENVIRONMENT
from seawall.model.window import MON_FRI, HolidayDataExpired, TimeWindow

NY = ZoneInfo("America/New_York")
TODAY = date(2026, 3, 1)


def planner() -> TimeWindow:
    return TimeWindow(time_zone="America/New_York", days=MON_FRI, start=time(9), end=time(16),
                      holidays=("US", ("DE", "BY")))


def gate_side(w: TimeWindow, today: date = TODAY) -> TimeWindow:
    """What the gate Lambda rebuilds from the JSON in its input."""
    return TimeWindow.from_dict(json.loads(json.dumps(w.to_dict(today=today))))


def test_the_gate_closes_on_exactly_the_planners_days_through_the_horizon() -> None:
    w = planner()
    g = gate_side(w)
    assert g == w
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range((date(2027, 12, 31) - date(2026, 1, 1)).days + 1)]
    assert [g.is_open_day(d) for d in days] == [w.is_open_day(d) for d in days]
    closed_weekdays = [d for d in days if d.weekday() < 5 and not w.is_open_day(d)]
    assert date(2026, 11, 26) in closed_weekdays and date(2026, 6, 4) in closed_weekdays  # Thanksgiving, Corpus Christi
    for d in days[::5]:
        t = datetime.combine(d, time(15, 30), NY)
        assert g.next_open(t) == w.next_open(t) and g.next_close(t) == w.next_close(t), t


def test_the_horizon_is_whole_years_from_this_one_through_the_next() -> None:
    data = planner().to_dict(today=date(2026, 12, 31))["holidayDates"]
    assert (data["from"], data["through"]) == ("2026-01-01", "2027-12-31")
    offsets = [int(data["days"][i:i + 2], 36) for i in range(0, len(data["days"]), 2)]
    assert offsets[0] == 0 and 723 in offsets  # 2026-01-01 and 2027-12-25, as day offsets
    assert len(json.dumps(data)) < 200, "the team settings share Lambda's 4 KB environment with the org-wide alarms"


def test_team_settings_with_two_calendars_fit_the_lambda_environment_and_the_gate_input_carries_none() -> None:
    window = TimeWindow.business_hours(time_zone="Europe/Berlin", holidays=("DE-BY", "US"))
    settings = TeamSettings.of(team="storefront", window=window, blocking_alarms=["org-wide-sev1-freeze"])
    assert "holidayDates" in settings.to_env() and len(settings.to_env()) <= MAX_LAMBDA_ENVIRONMENT // 4
    event = GateInput(target=TargetRef.of(Target(region="ap-southeast-2", account="123456789012", cell="cell-1")),
                      pipeline=PipelineRef(name="storefront-checkout", region="us-east-1",
                                           role_arn="arn:aws:iam::111111111111:role/seawall-storefront-pipeline-reader"))
    rendered = json.dumps(event.to_json(), separators=(",", ":"))  # as CDK renders StateMachineInput.literal
    assert "holiday" not in rendered and len(rendered) <= MAX_ACTION_CONFIGURATION_VALUE // 2, len(rendered)


def test_past_the_horizon_the_gate_side_fails_closed_saying_so() -> None:
    g = gate_side(planner())
    expired = (r"holiday data \(US, DE-BY\) covers 2026-01-01 to 2027-12-31 and ends at 2027-12-31; "
               r"2028-01-03 is outside it.*redeploy the team runtime")
    with pytest.raises(HolidayDataExpired, match=expired):
        g.is_open(datetime(2028, 1, 3, 10, tzinfo=NY))
    with pytest.raises(HolidayDataExpired):  # Thu 17:00; Fri 2027-12-31 is a holiday; Mon 2028-01-03 is past the data
        g.next_open(datetime(2027, 12, 30, 17, tzinfo=NY))
    assert g.holiday_name(date(2026, 12, 25)) == "public holiday (US, DE-BY)"
    assert g.holiday_name(date(2026, 12, 28)) is None


def test_a_window_without_calendars_carries_no_holiday_data() -> None:
    w = TimeWindow(time_zone="UTC", days=MON_FRI, start=time(9), end=time(17))
    assert "holidayDates" not in w.to_dict()
    assert TimeWindow.from_dict(w.to_dict()).is_open(datetime(2031, 1, 7, 10, tzinfo=NY))


def test_to_dict_takes_a_date() -> None:
    with pytest.raises(TypeError, match=r"today=datetime.datetime\(2026, 1, 1, 0, 0\) must be a datetime.date"):
        planner().to_dict(today=datetime(2026, 1, 1))  # type: ignore[arg-type]


def _with(**holiday_dates: Any) -> dict[str, Any]:
    d = planner().to_dict(today=TODAY)
    d["holidayDates"] = {**d["holidayDates"], **holiday_dates}  # type: ignore[dict-item]
    return d


@pytest.mark.parametrize(("data", "match"), [
    ({**planner().to_dict(today=TODAY), "holidayDates": "2026"}, r"window.holidayDates='2026' must be an object"),
    (_with(extra=1), r"window.holidayDates has unknown keys extra"),
    (_with(through="2025-12-31"), r"from=2026-01-01 to through=2025-12-31 must be 0 to 1295 days"),
    (_with(through="end"), r"window.holidayDates.from='2026-01-01' / .through='end' must be 'YYYY-MM-DD'"),
    (_with(through="2029-12-31"), r"from=2026-01-01 to through=2029-12-31 must be 0 to 1295 days"),
    (_with(days=5), r"window.holidayDates.days=5 must be a string of two-digit base-36 day offsets"),
    (_with(days="001"), r"window.holidayDates.days='001' must be a string"),
    (_with(days="0!"), r"window.holidayDates.days holds '0!', not a base-36 day offset"),
    (_with(days="zz"), r"window.holidayDates.days holds 'zz' = 2029-07-19, after through=2027-12-31"),
    ({**planner().to_dict(today=TODAY), "holidays": []}, r"holidayDates is given but window.holidays is empty"),
])
def test_malformed_holiday_data_is_rejected(data: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TimeWindow.from_dict(data)


def test_where_the_holidays_package_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gate Lambda's situation: resolved dates work, codes are checked for form, old inputs fail clearly."""
    data = planner().to_dict(today=TODAY)

    def missing() -> Any:
        raise ModuleNotFoundError("No module named 'holidays'")

    monkeypatch.setattr(window_module, "_holidays_lib", missing)
    g = TimeWindow.from_dict(data)
    assert not g.is_open(datetime(2026, 12, 25, 10, tzinfo=NY))
    with pytest.raises(ValueError, match=r"window.holidays=\['Narnia'\] must hold calendar codes such as 'US'"):
        TimeWindow.from_dict({**data, "holidays": ["Narnia"]})
    old = {k: v for k, v in data.items() if k != "holidayDates"}
    with pytest.raises(ValueError, match=r"comes without holidayDates and the holidays package is not installed"):
        TimeWindow.from_dict(old)
