"""Named scenarios: what happens to the world during a rehearsal, and the outcome each expects.

A :class:`Scenario` prepares a :class:`Run` before the change is pushed
(traffic, the new revision's health, faults, operator actions at moments after
the push) and states its expected outcome as named expectations judged from
the ground truth after the run.  A scenario declares its parameters (unknowns
of AWS, or a choice of fault); run without ``--param`` it runs every
combination.  A scenario that reproduces a known finding names it
(:attr:`Scenario.finding`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...model.rehearsal import Expectation, ScenarioInfo
from ..assembly import PipelineArtifact
from ..botocore_bridge import AwsError, Fault
from ..codedeploy import Routing
from ..traffic import Health, Load
from ..truth import Step, Truth
from ..world import NEW, NEXT, Released, Unknowns, World


@dataclass
class Run:
    """One variant of a scenario: the world, the service pipeline, the parameter values, and what was done."""

    world: World
    pipeline: PipelineArtifact
    params: Mapping[str, str]
    #: Clock seconds when the change was pushed (set by the engine).
    push_at: float = 0.0
    #: Whether anything but healthy traffic happened (a fault, a bad version, an operator): I11 then does not apply.
    disturbed: bool = False
    #: The operator actions taken: (clock seconds, what).
    operations: list[tuple[float, str]] = field(default_factory=list)
    #: Actions scheduled and not yet taken (or watches not yet ended): the run does not end while any is pending,
    #: even when the pipeline is idle meanwhile (a retry ten minutes after a stage failed, a later push).
    waiting: int = 0

    def truth(self) -> Truth:
        """The ground truth of this run's world (a scenario reads the pipeline's steps from it before the push)."""
        return Truth(self.world, self.pipeline.name, origin=self.world.setup_lead)

    def stage_runs(self, stage: str | None = None) -> list[Any]:
        """The runs of `stage` (of every stage when None) of this run's pipeline that started after the push."""
        return [r for r in self.truth().stage_runs(stage) if r.started >= self.push_at]

    def once(self, ready: Callable[[], bool], action: Callable[[], None], label: str, *,
             every: float = 60.0, delay: float = 0.0, patience: float = 6 * 3600.0) -> None:
        """Look at the world every `every` seconds after the push; the first time `ready` says so, run `action`
        `delay` seconds later (a moment found in the world as it runs, not fixed in advance for one layout).
        Nothing happens when the moment does not come within `patience` seconds of the push."""
        self.disturbed = True
        self.waiting += 1
        world = self.world

        def look() -> None:
            if ready():
                world.scheduler.after(delay, act, label)
            elif world.clock.seconds < self.push_at + patience:
                world.scheduler.after(every, look, f"waiting for: {label}")
            else:
                self.waiting -= 1
                self.operations.append((world.clock.seconds, f"{label}: the moment never came"))

        def act() -> None:
            self.waiting -= 1
            self.operations.append((world.clock.seconds, label))
            action()

        world.scheduler.at(self.push_at + every, look, f"waiting for: {label}")

    # ------------------------------------------------------------------ what a scenario can do

    def health(self, revision: str = NEW, **health: Any) -> None:
        """How `revision`'s code behaves (:class:`~seawall.sim.traffic.Health` fields)."""
        found = Health(**health)
        self.world.traffic.health = {**self.world.traffic.health, revision: found}
        if found.error_rate or found.handled_error_rate or found.p99_ms > Health().p99_ms:
            self.disturbed = True

    def load(self, per_minute: float, *, target: str | None = None, function: str | None = None) -> None:
        """Requests per minute of every function (or one target's, or one function's)."""
        if target is None and function is None:
            self.world.traffic.default = Load(per_minute)
            return
        loads = dict(self.world.traffic.loads)
        for rel in self.world.released.values():
            if (target in (None, rel.target)) and (function in (None, rel.logical_id)):
                loads[(rel.target, rel.logical_id)] = Load(per_minute)
        self.world.traffic.loads = loads

    def fault(self, fault: Fault) -> None:
        """Inject an API fault (its start and end are seconds after the push)."""
        self.disturbed = True
        fault.start += self.push_at
        fault.end += self.push_at
        self.world.aws.faults.append(fault)

    def after_push(self, seconds: float, action: Callable[[], None], label: str) -> None:
        """Run `action` `seconds` after the push."""
        self.disturbed = True
        self.waiting += 1

        def act() -> None:
            self.waiting -= 1
            self.operations.append((self.world.clock.seconds, label))
            action()

        self.world.scheduler.at(self.push_at + seconds, act, label)

    # ------------------------------------------------------------------ operators, a second change, a pipeline update

    def operate(self, seconds: float, what: str, call: Callable[[], str]) -> None:
        """An operator acts `seconds` after the push: `call` makes the API calls (through
        ``world.codepipeline.operator``, so CodePipeline's checks apply) and says what it did; an error the API
        answers is recorded as the outcome, not raised (an operator whose request is refused moves on)."""
        self.disturbed = True
        self.waiting += 1

        def act() -> None:
            self.waiting -= 1
            try:
                done = call()
            except AwsError as e:
                done = f"refused: {e.code}: {e.message}"
            self.operations.append((self.world.clock.seconds, f"{what}: {done}"))

        self.world.scheduler.at(self.push_at + seconds, act, what)

    def pipeline_call(self, operation: str, **params: Any) -> dict[str, Any]:
        """An operator's CodePipeline API call `operation` in the pipeline's account and region (CodePipeline's
        checks apply; an error is raised as :class:`AwsError`)."""
        stack = self.pipeline.stack
        return self.world.codepipeline.operator(operation, account=stack.account, region=stack.region, **params)

    def retry_stage(self, seconds: float, mode: str = "FAILED_ACTIONS") -> None:
        """`seconds` after the push, retry the last failed or stopped stage the console shows (``mode``
        ``FAILED_ACTIONS`` or ``ALL_ACTIONS``); nothing when no stage failed."""
        def call() -> str:
            state = self.pipeline_call("GetPipelineState", name=self.pipeline.name)
            failed = [s for s in state["stageStates"]
                      if s.get("latestExecution", {}).get("status") in ("Failed", "Stopped")]
            if not failed:
                return "no failed stage to retry"
            stage = failed[-1]
            self.pipeline_call("RetryStageExecution", pipelineName=self.pipeline.name, stageName=stage["stageName"],
                                pipelineExecutionId=stage["latestExecution"]["pipelineExecutionId"], retryMode=mode)
            return f"retried {stage['stageName']} ({mode})"

        self.operate(seconds, f"retry stage {mode}", call)

    def stop(self, seconds: float, *, abandon: bool) -> None:
        """`seconds` after the push, stop the newest in-progress execution (stop and abandon, or stop and wait)."""
        def call() -> str:
            listed = self.pipeline_call("ListPipelineExecutions", pipelineName=self.pipeline.name)
            running = [e for e in listed["pipelineExecutionSummaries"] if e["status"] == "InProgress"]
            if not running:
                return "no execution in progress"
            target = running[0]["pipelineExecutionId"]
            self.pipeline_call("StopPipelineExecution", pipelineName=self.pipeline.name, pipelineExecutionId=target,
                                abandon=abandon, reason="operator")
            return f"stopped {target[:8]}"

        self.operate(seconds, "stop and abandon" if abandon else "stop and wait", call)

    def roll_back(self, seconds: float, stage: str) -> None:
        """`seconds` after the push, roll `stage` back by hand to the last execution that succeeded in it before
        the one it holds now (``RollbackStage``)."""
        def call() -> str:
            state = self.pipeline_call("GetPipelineState", name=self.pipeline.name)
            current = next((s.get("latestExecution", {}).get("pipelineExecutionId") for s in state["stageStates"]
                            if s["stageName"] == stage), None)
            listed = self.pipeline_call("ListPipelineExecutions", pipelineName=self.pipeline.name,
                                         filter={"succeededInStage": {"stageName": stage}})
            targets = [e["pipelineExecutionId"] for e in listed["pipelineExecutionSummaries"]
                       if e["pipelineExecutionId"] != current and e.get("executionType", "STANDARD") == "STANDARD"]
            if not targets:
                return f"no earlier execution succeeded in {stage}"
            self.pipeline_call("RollbackStage", pipelineName=self.pipeline.name, stageName=stage,
                                targetPipelineExecutionId=targets[0])
            return f"rolled {stage} back to {targets[0][:8]}"

        self.operate(seconds, f"manual rollback of {stage}", call)

    def push_revision(self, seconds: float, revision: str = NEXT) -> None:
        """`seconds` after the push, push another change (a second revision in flight)."""
        stack = self.pipeline.stack

        def push() -> None:
            self.world.codepipeline.push(account=stack.account, region=stack.region, pipeline=self.pipeline.name,
                                         revision=revision)

        self.after_push(seconds, push, f"pushed {revision}")

    def update_pipeline(self, seconds: float) -> None:
        """`seconds` after the push, deploy the pipeline's stack with a changed definition (a variable's
        description), as deploying it from outside the pipeline does: CodePipeline cancels what is in flight
        ("Cancelled: The pipeline's definition was updated before the pipeline execution could be completed.",
        https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineExecution.html)."""
        stack = self.pipeline.stack

        def update() -> None:
            template = self.world.template(stack, NEW)
            resource = next(r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline")
            props = resource["Properties"]
            props["Variables"] = [{**v, "Description": f"{v.get('Description', '')} (updated)"}
                                  for v in props.get("Variables") or [{"Name": "SeawallUpdated",
                                                                       "DefaultValue": "1"}]]
            self.world.cfn(stack.account, stack.region).deploy(stack.stack_name, template)

        self.after_push(seconds, update, "updated the pipeline's definition")


Expect = Callable[[Run, Truth], dict[str, Expectation]]


@dataclass(frozen=True)
class Scenario:
    """A named scenario: how it disturbs the world and what outcome it expects."""

    name: str
    description: str
    expect: Expect
    prepare: Callable[[Run], None] = lambda run: None
    parameters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    first_deploy: bool = False
    #: The finding (issue 10's list) the scenario reproduces on the runtime that has it, or "".
    finding: str = ""

    def info(self) -> ScenarioInfo:
        return ScenarioInfo(self.name, self.description, {k: tuple(v) for k, v in self.parameters.items()})

    def variants(self, fixed: Mapping[str, str]) -> list[dict[str, str]]:
        """Every combination of the declared parameters, `fixed` ones held."""
        keys = sorted(self.parameters)
        choices = [[fixed[k]] if k in fixed else list(self.parameters[k]) for k in keys]
        return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*choices)]


