"""``seawall bootstrap``: what to bootstrap and enable before the first ``cdk deploy``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..model.bootstrap import ADMINISTRATOR_ACCESS, bootstrap_checklist
from ..report.bootstrap import render_bootstrap
from .loading import load_plan

__all__ = ["add_bootstrap_command", "run_bootstrap"]


def add_bootstrap_command(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "bootstrap", help="what to bootstrap and enable before the first cdk deploy",
        description="List every account and region that needs `cdk bootstrap` (with --trust and "
                    "--cloudformation-execution-policies), the pipeline's cross-region support stacks, the opt-in "
                    "regions to enable in each account, and where each organisation-wide alarm must exist.")
    p.add_argument("--plan", required=True, metavar="PATH_OR_MODULE:ATTR",
                   help="a WavePlan, an object with .plan, or a function of no arguments returning one")
    p.add_argument("--pipeline-account", required=True, metavar="ACCOUNT",
                   help="the pipeline stack's account (12 digits)")
    p.add_argument("--pipeline-region", required=True, metavar="REGION", help="the pipeline stack's region")
    p.add_argument("--execution-policy", action="append", metavar="ARN", dest="execution_policies",
                   help=f"a --cloudformation-execution-policies ARN; repeat for several "
                        f"(default: {ADMINISTRATOR_ACCESS})")
    p.add_argument("--blocking-alarm", action="append", default=[], metavar="NAME", dest="blocking_alarms",
                   help="an organisation-wide alarm name (the pipeline's blocking_alarms); repeat for several")
    p.add_argument("--json", action="store_true", help="print the checklist as JSON")
    p.set_defaults(func=run_bootstrap)


def run_bootstrap(args: argparse.Namespace) -> int:
    source = load_plan(args.plan)
    checklist = bootstrap_checklist(
        source.plan, pipeline_account=args.pipeline_account, pipeline_region=args.pipeline_region,
        execution_policies=args.execution_policies or (ADMINISTRATOR_ACCESS,),
        blocking_alarms=args.blocking_alarms,
    )
    if args.json:
        print(json.dumps(checklist.to_dict(), indent=2))
    else:
        print(render_bootstrap(checklist), end="")
    return 0
