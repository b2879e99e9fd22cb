"""The rollout as a plain-text table, for ``seawall plan``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

from ..model.plan import Rollout, StepSchedule, format_span

TARGETS_WIDTH = 44


def stamp(t: datetime, zone: tzinfo) -> str:
    """``Mon 30 Nov 09:00``."""
    return t.astimezone(zone).strftime("%a %d %b %H:%M")


def full_stamp(t: datetime, zone: tzinfo) -> str:
    """``Thu 2026-12-03 12:00 EST``."""
    return t.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


def targets_summary(names: Sequence[str], width: int = TARGETS_WIDTH) -> str:
    """``a, b, c +5 more`` within `width` characters."""
    text = ", ".join(names)
    if len(text) <= width:
        return text
    shown: list[str] = []
    for i, n in enumerate(names):
        rest = len(names) - i - 1
        candidate = ", ".join([*shown, n]) + (f" +{rest} more" if rest else "")
        if len(candidate) > width and shown:
            break
        shown.append(n)
    return ", ".join(shown) + f" +{len(names) - len(shown)} more"


def _row(s: StepSchedule, zone: tzinfo) -> list[str]:
    shift = s.shift_end - s.shift_start
    bake = s.bake_end - s.bake_start
    return [
        str(s.step.index),
        s.step.name + ("" if s.step.production else " (pre-prod)"),
        targets_summary([t.name for t in s.step.targets]),
        stamp(s.gate_opens, zone) if s.gated else "not gated",
        format_span(s.waited) if s.waited else "-",
        format_span(shift) if shift else "at once",
        format_span(bake) if bake else "-",
        stamp(s.done, zone),
    ]


def render_table(rollout: Rollout, time_zone: str | None = None) -> str:
    """The step table, the time until everywhere, warnings and notes.

    Times are shown in `time_zone` (default: the window's zone).
    """
    zone = ZoneInfo(time_zone) if time_zone else rollout.window.zone
    head = ["#", "step", "targets", "gate opens", "waited", "shift", "bake", "done"]
    rows = [head] + [_row(s, zone) for s in rollout.steps]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    right = {0, 4, 5, 6}

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths,
                                                                                                 strict=True)))

    out = [
        f"Rollout: {len(rollout.steps)} steps; window {rollout.window.describe()}",
        f"Start:   {full_stamp(rollout.start, zone)}",
        "",
        line(head).rstrip(),
        "  ".join("-" * w for w in widths),
        *(line(r).rstrip() for r in rows[1:]),
        "",
        f"Everywhere: {full_stamp(rollout.finished, zone)} -- {format_span(rollout.total)} after the start, "
        f"{rollout.business_days()} business day{'s' if rollout.business_days() != 1 else ''} "
        f"({rollout.calendar_days()} calendar)",
    ]
    for w in rollout.warnings:
        out.append(f"WARNING: {w}")
    for n in rollout.notes:
        out.append(f"Note: {n}")
    return "\n".join(out) + "\n"
