"""``seawall rehearse``: run a scenario against the synthesized app in the simulation and report what held.

::

    seawall rehearse [ASSEMBLY] [--pipeline NAME] (--scenario NAME | --list | --generate N)
                     [--seed N] [--start ISO8601] [--param KEY=VALUE]... [--json] [--html FILE] [--debug]

Exit status: 0 every invariant held and every expectation was met in every
variant; 1 a violation or an unmet expectation; 2 bad usage (the message names
the flag, the value and the fix); 3 the assembly uses something the
simulation does not model (the message names it) or an internal error (its
traceback under ``--debug``).

The simulation engine is a :class:`Runner`.  :data:`RUNNER` is the seam: when
it is None (the default) the command imports ``seawall.sim.rehearse`` on first
use and drives its ``RUNNER``; tests put a runner of their own there.  The
import is lazy so that ``seawall --help`` and the other commands do not load
the simulation.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import json
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

from ..model.rehearsal import EXIT_OK, EXIT_UNMODELLED, EXIT_VIOLATION, Rehearsal, ScenarioInfo
from ..report.rehearsal import render_rehearsal_html, render_rehearsal_text, render_scenarios

__all__ = ["GENERATED_PREFIX", "MAX_GENERATE", "MAX_SEED", "RUNNER", "Runner", "add_rehearse_command",
           "run_rehearse"]

#: ``--generate N`` runs at most this many scenarios in one command (``make soak`` runs 2,000 by default).
MAX_GENERATE = 1_000_000
#: Seeds are whole numbers from 0 to this (64-bit, as a replay command prints them).
MAX_SEED = 2**63 - 1
#: A generated scenario is replayed as ``--scenario gen:<seed>`` (the seed ``--generate`` printed).
GENERATED_PREFIX = "gen:"
#: Simulated time after ``--start`` that must still be a representable instant (scenarios run days, not years).
SIMULATED_HORIZON = timedelta(days=366)


class Runner(Protocol):
    """The simulation engine ``seawall rehearse`` drives (``seawall.sim.rehearse.RUNNER``)."""

    def pipelines(self, assembly: Path) -> list[str]:
        """The service pipelines' names in the assembly; raises ``seawall.sim.assembly.AssemblyError`` on a bad dir."""

    def scenarios(self) -> list[ScenarioInfo]:
        """Every named scenario."""

    def run(self, assembly: Path, *, pipeline: str, scenario: str, seed: int, start: datetime,
            params: dict[str, str]) -> Rehearsal:
        """Rehearse `scenario` (every combination of the parameters `params` does not fix)."""

    def generate(self, assembly: Path, *, pipeline: str, count: int, seed: int,
                 start: datetime) -> Iterator[Rehearsal]:
        """`count` generated scenarios from `seed`, each rehearsal carrying its own seed."""


#: The seam: None means ``seawall.sim.rehearse.RUNNER``, imported on first use.
RUNNER: Runner | None = None

_T = TypeVar("_T")


