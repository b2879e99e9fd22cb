"""``seawall plan``: when does a change merged now reach every region?"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..model import TimeWindow, plan_rollout
from ..model.limits import MAX_CLOUDFORMATION_ACTION_DURATION, MAX_GATE_WAIT
from ..report import render_html, render_table
from .loading import load_plan, load_window, parse_start, parse_zone

__all__ = ["add_plan_command", "run_plan"]


def add_plan_command(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "plan", help="when does a change merged now reach every region?",
        description="Plan a rollout step by step: when each gate opens, each shift and bake runs, and when "
                    "the change is everywhere.")
    p.add_argument("--plan", required=True, metavar="PATH_OR_MODULE:ATTR",
                   help="a WavePlan, an object with .plan and .window, or a function of no arguments "
                        "returning one, e.g. examples/sample_service/policy.py:TEAM")
    p.add_argument("--window", metavar="PATH_OR_MODULE:ATTR",
                   help="a TimeWindow to use instead of the object's .window "
                        "(default: the object's; with neither, gates open at once)")
    p.add_argument("--start", metavar="ISO8601",
                   help="when the change enters the pipeline (default: now); without an offset it is read "
                        "in --timezone or the window's zone")
    p.add_argument("--timezone", metavar="IANA",
                   help="zone for reading --start and showing times (default: the window's zone)")
    p.add_argument("--deploy-minutes", type=int, default=0, metavar="N",
                   help="minutes CloudFormation takes per step before the shift (default: 0, not modelled; "
                        f"at most {_minutes(MAX_CLOUDFORMATION_ACTION_DURATION)}, a deploy action's limit)")
    p.add_argument("--gate-max-wait-minutes", type=int, default=_minutes(MAX_GATE_WAIT), metavar="N",
                   help="the gate's limit as the team runtime sets it (gate_max_wait): a longer wait for the "
                        f"window is flagged (default and most: {_minutes(MAX_GATE_WAIT)}, i.e. 6 d 18 h)")
    p.add_argument("--json", action="store_true", help="print the rollout as JSON")
    p.add_argument("--html", metavar="FILE", help="also write a self-contained HTML page with a timeline")
    p.set_defaults(func=run_plan)


def run_plan(args: argparse.Namespace) -> int:
    source = load_plan(args.plan)
    window = load_window(args.window) if args.window else source.window
    display = parse_zone(args.timezone) if args.timezone else None
    if window is None:
        window = TimeWindow.always(time_zone=args.timezone or "UTC")
        print("seawall plan: no time window given: production gates open at once", file=sys.stderr)
    most = _minutes(MAX_CLOUDFORMATION_ACTION_DURATION)
    if not 0 <= args.deploy_minutes <= most:
        raise ValueError(f"--deploy-minutes={args.deploy_minutes} must be from 0 to {most} (a CloudFormation deploy "
                         f"action times out after {MAX_CLOUDFORMATION_ACTION_DURATION.days} days)")
    if not 1 <= args.gate_max_wait_minutes <= _minutes(MAX_GATE_WAIT):
        raise ValueError(f"--gate-max-wait-minutes={args.gate_max_wait_minutes} must be from 1 to "
                         f"{_minutes(MAX_GATE_WAIT)} (a pipeline action runs at most 7 days; the gate keeps margin)")
    start = parse_start(args.start, display or window.zone)
    rollout = plan_rollout(source.plan, window, start, deploy_time=timedelta(minutes=args.deploy_minutes),
                           gate_max_wait=timedelta(minutes=args.gate_max_wait_minutes))
    tz = args.timezone
    if args.html:
        team = getattr(source.module, "TEAM_NAME", None)
        title = f"{team}: rollout plan" if isinstance(team, str) else "Rollout plan"
        try:
            Path(args.html).write_text(render_html(rollout, title=title, time_zone=tz), encoding="utf-8")
        except OSError as e:
            raise ValueError(f"--html={args.html!r}: cannot write the page: {e.strerror}") from None
        print(f"seawall plan: wrote {args.html}", file=sys.stderr)
    if args.json:
        print(json.dumps(rollout.to_dict(tz), indent=2))
    else:
        print(render_table(rollout, tz), end="")
    return 0


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)