#: AWS's unknowns every scenario may be run under (docs/simulation.md); a scenario lists the ones it varies.
UNKNOWN_PARAMETERS: dict[str, tuple[str, ...]] = {
    "rollback_variables": ("target", "own"),
    "alarm_poll_seconds": ("60", "300"),
    "stop_seconds": ("0", "10", "120"),
    "publication_delay": ("60", "180"),
    "executed_version_unsplit": ("true", "false"),
}


def unknowns_of(params: Mapping[str, str]) -> Unknowns:
    """The world's unknowns for a variant's parameter values (defaults for the rest)."""
    base = Unknowns()
    return Unknowns(
        alarm_poll_seconds=float(params.get("alarm_poll_seconds", base.alarm_poll_seconds)),
        stop_seconds=float(params.get("stop_seconds", base.stop_seconds)),
        publication_delay=float(params.get("publication_delay", base.publication_delay)),
        rollback_variables=params.get("rollback_variables", base.rollback_variables),
        executed_version_unsplit=params.get("executed_version_unsplit", "true") == "true",
        sfn_poll_seconds=base.sfn_poll_seconds,
    )


# ------------------------------------------------------------------------ expectations every scenario may use


def in_stages(rel: Released, stages: Sequence[str] | None) -> bool:
    """Whether released function `rel` belongs to one of `stages` (every stage when None)."""
    return stages is None or rel.target.split("/", 1)[0] in stages


