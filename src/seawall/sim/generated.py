"""Generated scenarios: ``seawall rehearse --generate N`` and ``--scenario gen:<SEED>``.

A seeded :class:`random.Random` (the standard library only, so it works after a
plain ``pip install cdk-seawall``) draws one :class:`Draw` per seed:

* **traffic** per target and function (:meth:`Run.load`) from one request an
  hour (:data:`MIN_LOAD`) to :data:`MAX_LOAD` requests a minute, constant or
  diurnal; every function alike, one function quiet, or each its own rate;
* **the new revision's health** (:meth:`Run.health`): healthy, clearly bad
  (crashes or handled errors), marginal, slow, or a slow burn that turns bad
  after serving for a while;
* **API faults** (:class:`~seawall.sim.botocore_bridge.Fault`): throttling,
  5xx, AccessDenied and timeouts with or without effect, on one operation the
  release machines call, at a moment after the push;
* **operator actions** at random moments: retry the failed stage (failed
  actions or all), stop and abandon, stop and wait, a manual rollback of a
  release stage;
* **a pipeline update** mid-stage and **a second revision** (``r2``) in flight;
* **every AWS unknown** (:data:`~seawall.sim.scenarios.UNKNOWN_PARAMETERS`).

The scenario for ``gen:<SEED>`` is :func:`scenario_for` ``(SEED)``: everything
comes from the seed alone.  :func:`seeds` derives the seeds of ``--generate N
--seed S`` from ``S``.

Each generated scenario states its expected outcome from what was drawn
(:func:`expectations`): a healthy change with enough traffic and nothing
disturbing it succeeds and ends on the new revision everywhere; a clearly bad
change with enough traffic never completes a step and never stays live; every
scenario ends with no alias split between versions.  Whatever else was drawn
is judged by the invariants I1-I12 alone.

Known findings.  :meth:`Draw.triggers` names the findings of issue 10 whose
trigger a draw contains (for example a retried stage, a quiet function, a fault
on a call of the shift); :func:`seeds` with ``avoid_findings=True`` keeps only
seeds whose draw contains none, and :func:`findings_hit` attributes a failed
rehearsal's violations to the drawn triggers.
"""

from __future__ import annotations

import functools
import json
import math
import os
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..model.rehearsal import Expectation, Rehearsal
from .botocore_bridge import FAULT_KINDS, Fault
from .scenarios import UNKNOWN_PARAMETERS, Run, Scenario, final_state, first_release_stage, pipeline_result
from .traffic import Health, Load
from .truth import Truth
from .world import NEW, NEXT

#: The prefix of a generated scenario's name: ``gen:<seed>``.
PREFIX = "gen:"
#: Seeds are whole numbers from 0 to this (what ``seawall rehearse --seed`` accepts).
MAX_SEED = 2**63 - 1

#: Traffic per function, requests per minute: one an hour to thousands a minute.
MIN_LOAD, MAX_LOAD = 1 / 60, 5000.0
#: Below this many requests a minute (at the diurnal trough) a function is quiet: its bake may lack data points
#: (findings 2 and 7).
QUIET = 2.0
#: At least this many requests a minute on every function (at the trough) is enough traffic for a clearly bad
#: version to be caught: a 10 % canary then serves >= 30 a minute, three times the fault-rate alarm's floor of
#: 10 invocations a minute (AlarmPolicy.min_invocations_for_fault_rate).
BUSY = 300.0
#: A crash or handled-error rate at or above this is clearly bad (20 times AlarmPolicy's 1 % fault rate).
CLEARLY_BAD = 0.2
#: When operator actions, faults, an update or a second push may happen: seconds after the push.
LATEST_MOMENT = 4 * 3600.0
#: The operations a fault may hit: what the release machines and hooks call (service, operation).
FAULT_TARGETS: tuple[tuple[str, str], ...] = (
    ("cloudwatch", "DescribeAlarms"), ("cloudwatch", "GetMetricStatistics"),
    ("codepipeline", "GetPipelineExecution"), ("cloudformation", "DescribeStacks"),
    ("lambda", "GetAlias"), ("lambda", "UpdateAlias"),
    ("codedeploy", "CreateDeployment"), ("codedeploy", "GetDeployment"), ("codedeploy", "ListDeployments"),
    ("codedeploy", "StopDeployment"), ("codedeploy", "PutLifecycleEventHookExecutionStatus"),
    ("codedeploy", "GetApplicationRevision"), ("sts", "AssumeRole"), ("stepfunctions", "DescribeExecution"),
)
#: Faults on these calls can fail a shift closed, which leaves its CodeDeploy deployment running (finding 4).
SHIFT_CALLS = frozenset({("lambda", "GetAlias"), ("lambda", "UpdateAlias"), ("codedeploy", "CreateDeployment"),
                         ("codedeploy", "GetDeployment"), ("codedeploy", "ListDeployments"),
                         ("codedeploy", "StopDeployment"), ("codedeploy", "PutLifecycleEventHookExecutionStatus"),
                         ("codedeploy", "GetApplicationRevision"), ("sts", "AssumeRole"),
                         ("cloudformation", "DescribeStacks"), ("codepipeline", "GetPipelineExecution")})
