"""A rehearsal as text and as a self-contained HTML page, for ``seawall rehearse``.

Both draw only what :class:`seawall.model.rehearsal.Rehearsal` holds: the
timeline of events (times relative to the scenario's start), where every alias
ended, each stage's result, the verdict per invariant and per expectation, and
one verdict line.  Nothing reads a clock or iterates an unordered set, so the
same rehearsal always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

from ..model.rehearsal import INVARIANTS, AliasState, Event, Rehearsal, ScenarioInfo, Variant
from .html import PAGE_STYLE
from .timeline import LABEL_W, RIGHT_PAD, WIDTH

__all__ = ["clock_offset", "render_rehearsal_html", "render_rehearsal_text", "render_scenarios", "routing_text",
           "verdict_summary"]

#: What an event's target column shows when the event has no target (a pipeline-wide event).
NO_TARGET = "-"


def clock_offset(seconds: int) -> str:
    """``+HH:MM:SS`` since the scenario's start (hours grow past 99 for long scenarios)."""
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _percent(weight: float) -> str:
    return f"{weight * 100:.2f}".rstrip("0").rstrip(".") + "%"


def routing_text(routing: Mapping[str, float]) -> str:
    """``no routing``, or Lambda's ``AdditionalVersionWeights`` as ``version 8 at 10%``, versions sorted."""
    if not routing:
        return "no routing"
    return ", ".join(f"version {v} at {_percent(routing[v])}" for v in sorted(routing))


def _timeline(events: Sequence[Event]) -> list[Event]:
    """The events in time order; events at the same second keep the order the simulation recorded them in."""
    return sorted(events, key=lambda e: e.at)


def _checked(r: Rehearsal, invariant: str) -> bool:
    return any(invariant in v.invariants for v in r.variants)


def _invariant_state(r: Rehearsal, invariant: str) -> str:
    if not _checked(r, invariant):
        return "not checked"
    return "held" if r.invariants[invariant].held else "VIOLATED"


def _variant_failures(v: Variant) -> list[str]:
    return ([f"{n} violated" for n in INVARIANTS if n in v.invariants and not v.invariants[n].held]
            + [f"expectation {n!r} unmet" for n in sorted(v.expectations) if not v.expectations[n].held])


