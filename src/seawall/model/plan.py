"""The rollout planner: "if I merge now, when is it everywhere?"

:func:`plan_rollout` walks the plan's steps -- the same :func:`expand_steps`
the pipeline is built from -- and for each step computes, in order:

1. **gate** -- when the step may start: the first instant the
   :class:`~seawall.model.window.TimeWindow` is open at or after the previous
   step's bake ended (or the start, for the first step).  Pre-production
   steps (alpha, beta, gamma, zeta) are not gated by the window: they start
   as soon as the previous step is done.  Production steps are.
2. **deploy** -- CloudFormation; modelled as `deploy_time` (default 0).
3. **shift** -- the step's traffic policy: ``traffic.duration()``, zero for
   all-at-once.
4. **bake** -- ``bake.duration``.  A bake runs on regardless of the window:
   the window only governs when a step *starts*.

What is not modelled: a bake also waits for ``min_data_points`` of its
metric; in a quiet region that can take longer than the bake's duration.
Time spent waiting for a quiet alarm is not modelled either (the alarm
blocker).  Both only make the real rollout later, never earlier; the result
says so in :attr:`Rollout.notes`.

All arithmetic is done in UTC, so durations across a DST change are real
durations (Python's aware-datetime arithmetic in one zone is wall-clock
arithmetic and would be off by an hour).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from .waves import Step, WavePlan, expand_steps
from .window import TimeWindow, _require_aware

#: The longest a pipeline action may run: a Step Functions invoke action (the gate) times out after 7 days.
MAX_GATE_WAIT = timedelta(days=7)


@dataclass(frozen=True, kw_only=True)
class StepSchedule:
    """When one step's gate opens and its shift and bake run (UTC instants)."""

    step: Step
    #: When the previous step finished (or the rollout started): the gate starts waiting.
    ready: datetime
    #: When the gate lets the step start; equals `ready` for pre-production steps.
    gate_opens: datetime
    shift_start: datetime
    shift_end: datetime
    bake_start: datetime
    bake_end: datetime

    @property
    def waited(self) -> timedelta:
        """How long the gate waited for the window."""
        return self.gate_opens - self.ready

    @property
    def done(self) -> datetime:
        return self.bake_end

    @property
    def gated(self) -> bool:
        return self.step.gated

    def to_dict(self, zone: ZoneInfo | None = None) -> dict[str, object]:
        """JSON-safe; instants as ISO 8601 in `zone` (default UTC)."""
        def iso(t: datetime) -> str:
            return t.astimezone(zone or UTC).isoformat()

        return {
            "index": self.step.index, "name": self.step.name, "wave": self.step.wave,
            "production": self.step.production, "gated": self.gated,
            "targets": [t.name for t in self.step.targets],
            "traffic": self.step.traffic.describe(), "bake": self.step.bake.describe(),
            "ready": iso(self.ready), "gateOpens": iso(self.gate_opens),
            "waitedSeconds": int(self.waited.total_seconds()),
            "shiftStart": iso(self.shift_start), "shiftEnd": iso(self.shift_end),
            "bakeStart": iso(self.bake_start), "bakeEnd": iso(self.bake_end),
        }


