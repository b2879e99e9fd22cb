"""``python -m seawall.demo`` (what ``make demo`` runs): the sample service, end to end, locally.

The demo is a list of :data:`PHASES`, run in order; each phase is a title and
a function taking the :class:`DemoContext` and returning an exit code.  Add a
phase (say, "synthesize with the CDK CLI" or "seawall check") by writing its
function and inserting it into the list.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .cli import main as seawall


@dataclass(frozen=True)
class DemoContext:
    """Where things are: the repository root and the sample service folder."""

    root: Path

    @property
    def sample(self) -> Path:
        return self.root / "examples" / "sample_service"

    @property
    def policy(self) -> Path:
        return self.sample / "policy.py"

    @property
    def rollout_html(self) -> Path:
        return self.sample / "rollout.html"


@dataclass(frozen=True)
class Phase:
    title: str
    run: Callable[[DemoContext], int]


def find_root() -> Path:
    """The checkout: the current directory if it holds the examples, else the one above ``src/``."""
    for candidate in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if (candidate / "examples" / "sample_service" / "policy.py").is_file():
            return candidate
    raise FileNotFoundError("examples/sample_service/policy.py not found; run the demo from the repository root")


def plan_phase(ctx: DemoContext) -> int:
    """``seawall plan`` on the sample team's policy, starting now; writes the timeline page."""
    rel = ctx.rollout_html.relative_to(ctx.root) if ctx.rollout_html.is_relative_to(ctx.root) else ctx.rollout_html
    code = seawall(["plan", "--plan", f"{ctx.policy}:TEAM", "--html", str(ctx.rollout_html)])
    if code == 0:
        print(f"\nTimeline: open {rel} in a browser.")
    return code


def synth_phase(ctx: DemoContext) -> int:
    """``cdk synth`` of the sample app with the pinned CDK CLI (cdk.json's context, cdk-nag attached)."""
    cdk = ctx.root / "node_modules" / ".bin" / "cdk"
    if not cdk.exists():
        print(f"{cdk} not found: run `make install` (npm ci) first", file=sys.stderr)
        return 2
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CDK_DISABLE_VERSION_CHECK": "1"}
    print(f"$ cd {ctx.sample.relative_to(ctx.root)} && cdk synth --quiet", flush=True)
    proc = subprocess.run([str(cdk), "synth", "--quiet"], cwd=ctx.sample, env=env, stdout=subprocess.PIPE,
                          text=True)
    # With several stacks, `cdk synth` ends by asking which template to print; the demo wants none.
    print("".join(line for line in proc.stdout.splitlines(keepends=True) if not line.startswith("Supply a stack id")),
          end="")
    code = proc.returncode
    if code == 0:
        print("cloud assembly in examples/sample_service/cdk.out (cdk-nag AwsSolutions: no unsuppressed finding)")
    return code


def check_phase(ctx: DemoContext) -> int:
    """``seawall check`` on the synthesized cloud assembly, against the sample team's plan."""
    return seawall(["check", str(ctx.sample / "cdk.out"), "--plan", f"{ctx.policy}:TEAM"])


#: The demo, in order.
PHASES: list[Phase] = [
    Phase("Synthesize the sample app with the pinned CDK CLI", synth_phase),
    Phase("Check: is the synthesized app deployed safely?", check_phase),
    Phase("Plan: if the sample service merges now, when is it everywhere?", plan_phase),
]


def main(argv: Sequence[str] | None = None) -> int:
    ctx = DemoContext(root=find_root())
    for i, phase in enumerate(PHASES, start=1):
        print(f"\n== {i}/{len(PHASES)} {phase.title}\n", flush=True)
        code = phase.run(ctx)
        if code:
            print(f"\ndemo stopped: phase {i} ({phase.title}) exited with {code}", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
