"""``seawall plan`` warns about a gate's wait exactly when the gate machine gives up on it.

Both read one limit (``seawall.model.limits.MAX_GATE_WAIT``, or the team's
``gate_max_wait``) and one computation (``seawall.model.plan.gate_gives_up``).
The sweep runs waits from 6 to 7 days in 10-minute steps across the limit
(6 d 18 h) and drives the real gate window task, re-checking after each
``waitSeconds`` as the gate machine's Wait state does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from seawall.model import (
    ALL_DAYS,
    BakePolicy,
    Target,
    TimeWindow,
    TrafficPolicy,
    Wave,
    WavePlan,
    plan_rollout,
)
from seawall.model.contracts import GateInput, PipelineRef, TargetRef, TeamSettings
from seawall.model.limits import MAX_GATE_WAIT

#: Open 09:00-17:00 UTC every day but 2026-03-02 .. 2026-03-08: it reopens at 2026-03-09 09:00 UTC.
WINDOW = TimeWindow(time_zone="UTC", days=ALL_DAYS, start=time(9), end=time(17)).with_closed_dates(
    date(2026, 3, 2), date(2026, 3, 8))
REOPENS = datetime(2026, 3, 9, 9, tzinfo=UTC)
PLAN = WavePlan(waves=[Wave(name="wave-1", targets=[Target(region="us-east-1")], bake=BakePolicy.none(),
                            traffic=TrafficPolicy.all_at_once())])
#: Waits of 6 d 0 min, 6 d 10 min, ..., 7 d 0 min.
WAITS = [timedelta(days=6) + timedelta(minutes=10) * i for i in range(6 * 24 + 1)]


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("SEAWALL_TEAM", "payments")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("SEAWALL_TEAM_SETTINGS", TeamSettings.of(team="payments", window=WINDOW).to_env())
    from seawall.lambdas.release import common
    from seawall.lambdas.release import gate as module

    common.reset_clients()

    class Clock:
        t = REOPENS

        def now(self) -> datetime:
            return self.t

    clock = Clock()
    monkeypatch.setattr(common, "clock", clock)
    yield module, clock
    common.reset_clients()


def _gate_verdict(gate: Any, started: datetime) -> str:
    """Run the gate's window check from `started` until it lets the step start or gives up."""
    module, clock = gate
    event = GateInput(target=TargetRef(region="us-east-1"), pipeline=PipelineRef(name="p", execution_id="e")).to_json()
    event["override"] = "false"
    event["context"] = {"startedAt": started.isoformat()}
    clock.t = started
    for _ in range(10):
        result = module.check_window(event)
        if result["verdict"] != "CLOSED":
            return str(result["verdict"])
        clock.t += timedelta(seconds=result["waitSeconds"])
    raise AssertionError(f"the gate started at {started} neither opened nor gave up")


def test_the_limit_is_the_step_functions_action_less_margin() -> None:
    assert MAX_GATE_WAIT == timedelta(days=6, hours=18)
    assert TeamSettings.of(team="payments", window=WINDOW).gate_max_wait_seconds == MAX_GATE_WAIT.total_seconds()


def test_planner_warns_exactly_when_the_gate_gives_up(gate: Any) -> None:
    outcomes = []
    for wait in WAITS:
        ready = REOPENS - wait
        rollout = plan_rollout(PLAN, WINDOW, ready)
        assert rollout.steps[0].waited == wait
        warned = bool(rollout.warnings)
        verdict = _gate_verdict(gate, ready)
        assert verdict in ("OPEN", "EXPIRED")
        assert warned == (verdict == "EXPIRED"), f"wait {wait}: plan warned={warned}, gate said {verdict}"
        outcomes.append(warned)
    # Both sides of the limit were exercised: 6 d .. 6 d 18 h pass, 6 d 18 h 10 min .. 7 d give up.
    assert outcomes == [wait > MAX_GATE_WAIT for wait in WAITS]
    assert outcomes.count(False) == 6 * 18 + 1 and outcomes.count(True) == 6 * 6


def test_a_shorter_team_limit_moves_both_the_same_way(gate: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from seawall.lambdas.release import common

    limit = timedelta(days=6, hours=2)
    monkeypatch.setenv("SEAWALL_TEAM_SETTINGS",
                       TeamSettings.of(team="payments", window=WINDOW, gate_max_wait=limit).to_env())
    common.reset_clients()
    for wait in (limit - timedelta(minutes=10), limit, limit + timedelta(minutes=10)):
        ready = REOPENS - wait
        warned = bool(plan_rollout(PLAN, WINDOW, ready, gate_max_wait=limit).warnings)
        assert warned == (_gate_verdict(gate, ready) == "EXPIRED") == (wait > limit)
