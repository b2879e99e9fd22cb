"""A Gantt-style SVG of a rollout: one row per step, shift and bake drawn apart, closed hours shaded.

The SVG is self-contained (no fonts, scripts or images from elsewhere) and
structured for machines too: every step is a ``<g class="step">`` carrying
``data-start``/``data-end`` (epoch seconds) and holding a ``rect.shift`` and,
when the step bakes, a ``rect.bake``.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from ..model.plan import Rollout, StepSchedule, format_span
from .table import targets_summary

WIDTH = 1320
LABEL_W = 270
RIGHT_PAD = 28
AXIS_H = 64
ROW_H = 36
BAR_H = 16
LEGEND_H = 64

STYLE = """
.axis-day { font: 600 12px sans-serif; fill: #1f2933; }
.axis-hour { font: 10px sans-serif; fill: #7b8794; }
.holiday { font: italic 10px sans-serif; fill: #9b2c2c; }
.daygrid { stroke: #9aa5b1; stroke-width: 1; }
.hourgrid { stroke: #e4e7eb; stroke-width: 1; }
.row-even { fill: #f8fafc; }
.closed { fill: url(#closed-hatch); }
.step-name { font: 600 12px sans-serif; fill: #1f2933; }
.step-targets { font: 10px sans-serif; fill: #616e7c; }
.shift { fill: #e8833a; }
.shift.pre { fill: #f3c29c; }
.bake { fill: #3b7dd8; }
.bake.pre { fill: #a9c4ec; }
.wait { stroke: #7b8794; stroke-width: 1.5; stroke-dasharray: 4 3; }
.gate { fill: #1f2933; }
.marker { stroke: #2f855a; stroke-width: 2; }
.marker-label { font: 600 11px sans-serif; fill: #2f855a; }
.legend { font: 12px sans-serif; fill: #1f2933; }
"""


def _epoch(t: datetime) -> int:
    return int(t.timestamp())


class _Scale:
    def __init__(self, t0: datetime, t1: datetime) -> None:
        self.t0, self.t1 = t0, t1
        self.x0, self.x1 = LABEL_W, WIDTH - RIGHT_PAD
        self.span = max((t1 - t0).total_seconds(), 1.0)

    def x(self, t: datetime) -> float:
        frac = (t - self.t0).total_seconds() / self.span
        return round(self.x0 + frac * (self.x1 - self.x0), 2)

    @property
    def px_per_day(self) -> float:
        return (self.x1 - self.x0) * 86_400 / self.span


def _midnight(d: datetime, zone: ZoneInfo, days: int = 0) -> datetime:
    local = d.astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(local, time(0), tzinfo=zone).astimezone(UTC)


def _rect(cls: str, x0: float, x1: float, y: float, h: float, title: str = "", **data: object) -> str:
    attrs = "".join(f" data-{k}={quoteattr(str(v))}" for k, v in data.items())
    tip = f"<title>{escape(title)}</title>" if title else ""
    w = round(max(x1 - x0, 2.0), 2)
    return f'<rect class="{cls}" x="{x0}" y="{y}" width="{w}" height="{h}"{attrs}>{tip}</rect>'


def _step(s: StepSchedule, row: int, scale: _Scale, zone: ZoneInfo) -> str:
    y = AXIS_H + row * ROW_H
    mid = y + ROW_H / 2
    bar_y = mid - BAR_H / 2
    pre = "" if s.step.production else " pre"
    names = [t.name for t in s.step.targets]

    def hm(t: datetime) -> str:
        return t.astimezone(zone).strftime("%a %H:%M")

    parts = [
        f'<g class="step{pre}" data-step={quoteattr(s.step.name)} data-index="{s.step.index}" '
        f'data-start="{_epoch(s.gate_opens)}" data-end="{_epoch(s.bake_end)}" '
        f'data-production="{str(s.step.production).lower()}">',
        f'<text class="step-name" x="10" y="{y + 15}">{escape(s.step.name)}'
        f'{"" if s.step.production else " · pre-production"}</text>',
        f'<text class="step-targets" x="10" y="{y + 29}">{escape(targets_summary(names, 44))}</text>',
    ]
    if s.waited:
        parts.append(
            f'<line class="wait" x1="{scale.x(s.ready)}" y1="{mid}" x2="{scale.x(s.gate_opens)}" y2="{mid}">'
            f"<title>gate waits {format_span(s.waited)} for the window ({hm(s.ready)} to {hm(s.gate_opens)})"
            f"</title></line>"
        )
    if s.gated:
        gx = scale.x(s.gate_opens)
        parts.append(f'<path class="gate" d="M{gx} {bar_y - 4} l4 -5 h-8 z"><title>gate opens '
                     f'{hm(s.gate_opens)}</title></path>')
    parts.append(_rect(
        f"shift{pre}", scale.x(s.shift_start), scale.x(s.shift_end), bar_y, BAR_H,
        f"{s.step.name} shift: {s.step.traffic.describe()}, {hm(s.shift_start)} to {hm(s.shift_end)}",
        start=_epoch(s.shift_start), end=_epoch(s.shift_end)))
    if s.bake_end > s.bake_start:
        parts.append(_rect(
            f"bake{pre}", scale.x(s.bake_start), scale.x(s.bake_end), bar_y, BAR_H,
            f"{s.step.name} bake: {s.step.bake.describe()}, {hm(s.bake_start)} to {hm(s.bake_end)}",
            start=_epoch(s.bake_start), end=_epoch(s.bake_end)))
    parts.append("</g>")
    return "\n".join(parts)


def render_svg(rollout: Rollout, time_zone: str | None = None) -> str:
    """The rollout as an SVG document (a string), times in `time_zone` (default: the window's)."""
    zone = ZoneInfo(time_zone) if time_zone else rollout.window.zone
    t0 = _midnight(rollout.start, zone)
    t1 = _midnight(rollout.finished, zone, 1)
    if rollout.finished == _midnight(rollout.finished, zone) and rollout.finished > t0:
        t1 = rollout.finished
    scale = _Scale(t0, t1)
    rows = len(rollout.steps)
    chart_bottom = AXIS_H + rows * ROW_H
    height = chart_bottom + LEGEND_H
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="Rollout timeline">',
        f"<style>{STYLE}</style>",
        '<defs><pattern id="closed-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="#edf0f4"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#d5dae1" stroke-width="3"/></pattern></defs>',
    ]
    for row in range(rows):
        if row % 2 == 0:
            out.append(f'<rect class="row-even" x="0" y="{AXIS_H + row * ROW_H}" width="{WIDTH - RIGHT_PAD}" '
                       f'height="{ROW_H}"/>')
    # Closed hours: the complement of the window's open periods.
    cursor = t0
    closed: list[tuple[datetime, datetime]] = []
    for o, c in rollout.window.open_periods(t0, t1):
        if o > cursor:
            closed.append((cursor, o))
        cursor = c
    if cursor < t1:
        closed.append((cursor, t1))
    for a, b in closed:
        out.append(_rect("closed", scale.x(a), scale.x(b), AXIS_H, chart_bottom - AXIS_H,
                         f"window closed {a.astimezone(zone):%a %H:%M} to {b.astimezone(zone):%a %H:%M}"))
    # Axis: a line and a label per local day, hour ticks when there is room.
    ndays = round((t1 - t0).total_seconds() / 86_400) + 1
    every = max(1, round(90 / max(scale.px_per_day, 1)))
    hours = [6, 12, 18] if scale.px_per_day >= 180 else ([12] if scale.px_per_day >= 90 else [])
    day = t0.astimezone(zone).date()
    for i in range(ndays + 1):
        d = day + timedelta(days=i)
        start = datetime.combine(d, time(0), tzinfo=zone).astimezone(UTC)
        if start > t1:
            break
        end = min(datetime.combine(d + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC), t1)
        x = scale.x(start)
        out.append(f'<line class="daygrid" x1="{x}" y1="{AXIS_H - 30}" x2="{x}" y2="{chart_bottom}"/>')
        if end <= start:
            continue
        if i % every == 0:
            label = d.strftime("%a %d %b")
            out.append(f'<text class="axis-day" x="{x + 5}" y="{AXIS_H - 36}">{label}</text>')
        for h in hours:
            ht = datetime.combine(d, time(h), tzinfo=zone).astimezone(UTC)
            if ht < end:
                hx = scale.x(ht)
                out.append(f'<line class="hourgrid" x1="{hx}" y1="{AXIS_H - 8}" x2="{hx}" y2="{chart_bottom}"/>')
                out.append(f'<text class="axis-hour" x="{hx}" y="{AXIS_H - 12}" text-anchor="middle">{h:02d}:00'
                           f"</text>")
        holiday = rollout.window.holiday_name(d)
        if holiday:
            out.append(f'<text class="holiday" x="{x + 5}" y="{AXIS_H - 22}">{escape(holiday)}</text>')
    out.append(f'<line class="daygrid" x1="{LABEL_W}" y1="{AXIS_H}" x2="{WIDTH - RIGHT_PAD}" y2="{AXIS_H}"/>')
    for row, s in enumerate(rollout.steps):
        out.append(_step(s, row, scale, zone))
    fx = scale.x(rollout.finished)
    out.append(f'<line class="marker" x1="{fx}" y1="{AXIS_H - 4}" x2="{fx}" y2="{chart_bottom + 6}"/>')
    label = f"everywhere {rollout.finished.astimezone(zone):%a %H:%M}"
    anchor = "end" if fx > WIDTH - 200 else "start"
    lx = fx - 6 if anchor == "end" else fx + 6
    out.append(f'<text class="marker-label" x="{lx}" y="{chart_bottom + 20}" text-anchor="{anchor}">'
               f"{escape(label)}</text>")
    # Legend.
    ly = chart_bottom + 34
    items = [
        ('<rect class="shift" x="{x}" y="{y}" width="26" height="12"/>', "shift (CodeDeploy canary)"),
        ('<rect class="bake" x="{x}" y="{y}" width="26" height="12"/>', "bake (alarms watched)"),
        ('<rect class="shift pre" x="{x}" y="{y}" width="13" height="12"/>'
         '<rect class="bake pre" x="{x2}" y="{y}" width="13" height="12"/>', "pre-production (not gated)"),
        ('<line class="wait" x1="{x}" y1="{ym}" x2="{x26}" y2="{ym}"/>', "gate waiting for the window"),
        ('<rect class="closed" x="{x}" y="{y}" width="26" height="12" stroke="#cbd2d9"/>',
         "window closed: no step starts"),
    ]
    x = LABEL_W
    out.append('<g class="legend-items">')
    for shape, text in items:
        out.append(shape.format(x=x, x2=x + 13, x26=x + 26, y=ly, ym=ly + 6))
        out.append(f'<text class="legend" x="{x + 32}" y="{ly + 11}">{escape(text)}</text>')
        x += 48 + 6 * len(text)
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