@dataclass(frozen=True, kw_only=True)
class Rollout:
    """A planned rollout: every step's schedule and when the change is everywhere."""

    steps: tuple[StepSchedule, ...]
    window: TimeWindow
    start: datetime
    finished: datetime
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def total(self) -> timedelta:
        """From the start to the end of the last bake."""
        return self.finished - self.start

    @property
    def time_zone(self) -> str:
        return self.window.time_zone

    def business_days(self) -> int:
        """Local dates (window zone) from start to finish on which the window opens at some time."""
        zone = self.window.zone
        first, last = self.start.astimezone(zone).date(), self.finished.astimezone(zone).date()
        return sum(self.window.is_open_day(first + timedelta(days=i)) for i in range((last - first).days + 1))

    def calendar_days(self) -> int:
        """Local dates (window zone) the rollout touches, first and last included."""
        zone = self.window.zone
        first: date = self.start.astimezone(zone).date()
        return (self.finished.astimezone(zone).date() - first).days + 1

    def to_dict(self, time_zone: str | None = None) -> dict[str, object]:
        """JSON-safe; instants as ISO 8601 in `time_zone` (default: the window's zone)."""
        zone = ZoneInfo(time_zone) if time_zone else self.window.zone
        return {
            "start": self.start.astimezone(zone).isoformat(),
            "finished": self.finished.astimezone(zone).isoformat(),
            "totalSeconds": int(self.total.total_seconds()),
            "businessDays": self.business_days(),
            "calendarDays": self.calendar_days(),
            "timeZone": str(zone.key),
            "window": self.window.to_dict(),
            "steps": [s.to_dict(zone) for s in self.steps],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


def plan_rollout(
    plan: WavePlan,
    window: TimeWindow,
    start: datetime,
    *,
    deploy_time: timedelta = timedelta(0),
) -> Rollout:
    """Schedule every step of `plan` under `window`, starting at `start`.

    Parameters
    ----------
    plan:
        The wave plan; its steps come from :func:`expand_steps`.
    window:
        When production steps may start.
    start:
        When the change enters the pipeline (timezone-aware).
    deploy_time:
        Time CloudFormation takes to deploy each step before its shift.
        Default: 0 (not modelled).

    Returns
    -------
    Rollout
        With a warning for every gate that would wait longer than
        :data:`MAX_GATE_WAIT` (the pipeline action would time out and fail
        the execution, e.g. across a holiday freeze).

    Raises
    ------
    ValueError
        If `start` is naive, `deploy_time` is negative, or the window does
        not open within its search horizon.
    """
    if not isinstance(plan, WavePlan):
        raise ValueError(f"plan={plan!r} must be a WavePlan")
    if not isinstance(window, TimeWindow):
        raise ValueError(f"window={window!r} must be a TimeWindow")
    _require_aware(start, "start")
    if not isinstance(deploy_time, timedelta) or deploy_time < timedelta(0):
        raise ValueError(f"deploy_time={deploy_time!r} must be a timedelta of zero or more")
    begin = start.astimezone(UTC)
    t = begin
    schedules: list[StepSchedule] = []
    warnings: list[str] = []
    for step in expand_steps(plan):
        ready = t
        gate = window.next_open(ready).astimezone(UTC) if step.gated else ready
        if gate - ready > MAX_GATE_WAIT:
            local = window.zone
            warnings.append(
                f"step {step.name!r}: the gate would wait {_span(gate - ready)} (from "
                f"{ready.astimezone(local):%a %Y-%m-%d %H:%M} to {gate.astimezone(local):%a %Y-%m-%d %H:%M} "
                f"{window.time_zone}), longer than a pipeline action's 7-day limit; the gate times out and "
                f"the execution fails. Widen the window or start after the closed period"
            )
        shift_start = gate + deploy_time
        shift_end = shift_start + step.traffic.duration()
        bake_end = shift_end + step.bake.duration
        schedules.append(StepSchedule(step=step, ready=ready, gate_opens=gate, shift_start=shift_start,
                                      shift_end=shift_end, bake_start=shift_end, bake_end=bake_end))
        t = bake_end
    notes = ["pre-production steps are not gated by the time window; production steps start only inside it"]
    counted = sorted({s.step.bake.min_data_points for s in schedules if s.step.bake.min_data_points})
    if counted:
        notes.append(
            f"bakes also wait for at least {'/'.join(map(str, counted))} data points; that is not "
            f"time-modelled here (a quiet region can make a bake longer), nor is waiting for a quiet alarm"
        )
    if not deploy_time:
        notes.append("CloudFormation deploy time is not modelled (deploy_time=0)")
    return Rollout(steps=tuple(schedules), window=window, start=begin, finished=t, warnings=tuple(warnings),
                   notes=tuple(notes))


def _span(d: timedelta) -> str:
    days, rest = divmod(int(d.total_seconds()), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} d"] if days else []
    if hours or (days and minutes):
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    return " ".join(parts) or "0 min"


def format_span(d: timedelta) -> str:
    """A duration for people: ``3 d 3 h``, ``45 min``, ``0 min``."""
    return _span(d)
