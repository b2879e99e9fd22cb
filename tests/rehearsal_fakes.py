"""Hand-built rehearsals and a fake simulation engine, for testing ``seawall rehearse`` and its renderers.

:class:`FakeRunner` stands in for ``seawall.sim.rehearse.RUNNER`` behind the
CLI's seam (``seawall.cli.rehearse.RUNNER``); it records how it was called and
answers with the rehearsals below.  ``python -m tests.rehearsal_fakes ARGS``
runs ``seawall`` with the fake engine, for subprocess tests.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from seawall.model.rehearsal import (
    INVARIANTS,
    AliasState,
    Event,
    Expectation,
    Rehearsal,
    ScenarioInfo,
    StageResult,
    Variant,
    Verdict,
)

START = datetime(2027, 3, 2, 8, 0, tzinfo=UTC)

SCENARIOS = [
    ScenarioInfo("shift-fails-closed", "a shift that fails closed stops its CodeDeploy deployment",
                 {"trigger": ["api-error", "sfn-timeout", "sfn-abort", "stop-and-abandon"]}),
    ScenarioInfo("healthy", "a good version goes everywhere on time"),
    ScenarioInfo("bad-version-one-box", "a bad version is reverted at the one-box\nand goes no further"),
]


def held(exercised: int = 3) -> dict[str, Verdict]:
    return {n: Verdict(held=True, exercised=exercised, detail=f"{n} checked {exercised} times") for n in INVARIANTS}


def healthy(seed: int = 0, start: datetime = START) -> Rehearsal:
    """Two targets, one function each, the new revision everywhere, every invariant held."""
    events = [
        Event(0, "pipeline", "", "execution e-1 started (revision r2)"),
        Event(12, "deploy", "eu-west-1-cell-1", "stack Svc-eu-west-1 UPDATE_COMPLETE"),
        Event(30, "traffic", "eu-west-1-cell-1", "api: version 7 at 90%, version 8 at 10%"),
        Event(630, "traffic", "eu-west-1-cell-1", "api: version 8 at 100%"),
        Event(630, "bake", "eu-west-1-cell-1", "bake started (1 h, 100 data points)"),
        Event(4230, "bake", "eu-west-1-cell-1", "bake passed"),
        Event(4300, "stage", "", "stage wave-1 Succeeded"),
        Event(90_061, "traffic", "us-east-1-cell-1", "api: version 8 at 100%"),
    ]
    return Rehearsal(
        scenario="healthy", seed=seed, start=start, parameters={},
        variants=[Variant(parameters={}, invariants=held(),
                          expectations={"everywhere-on-new-revision": Expectation(True, "2 aliases on r2")})],
        targets={"us-east-1-cell-1": {"api": AliasState("8", "r2")},
                 "eu-west-1-cell-1": {"worker": AliasState("4", "r2"), "api": AliasState("8", "r2")}},
        stages=[StageResult("wave-1", "e-1", "STANDARD", "Succeeded")],
        events=events)


def violated(seed: int = 0) -> Rehearsal:
    """Two variants of ``shift-fails-closed``: the second violates I3 and misses its expectation."""
    good = Variant(parameters={"trigger": "api-error"}, invariants=held(),
                   expectations={"deployment-stopped": Expectation(True, "stopped at +00:12:00")})
    bad_invariants = held() | {"I3": Verdict(held=False, exercised=2,
                                             detail="+01:00:00 eu-west-1-cell-1: deployment d-9 still active")}
    bad = Variant(parameters={"trigger": "sfn-timeout"}, invariants=bad_invariants,
                  expectations={"deployment-stopped": Expectation(False, "d-9 ran to 100%")})
    return Rehearsal(
        scenario="shift-fails-closed", seed=seed, start=START, parameters={"trigger": ["api-error", "sfn-timeout"]},
        variants=[good, bad],
        targets={"eu-west-1-cell-1": {"api": AliasState("7", "r1", {"8": 0.1})}},
        stages=[StageResult("wave-1", "e-1", "STANDARD", "Failed"),
                StageResult("wave-1", "e-1", "ROLLBACK", "Succeeded")],
        events=[Event(720, "revert", "eu-west-1-cell-1", "api back to version 7"),
                Event(30, "fault", "eu-west-1-cell-1", "UpdateAlias: Throttling"),
                Event(3600, "violation", "eu-west-1-cell-1", "I3: deployment d-9 still active")])


def unmet_only() -> Rehearsal:
    """Every invariant held, one expectation unmet."""
    r = healthy()
    return replace(r, variants=[replace(r.variants[0], expectations={
        "bad-version-served": Expectation(False, "version 8 served 0 requests")})])


@dataclass
class FakeRunner:
    """The engine's interface with canned answers; `calls` records (method, arguments)."""

    pipelines_: list[str] = field(default_factory=lambda: ["svc-pipeline"])
    scenarios_: list[ScenarioInfo] = field(default_factory=lambda: list(SCENARIOS))
    rehearsal: Rehearsal | None = None
    raises: BaseException | None = None
    #: ``generate`` makes its last rehearsal a failing one.
    fail_last: bool = False
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def pipelines(self, assembly: Path) -> list[str]:
        from seawall.sim.assembly import AssemblyError

        self.calls.append(("pipelines", {"assembly": assembly}))
        if not (assembly / "manifest.json").is_file():
            raise AssemblyError(f"{assembly} is not a cloud assembly (it has no manifest.json): run `cdk synth` "
                                f"first, or name the assembly directory")
        return list(self.pipelines_)

    def scenarios(self) -> list[ScenarioInfo]:
        self.calls.append(("scenarios", {}))
        return list(self.scenarios_)

    def run(self, assembly: Path, *, pipeline: str, scenario: str, seed: int, start: datetime,
            params: dict[str, str]) -> Rehearsal:
        self.calls.append(("run", {"assembly": assembly, "pipeline": pipeline, "scenario": scenario, "seed": seed,
                                   "start": start, "params": params}))
        if self.raises is not None:
            raise self.raises
        return self.rehearsal if self.rehearsal is not None else healthy(seed, start)

    def generate(self, assembly: Path, *, pipeline: str, count: int, seed: int,
                 start: datetime) -> Iterator[Rehearsal]:
        self.calls.append(("generate", {"assembly": assembly, "pipeline": pipeline, "count": count, "seed": seed,
                                        "start": start}))
        for i in range(count):
            if self.raises is not None and i == 1:
                raise self.raises
            r = violated(seed + i) if self.fail_last and i == count - 1 else healthy(seed + i, start)
            yield replace(r, scenario=f"gen:{seed + i}")


if __name__ == "__main__":
    from seawall.cli import main, rehearse

    rehearse.RUNNER = FakeRunner()
    sys.exit(main(["rehearse", *sys.argv[1:]]))