#: What a bake reads each turn: a fault here that outlasts the bake check's retries fails the bake closed, and a
#: bake that fails closed leaves the new version live until the stage's rollback (finding 13 below).
BAKE_READS = frozenset({("cloudwatch", "DescribeAlarms"), ("cloudwatch", "GetMetricStatistics"),
                        ("stepfunctions", "DescribeExecution")})
#: The bake check's attempts (the first and its retries) before a read fault fails it.
BAKE_ATTEMPTS = 5
#: Operator actions a draw may contain.
ACTIONS = ("retry-failed", "retry-all", "stop-abandon", "stop-wait", "rollback", "update-pipeline", "push-r2")
#: How the new revision behaves.
HEALTH_KINDS = ("healthy", "crashes", "handled-errors", "marginal", "slow", "slow-burn")
#: How traffic is spread over targets and functions.
LOAD_PROFILES = ("uniform", "one-quiet", "mixed")
#: The multipliers a "mixed" profile draws (one per target and function, cycled).
_MIXED = 16

#: The invariants and expectations through which each known finding (issue 10's list) shows; a generated
#: scenario's failure is attributed to a finding only if the draw contains its trigger and the failure shows
#: through one of these.
FINDING_SIGNS: dict[str, frozenset[str]] = {
    "1": frozenset({"I1", "I2", "I5", "I12", "bad-never-completes-a-step", "bad-not-live"}),
    "2": frozenset({"I1", "I12", "bad-never-completes-a-step", "bad-not-live"}),
    "3": frozenset({"I2", "I5", "bad-never-completes-a-step", "bad-not-live"}),
    "4": frozenset({"I1", "I2", "I3", "I5", "I9", "I12", "no-split-left", "bad-never-completes-a-step",
                    "bad-not-live"}),
    "6": frozenset({"I8"}),
    "7": frozenset({"I1", "I11", "I12", "bad-never-completes-a-step", "bad-not-live", "succeeded", "all-on-new"}),
    "8": frozenset({"I4", "I2", "I5"}),
    "9": frozenset({"I2", "I3", "I9", "no-split-left"}),
    "10": frozenset({"I1", "I3", "I5", "I9", "no-split-left", "bad-not-live"}),
    # found by the generator, after issue 10's list (docs/simulation.md, "Generated scenarios")
    "13": frozenset({"I3", "no-split-left"}),
}


@dataclass(frozen=True)
class FaultDraw:
    """One drawn API fault (moments in seconds after the push)."""

    kind: str
    service: str
    operation: str
    times: int
    skip: int
    start: float
    end: float
    applied: bool

    def fault(self) -> Fault:
        return Fault(self.kind, service=self.service, operation=self.operation, times=self.times, skip=self.skip,
                     start=self.start, end=self.end, applied=self.applied)


@dataclass(frozen=True)
class ActionDraw:
    """One drawn disturbance: an operator action, a pipeline update or a second push, `at` seconds after the push."""

    at: float
    kind: str