def final_state(truth: Truth, revision: str, stages: Sequence[str] | None = None) -> Expectation:
    """Every released alias (of `stages`, when given) ends on `revision` with no routing weights."""
    wrong = []
    for _, rel in sorted(truth.world.released.items()):
        if not in_stages(rel, stages):
            continue
        version, routing = truth.alias_at(rel, truth.world.clock.seconds)
        if routing or truth.revision(rel, version) != revision:
            wrong.append(f"{rel.target} {rel.function}:{rel.alias} on {version} "
                         f"({truth.revision(rel, version)}) routing {routing}")
    judged = sum(1 for rel in truth.world.released.values() if in_stages(rel, stages))
    if not judged:
        return Expectation(False, f"no released function exists{f' in {list(stages)}' if stages else ''}")
    return Expectation(not wrong, "; ".join(wrong) if wrong else
                       f"all {judged} aliases{f' of {list(stages)}' if stages else ''} on {revision} with no routing")


def pipeline_result(truth: Truth, run: Run, want: str) -> Expectation:
    ran = [e for e in truth.executions() if e.started >= run.push_at and e.type == "STANDARD"]
    if not ran:
        return Expectation(False, "no standard execution ran after the push")
    last = ran[-1]
    return Expectation(last.status == want, f"the change's execution ended {last.status} (expected {want})")