def _assignment(parameters: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={parameters[k]}" for k in sorted(parameters)) or "no parameters"


def verdict_summary(r: Rehearsal) -> str:
    """One line: passed (with counts) or failed (naming what did not hold and in how many variants)."""
    variants = len(r.variants)
    counted = f"{variants} variant{'s' if variants != 1 else ''}"
    if not r.variants:
        return "Verdict: FAILED: the rehearsal ran no variant"
    if r.ok:
        checked = sum(1 for n in INVARIANTS if _checked(r, n))
        return (f"Verdict: passed: {checked} invariant{'s' if checked != 1 else ''} held and "
                f"{len(r.expectations)} expectation{'s' if len(r.expectations) != 1 else ''} met in {counted}")
    failed = [n for n in INVARIANTS if _checked(r, n) and not r.invariants[n].held]
    unmet = [n for n, e in r.expectations.items() if not e.held]
    what = [f"{', '.join(failed)} violated"] if failed else []
    what += [f"expectation{'s' if len(unmet) != 1 else ''} {', '.join(repr(n) for n in unmet)} unmet"] if unmet else []
    bad = sum(1 for v in r.variants if not v.ok)
    return f"Verdict: FAILED: {'; '.join(what)} ({bad} of {counted} failed)"


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as left-aligned columns two spaces apart, trailing blanks stripped."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _alias_rows(targets: Mapping[str, Mapping[str, AliasState]]) -> list[tuple[str, str, AliasState]]:
    return [(t, f, targets[t][f]) for t in sorted(targets) for f in sorted(targets[t])]


def render_rehearsal_text(r: Rehearsal) -> str:
    """The timeline, every alias's final state, the stages, the verdicts, and the verdict summary last."""
    out = [f"Rehearsal of scenario {r.scenario!r}, seed {r.seed}, starting {r.start.isoformat()}"]
    if r.parameters:
        out.append("Parameters: " + "; ".join(f"{k} = {' | '.join(r.parameters[k])}" for k in sorted(r.parameters)))
    out += ["", "Timeline (first variant)"]
    events = _timeline(r.events)
    if events:
        out += ["  " + line for line in _columns([(clock_offset(e.at), e.kind, e.target or NO_TARGET, e.detail)
                                                  for e in events])]
    else:
        out.append("  (no events)")
    out += ["", "Aliases at the end"]
    aliases = _alias_rows(r.targets)
    if aliases:
        out += ["  " + line for line in _columns(
            [("target", "function", "version", "revision", "routing")]
            + [(t, f, a.version, a.revision, routing_text(a.routing)) for t, f, a in aliases])]
    else:
        out.append("  (no alias)")
    if r.stages:
        out += ["", "Stages"]
        out += ["  " + line for line in _columns([("stage", "execution", "type", "attempt", "result")]
                                                 + [(s.name, s.execution, s.type, str(s.attempt), s.result)
                                                    for s in r.stages])]
    out += ["", "Invariants"]
    out += ["  " + line for line in _columns(
        [(n, _invariant_state(r, n), f"exercised {r.invariants[n].exercised}", r.invariants[n].detail)
         for n in INVARIANTS])]
    if r.expectations:
        out += ["", "Expectations"]
        out += ["  " + line for line in _columns([(n, "met" if e.held else "UNMET", e.detail)
                                                 for n, e in r.expectations.items()])]
    if len(r.variants) > 1:
        out += ["", "Variants"]
        out += ["  " + line for line in _columns([(_assignment(v.parameters),
                                                   "; ".join(_variant_failures(v)) or "passed")
                                                  for v in r.variants])]
    out += ["", verdict_summary(r)]
    return "\n".join(out) + "\n"


def render_scenarios(scenarios: Sequence[ScenarioInfo]) -> str:
    """``NAME<TAB>description``, one scenario a line, sorted by name (a description is kept on its line)."""
    return "".join(f"{s.name}\t{' '.join(s.description.split())}\n" for s in sorted(scenarios, key=lambda s: s.name))


# --------------------------------------------------------------------------- HTML

#: Colours per event kind, in the palette of the rollout page (shift orange, bake blue, alarms red).
KIND_COLOURS: Mapping[str, str] = {
    "pipeline": "#1f2933", "stage": "#52606d", "action": "#9aa5b1", "deploy": "#7b8794", "deployment": "#c05621",
    "traffic": "#e8833a", "alarm": "#e53e3e", "gate": "#2f855a", "bake": "#3b7dd8", "revert": "#805ad5",
    "operator": "#d69e2e", "fault": "#b83280", "violation": "#9b2c2c",
}

AXIS_H = 40
ROW_H = 28
TICK_H = 16
LEGEND_H = 40

REHEARSAL_STYLE = """
.held { color: #2f855a; font-weight: 600; }
.failed { color: #9b2c2c; font-weight: 600; }
.verdict { font-size: 15px; margin: 16px 0 0; }
td.mono, .mono { font-family: ui-monospace, Menlo, Consolas, monospace; }
.lane-label { font: 600 12px sans-serif; fill: #1f2933; }
.axis { font: 10px sans-serif; fill: #7b8794; }
.grid { stroke: #e4e7eb; stroke-width: 1; }
.row-even { fill: #f8fafc; }
.legend { font: 12px sans-serif; fill: #1f2933; }
"""


def _tick_every(span: int) -> int:
    """Seconds between axis labels: about ten labels over the span."""
    for step in (60, 300, 600, 1800, 3600, 7200, 3 * 3600, 6 * 3600, 12 * 3600, 86_400):
        if span / step <= 10:
            return step
    return 86_400 * max(1, span // (86_400 * 10))


def render_rehearsal_svg(r: Rehearsal) -> str:
    """One lane per target (pipeline-wide events in the first), a mark per event coloured by its kind."""
    events = _timeline(r.events)
    lanes = sorted({e.target or NO_TARGET for e in events}, key=lambda t: (t != NO_TARGET, t))
    span = max([e.at for e in events] + [1])
    x0, x1 = LABEL_W, WIDTH - RIGHT_PAD

    def x(at: int) -> float:
        return round(x0 + at / span * (x1 - x0), 2)

    bottom = AXIS_H + len(lanes) * ROW_H
    height = bottom + LEGEND_H
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="Rehearsal timeline">']
    for row, lane in enumerate(lanes):
        y = AXIS_H + row * ROW_H
        if row % 2 == 0:
            out.append(f'<rect class="row-even" x="0" y="{y}" width="{x1}" height="{ROW_H}"/>')
        label = "pipeline-wide" if lane == NO_TARGET else lane
        out.append(f'<text class="lane-label" x="10" y="{y + 18}">{escape(label)}</text>')
    every = _tick_every(span)
    for at in range(0, span + 1, every):
        out.append(f'<line class="grid" x1="{x(at)}" y1="{AXIS_H - 6}" x2="{x(at)}" y2="{bottom}"/>')
        out.append(f'<text class="axis" x="{x(at)}" y="{AXIS_H - 10}" text-anchor="middle">'
                   f"{clock_offset(at)[:-3]}</text>")
    for e in events:
        top = AXIS_H + lanes.index(e.target or NO_TARGET) * ROW_H + (ROW_H - TICK_H) / 2
        out.append(f'<rect class="event {e.kind}" x="{x(e.at) - 1.5}" y="{top}" width="3" height="{TICK_H}" '
                   f'fill="{KIND_COLOURS[e.kind]}" data-at="{e.at}" data-kind={quoteattr(e.kind)}>'
                   f"<title>{escape(f'{clock_offset(e.at)} {e.kind}: {e.detail}')}</title></rect>")
    lx, ly = LABEL_W, bottom + 16
    for kind in sorted({e.kind for e in events}):
        out.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{KIND_COLOURS[kind]}"/>'
                   f'<text class="legend" x="{lx + 16}" y="{ly + 11}">{escape(kind)}</text>')
        lx += 28 + 7 * len(kind)
    out.append("</svg>")
    return "\n".join(out)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table of already-escaped cells."""
    return ("<table>\n<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr></thead>\n<tbody>\n"
            + "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
            + "\n</tbody>\n</table>")


def _state(held: bool, text: str) -> str:
    return f'<span class="{"held" if held else "failed"}">{escape(text)}</span>'


def render_rehearsal_html(r: Rehearsal, *, title: str | None = None) -> str:
    """The whole page as a string, in the rollout page's style: cards, the timeline SVG, then the tables."""
    title = title or f"Rehearsal: {r.scenario}"
    events = _timeline(r.events)
    cards = [
        ("passed" if r.ok else "FAILED", "verdict"),
        (str(len(r.variants)), "variants"),
        (str(sum(1 for n in INVARIANTS if _checked(r, n) and not r.invariants[n].held)), "invariants violated"),
        (clock_offset(max([e.at for e in events] + [0])), "last event"),
        (str(len(events)), "events"),
    ]
    invariants = _table(("invariant", "verdict", "exercised", "detail"), [
        (n, _state(_checked(r, n) and r.invariants[n].held, _invariant_state(r, n)),
         str(r.invariants[n].exercised), escape(r.invariants[n].detail)) for n in INVARIANTS])
    sections = [invariants]
    if r.expectations:
        sections.append(_table(("expectation", "verdict", "detail"), [
            (escape(n), _state(e.held, "met" if e.held else "UNMET"), escape(e.detail))
            for n, e in r.expectations.items()]))
    if len(r.variants) > 1:
        sections.append(_table(("variant", "verdict"), [
            (escape(_assignment(v.parameters)), _state(v.ok, "; ".join(_variant_failures(v)) or "passed"))
            for v in r.variants]))
    sections.append(_table(("target", "function", "version", "revision", "routing"), [
        (escape(t), escape(f), escape(a.version), escape(a.revision), escape(routing_text(a.routing)))
        for t, f, a in _alias_rows(r.targets)]))
    if r.stages:
        sections.append(_table(("stage", "execution", "type", "attempt", "result"), [
            (escape(s.name), escape(s.execution), escape(s.type), str(s.attempt), escape(s.result))
            for s in r.stages]))
    sections.append(_table(("at", "kind", "target", "detail"), [
        (f'<span class="mono">{clock_offset(e.at)}</span>', escape(e.kind), escape(e.target or NO_TARGET),
         escape(e.detail)) for e in events]))
    parameters = "; ".join(f"{k} = {' | '.join(r.parameters[k])}" for k in sorted(r.parameters))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<style>{PAGE_STYLE}{REHEARSAL_STYLE}</style>
</head>
<body>
<h1>{escape(title)}</h1>
<p class="sub">Scenario {escape(r.scenario)}, seed {r.seed}, starting {escape(r.start.isoformat())}{
    escape(f"; parameters {parameters}") if parameters else ""}. Times are from the start; the timeline and the
tables of aliases, stages and events show the first variant.</p>
<div class="summary">{''.join(f'<div class="card"><b>{escape(v)}</b><span>{escape(k)}</span></div>'
                               for v, k in cards)}</div>
{render_rehearsal_svg(r)}
{chr(10).join(sections)}
<p class="verdict">{_state(r.ok, verdict_summary(r))}</p>
</body>
</html>
"""
