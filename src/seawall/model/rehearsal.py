"""What a rehearsal found: pure data that ``seawall.sim`` produces and ``seawall.report`` and the CLI render.

A rehearsal runs one scenario against a synthesized assembly in the
simulation, once per combination of the scenario's parameters (a *variant*),
and checks the safety contract's invariants I1-I12 from the simulation's
ground truth plus the scenario's own expectations.  :meth:`Rehearsal.to_json`
is the ``seawall rehearse --json`` document (schema 1): no wall-clock time and
no absolute path, so two runs with the same arguments print the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: The safety contract's invariants, in order (DESIGN.md, "The safety contract").
INVARIANTS: tuple[str, ...] = tuple(f"I{n}" for n in range(1, 13))

#: What a timeline event can be.
EVENT_KINDS: frozenset[str] = frozenset({
    "pipeline",    # a pipeline execution started, ended, was superseded, stopped or updated
    "stage",       # a stage execution started or ended (with its result)
    "action",      # a pipeline action started or ended
    "deploy",      # a CloudFormation stack operation on a target
    "deployment",  # a CodeDeploy deployment changed status (created, stopped, rolled back)
    "traffic",     # an alias's version or routing weights changed
    "alarm",       # an alarm changed state
    "gate",        # a gate decided (open, wait, closed)
    "bake",        # a bake started, passed or failed
    "revert",      # a bake or shift moved an alias back
    "operator",    # a scenario's operator action (retry, stop, rollback, override)
    "fault",       # an injected API fault fired
    "violation",   # an invariant or expectation did not hold
})

#: Exit status of ``seawall rehearse``.
EXIT_OK, EXIT_VIOLATION, EXIT_USAGE, EXIT_UNMODELLED = 0, 1, 2, 3


@dataclass(frozen=True)
class Verdict:
    """One invariant in one variant (or aggregated): whether it held, how often it was exercised, and why."""

    held: bool
    exercised: int
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"held": self.held, "exercised": self.exercised, "detail": self.detail}


@dataclass(frozen=True)
class Expectation:
    """One of the scenario's stated expected outcomes: whether it was met, and the evidence."""

    held: bool
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"held": self.held, "detail": self.detail}


@dataclass(frozen=True)
class Event:
    """One moment of the timeline: seconds since the scenario's start, a kind (:data:`EVENT_KINDS`), where, what."""

    at: int
    kind: str
    target: str
    detail: str

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"Event(kind={self.kind!r}) must be one of {sorted(EVENT_KINDS)}")

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "kind": self.kind, "target": self.target, "detail": self.detail}


@dataclass(frozen=True)
class AliasState:
    """Where an alias ended: its version, which revision's code that version holds, and its routing weights."""

    version: str
    revision: str
    routing: Mapping[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "revision": self.revision,
                "routing": {k: self.routing[k] for k in sorted(self.routing)}}


@dataclass(frozen=True)
class StageResult:
    """One attempt of one stage execution of the service pipeline: ``type`` STANDARD or ROLLBACK, ``result`` as
    CodePipeline says, ``attempt`` 1 for the first run and one more for each retry of the stage."""

    name: str
    execution: str
    type: str
    result: str
    attempt: int = 1

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "execution": self.execution, "type": self.type, "result": self.result,
                "attempt": self.attempt}


@dataclass(frozen=True)
class Variant:
    """One run of the scenario: its parameter values and what held."""

    parameters: Mapping[str, str]
    invariants: Mapping[str, Verdict]
    expectations: Mapping[str, Expectation]

    @property
    def ok(self) -> bool:
        return all(v.held for v in self.invariants.values()) and all(e.held for e in self.expectations.values())

    def to_json(self) -> dict[str, Any]:
        return {"parameters": {k: self.parameters[k] for k in sorted(self.parameters)},
                "invariants": {k: self.invariants[k].to_json() for k in INVARIANTS if k in self.invariants},
                "expectations": {k: self.expectations[k].to_json() for k in sorted(self.expectations)}}


@dataclass(frozen=True)
class ScenarioInfo:
    """A named scenario as ``seawall rehearse --list`` shows it."""

    name: str
    description: str
    parameters: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description,
                "parameters": {k: list(self.parameters[k]) for k in sorted(self.parameters)}}


@dataclass(frozen=True)
class Rehearsal:
    """Everything one ``seawall rehearse --scenario`` found.

    ``targets``, ``stages`` and ``events`` describe the first variant (the one
    the timeline draws); ``variants`` holds every variant's verdicts, and
    :attr:`invariants` / :attr:`expectations` aggregate over all of them.
    """

    scenario: str
    seed: int
    start: datetime
    parameters: Mapping[str, Sequence[str]]
    variants: Sequence[Variant]
    targets: Mapping[str, Mapping[str, AliasState]]
    stages: Sequence[StageResult]
    events: Sequence[Event]

    @property
    def invariants(self) -> dict[str, Verdict]:
        out: dict[str, Verdict] = {}
        for name in INVARIANTS:
            verdicts = [v.invariants[name] for v in self.variants if name in v.invariants]
            failed = [d.detail for d in verdicts if not d.held]
            out[name] = Verdict(held=not failed and bool(verdicts), exercised=sum(d.exercised for d in verdicts),
                                detail="; ".join(failed) if failed else (verdicts[0].detail if verdicts else
                                                                          "not checked"))
        return out

    @property
    def expectations(self) -> dict[str, Expectation]:
        names = sorted({n for v in self.variants for n in v.expectations})
        out: dict[str, Expectation] = {}
        for name in names:
            results = [v.expectations[name] for v in self.variants if name in v.expectations]
            failed = [r.detail for r in results if not r.held]
            out[name] = Expectation(held=not failed, detail="; ".join(failed) if failed else results[0].detail)
        return out

    @property
    def ok(self) -> bool:
        """Every invariant held and every expectation was met, in every variant."""
        return bool(self.variants) and all(v.ok for v in self.variants)

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document, schema 1."""
        return {
            "schema": 1,
            "scenario": self.scenario,
            "seed": self.seed,
            "start": self.start.isoformat(),
            "parameters": {k: list(self.parameters[k]) for k in sorted(self.parameters)},
            "invariants": {k: v.to_json() for k, v in self.invariants.items()},
            "expectations": {k: v.to_json() for k, v in self.expectations.items()},
            "targets": {t: {f: self.targets[t][f].to_json() for f in sorted(self.targets[t])}
                        for t in sorted(self.targets)},
            "stages": [s.to_json() for s in self.stages],
            "events": [e.to_json() for e in self.events],
            "variants": [v.to_json() for v in self.variants],
        }