def bad_served_then_none(truth: Truth, run: Run, revision: str, stages: Sequence[str] | None = None) -> Expectation:
    """The bad version served at least one request, and (on the aliases of `stages`, when given) none after the
    last time an alias left it."""
    released = truth.world.released
    served = [m for m in truth.world.served if m.revision == revision and m.minute * 60 >= run.push_at
              and (stages is None or ((rel := released.get((m.account, m.region, m.function))) is not None
                                      and in_stages(rel, stages)))]
    total = sum(m.requests for m in served)
    if not total:
        return Expectation(False, f"{revision} never served a request: the scenario exercised nothing")
    last = max(m.minute for m in served if m.requests) * 60
    live_now = [rel for _, rel in sorted(truth.world.released.items()) if in_stages(rel, stages)
                and truth.revision(rel, truth.alias_at(rel, truth.world.clock.seconds)[0]) == revision]
    if live_now:
        return Expectation(False, f"{revision} served {total} requests and still serves on "
                                  f"{', '.join(r.target + ' ' + r.function for r in live_now)}")
    return Expectation(True, f"{revision} served {total} requests, the last in the minute at "
                             f"+{int(last - truth.origin)}s; none since")


def no_later_stage(truth: Truth, run: Run, after: str) -> Expectation:
    names = [s["Name"] for s in run.pipeline.definition["Stages"]]
    later = set(names[names.index(after) + 1:]) if after in names else set()
    entered = sorted({r.stage for r in truth.stage_runs() if r.started >= run.push_at and r.stage in later
                      and truth.execution(r.execution_id).type == "STANDARD"})
    return Expectation(not entered, f"later stages entered: {entered}" if entered else
                       f"no stage after {after} started")


def first_one_box_stage(truth: Truth) -> str | None:
    """The first stage of the service pipeline with a one-box step: a function whose CodeDeploy config moves a
    canary share first (``TimeBasedCanary``), or None when no stage has one.

    Not necessarily the first release stage: a pipeline may start with all-at-once pre-production stages (the
    sample's alpha and beta) that shift everything at once.
    """
    return next((step.stage for step in truth.steps for routing in _routings(truth, step)
                 if routing.type == "TimeBasedCanary"), None)


def _routings(truth: Truth, step: Step) -> Iterator[Routing]:
    """The traffic routing of each CodeDeploy config `step` releases with (configs with none left out)."""
    for release in truth.releases(step).values():
        routing = truth.world.codedeploy.routing_of(step.account, step.region, release.deployment_config)
        if routing is not None:
            yield routing


def first_bake_stage(truth: Truth) -> str | None:
    """The first stage of the service pipeline with a bake step, or None when no stage bakes (the sample's alpha
    and beta shift and do not bake: a scenario about a bake is about a later stage)."""
    return next((step.stage for step in truth.steps if "bake" in step.state_machines), None)


def first_production_stage(truth: Truth) -> str | None:
    """The first production stage of the service pipeline (its steps are gated), or None."""
    return next((step.stage for step in truth.steps if step.production), None)


