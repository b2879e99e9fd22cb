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

from ._validate import require_timedelta
from .limits import MAX_CLOUDFORMATION_ACTION_DURATION, MAX_GATE_WAIT
from .waves import Step, WavePlan, expand_steps
from .window import TimeWindow, _require_aware


def gate_deadline(started: datetime, max_wait: timedelta) -> datetime:
    """The last instant a gate that started at `started` may still let its step start.

    The gate machine computes its limit with this function, and so does the
    planner: they agree to the second on which waits a gate gives up on.
    """
    return started + max_wait


def gate_gives_up(next_open: datetime | None, deadline: datetime) -> bool:
    """Whether a gate waiting for a closed window gives up: the window opens after `deadline` or never.

    A window that opens exactly at the deadline still lets the step start (the
    gate re-checks the window before it looks at the deadline).
    """
    return next_open is None or next_open > deadline


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
    gate_max_wait: timedelta = MAX_GATE_WAIT,
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
    gate_max_wait:
        The gate's limit, as the team runtime sets it (``gate_max_wait`` of
        the release machines).  Default and most:
        :data:`~seawall.model.limits.MAX_GATE_WAIT` (6 d 18 h: the Step
        Functions invoke action's 7 days less margin).

    Returns
    -------
    Rollout
        With a warning for every gate that would give up: its window opens
        later than `gate_max_wait` after the gate started
        (:func:`gate_gives_up`, the same computation the gate machine runs),
        so the step fails, e.g. across a holiday freeze.

    Raises
    ------
    TypeError
        If an argument has the wrong type.
    ValueError
        If `start` is naive or so late that the rollout would end after the
        year 9999, `deploy_time` is negative, `gate_max_wait` is out of range,
        or the window does not open within its search horizon.
    """
    if not isinstance(plan, WavePlan):
        raise TypeError(f"plan={plan!r} is a {type(plan).__name__}, not a WavePlan")
    if not isinstance(window, TimeWindow):
        raise TypeError(f"window={window!r} is a {type(window).__name__}, not a TimeWindow")
    _require_aware(start, "start")
    require_timedelta(deploy_time, "deploy_time", maximum=MAX_CLOUDFORMATION_ACTION_DURATION,
                      why="a CloudFormation deploy action times out after 3 days")
    require_timedelta(gate_max_wait, "gate_max_wait", positive=True, maximum=MAX_GATE_WAIT,
                      why="a Step Functions invoke action runs at most 7 days and the gate needs margin")
    try:
        return _schedule(plan, window, start, deploy_time, gate_max_wait)
    except OverflowError:
        raise ValueError(
            f"start={start.isoformat()} is too late: the rollout would run past the year 9999, the last "
            f"date Python can represent; give a start such as 2026-11-30T09:00"
        ) from None


def _schedule(plan: WavePlan, window: TimeWindow, start: datetime, deploy_time: timedelta,
              gate_max_wait: timedelta) -> Rollout:
    begin = start.astimezone(UTC)
    t = begin
    schedules: list[StepSchedule] = []
    warnings: list[str] = []
    for step in expand_steps(plan):
        ready = t
        gate = window.next_open(ready).astimezone(UTC) if step.gated else ready
        if step.gated and gate_gives_up(gate, gate_deadline(ready, gate_max_wait)):
            local = window.zone
            warnings.append(
                f"step {step.name!r}: the gate would wait {_span(gate - ready)} (from "
                f"{ready.astimezone(local):%a %Y-%m-%d %H:%M} to {gate.astimezone(local):%a %Y-%m-%d %H:%M} "
                f"{window.time_zone}), longer than its limit of {_span(gate_max_wait)} (gate_max_wait; a "
                f"pipeline action runs at most 7 days); the gate gives up and the step fails. Widen the "
                f"window or start after the closed period"
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
