"""A team's release policy in one object: the plan, the time window and the alarm thresholds."""

from __future__ import annotations

from dataclasses import dataclass, field

from .policies import AlarmPolicy
from .waves import WavePlan
from .window import TimeWindow


@dataclass(frozen=True, kw_only=True)
class ReleasePolicy:
    """What a team decides once and every one of its services inherits.

    Parameters
    ----------
    plan:
        Pre-production stages and production waves.
    window:
        When production steps may start, in the team's time zone.
    alarms:
        Thresholds of each service's high-severity and one-box alarms.
        Default: :class:`AlarmPolicy` defaults.

    ``seawall plan --plan module:ATTR`` accepts this object (or anything with
    ``.plan`` and an optional ``.window``).
    """

    plan: WavePlan
    window: TimeWindow
    alarms: AlarmPolicy = field(default_factory=AlarmPolicy)

    def __post_init__(self) -> None:
        if not isinstance(self.plan, WavePlan):
            raise TypeError(f"plan={self.plan!r} is a {type(self.plan).__name__}, not a WavePlan; use e.g. "
                            f"WavePlan.standard(regions)")
        if not isinstance(self.window, TimeWindow):
            raise TypeError(f"window={self.window!r} is a {type(self.window).__name__}, not a TimeWindow; use e.g. "
                            f"TimeWindow.business_hours(time_zone=...)")
        if not isinstance(self.alarms, AlarmPolicy):
            raise TypeError(f"alarms={self.alarms!r} is a {type(self.alarms).__name__}, not an AlarmPolicy")
