"""The main generated-scenario run, shared by the test modules that split it (so xdist spreads the parts)."""

from __future__ import annotations

from pathlib import Path

from seawall.model.rehearsal import Rehearsal
from seawall.sim.generated import replay_command, seed_of, seeds
from seawall.sim.rehearse import rehearse

#: The main tests' seeds: ``--generate 200 --seed 10`` with the findings' triggers avoided.
MAIN_SEED, MAIN_COUNT, PARTS = 10, 200, 4


def violations(assembly: Path, result: Rehearsal) -> list[str]:
    seed = seed_of(result.scenario)
    assert seed is not None
    failed = {**{k: v.detail for k, v in result.invariants.items() if not v.held},
              **{k: v.detail for k, v in result.expectations.items() if not v.held}}
    return [f"{replay_command(assembly, seed)}: {name}: {detail[:400]}" for name, detail in sorted(failed.items())]


def run_part(assembly: Path, part: int) -> None:
    """Rehearse every PARTS-th seed of the main selection, from `part`; fail listing each violation's replay."""
    chosen = list(seeds(MAIN_SEED, MAIN_COUNT, avoid_findings=True))[part::PARTS]
    problems: list[str] = []
    for seed in chosen:
        result = rehearse(assembly, scenario=f"gen:{seed}")
        assert result.seed == seed and result.scenario == f"gen:{seed}"
        problems += violations(assembly, result)
    assert not problems, f"{len(problems)} violations in {len(chosen)} generated scenarios:\n" + "\n".join(problems)
