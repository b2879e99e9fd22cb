"""``make soak``: synthesize the sample app and run generated scenarios on it (``SOAK=N``, default 2,000).

Prints the scenarios per second and, for each scenario that failed, every violated invariant or unmet
expectation with its replay command (``seawall rehearse <assembly> --scenario gen:<seed>``).  Exit 1 when any
scenario failed.  ``--avoid-findings`` keeps to seeds whose draw contains no trigger of a known finding.

    .venv/bin/python bench/soak.py [--count N] [--seed S] [--avoid-findings] [--assembly DIR]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "sample_service"
CDK = ROOT / "node_modules" / ".bin" / "cdk"


def synth(outdir: Path) -> Path:
    """`cdk synth` of the sample app with the pinned CLI, as users run it (tests/examples/conftest.py)."""
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CDK_DISABLE_VERSION_CHECK": "1"}
    if not CDK.exists():
        sys.exit("the pinned CDK CLI is not installed: run `make install` (npm ci)")
    proc = subprocess.run([str(CDK), "synth", "--quiet", "--output", str(outdir)], cwd=SAMPLE, env=env,
                          capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        sys.exit(f"cdk synth of {SAMPLE} failed:\n{proc.stdout[-4000:]}{proc.stderr[-4000:]}")
    return outdir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=int(os.environ.get("SOAK", "2000")))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--avoid-findings", action="store_true")
    parser.add_argument("--assembly", type=Path, help="an assembly already synthesized (default: synthesize the "
                                                      "sample app into .cache/soak/cdk.out)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error(f"--count={args.count} must be at least 1")
    from seawall.sim import START, generate, replay_command, seed_of

    assembly = args.assembly or synth(ROOT / ".cache" / "soak" / "cdk.out")
    started = time.monotonic()
    failed = done = 0
    for rehearsal in generate(assembly, pipeline=None, count=args.count, seed=args.seed, start=START,
                              avoid_findings=args.avoid_findings):
        done += 1
        if not rehearsal.ok:
            failed += 1
            seed = seed_of(rehearsal.scenario)
            for name, verdict in {**rehearsal.invariants, **rehearsal.expectations}.items():
                if not verdict.held:
                    print(f"{replay_command(assembly, seed or 0)}: {name}: {verdict.detail[:300]}", flush=True)
        if done % 50 == 0:
            print(f"... {done} scenarios, {done / (time.monotonic() - started):.2f}/s", file=sys.stderr, flush=True)
    elapsed = time.monotonic() - started
    print(f"{done} generated scenarios in {elapsed:.0f}s: {done / elapsed:.2f} scenarios per second; "
          f"{failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
