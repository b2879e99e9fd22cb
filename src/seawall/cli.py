"""The ``seawall`` command.

Each subcommand is one ``add_*_command(subparsers)`` function that declares
its arguments and sets ``func`` to the function that runs it; :data:`COMMANDS`
lists them.  To add a command, write ``add_check_command`` and append it to
:data:`COMMANDS`.  A command's function takes the parsed arguments and returns
the exit code; a :class:`ValueError` it raises (bad input) becomes exit code
2 with the message and no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .model import TimeWindow, WavePlan, plan_rollout

Subparsers = Any  # argparse's _SubParsersAction is private
EXIT_BAD_INPUT = 2


# --------------------------------------------------------------------------- loading user objects

def _import_target(where: str, parameter: str) -> ModuleType:
    if where.endswith(".py") or "/" in where or "\\" in where:
        path = Path(where)
        if not path.is_file():
            raise ValueError(f"{parameter}: file {where!r} does not exist")
        name = f"_seawall_user_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ValueError(f"{parameter}: cannot load {where!r} as a Python file")
        module = importlib.util.module_from_spec(spec)
        folder = str(path.resolve().parent)
        sys.path.insert(0, folder)  # let the file import its siblings
        try:
            sys.modules[name] = module
            spec.loader.exec_module(module)
        except (ImportError, SyntaxError) as e:
            raise ValueError(f"{parameter}: loading {where!r} failed: {e}") from None
        finally:
            sys.path.remove(folder)
        return module
    try:
        return importlib.import_module(where)
    except (ImportError, SyntaxError) as e:
        raise ValueError(f"{parameter}: cannot import module {where!r}: {e}") from None


def load_object(spec: str, parameter: str = "--plan") -> tuple[object, ModuleType]:
    """``path/to/file.py:ATTR`` or ``package.module:ATTR`` (ATTR may be dotted) -> (object, module)."""
    where, sep, attr = spec.rpartition(":")
    if not sep or not where or not attr:
        raise ValueError(
            f"{parameter}={spec!r} must be PATH_OR_MODULE:ATTR, e.g. examples/sample_service/policy.py:TEAM "
            f"or mypackage.policy:TEAM"
        )
    module = _import_target(where, parameter)
    obj: object = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = ", ".join(n for n in dir(module) if n.isupper()) or "none"
            raise ValueError(f"{parameter}: {where!r} has no attribute {attr!r} (upper-case names there: {names})")
        obj = getattr(obj, part)
    return obj, module


def resolve_plan(obj: object, parameter: str = "--plan") -> tuple[WavePlan, TimeWindow | None]:
    """A WavePlan, or an object with ``.plan`` and an optional ``.window``."""
    if isinstance(obj, WavePlan):
        return obj, None
    plan = getattr(obj, "plan", None)
    if not isinstance(plan, WavePlan):
        raise ValueError(
            f"{parameter} names {type(obj).__name__}, which is neither a WavePlan nor an object with a .plan "
            f"WavePlan (such as seawall.model.ReleasePolicy)"
        )
    window = getattr(obj, "window", None)
    if window is not None and not isinstance(window, TimeWindow):
        raise ValueError(f"{parameter}: .window is a {type(window).__name__}, not a TimeWindow")
    return plan, window


def parse_zone(value: str, parameter: str = "--timezone") -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{parameter}={value!r} is not a known IANA time zone; use a name such as 'America/New_York'"
        ) from None


def parse_start(value: str | None, zone: ZoneInfo) -> datetime:
    """ISO 8601; a value without an offset is read in `zone`; None means now."""
    if value is None:
        return datetime.now(UTC)
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"--start={value!r} is not an ISO 8601 date-time; use e.g. 2026-11-30T09:00 (read in the window's "
            f"time zone, or --timezone) or 2026-11-30T09:00-05:00"
        ) from None
    return t if t.tzinfo is not None else t.replace(tzinfo=zone)


# --------------------------------------------------------------------------- seawall plan

def add_plan_command(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "plan", help="when does a change merged now reach every region?",
        description="Plan a rollout step by step: when each gate opens, each shift and bake runs, and when "
                    "the change is everywhere.")
    p.add_argument("--plan", required=True, metavar="PATH_OR_MODULE:ATTR",
                   help="a WavePlan or an object with .plan and .window, e.g. "
                        "examples/sample_service/policy.py:TEAM")
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
    from .report import render_html, render_table

    obj, module = load_object(args.plan)
    plan, window = resolve_plan(obj)
    if args.window:
        w, _ = load_object(args.window, "--window")
        if not isinstance(w, TimeWindow):
            raise ValueError(f"--window names a {type(w).__name__}, not a TimeWindow")
        window = w
    display = parse_zone(args.timezone) if args.timezone else None
    if window is None:
        window = TimeWindow.always(time_zone=args.timezone or "UTC")
        print("seawall plan: no time window given: production gates open at once", file=sys.stderr)
    if args.deploy_minutes < 0:
        raise ValueError(f"--deploy-minutes={args.deploy_minutes} must be zero or more")
    start = parse_start(args.start, display or window.zone)
    rollout = plan_rollout(plan, window, start, deploy_time=timedelta(minutes=args.deploy_minutes))
    tz = args.timezone
    if args.html:
        team = getattr(module, "TEAM_NAME", None)
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


# --------------------------------------------------------------------------- seawall check

def add_check_command(subparsers: Subparsers) -> None:
    from .checks import command

    p = subparsers.add_parser("check", help=command.HELP, description=command.__doc__)
    command.add_arguments(p)
    p.set_defaults(func=command.run)


# --------------------------------------------------------------------------- entry point

#: One function per subcommand.
COMMANDS: list[Callable[[Subparsers], None]] = [add_plan_command, add_check_command]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seawall", description="Safe, hands-off Lambda deployments.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``seawall``; returns the exit code (0 ok, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except ValueError as e:
        print(f"seawall {args.command}: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
