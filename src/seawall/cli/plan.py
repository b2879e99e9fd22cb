"""``seawall plan``: when does a change merged now reach every region?"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..model import TimeWindow, plan_rollout
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
                   help="minutes CloudFormation takes per step before the shift (default: 0, not modelled)")
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
    if args.deploy_minutes < 0:
        raise ValueError(f"--deploy-minutes={args.deploy_minutes} must be zero or more")
    start = parse_start(args.start, display or window.zone)
    rollout = plan_rollout(source.plan, window, start, deploy_time=timedelta(minutes=args.deploy_minutes))
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