def _required(truth: Truth, stage: str | None, what: str) -> str:
    if stage is None:
        raise ValueError(f"pipeline {truth.pipeline} has no {what}: the scenario would test nothing")
    return stage


def one_box_stage(truth: Truth) -> str:
    """:func:`first_one_box_stage`, for a scenario that needs one (an error naming the pipeline when none)."""
    return _required(truth, first_one_box_stage(truth), "stage with a one-box (a canary shift)")


def bake_stage(truth: Truth) -> str:
    """:func:`first_bake_stage`, for a scenario that needs one (an error naming the pipeline when none)."""
    return _required(truth, first_bake_stage(truth), "stage with a bake")


def production_stage(truth: Truth) -> str:
    """:func:`first_production_stage`, for a scenario that needs one (an error naming the pipeline when none)."""
    return _required(truth, first_production_stage(truth), "production stage")


def shift_seconds(truth: Truth, stage: str) -> float:
    """How long the longest traffic shift of `stage` takes (its CodeDeploy configs' last traffic step)."""
    return max([0.0, *(routing.steps()[-1][0] for step in truth.steps if step.stage == stage
                       for routing in _routings(truth, step))])


#: A slow burn starts this long after the first bake stage's shift has moved all traffic (the version has served
#: since the shift began): well inside the bake (the fixture: a 5-minute canary, so 15 minutes of serving).
SLOW_BURN_INTO_BAKE = 600.0


def slow_burn_after(run: Run) -> float:
    """Seconds of serving after which a slow burn starts: :data:`SLOW_BURN_INTO_BAKE` after the first bake stage's
    longest shift, so its one-box has passed and its bake sees the burn."""
    truth = run.truth()
    return shift_seconds(truth, bake_stage(truth)) + SLOW_BURN_INTO_BAKE


def stages_from(truth: Truth, stage: str) -> list[str]:
    """The release stages from `stage` on, in pipeline order."""
    names = list(dict.fromkeys(step.stage for step in truth.steps))
    return names[names.index(stage):] if stage in names else []


def stage_failed(truth: Truth, run: Run, stage: str) -> Expectation:
    """The last standard execution of `stage` after the push failed."""
    runs = [r for r in truth.stage_runs(stage) if r.started >= run.push_at
            and truth.execution(r.execution_id).type == "STANDARD"]
    if not runs:
        return Expectation(False, f"stage {stage} never ran after the push")
    last = runs[-1]
    return Expectation(last.status == "Failed", f"stage {stage} ended {last.status}"
                                                f"{': ' + last.summary[:200] if last.summary else ''}")


def first_release_stage(run: Run) -> str:
    for stage in run.pipeline.definition["Stages"]:
        if any(a.get("ActionTypeId", {}).get("Provider") == "StepFunctions" for a in stage.get("Actions", [])):
            return str(stage["Name"])
    raise ValueError(f"pipeline {run.pipeline.name} has no stage with Seawall's release actions")



#: The modules that define named scenarios, each with a ``SCENARIOS`` list (one module per theme, so several
#: people can add scenarios without editing one file).
_MODULES = ("basic", "traffic", "pipeline", "faults")


def _collect() -> dict[str, Scenario]:
    import importlib

    found: dict[str, Scenario] = {}
    for module in _MODULES:
        for scenario in importlib.import_module(f"{__name__}.{module}").SCENARIOS:
            if scenario.name in found:
                raise ValueError(f"scenario {scenario.name!r} is defined twice")
            found[scenario.name] = scenario
    return dict(sorted(found.items()))


#: Every named scenario, by name.
SCENARIOS: dict[str, Scenario] = _collect()

__all__ = ["SCENARIOS", "UNKNOWN_PARAMETERS", "Run", "Scenario", "bad_served_then_none", "final_state",
           "bake_stage", "first_bake_stage", "first_one_box_stage", "first_production_stage", "first_release_stage",
           "in_stages", "no_later_stage", "one_box_stage", "pipeline_result", "production_stage", "shift_seconds",
           "slow_burn_after", "stage_failed", "stages_from", "unknowns_of"]
