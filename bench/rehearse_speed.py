"""How fast ``seawall rehearse`` is: wall time per named scenario on the fixture app and the sample app.

Each named scenario runs as users run it, ``seawall rehearse ASSEMBLY --scenario NAME --json`` in a fresh
process, so the time includes starting Python, loading the assembly, setting up the world before the change
(once per process) and every variant of the scenario.  Then one process rehearses ``--generate N`` scenarios
(the setup paid once) for the scenarios per second that ``make test`` and ``make soak`` see, and one process
rehearses ``healthy`` twice to split the per-process setup from the variant itself.

    .venv/bin/python bench/rehearse_speed.py [--app fixture|sample]... [--scenario NAME]... [--generate N]
                                              [--sample-assembly DIR]

The sample app is synthesized with the pinned CDK CLI (as ``make soak`` does) unless ``--sample-assembly`` names
one already synthesized.  Exit status 1 when a scenario could not run (exit 3 from ``seawall rehearse``: something
the simulation does not model, or an internal error).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEAWALL = Path(sys.executable).with_name("seawall")  # the CLI installed next to this Python
#: What `seawall rehearse` exits with, by meaning.
_OUTCOME = {0: "held", 1: "violated", 2: "usage", 3: "not modelled"}
#: One process: the first healthy rehearsal sets the world up, the second reuses it.
_SPLIT = """
import json, sys, time
from seawall.sim import rehearse
t0 = time.perf_counter()
rehearse(sys.argv[1], scenario="healthy")
t1 = time.perf_counter()
rehearse(sys.argv[1], scenario="healthy")
t2 = time.perf_counter()
print(json.dumps({"first": t1 - t0, "again": t2 - t1}))
"""


def _fixture() -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.sim.fixture.synth import fixture_assembly

    return fixture_assembly()


def _sample(given: Path | None) -> Path:
    if given is not None:
        return given
    sys.path.insert(0, str(Path(__file__).parent))
    from soak import synth

    return synth(ROOT / ".cache" / "bench-rehearse" / "sample.out")


def _names() -> list[str]:
    from seawall.sim import SCENARIOS

    return sorted(SCENARIOS)


def _variants(name: str) -> int:
    from seawall.sim import SCENARIOS

    return len(list(SCENARIOS[name].variants({})))


def _timed(argv: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "random"})
    return time.perf_counter() - started, proc


def bench_app(app: str, assembly: Path, names: list[str], generate: int) -> bool:
    """Print one line per named scenario, then the setup split and the scenarios per second; True if all ran."""
    ran = True
    total = variants = 0.0
    print(f"\n## {app}: {assembly}\n\n| scenario | variants | wall (s) | outcome |\n|---|---:|---:|---|", flush=True)
    for name in names:
        seconds, proc = _timed([str(SEAWALL), "rehearse", str(assembly), "--scenario", name, "--json"])
        outcome = _OUTCOME.get(proc.returncode, f"exit {proc.returncode}")
        ran &= proc.returncode in (0, 1)
        count = _variants(name)
        total, variants = total + seconds, variants + count
        print(f"| {name} | {count} | {seconds:.1f} | {outcome} |", flush=True)
        if proc.returncode not in (0, 1):
            print(f"  {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else 'no message'}", flush=True)
    if names:
        print(f"\n{len(names)} named scenarios ({variants:.0f} variants, a process each): {total:.1f} s, "
              f"{variants / total:.2f} variants per second", flush=True)
    seconds, proc = _timed([sys.executable, "-c", _SPLIT, str(assembly)])
    if proc.returncode == 0:
        split = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"healthy in one process: {split['first']:.1f} s the first time (setup included), "
              f"{split['again']:.1f} s again: setup {split['first'] - split['again']:.1f} s", flush=True)
    else:
        ran = False
        print(f"healthy in one process failed: {proc.stderr.strip()[-400:]}", flush=True)
    if generate:
        seconds, proc = _timed([str(SEAWALL), "rehearse", str(assembly), "--generate", str(generate)])
        done = sum(1 for line in proc.stdout.splitlines() if line.startswith("{"))
        ran &= proc.returncode in (0, 1) and done == generate
        print(f"--generate {generate} in one process: {seconds:.1f} s, {done / seconds:.2f} scenarios per second",
              flush=True)
    return ran


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", action="append", choices=("fixture", "sample"),
                        help="which app (default: both)")
    parser.add_argument("--scenario", action="append", help="a named scenario (default: every one)")
    parser.add_argument("--generate", type=int, default=None,
                        help="generated scenarios in one process (default: 50 on the fixture, 3 on the sample)")
    parser.add_argument("--sample-assembly", type=Path, help="the sample app already synthesized")
    args = parser.parse_args(argv)
    if args.generate is not None and args.generate < 0:
        parser.error(f"--generate={args.generate} must not be negative")
    known = _names()
    unknown = sorted(set(args.scenario or ()) - set(known))
    if unknown:
        parser.error(f"--scenario {unknown} is not a named scenario; choose from {known}")
    names = args.scenario or known
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    ok = True
    for app in args.app or ("fixture", "sample"):
        assembly = _fixture() if app == "fixture" else _sample(args.sample_assembly)
        default = 50 if app == "fixture" else 3
        ok &= bench_app(app, assembly, names, default if args.generate is None else args.generate)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
