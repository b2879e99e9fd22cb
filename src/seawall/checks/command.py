"""``seawall check``: run the safety checks over a cloud assembly (and optionally the plan).

Exit status: 0 when nothing unsuppressed is non-compliant, 1 when something
is, 2 when the input cannot be read.  The ``seawall`` CLI mounts this as its
``check`` subcommand; :func:`main` runs it on its own.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .runner import assembly_templates, failures, format_json, format_text, load_plan, run_checks

HELP = "check a synthesized app (cdk.out) for deployment-safety problems"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("assembly", nargs="?", default="cdk.out",
                        help="cloud assembly folder written by `cdk synth`, or one template file (default: cdk.out)")
    parser.add_argument("--plan", metavar="PATH_OR_MODULE:ATTR",
                        help="also check this plan (a WavePlan, an object with .plan, or a function returning "
                             "one), e.g. examples/sample_service/policy.py:TEAM, and compare the pipelines with it")
    parser.add_argument("--json", action="store_true", help="print every finding as JSON")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="also list compliant and not-applicable findings")


def run(args: argparse.Namespace) -> int:
    try:
        templates = assembly_templates(args.assembly)
        plan = load_plan(args.plan) if args.plan else None
    except (OSError, ValueError, ImportError, AttributeError) as e:
        print(f"seawall check: {e}", file=sys.stderr)
        return 2
    findings = run_checks(templates, plan=plan)
    print(format_json(findings) if args.json else format_text(findings, verbose=args.verbose))
    return 1 if failures(findings) else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="seawall check", description=HELP)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
