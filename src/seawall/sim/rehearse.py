"""The rehearsal engine behind ``seawall rehearse``: build the world, run a scenario, judge it.

For each variant of a scenario: a fresh :class:`~seawall.sim.world.World`
deploys the assembly's support stacks and every foundation pipeline, then
(unless the scenario is a first deploy) the service pipeline with the previous
revision, which rolls out through the real release machines -- "the world
before the change".  At the scenario's start the change is pushed; the world
runs until the service pipeline is idle and every release execution it started
has ended (or a horizon passes), and the invariants and expectations are
judged from the ground truth.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import os
import pickle
import signal
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from ..model.rehearsal import AliasState, Event, Rehearsal, ScenarioInfo, StageResult, Variant
from ..model.window import TimeWindow
from .assembly import Assembly, choose_service_pipeline
from .clock import START
from .generated import scenario_for, seed_of
from .invariants import Facts, check_all
from .scenarios import SCENARIOS, Run, Scenario, unknowns_of
from .truth import Truth
from .world import NEW, World

#: How long before the scenario's start the world begins its setup (the previous revision's rollout).
SETUP_LEAD = 7 * 86400.0
#: Traffic resumes this long before the start after an idle setup, so that every alarm has data again.
WARMUP = 1800.0
#: How long after the push a scenario may run at most.
HORIZON = 10 * 86400.0
#: After the pipeline is idle, how long the world keeps running so that what a release execution left behind
#: (a deployment still shifting, an execution still running) is seen.
SETTLE = 1800.0


T = TypeVar("T")


class SetupFailed(RuntimeError):
    """The world before the change could not be built (the message says which pipeline and why)."""


@dataclass
class Outcome:
    """One variant's result, plus what the first variant's timeline draws."""

    variant: Variant
    events: list[Event]
    targets: dict[str, dict[str, AliasState]]
    stages: list[StageResult]


def _run_foundations(world: World) -> None:
    world.deploy_top_level(kinds=("support", "foundation"))
    for pipeline in world.assembly.foundation_pipelines():
        world.run_until_idle(pipeline, limit=2 * 86400)
        runs = [e for e in world.codepipeline.executions if e.pipeline == pipeline.name]
        if not runs or runs[-1].status != "Succeeded":
            raise SetupFailed(f"the foundation pipeline {pipeline.name} did not deploy: "
                              f"{runs[-1].summary if runs else 'it never ran'}")


@contextlib.contextmanager
def _collecting_less() -> Iterator[None]:
    """Python's cyclic garbage collector, run less often while a world runs: a world allocates millions of small
    objects that live as long as it does, and the default thresholds scan them again and again (a quarter of a
    rehearsal's time on the fixture).  Reference counting still frees everything that forms no cycle."""
    old = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _set_up(assembly: Assembly, pipeline: str, start: datetime, first_deploy: bool) -> World:
    """The world just before the change is pushed (for a first deploy: just before the service pipeline exists)."""
    with _collecting_less():
        return _build(assembly, pipeline, start, first_deploy)


def _build(assembly: Assembly, pipeline: str, start: datetime, first_deploy: bool) -> World:
    world = World(assembly, seed=0, start=start, setup_lead=0.0 if first_deploy else SETUP_LEAD)
    _run_foundations(world)
    if first_deploy:
        return world
    artifact = world.pipeline(pipeline)
    world.deploy_top_level(kinds=("service",))
    world.run_until_idle(artifact, limit=SETUP_LEAD)
    runs = [e for e in world.codepipeline.executions if e.pipeline == pipeline]
    if not runs or runs[-1].status != "Succeeded":
        raise SetupFailed(f"the previous revision's rollout through {pipeline} did not succeed: "
                          f"{runs[-1].summary if runs else 'it never ran'}")
    if world.clock.seconds < world.setup_lead - 2 * WARMUP:
        # the previous revision is live and baked; nothing happens until the start but traffic, so skip it:
        # without requests the alarms sleep and the days pass in a few events
        world.traffic_paused = True
        world.scheduler.run(until=world.setup_lead - WARMUP)
        world.traffic_paused = False
    world.scheduler.run(until=max(world.clock.seconds, world.setup_lead))
    if world.aws.unmodelled:
        raise world.aws.unmodelled[0]
    return world


#: Worlds set up once per process, by (assembly, pipeline, start, first deploy): every variant forks from one.
_SET_UP: dict[tuple[str, str, str, bool], World] = {}


def _world_before(assembly: Assembly, pipeline: str, start: datetime, first_deploy: bool) -> World:
    key = (str(assembly.root), pipeline, start.isoformat(), first_deploy)
    if key not in _SET_UP:
        _SET_UP[key] = _set_up(assembly, pipeline, start, first_deploy)
    return _SET_UP[key]


def _push(world: World, run: Run, scenario: Scenario) -> None:
    run.push_at = world.clock.seconds  # before prepare: its faults and actions count from the push
    scenario.prepare(run)
    if scenario.first_deploy:
        world.codepipeline.initial_revision = NEW
        world.deploy_top_level(kinds=("service",))
    else:
        world.codepipeline.push(account=run.pipeline.stack.account, region=run.pipeline.stack.region,
                                pipeline=run.pipeline.name, revision=NEW)


def _idle(world: World, pipeline: str) -> bool:
    if any(e.active for e in world.codepipeline.executions if e.pipeline == pipeline):
        return False
    return all(e.status != "RUNNING" for e in world.sfn.executions)


def _predict(truth: Truth, world: World, push_at: float, *, first_deploy: bool = False) -> dict[tuple[str, str], float]:
    """When each step should end, as ``seawall plan`` computes it: from the stage's actual start, the gate opens
    at the window's next opening, then the deploy, the traffic policy's duration and the bake.  On a first deploy
    there is no traffic policy's duration: CloudFormation creates each alias on the first version, and no
    CodeDeploy deployment shifts anything (the plan, which does not know it is a first deploy, says more)."""
    out: dict[tuple[str, str], float] = {}
    runs = {r.stage: r for r in truth.stage_runs() if r.started >= push_at}
    for step in truth.steps:
        run = runs.get(step.stage)
        if run is None:
            continue
        t = run.started
        if step.production:
            settings = truth.team_settings(step.account, step.region)
            if settings is None:
                continue
            opens = TimeWindow.from_dict(settings.window).next_open(world.clock.at(t))
            t = max(t, world.clock.since_start(opens))
        t += world.codepipeline.deploy_seconds
        releases = truth.releases(step)
        config = next(iter(releases.values())).deployment_config if releases else ""
        routing = world.codedeploy.routing_of(step.account, step.region, config)
        t += routing.steps()[-1][0] if routing and not first_deploy else 0.0
        t += step.bake_seconds
        out[(step.stage, step.target)] = t
    return out


def _timeline(truth: Truth, run: Run) -> list[Event]:
    world, origin = truth.world, truth.origin
    events: list[tuple[float, int, Event]] = []
    seq = iter(range(10**9))

    def add(at: float, kind: str, target: str, detail: str) -> None:
        if at >= run.push_at:
            events.append((at, next(seq), Event(int(at - origin), kind, target, detail)))

    for e in truth.executions():
        add(e.started, "pipeline", run.pipeline.name, f"{e.type.lower()} execution {e.id[:8]} of {e.revision} "
                                                      f"started ({e.trigger_type})")
        for ended, status, _ in [*e.ended_before, (e.ended, e.status, "")]:
            if ended is not None:
                add(ended, "pipeline", run.pipeline.name, f"execution {e.id[:8]} {status}")
    for r, a in truth.stage_attempts():
        of = f" (attempt {a.number})" if r.retries else ""
        add(a.started, "stage", r.stage, f"{r.type.lower()} execution {r.execution_id[:8]} "
                                         f"{'retried ' + a.retry_mode if a.number > 1 else 'entered'}{of}")
        if a.ended is not None:
            add(a.ended, "stage", r.stage, f"{a.status}{of}{': ' + a.summary[:160] if a.summary else ''}")
    for _, rel in sorted(world.released.items()):
        for change in truth.alias_history(rel):
            who = ("codedeploy" if change.by.startswith("codedeploy") else
                   "seawall" if change.by.startswith("arn:aws:states:") else "cloudformation")
            add(change.at, "traffic", rel.target,
                f"{rel.logical_id} {rel.alias} -> {change.version} ({truth.revision(rel, change.version)})"
                f"{' + ' + str(change.routing) if change.routing else ''} by {who}")
    for d in world.codedeploy.deployments:
        for t, status in d.transitions:
            add(t, "deployment", d.region, f"{d.id} {d.function.rsplit('-', 1)[0][-24:]} {status}"
                                           f"{' (' + d.creator + ')' if status == 'Created' else ''}")
    for transition in world.cloudwatch.history:
        if "ALARM" in (transition.new, transition.old):
            add(transition.at, "alarm", transition.region,
                f"{transition.alarm} {transition.old} -> {transition.new}")
    for at, what in run.operations:
        add(at, "operator", run.pipeline.name, what)
    return [e for _, _, e in sorted(events, key=lambda x: (x[0], x[1]))]


def _targets(truth: Truth) -> dict[str, dict[str, AliasState]]:
    out: dict[str, dict[str, AliasState]] = {}
    now = truth.world.clock.seconds
    for _, rel in sorted(truth.world.released.items()):
        version, routing = truth.alias_at(rel, now)
        out.setdefault(rel.target, {})[rel.logical_id] = AliasState(version, truth.revision(rel, version),
                                                                    dict(routing))
    return out


def _stages(truth: Truth, push_at: float) -> list[StageResult]:
    """Every attempt of every stage run since the push, in the order the attempts started."""
    return [StageResult(r.stage, r.execution_id, truth.execution(r.execution_id).type, a.status, a.number)
            for r, a in truth.stage_attempts() if r.started >= push_at]


def jobs() -> int:
    """How many rehearsals run at once: ``SEAWALL_SIM_JOBS`` if set, else the CPUs this process may use (at
    least 1; 1 where the platform cannot fork)."""
    raw = os.environ.get("SEAWALL_SIM_JOBS")
    if raw is not None:
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise ValueError(f"SEAWALL_SIM_JOBS={raw!r} must be a whole number >= 1 (how many rehearsals run at once)")
        return value if _can_fork() else 1
    if not _can_fork():
        return 1
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    return max(1, len(cpus))


def _can_fork() -> bool:
    return os.environ.get("SEAWALL_SIM_IN_PROCESS") != "1" and hasattr(os, "fork")


def run_variants(assembly: Assembly, *, pipeline: str, scenario: Scenario, variants: Sequence[Mapping[str, str]],
                 seed: int, start: datetime) -> list[Outcome]:
    """Run each of `variants` of `scenario` from the world before the change and judge each, up to :func:`jobs` at
    once, the outcomes in their order.

    The world is set up once per process; each variant runs in a forked copy of it (where the platform can
    fork), so variants never see each other and the setup is paid once.
    """
    if not _can_fork():
        # no fork (or profiling): each variant uses up a world of its own, set up for it
        return [_play(_set_up(assembly, pipeline, start, scenario.first_deploy), pipeline, scenario, p, seed)
                for p in variants]
    before = _world_before(assembly, pipeline, start, scenario.first_deploy)
    return list(in_children([functools.partial(_play, before, pipeline, scenario, p, seed) for p in variants],
                            jobs()))


def in_children(works: Iterable[Callable[[], T]], jobs: int) -> Iterator[T]:
    """Run each of `works` in a forked child, up to `jobs` at once, and yield their results in order (a child's
    exception is re-raised here, with its traceback as a note).  Children share nothing they write: each runs on a
    copy of this process as it was when the child started."""
    if jobs < 1:
        raise ValueError(f"jobs={jobs} must be at least 1")
    running: collections.deque[tuple[int, int]] = collections.deque()
    try:
        for work in works:
            if len(running) >= jobs:
                yield _collect(*running.popleft())
            running.append(_fork(work))
        while running:
            yield _collect(*running.popleft())
    finally:  # a consumer that stops early, or an error: no child is left behind
        for pid, read in running:
            os.close(read)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _fork(work: Callable[[], Any]) -> tuple[int, int]:
    """Start `work` in a forked child; (its pid, the pipe its pickled result arrives on)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read)
        gc.freeze()  # what the child inherits lives as long as it does: the collector never scans it again
        try:
            payload = pickle.dumps(("ok", work()))
        except BaseException as e:  # noqa: BLE001 - every failure goes back to the parent
            try:
                payload = pickle.dumps(("error", e, traceback.format_exc()))
            except Exception:  # noqa: BLE001 - an exception that does not pickle
                payload = pickle.dumps(("error", RuntimeError(f"{type(e).__name__}: {e}"), traceback.format_exc()))
        with os.fdopen(write, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write)
    return pid, read


def _collect(pid: int, read: int) -> Any:
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    if not data:
        raise RuntimeError("the rehearsal's worker process died without an answer")
    result = pickle.loads(data)
    if result[0] == "error":
        error: BaseException = result[1]
        error.add_note(result[2])
        raise error
    return result[1]


def _play(world: World, pipeline: str, scenario: Scenario, params: Mapping[str, str], seed: int) -> Outcome:
    with _collecting_less():
        return _judged(world, pipeline, scenario, params, seed)


def _judged(world: World, pipeline: str, scenario: Scenario, params: Mapping[str, str], seed: int) -> Outcome:
    world.apply(unknowns_of(params), seed)
    run = Run(world, world.pipeline(pipeline), params)
    _push(world, run, scenario)
    horizon = run.push_at + HORIZON
    world.scheduler.run(until=horizon, stop=lambda: world.clock.seconds > run.push_at + 60
                        and not run.waiting and _idle(world, pipeline))
    world.scheduler.run(until=min(horizon, world.clock.seconds + SETTLE))
    if world.aws.unmodelled:
        raise world.aws.unmodelled[0]
    truth = Truth(world, pipeline, origin=world.setup_lead)
    facts = Facts(push_at=run.push_at, new_revision=NEW, first_deploy=scenario.first_deploy,
                  healthy=not run.disturbed, end=world.clock.seconds,
                  predicted=_predict(truth, world, run.push_at, first_deploy=scenario.first_deploy)
                  if not run.disturbed else {})
    verdicts = check_all(truth, facts)
    expectations = scenario.expect(run, truth)
    return Outcome(Variant(dict(params), verdicts, expectations), _timeline(truth, run), _targets(truth),
                   _stages(truth, run.push_at))


def _resolve(assembly: Assembly, pipeline: str | None, scenario: str, where: str) -> tuple[str, Scenario, int | None]:
    name = choose_service_pipeline([p.name for p in assembly.service_pipelines()], pipeline, where)
    generated = seed_of(scenario)
    found = SCENARIOS.get(scenario) if generated is None else scenario_for(generated)
    if found is None:
        raise ValueError(f"scenario={scenario!r} is not a named scenario or gen:SEED; choose one of "
                         f"{sorted(SCENARIOS)}")
    return name, found, generated


def prepare(assembly_dir: str | Path, *, pipeline: str | None, scenario: str, start: datetime = START) -> None:
    """Set up, in this process, the world before the change that :func:`rehearse` of `scenario` starts from, so
    that rehearsals forked from here share it."""
    assembly = Assembly(assembly_dir)
    name, found, _ = _resolve(assembly, pipeline, scenario, str(assembly_dir))
    if _can_fork():
        _world_before(assembly, name, start, found.first_deploy)


def rehearse(assembly_dir: str | Path, *, pipeline: str | None = None, scenario: str, seed: int = 0,
             start: datetime = START, params: Mapping[str, str] | None = None) -> Rehearsal:
    """Rehearse `scenario` on the assembly: every combination of its parameters that `params` does not fix, up to
    :func:`jobs` at once."""
    assembly = Assembly(assembly_dir)
    name, found, generated = _resolve(assembly, pipeline, scenario, str(assembly_dir))
    if generated is not None:
        seed = generated  # a generated scenario is reproducible from its own seed alone
    outcomes = run_variants(assembly, pipeline=name, scenario=found, variants=list(found.variants(params or {})),
                            seed=seed, start=start)
    first = outcomes[0]
    return Rehearsal(scenario=found.name, seed=seed, start=start,
                     parameters={k: [(params or {})[k]] if k in (params or {}) else list(vals)
                                 for k, vals in found.parameters.items()},
                     variants=[o.variant for o in outcomes], targets=first.targets, stages=first.stages,
                     events=first.events)


class _Runner:
    """What ``seawall rehearse`` drives (:class:`seawall.cli.rehearse.Runner`)."""

    def pipelines(self, assembly: Path) -> list[str]:
        return [p.name for p in Assembly(assembly).service_pipelines()]

    def scenarios(self) -> list[ScenarioInfo]:
        return [SCENARIOS[n].info() for n in sorted(SCENARIOS)]

    def run(self, assembly: Path, *, pipeline: str, scenario: str, seed: int, start: datetime,
            params: dict[str, str]) -> Rehearsal:
        return rehearse(assembly, pipeline=pipeline, scenario=scenario, seed=seed, start=start, params=params)

    def generate(self, assembly: Path, *, pipeline: str, count: int, seed: int,
                 start: datetime) -> Iterator[Rehearsal]:
        from .generated import generate

        return generate(assembly, pipeline=pipeline, count=count, seed=seed, start=start)


RUNNER: Any = _Runner()

__all__ = ["RUNNER", "SetupFailed", "in_children", "jobs", "prepare", "rehearse", "run_variants"]