@dataclass(frozen=True)
class Draw:
    """Everything one seed drew; :func:`scenario_for` turns it into a :class:`Scenario`."""

    seed: int
    unknowns: tuple[tuple[str, str], ...]
    profile: str
    base_load: float
    quiet_load: float
    quiet_index: float
    multipliers: tuple[float, ...]
    diurnal: float
    health_kind: str
    health: Mapping[str, float]
    next_health: Mapping[str, float] = field(default_factory=dict)
    faults: tuple[FaultDraw, ...] = ()
    actions: tuple[ActionDraw, ...] = ()

    # ------------------------------------------------------------------ what the draw means

    def loads_for(self, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], float]:
        """Mean requests a minute of each (target, function) of the assembly (sorted pairs)."""
        ordered = sorted(pairs)
        out = {p: self.base_load for p in ordered}
        if self.profile == "one-quiet" and ordered:
            out[ordered[min(len(ordered) - 1, int(self.quiet_index * len(ordered)))]] = self.quiet_load
        elif self.profile == "mixed":
            cycle = self.multipliers
            out = {p: _clip(self.base_load * cycle[i % len(cycle)]) for i, p in enumerate(ordered)}
        return out

    def lowest_load(self) -> float:
        """The lowest rate any function can get (at the diurnal trough), whatever the assembly."""
        rates = {"uniform": [self.base_load], "one-quiet": [self.base_load, self.quiet_load],
                 "mixed": [_clip(self.base_load * m) for m in self.multipliers]}[self.profile]
        return min(rates) * (1 - self.diurnal)

    def new_health(self) -> Health:
        return Health(**self.health)

    def clearly_bad(self) -> bool:
        """The new revision fails >= :data:`CLEARLY_BAD` of its requests from (nearly) its first minute."""
        h = self.new_health()
        return max(h.error_rate, h.handled_error_rate) >= CLEARLY_BAD and h.after_seconds <= 300

    def healthy(self) -> bool:
        return self.health_kind == "healthy"

    def kinds(self) -> set[str]:
        return {a.kind for a in self.actions}

    def triggers(self) -> tuple[str, ...]:
        """The known findings (issue 10's numbers) whose trigger this draw contains."""
        found: set[str] = set()
        kinds = self.kinds()
        if kinds & {"retry-failed", "retry-all"}:
            found |= {"1", "3"}
        low = self.lowest_load()
        if low < QUIET:
            found |= {"2", "7"}
        if not self.healthy() and low < BUSY:
            found.add("7")
        if any((f.service, f.operation) in SHIFT_CALLS for f in self.faults) or "stop-abandon" in kinds:
            found.add("4")
        if "update-pipeline" in kinds:
            found |= {"4", "10"}
        # a version that is not clearly bad with enough traffic may reach production while bad: a gate there may
        # wait behind its alarm while the other gates' verdicts age (finding 6)
        reaches_production_bad = not self.healthy() and not (self.clearly_bad() and low >= BUSY)
        if reaches_production_bad:
            found.add("6")
        # a manual rollback, or a production step that fails and rolls back, under the literal reading of the
        # rollback's variables (finding 8)
        target_reading = dict(self.unknowns).get("rollback_variables") == "target"
        if "rollback" in kinds or (target_reading and (reaches_production_bad or self.faults or kinds)):
            found.add("8")
        if dict(self.unknowns).get("stop_seconds", "0") != "0" and not self.healthy():
            found.add("9")
        if "push-r2" in kinds:
            found.add("10")
        # found by this generator (not in issue 10's list): a bake failing closed on a read it cannot make leaves
        # the new version live (at 100 %) until the stage fails, after its other actions, and rolls back
        if any((f.service, f.operation) in BAKE_READS and f.times >= BAKE_ATTEMPTS for f in self.faults):
            found.add("13")
        return tuple(sorted(found, key=int))

    def disturbed(self) -> bool:
        return bool(self.faults or self.actions) or not self.healthy()

    def to_json(self) -> dict[str, Any]:
        """The draw as plain JSON (sorted keys, no float noise beyond what was drawn)."""
        data = asdict(self)
        data["unknowns"] = dict(self.unknowns)
        return data

    def describe(self) -> str:
        """One line: what was drawn."""
        h = self.new_health()
        health = {"healthy": "healthy", "crashes": f"crashes {h.error_rate:.0%}",
                  "handled-errors": f"handled errors {h.handled_error_rate:.0%}",
                  "marginal": f"marginal ({h.error_rate:.2%} crashes)", "slow": f"slow (p99 {h.p99_ms:.0f} ms)",
                  "slow-burn": f"slow burn: {max(h.error_rate, h.handled_error_rate):.0%} errors after "
                               f"{h.after_seconds:.0f}s"}[self.health_kind]
        parts = [f"{self.profile} traffic {_rate(self.base_load)}"
                 + (f", one function {_rate(self.quiet_load)}" if self.profile == "one-quiet" else "")
                 + (f", diurnal {self.diurnal:.0%}" if self.diurnal else ""), f"new revision {health}"]
        parts += [f"{f.kind}{' (applied)' if f.applied else ''} x{f.times} on {f.service} {f.operation} "
                  f"from +{f.start:.0f}s" for f in self.faults]
        parts += [f"{a.kind} at +{a.at:.0f}s" for a in self.actions]
        parts.append(" ".join(f"{k}={v}" for k, v in self.unknowns))
        return "; ".join(parts)


