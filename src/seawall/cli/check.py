"""``seawall check``: run the safety checks over a cloud assembly (and optionally the plan).

Exit status: 0 when nothing unsuppressed is non-compliant, 1 when something
is, 2 when the input cannot be read.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..checks import assembly_templates, failures, format_json, format_text, run_checks
from .loading import load_plan

__all__ = ["add_check_command", "run_check"]

HELP = "check a synthesized app (cdk.out) for deployment-safety problems"


def add_check_command(subparsers: Any) -> None:
    p = subparsers.add_parser("check", help=HELP, description=__doc__)
    p.add_argument("assembly", nargs="?", default="cdk.out",
                   help="cloud assembly folder written by `cdk synth`, or one template file (default: cdk.out)")
    p.add_argument("--plan", metavar="PATH_OR_MODULE:ATTR",
                   help="also check this plan (a WavePlan, an object with .plan, or a function of no arguments "
                        "returning one), e.g. examples/sample_service/policy.py:TEAM, and compare the "
                        "pipelines with it")
    p.add_argument("--json", action="store_true", help="print every finding as JSON")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="also list compliant and not-applicable findings")
    p.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    plan = load_plan(args.plan).plan if args.plan else None
    try:
        templates = assembly_templates(args.assembly)
    except OSError as e:  # a missing or unreadable assembly is bad input (exit 2), not a crash
        raise ValueError(str(e)) from None
    findings = run_checks(templates, plan=plan)
    print(format_json(findings) if args.json else format_text(findings, verbose=args.verbose))
    return 1 if failures(findings) else 0