class _Stop(Exception):
    """Ends the command with `code` after its message was printed."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def add_rehearse_command(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "rehearse", help="rehearse the synthesized pipeline in the simulation, under faults, before it deploys",
        description="Run a named or generated scenario against the synthesized app (cdk.out) in Seawall's "
                    "simulation of AWS and check the safety contract's invariants I1-I12 and the scenario's "
                    "expected outcome. Exit status: 0 all held, 1 a violation or unmet expectation, 2 bad usage, "
                    "3 something the simulation does not model, or an internal error.")
    p.add_argument("assembly", nargs="?", default=None, metavar="ASSEMBLY",
                   help="cloud assembly folder written by `cdk synth` (default: ./cdk.out)")
    p.add_argument("--pipeline", metavar="NAME",
                   help="the service pipeline to rehearse (needed when the assembly has several)")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--scenario", metavar="NAME",
                      help="a named scenario (see --list), or gen:SEED to replay a generated one")
    mode.add_argument("--list", action="store_true", help="list the named scenarios and their parameters")
    mode.add_argument("--generate", metavar="N",
                      help=f"run N generated scenarios (1 to {MAX_GENERATE:,}); one JSON object per line")
    p.add_argument("--seed", metavar="N",
                   help=f"seed of the scenario's randomness, 0 to {MAX_SEED} (default: 0)")
    p.add_argument("--start", metavar="ISO8601",
                   help="the instant the scenario starts, with an offset, e.g. 2027-03-02T08:00:00+00:00 "
                        "(default: the simulation's fixed start, seawall.sim.clock.START)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", dest="params",
                   help="fix one of the scenario's parameters (repeat for several); without it every "
                        "combination of the values the scenario declares runs")
    p.add_argument("--json", action="store_true", help="print the rehearsal as one JSON object")
    p.add_argument("--html", metavar="FILE", help="also write a self-contained HTML page of the rehearsal")
    p.add_argument("--debug", action="store_true", help="print the traceback of an internal error")
    p.set_defaults(func=run_rehearse)


# --------------------------------------------------------------------------- flags

def _whole(flag: str, value: str, low: int, high: int, meaning: str) -> int:
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise ValueError(f"{flag}={value!r} must be a whole number from {low} to {high:,} ({meaning})")
    return int(text)


def parse_seed(value: str | None) -> int:
    """``--seed``: a whole number from 0 to :data:`MAX_SEED`; None is 0."""
    return 0 if value is None else _whole("--seed", value, 0, MAX_SEED, "the seed of the scenario's randomness")


def parse_count(value: str) -> int:
    """``--generate N``: 1 to :data:`MAX_GENERATE`."""
    return _whole("--generate", value, 1, MAX_GENERATE, "how many generated scenarios to run")


def parse_instant(value: str) -> datetime:
    """``--start``: an ISO 8601 instant with an offset, far enough from the end of time to simulate from."""
    example = "e.g. 2027-03-02T08:00:00+00:00 or 2027-03-02T09:00+01:00"
    try:
        t = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"--start={value!r} is not an ISO 8601 date-time; use {example}") from None
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"--start={value!r} has no UTC offset, so the instant is ambiguous; add one: {example}")
    try:
        t.astimezone(UTC) + SIMULATED_HORIZON
    except OverflowError:
        raise ValueError(f"--start={value!r} is too close to the end of time: the simulation must be able to run "
                         f"{SIMULATED_HORIZON.days} days from it; use {example}") from None
    return t


def parse_params(values: Sequence[str]) -> dict[str, str]:
    """``KEY=VALUE`` pairs; a key given twice is refused (a scenario runs one value of a fixed key)."""
    params: dict[str, str] = {}
    for item in values:
        key, eq, val = item.partition("=")
        if not eq or not key.strip() or not val.strip():
            raise ValueError(f"--param={item!r} must be KEY=VALUE, e.g. --param trigger=api-error")
        key, val = key.strip(), val.strip()
        if key in params:
            raise ValueError(f"--param {key}= is given twice ({params[key]!r} and {val!r}); give each key once "
                             f"(without --param {key}, every value the scenario declares runs)")
        params[key] = val
    return params


def _refuse_with(args: argparse.Namespace, mode: str, flags: Sequence[str]) -> None:
    """Flags that would do nothing in this mode are refused, not ignored."""
    given = {"--pipeline": args.pipeline is not None, "--seed": args.seed is not None,
             "--start": args.start is not None, "--param": bool(args.params), "--html": args.html is not None}
    for flag in flags:
        if given[flag]:
            raise ValueError(f"{flag} does nothing with {mode}; drop it, or use --scenario NAME")


# --------------------------------------------------------------------------- the engine

def _runner() -> Runner:
    if RUNNER is not None:
        return RUNNER
    module = importlib.import_module("seawall.sim.rehearse")
    engine: Runner = module.RUNNER
    return engine


def _first_line(e: BaseException) -> str:
    lines = str(e).strip().splitlines()
    return lines[0] if lines else type(e).__name__


def _engine(args: argparse.Namespace, call: Callable[[], _T]) -> _T:
    """Call the engine: a bad assembly is bad usage (exit 2), anything unmodelled or unexpected exit 3."""
    try:
        return call()
    except _Stop:
        raise
    except Exception as e:
        from ..sim import Unmodelled
        from ..sim.assembly import AssemblyError

        if isinstance(e, AssemblyError):
            raise ValueError(str(e)) from None
        if args.debug:
            traceback.print_exc(file=sys.stderr)
        if isinstance(e, Unmodelled):
            print(f"seawall rehearse: not modelled: {_first_line(e)}", file=sys.stderr)
        else:
            hint = "" if args.debug else " (run again with --debug for the traceback)"
            print(f"seawall rehearse: internal error: {type(e).__name__}: {_first_line(e)}{hint}", file=sys.stderr)
        raise _Stop(EXIT_UNMODELLED) from None


def _pick_pipeline(names: Sequence[str], wanted: str | None, assembly: Path) -> str:
    from seawall.sim.assembly import choose_service_pipeline  # lazily: the simulation loads boto3

    return choose_service_pipeline(names, wanted, str(assembly))


def _check_scenario(name: str, scenarios: Sequence[ScenarioInfo], params: Mapping[str, str]) -> None:
    """The scenario exists (or is ``gen:<seed>``) and declares every --param key and value."""
    if name.startswith(GENERATED_PREFIX):
        text = name[len(GENERATED_PREFIX):]
        if not (text.isascii() and text.isdigit()) or int(text) > MAX_SEED:
            raise ValueError(f"--scenario={name!r}: a generated scenario is {GENERATED_PREFIX}SEED with SEED a whole "
                             f"number from 0 to {MAX_SEED:,}, as --generate printed it")
        if params:
            raise ValueError(f"--param does nothing with --scenario={name!r}: a generated scenario chose every "
                             f"parameter from its seed; drop --param")
        return
    by_name = {s.name: s for s in scenarios}
    if name not in by_name:
        close = difflib.get_close_matches(name, sorted(by_name), n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise ValueError(f"--scenario={name!r} is not a scenario; {hint}`seawall rehearse --list` lists all "
                         f"{len(by_name)}, and gen:SEED replays a generated one")
    declared = by_name[name].parameters
    for key in sorted(params):
        if key not in declared:
            offer = f"it declares {', '.join(sorted(declared))}" if declared else "it declares none"
            raise ValueError(f"--param {key}={params[key]}: scenario {name!r} has no parameter {key!r}; {offer}")
        if params[key] not in declared[key]:
            raise ValueError(f"--param {key}={params[key]}: {params[key]!r} is not a value of {name!r}'s parameter "
                             f"{key!r}; use one of {', '.join(declared[key])}")


def _default_start() -> datetime:
    from ..sim.clock import START

    return START


# --------------------------------------------------------------------------- the command

def run_rehearse(args: argparse.Namespace) -> int:
    """Validate every flag, then list, rehearse one scenario, or run generated ones."""
    try:
        return _rehearse(args)
    except _Stop as stop:
        return stop.code


def _rehearse(args: argparse.Namespace) -> int:
    if args.list:
        _refuse_with(args, "--list", ("--pipeline", "--seed", "--start", "--param", "--html"))
        engine = _engine(args, _runner)
        scenarios = _engine(args, engine.scenarios)
        if args.json:
            print(json.dumps([s.to_json() for s in sorted(scenarios, key=lambda s: s.name)], indent=2))
        else:
            print(render_scenarios(scenarios), end="")
        return EXIT_OK
    seed = parse_seed(args.seed)
    start = parse_instant(args.start) if args.start is not None else None
    count = parse_count(args.generate) if args.generate is not None else None
    params = parse_params(args.params)
    if count is not None:
        _refuse_with(args, "--generate", ("--param", "--html"))
    if args.html is not None and not Path(args.html).parent.is_dir():
        raise ValueError(f"--html={args.html!r}: cannot write the page: the folder {str(Path(args.html).parent)!r} "
                         f"does not exist")
    assembly = Path(args.assembly if args.assembly is not None else "cdk.out")
    engine = _engine(args, _runner)
    if count is None:
        _check_scenario(args.scenario, _engine(args, engine.scenarios), params)
    pipeline = _pick_pipeline(_engine(args, lambda: engine.pipelines(assembly)), args.pipeline, assembly)
    when = start if start is not None else _engine(args, _default_start)
    if count is not None:
        return _generate(args, engine, assembly, pipeline=pipeline, count=count, seed=seed, start=when)
    rehearsal = _engine(args, lambda: engine.run(assembly, pipeline=pipeline, scenario=args.scenario, seed=seed,
                                                 start=when, params=params))
    if args.html:
        try:
            Path(args.html).write_text(render_rehearsal_html(rehearsal), encoding="utf-8")
        except OSError as e:
            raise ValueError(f"--html={args.html!r}: cannot write the page: {e.strerror}") from None
        print(f"seawall rehearse: wrote {args.html}", file=sys.stderr)
    if args.json:
        print(json.dumps(rehearsal.to_json(), indent=2))
    else:
        print(render_rehearsal_text(rehearsal), end="")
    return EXIT_OK if rehearsal.ok else EXIT_VIOLATION


def _generate(args: argparse.Namespace, engine: Runner, assembly: Path, *, pipeline: str, count: int, seed: int,
              start: datetime) -> int:
    """One JSON object a line, printed as each generated scenario ends; exit 1 if any of them failed."""
    rehearsals = _engine(args, lambda: iter(engine.generate(assembly, pipeline=pipeline, count=count, seed=seed,
                                                            start=start)))
    failed = 0
    while (rehearsal := _engine(args, lambda: next(rehearsals, None))) is not None:
        print(json.dumps(rehearsal.to_json(), separators=(",", ":")), flush=True)
        failed += not rehearsal.ok
    if failed:
        print(f"seawall rehearse: {failed} generated scenario{'s' if failed != 1 else ''} failed; replay one with "
              f"--scenario {GENERATED_PREFIX}SEED", file=sys.stderr)
    return EXIT_VIOLATION if failed else EXIT_OK