def _clip(rate: float) -> float:
    return min(MAX_LOAD, max(MIN_LOAD, rate))


def _rate(per_minute: float) -> str:
    return f"{per_minute:.0f}/min" if per_minute >= 1 else f"{per_minute * 60:.1f}/h"


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return float(math.exp(rng.uniform(math.log(low), math.log(high))))


def _health(rng: random.Random, kind: str) -> dict[str, float]:
    if kind == "healthy":
        return {}
    if kind == "crashes":
        return {"error_rate": round(rng.uniform(CLEARLY_BAD, 1.0), 3)}
    if kind == "handled-errors":
        return {"handled_error_rate": round(rng.uniform(CLEARLY_BAD, 1.0), 3)}
    if kind == "marginal":
        return {"error_rate": round(rng.uniform(0.001, 0.05), 4)}
    if kind == "slow":
        p50 = round(rng.uniform(20, 2000), 1)
        return {"p50_ms": p50, "p99_ms": round(p50 * rng.uniform(1.5, 10), 1)}
    return {"error_rate": round(rng.uniform(CLEARLY_BAD, 1.0), 3), "after_seconds": float(rng.randrange(60, 4 * 3600))}


def draw(seed: int) -> Draw:
    """Everything scenario ``gen:<seed>`` does, drawn from `seed` alone."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed={seed!r} must be a whole number from 0 to {MAX_SEED}")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed={seed} must be from 0 to {MAX_SEED} (as seawall rehearse --generate prints it)")
    rng = random.Random(seed)
    unknowns = tuple((k, rng.choice(UNKNOWN_PARAMETERS[k])) for k in sorted(UNKNOWN_PARAMETERS))
    profile = rng.choice(LOAD_PROFILES)
    base = round(_log_uniform(rng, MIN_LOAD, MAX_LOAD), 4)
    quiet = round(_log_uniform(rng, MIN_LOAD, QUIET), 4)
    quiet_index = rng.random()
    multipliers = tuple(round(_log_uniform(rng, 1 / 30, 3.0), 4) for _ in range(_MIXED))
    diurnal = 0.0 if rng.random() < 0.5 else round(rng.uniform(0.0, 0.8), 3)
    kind = rng.choices(HEALTH_KINDS, weights=(5, 2, 1, 1, 1, 1))[0]
    health = _health(rng, kind)
    faults: list[FaultDraw] = []
    for _ in range(rng.choices((0, 1, 2), weights=(3, 2, 1))[0]):
        service, operation = rng.choice(FAULT_TARGETS)
        fault_kind = rng.choice(sorted(FAULT_KINDS))
        start = float(rng.randrange(0, int(LATEST_MOMENT)))
        faults.append(FaultDraw(fault_kind, service, operation, times=rng.choice((1, 2, 5, 50)),
                                skip=rng.randrange(0, 4), start=start, end=start + rng.choice((600.0, 3600.0, 86400.0)),
                                applied=fault_kind == "timeout" and rng.random() < 0.5))
    actions = [ActionDraw(float(rng.randrange(60, int(LATEST_MOMENT))), rng.choice(ACTIONS))
               for _ in range(rng.choices((0, 1, 2), weights=(3, 2, 1))[0])]
    actions.sort(key=lambda a: (a.at, a.kind))
    next_health = _health(rng, rng.choices(("healthy", "crashes"), weights=(3, 1))[0]) \
        if any(a.kind == "push-r2" for a in actions) else {}
    return Draw(seed, unknowns, profile, base, quiet, quiet_index, multipliers, diurnal, kind, health, next_health,
                tuple(faults), tuple(actions))


# ---------------------------------------------------------------------------------------------- the scenario


def _prepare(d: Draw, run: Run) -> None:
    pairs = sorted({(rel.target, rel.logical_id) for rel in run.world.released.values()})
    for (target, function), rate in sorted(d.loads_for(pairs).items()):
        run.load(rate, target=target, function=function)
    if d.diurnal:
        run.world.traffic.loads = {k: Load(v.per_minute, diurnal=d.diurnal)
                                   for k, v in sorted(run.world.traffic.loads.items())}
    if d.health:
        run.health(NEW, **d.health)
    if d.next_health:
        run.health(NEXT, **d.next_health)
    for f in d.faults:
        run.fault(f.fault())
    stages = _release_stages(run)
    for a in d.actions:
        if a.kind in ("retry-failed", "retry-all"):
            run.retry_stage(a.at, "FAILED_ACTIONS" if a.kind == "retry-failed" else "ALL_ACTIONS")
        elif a.kind in ("stop-abandon", "stop-wait"):
            run.stop(a.at, abandon=a.kind == "stop-abandon")
        elif a.kind == "rollback":
            run.roll_back(a.at, stages[int(a.at) % len(stages)])
        elif a.kind == "update-pipeline":
            run.update_pipeline(a.at)
        else:
            run.push_revision(a.at, NEXT)


def _release_stages(run: Run) -> list[str]:
    first = first_release_stage(run)
    names = [str(s["Name"]) for s in run.pipeline.definition["Stages"]]
    return names[names.index(first):]


def expectations(d: Draw, run: Run, truth: Truth) -> dict[str, Expectation]:
    """The expected outcome of a generated scenario, from what was drawn (see the module's docstring)."""
    out = {"no-split-left": _no_split(truth)}
    pairs = sorted({(rel.target, rel.logical_id) for rel in truth.world.released.values()})
    lowest = min(d.loads_for(pairs).values(), default=0.0) * (1 - d.diurnal)
    if d.healthy() and not d.disturbed() and lowest >= QUIET:
        out["succeeded"] = pipeline_result(truth, run, "Succeeded")
        out["all-on-new"] = final_state(truth, NEW)
    if d.clearly_bad() and lowest >= BUSY:
        out["bad-never-completes-a-step"] = _never_completes(truth, run, NEW)
        out["bad-not-live"] = _not_live(truth, NEW)
    return out


def _no_split(truth: Truth) -> Expectation:
    split = [f"{rel.target} {rel.logical_id} {routing}" for _, rel in sorted(truth.world.released.items())
             if (routing := truth.alias_at(rel, truth.world.clock.seconds)[1])]
    return Expectation(not split, "aliases still split at the end: " + "; ".join(split) if split else
                       "no alias ends split between versions")


def _never_completes(truth: Truth, run: Run, revision: str) -> Expectation:
    done = sorted({r.stage for r in truth.stage_runs() if r.started >= run.push_at and r.status == "Succeeded"
                   and truth.execution(r.execution_id).revision == revision
                   and any(s.stage == r.stage for s in truth.steps)})
    served = sum(m.requests for m in truth.world.served if m.revision == revision and m.minute * 60 >= run.push_at)
    if done:
        return Expectation(False, f"the bad revision {revision} completed release steps {done}")
    return Expectation(True, f"the bad revision {revision} served {served} requests and completed no release step")


def _not_live(truth: Truth, revision: str) -> Expectation:
    live = [f"{rel.target} {rel.logical_id}" for _, rel in sorted(truth.world.released.items())
            if truth.revision(rel, truth.alias_at(rel, truth.world.clock.seconds)[0]) == revision]
    return Expectation(not live, f"the bad revision {revision} is still live on {', '.join(live)}" if live else
                       f"no alias ends on the bad revision {revision}")


def scenario_for(seed: int) -> Scenario:
    """The generated scenario ``gen:<seed>`` (everything from the seed alone)."""
    d = draw(seed)
    parameters = {**{k: (v,) for k, v in d.unknowns}, "draw": (json.dumps(d.to_json(), sort_keys=True,
                                                                          separators=(",", ":")),)}
    return Scenario(f"{PREFIX}{seed}", d.describe(), lambda run, truth: expectations(d, run, truth),
                    prepare=lambda run: _prepare(d, run), parameters=parameters)


def seed_of(name: str) -> int | None:
    """The seed of a generated scenario's name (``gen:<seed>``), or None for any other name."""
    if not name.startswith(PREFIX):
        return None
    text = name[len(PREFIX):]
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_SEED:
        raise ValueError(f"scenario={name!r}: a generated scenario is {PREFIX}SEED with SEED a whole number from 0 "
                         f"to {MAX_SEED}")
    return int(text)


def seeds(seed: int, count: int, *, avoid_findings: bool = False) -> Iterator[int]:
    """The seeds of ``--generate count --seed seed``: drawn from `seed`; with `avoid_findings`, only seeds whose
    draw contains no trigger of a known finding (:meth:`Draw.triggers`)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"count={count!r} must be a whole number >= 0")
    rng = random.Random(draw(seed).seed)  # validates `seed`
    made = 0
    while made < count:
        s = rng.getrandbits(63)
        if avoid_findings and draw(s).triggers():
            continue
        made += 1
        yield s


def findings_hit(rehearsal: Rehearsal) -> dict[str, list[str]]:
    """Each failed invariant or expectation of a generated rehearsal, attributed to the drawn triggers it can show
    (``{"<finding>": [names]}``); a failure no drawn trigger explains is under ``"unexplained"``."""
    seed = seed_of(rehearsal.scenario)
    triggers = draw(seed).triggers() if seed is not None else ()
    failed = [k for k, v in rehearsal.invariants.items() if not v.held]
    failed += [k for k, v in rehearsal.expectations.items() if not v.held]
    out: dict[str, list[str]] = {}
    for name in failed:
        owners = [f for f in triggers if name in FINDING_SIGNS.get(f, frozenset())]
        for owner in owners or ["unexplained"]:
            out.setdefault(owner, []).append(name)
    return out


def generate(assembly: str | Path, *, pipeline: str | None, count: int, seed: int, start: datetime,
             avoid_findings: bool = False) -> Iterator[Rehearsal]:
    """`count` generated scenarios from `seed`, each rehearsal named ``gen:<its seed>`` and carrying that seed."""
    from .rehearse import in_children, jobs, prepare, rehearse

    def one(s: int) -> Rehearsal:
        return rehearse(assembly, pipeline=pipeline, scenario=f"{PREFIX}{s}", seed=s, start=start)

    n = jobs()
    if n == 1:
        yield from map(one, seeds(seed, count, avoid_findings=avoid_findings))
        return

    def in_child(s: int) -> Rehearsal:  # the children already fill the CPUs: each runs its variants one at a time
        os.environ["SEAWALL_SIM_JOBS"] = "1"
        return one(s)

    def works() -> Iterator[Callable[[], Rehearsal]]:
        for s in seeds(seed, count, avoid_findings=avoid_findings):
            prepare(assembly, pipeline=pipeline, scenario=f"{PREFIX}{s}", start=start)  # shared by the children
            yield functools.partial(in_child, s)

    yield from in_children(works(), n)


def replay_command(assembly: str | Path, seed: int) -> str:
    """The command that replays generated scenario `seed`."""
    return f"seawall rehearse {assembly} --scenario {PREFIX}{seed}"


__all__ = ["ACTIONS", "BUSY", "CLEARLY_BAD", "FAULT_TARGETS", "FINDING_SIGNS", "MAX_LOAD", "MIN_LOAD", "PREFIX",
           "QUIET", "Draw", "draw", "expectations", "findings_hit", "generate", "replay_command", "scenario_for",
           "seed_of", "seeds"]
