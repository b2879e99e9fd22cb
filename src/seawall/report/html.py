"""A self-contained HTML page for a rollout: summary, timeline SVG and step table.

No external resources: styles are inline, the SVG is embedded, nothing is
fetched, so the page can be attached to a ticket or opened offline.
"""

from __future__ import annotations

from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from ..model.plan import Rollout, format_span
from .table import full_stamp, stamp
from .timeline import render_svg

PAGE_STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px 28px;
       color: #1f2933; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
.sub { color: #616e7c; margin: 0 0 14px; font-size: 14px; }
.summary { display: flex; gap: 14px; margin: 0 0 16px; }
.card { border: 1px solid #d9e2ec; border-radius: 8px; padding: 8px 14px; min-width: 150px; }
.card b { display: block; font-size: 18px; }
.card span { color: #616e7c; font-size: 12px; }
.warn { background: #fff5f5; border: 1px solid #feb2b2; color: #9b2c2c; padding: 8px 12px;
        border-radius: 6px; margin: 0 0 12px; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; margin-top: 18px; }
th, td { text-align: left; padding: 4px 12px 4px 0; border-bottom: 1px solid #e4e7eb; }
th { color: #616e7c; font-weight: 600; }
td.num { text-align: right; }
svg.timeline { width: 100%; height: auto; max-width: 1320px; display: block; }
.notes { color: #616e7c; font-size: 12px; margin-top: 12px; }
"""


def render_html(rollout: Rollout, *, title: str = "Rollout plan", time_zone: str | None = None) -> str:
    """The whole page as a string, times in `time_zone` (default: the window's)."""
    zone = ZoneInfo(time_zone) if time_zone else rollout.window.zone
    cards = [
        (full_stamp(rollout.finished, zone), "everywhere"),
        (format_span(rollout.total), "from merge to every region"),
        (str(rollout.business_days()), "business days"),
        (str(len(rollout.steps)), "steps"),
    ]
    rows = []
    for s in rollout.steps:
        shift = s.shift_end - s.shift_start
        bake = s.bake_end - s.bake_start
        rows.append(
            "<tr>" + "".join([
                f'<td class="num">{s.step.index}</td>',
                f"<td>{escape(s.step.name)}{'' if s.step.production else ' (pre-prod)'}</td>",
                f"<td>{escape(', '.join(t.name for t in s.step.targets))}</td>",
                f"<td>{stamp(s.gate_opens, zone) if s.gated else 'not gated'}</td>",
                f"<td>{format_span(s.waited) if s.waited else '-'}</td>",
                f"<td>{escape(s.step.traffic.describe())}" + (f", {format_span(shift)}" if shift else "") + "</td>",
                f"<td>{format_span(bake) if bake else '-'}</td>",
                f"<td>{stamp(s.done, zone)}</td>",
            ]) + "</tr>"
        )
    warnings = "".join(f'<div class="warn">{escape(w)}</div>' for w in rollout.warnings)
    notes = "".join(f"<li>{escape(n)}</li>" for n in rollout.notes)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<style>{PAGE_STYLE}</style>
</head>
<body>
<h1>{escape(title)}</h1>
<p class="sub">Merged {escape(full_stamp(rollout.start, zone))}; production steps start only while the window is
open: {escape(rollout.window.describe())}.</p>
<div class="summary">{''.join(f'<div class="card"><b>{escape(v)}</b><span>{escape(k)}</span></div>'
                               for v, k in cards)}</div>
{warnings}
{render_svg(rollout, time_zone)}
<table>
<thead><tr><th>#</th><th>step</th><th>targets</th><th>gate opens</th><th>waited</th><th>shift</th><th>bake</th>
<th>done</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<ul class="notes">{notes}</ul>
</body>
</html>
"""
