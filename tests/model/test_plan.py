"""The rollout planner: gates wait for the window, shifts and bakes follow, and the worked example."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from seawall.model import (
    MON_THU,
    BakePolicy,
    ReleasePolicy,
    Target,
    TimeWindow,
    TrafficPolicy,
    Wave,
    WavePlan,
    commercial_regions,
    expand_steps,
    plan_rollout,
)

NY = ZoneInfo("America/New_York")


def ny(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY).astimezone(UTC)


@pytest.fixture(scope="module")
def window() -> TimeWindow:
    return TimeWindow(time_zone="America/New_York", days=MON_THU, start=time(9), end=time(16), holidays=("US",))


def test_worked_example_standard_plan_over_every_commercial_region(window: TimeWindow) -> None:
    """The standard plan over all commercial regions, one cell per region, Mon-Thu 09:00-16:00 New York.

    Start: Monday 2026-11-30 09:00 America/New_York (the Monday after Thanksgiving).
    Window: open Mon-Thu [09:00, 16:00) New York time, closed on US holidays
    (none fall in this week).  The standard plan's steps (from ``expand_steps``):

    ====  ========  =====================================  =============  ======
    step  name      targets                                shift          bake
    ====  ========  =====================================  =============  ======
    0     alpha     ap-northeast-3 (quietest region)        all at once 0  none
    1     beta      ap-northeast-3                          all at once 0  none
    2     gamma     ap-northeast-3, us-east-1               10 % / 30 min  1 h
    3     wave-1    ap-northeast-3                          10 % / 60 min  12 h
    4     wave-2    us-east-1 (busiest)                     10 % / 60 min  4 h
    5     wave-3    us-west-2, eu-west-1, us-west-1         10 % / 60 min  2 h
    6     wave-4-1  6 regions (12 split 6 + 6)              10 % / 60 min  1 h (cell bake)
    7     wave-4-2  6 regions                               10 % / 60 min  2 h
    8     wave-5-1  9 regions (the rest, 17 split 9 + 8)    10 % / 60 min  1 h (cell bake)
    9     wave-5-2  8 regions                               10 % / 60 min  2 h
    ====  ========  =====================================  =============  ======

    By hand (all times New York):

    - alpha, beta: pre-production is not gated; all at once, no bake: done Mon 09:00.
    - gamma: not gated; shift Mon 09:00-09:30, bake 09:30-10:30.
    - wave-1: gate at Mon 10:30 is open (Monday, before 16:00): no wait.
      Shift 10:30-11:30, bake 12 h 11:30 -> Mon 23:30 (bakes run through the night).
    - wave-2: ready Mon 23:30, window closed; next open is Tue 09:00 (waited 9 h 30 min).
      Shift 09:00-10:00, bake 4 h 10:00-14:00.
    - wave-3: ready Tue 14:00, open: no wait.  Shift 14:00-15:00, bake 2 h 15:00-17:00.
    - wave-4-1: ready Tue 17:00, closed (after 16:00); opens Wed 09:00 (waited 16 h).
      Shift 09:00-10:00, bake 1 h 10:00-11:00.
    - wave-4-2: ready Wed 11:00, open.  Shift 11:00-12:00, bake 2 h 12:00-14:00.
    - wave-5-1: ready Wed 14:00, open.  Shift 14:00-15:00, bake 1 h 15:00-16:00.
    - wave-5-2: ready Wed 16:00 -- the window is [09:00, 16:00), so 16:00 is closed;
      opens Thu 09:00 (waited 17 h).  Shift 09:00-10:00, bake 2 h 10:00-12:00.

    Everywhere: Thursday 2026-12-03 12:00 New York, 3 d 3 h after the start, on
    the fourth business day (Mon, Tue, Wed, Thu).  The article says a typical
    pipeline reaches every region "in about four or five business days".
    """
    plan = WavePlan.standard(commercial_regions(), cells=1)
    rollout = plan_rollout(plan, window, datetime(2026, 11, 30, 9, 0, tzinfo=NY))
    expected = [
        # name,     gate opens,    waited,                shift end,    bake end
        ("alpha", ny(30, 9, month=11), timedelta(0), ny(30, 9, month=11), ny(30, 9, month=11)),
        ("beta", ny(30, 9, month=11), timedelta(0), ny(30, 9, month=11), ny(30, 9, month=11)),
        ("gamma", ny(30, 9, month=11), timedelta(0), ny(30, 9, 30, month=11), ny(30, 10, 30, month=11)),
        ("wave-1", ny(30, 10, 30, month=11), timedelta(0), ny(30, 11, 30, month=11), ny(30, 23, 30, month=11)),
        ("wave-2", ny(1, 9), timedelta(hours=9, minutes=30), ny(1, 10), ny(1, 14)),
        ("wave-3", ny(1, 14), timedelta(0), ny(1, 15), ny(1, 17)),
        ("wave-4-1", ny(2, 9), timedelta(hours=16), ny(2, 10), ny(2, 11)),
        ("wave-4-2", ny(2, 11), timedelta(0), ny(2, 12), ny(2, 14)),
        ("wave-5-1", ny(2, 14), timedelta(0), ny(2, 15), ny(2, 16)),
        ("wave-5-2", ny(3, 9), timedelta(hours=17), ny(3, 10), ny(3, 12)),
    ]
    got = [(s.step.name, s.gate_opens, s.waited, s.shift_end, s.bake_end) for s in rollout.steps]
    assert got == expected
    assert [s.step.production for s in rollout.steps] == [False] * 3 + [True] * 7
    assert rollout.finished == ny(3, 12)
    assert rollout.total == timedelta(days=3, hours=3)
    assert rollout.business_days() == 4
    assert rollout.calendar_days() == 4
    assert rollout.warnings == ()


def test_schedule_follows_the_one_step_expansion(window: TimeWindow) -> None:
    plan = WavePlan.standard(commercial_regions()[:8], cells=2)
    rollout = plan_rollout(plan, window, datetime(2026, 12, 7, 9, tzinfo=NY))
    assert tuple(s.step for s in rollout.steps) == expand_steps(plan)
    for prev, cur in zip(rollout.steps, rollout.steps[1:], strict=False):
        assert cur.ready == prev.bake_end, "steps run in sequence"
    for s in rollout.steps:
        assert s.shift_end - s.shift_start == s.step.traffic.duration()
        assert s.bake_end - s.bake_start == s.step.bake.duration
        if s.step.production:
            assert window.is_open(s.gate_opens), "a production step only starts inside the window"


def test_pre_production_is_not_gated(window: TimeWindow) -> None:
    saturday = datetime(2026, 12, 5, 22, 0, tzinfo=NY)
    rollout = plan_rollout(WavePlan.standard(["us-east-1", "eu-west-1"]), window, saturday)
    pre = [s for s in rollout.steps if not s.step.production]
    assert pre and all(s.waited == timedelta(0) for s in pre)
    assert pre[0].gate_opens == saturday.astimezone(UTC)
    first_prod = next(s for s in rollout.steps if s.step.production)
    assert first_prod.gate_opens == ny(7, 9), "the first production step waits for Monday 09:00"
    assert any("not gated" in n for n in rollout.notes)


def test_bakes_run_across_dst_in_real_hours() -> None:
    """A 12 h bake started Saturday 2026-10-31 20:00 EDT ends Sunday 07:00 EST: 12 real hours, not wall hours."""
    plan = WavePlan(waves=(Wave(name="only", targets=(Target(region="us-east-1"),),
                                bake=BakePolicy(duration=timedelta(hours=12)), traffic=TrafficPolicy.all_at_once()),))
    start = datetime(2026, 10, 31, 20, 0, tzinfo=NY)
    rollout = plan_rollout(plan, TimeWindow.always(time_zone="America/New_York"), start)
    assert rollout.total == timedelta(hours=12)
    assert rollout.finished.astimezone(NY).replace(tzinfo=None) == datetime(2026, 11, 1, 7, 0)


def test_gate_longer_than_seven_days_is_flagged(window: TimeWindow) -> None:
    frozen = window.with_closed_dates(date(2026, 12, 14), date(2027, 1, 3))
    rollout = plan_rollout(WavePlan.standard(["us-east-1", "eu-west-1"]), frozen,
                           datetime(2026, 12, 10, 14, tzinfo=NY))
    assert len(rollout.warnings) == 1
    assert "longer than its limit of 6 d 18 h (gate_max_wait" in rollout.warnings[0]
    assert "wave-2" in rollout.warnings[0] or "wave-1" in rollout.warnings[0]
    assert rollout.finished > datetime(2027, 1, 4, tzinfo=NY)


def test_deploy_time_delays_each_shift(window: TimeWindow) -> None:
    plan = WavePlan.standard(["us-east-1"])
    start = datetime(2026, 12, 1, 9, tzinfo=NY)
    base = plan_rollout(plan, window, start)
    slow = plan_rollout(plan, window, start, deploy_time=timedelta(minutes=10))
    assert slow.steps[0].shift_start - slow.steps[0].gate_opens == timedelta(minutes=10)
    assert slow.finished > base.finished


def test_to_dict_is_json_in_the_windows_zone(window: TimeWindow) -> None:
    rollout = plan_rollout(WavePlan.standard(["us-east-1", "eu-west-1"]), window, datetime(2026, 12, 1, 9, tzinfo=NY))
    data = json.loads(json.dumps(rollout.to_dict()))
    assert data["timeZone"] == "America/New_York"
    assert data["start"] == "2026-12-01T09:00:00-05:00"
    assert len(data["steps"]) == len(rollout.steps)
    assert data["steps"][0]["name"] == "alpha" and data["steps"][0]["gated"] is False
    assert TimeWindow.from_dict(data["window"]) == window
    assert rollout.to_dict("UTC")["start"] == "2026-12-01T14:00:00+00:00"


def test_release_policy_bundles_plan_window_and_alarms(window: TimeWindow) -> None:
    team = ReleasePolicy(plan=WavePlan.standard(["us-east-1"]), window=window)
    assert team.alarms.max_fault_rate == 0.01
    with pytest.raises(TypeError, match=r"window=None is a NoneType, not a TimeWindow"):
        ReleasePolicy(plan=team.plan, window=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"plan='x' is a str, not a WavePlan"):
        ReleasePolicy(plan="x", window=window)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"alarms=1 is a int, not an AlarmPolicy"):
        ReleasePolicy(plan=team.plan, window=window, alarms=1)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"start": datetime(2026, 12, 1, 9)}, r"start=2026-12-01T09:00:00 is a naive datetime"),
    ({"deploy_time": timedelta(minutes=-1)}, r"deploy_time=-1 day, 23:59:00 is out of range; it must be at least 0"),
])
def test_invalid_planner_input(window: TimeWindow, kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"plan": WavePlan.standard(["us-east-1"]), "window": window,
                               "start": datetime(2026, 12, 1, 9, tzinfo=NY)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        plan_rollout(args.pop("plan"), args.pop("window"), args.pop("start"), **args)  # type: ignore[arg-type]


def test_docs_snippet_plan_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """examples/snippets/plan_example.py, shown in docs/planning.md, prints the worked example."""
    import runpy
    from pathlib import Path

    runpy.run_path(str(Path(__file__).resolve().parents[2] / "examples" / "snippets" / "plan_example.py"))
    out = capsys.readouterr().out
    assert "wave-5-2  gate Thu 09:00  waited       17 h  done Thu 12:00" in out
    assert out.rstrip().endswith("everywhere Thu 2026-12-03 12:00, 3 d 3 h after the merge, 4 business days")
