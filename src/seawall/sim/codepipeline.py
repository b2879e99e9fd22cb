"""A fake of CodePipeline V2 that runs a synthesized pipeline on the simulation's clock.

It owns ``AWS::CodePipeline::Pipeline`` (a CloudFormation resource provider)
and answers the API the runtime, ``seawall status`` and the scenario engine
use: ``StartPipelineExecution``, ``GetPipelineExecution`` (status,
``executionType``, ``rollbackMetadata``, trigger), ``GetPipelineState``,
``ListPipelineExecutions``, ``RetryStageExecution`` (``FAILED_ACTIONS`` and
``ALL_ACTIONS``), ``StopPipelineExecution`` (stop and wait, stop and abandon),
``RollbackStage`` and ``GetPipeline``.  Any other operation, any action
provider, condition or result it does not model fails loudly
(:class:`~seawall.sim.botocore_bridge.Unmodelled`).

Executions follow CodePipeline's documented rules in SUPERSEDED mode: one
execution per stage (the stage is locked), later executions wait in front
of a locked stage and the newest waiting one supersedes older ones; within a
stage actions run by ``runOrder``, stage-wide (every action of one run order
ends before any action of the next starts); ``#{...}`` variables resolve
before an action starts; ``OnFailure: ROLLBACK`` starts a rollback
execution of the failed stage to the most recent successful execution of it;
a pipeline update cancels every in-flight execution (cancelled, not failed:
no rollback) and leaves the Step Functions executions its actions started
running; ``RestartExecutionOnUpdate`` starts a new execution.

The actions' effects are the world's, passed in as callables, so this fake
depends on no other fake (see :class:`FakeCodePipeline`).  What really
happened is kept in plain lists with simulated times:
:attr:`FakeCodePipeline.executions`, :attr:`FakeCodePipeline.stage_runs`,
:attr:`FakeCodePipeline.action_runs` and
:attr:`FakeCodePipeline.state_machine_executions`.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..model.limits import (
    MAX_ACTION_CONFIGURATION_VALUE,
    MAX_ACTIONS_PER_STAGE,
    MAX_RULES_PER_CONDITION,
    MAX_STAGES_PER_PIPELINE,
    MAX_STEP_FUNCTIONS_ACTION_DURATION,
)
from .botocore_bridge import AwsError, Unmodelled, dispatch
from .citations import Citation, cites
from .clock import Scheduler

# ------------------------------------------------------------------------------------------------ citations

_GUIDE = "https://docs.aws.amazon.com/codepipeline/latest/userguide"
_API = "https://docs.aws.amazon.com/codepipeline/latest/APIReference"

_STRUCTURE = Citation(
    f"{_GUIDE}/reference-pipeline-structure.html",
    "All stage names in a pipeline must be unique. The default runOrder value for an action is 1. The value must "
    "be a positive integer (natural number).")
_CONFIG_VALUE = Citation(
    f"{_API}/API_ActionDeclaration.html",
    "Value Length Constraints: Minimum length of 1. Maximum length of 1000.")
_SUPERSEDED_DEFAULT = Citation(
    f"{_GUIDE}/concepts-how-it-works.html",
    "SUPERSEDED mode: A more recent execution can overtake an older one. This is the default.")
_LOCK = Citation(
    f"{_GUIDE}/concepts-how-it-works.html",
    "Because each stage can process only one execution at a time, the stage is locked while in progress. While a "
    "stage is locked, waiting executions are held in front of the locked stage.")
_SUPERSEDE = Citation(
    f"{_GUIDE}/concepts-how-it-works.html",
    "Executions are only superseded in between stages. A locked stage holds one execution at the front of the stage "
    "awaiting the stage to complete. A more recent execution overtakes a waiting execution and continues to the "
    "next stage as soon as the stage is unlocked. The superseded execution does not continue.")
_FAILURE_UNLOCKS = Citation(
    f"{_GUIDE}/concepts-how-it-works.html",
    "All actions configured for a stage must be completed successfully before the stage is considered complete. "
    "A failure releases the lock on the stage.")
_RUN_ORDER = Citation(
    f"{_GUIDE}/reference-pipeline-structure.html",
    "To specify parallel actions, use the same integer for each action you want to run in parallel. Because the "
    "runOrder value of that action (3) is higher than the runOrder value of the first action (1), it runs serially "
    "after the first action in the stage.")
_IMPLICIT_VARIABLES = Citation(
    f"{_GUIDE}/reference-variables.html",
    "There is a set of variables that are implicitly available at the start of each pipeline execution. This set "
    "currently includes PipelineExecutionId, the ID of the current pipeline execution.")
_RESOLUTION = Citation(
    f"{_GUIDE}/reference-variables.html",
    "Before it performs a consuming action, CodePipeline resolves all of the variable references present in the "
    "configuration prior to initiating the action execution.")
_ROLLBACK_VARIABLES = Citation(
    f"{_GUIDE}/stage-rollback.html",
    "CodePipeline will use the variables and artifacts from the execution to which it is rolling back.")
_ROLLBACK_NEW_EXECUTION = Citation(
    f"{_GUIDE}/stage-rollback.html",
    "The rolled back operation will result in a new execution. The target pipeline execution chosen for rollback "
    "is used to retrieve source revisions and variables.")
_AUTO_ROLLBACK = Citation(
    f"{_GUIDE}/stage-rollback-auto.html",
    "When the stage fails, the stage is rolled back to the most recent successful execution. The pipeline can only "
    "roll back to a previous execution if the previous execution was started in the current pipeline structure "
    "version.")
_ROLLBACK_TARGETS = Citation(
    f"{_GUIDE}/stage-rollback.html",
    "You cannot roll back a source stage. You cannot roll back to a target execution ID that is a rollback "
    "execution type.")
_ROLLBACK_ERRORS = Citation(
    f"{_API}/API_RollbackStage.html",
    "Unable to roll back the stage. The cause might be if the pipeline version has changed since the target "
    "pipeline execution was deployed, the stage is currently running, or an incorrect target pipeline execution ID "
    "was provided.")
_ROLLBACK_OUTDATED = Citation(
    f"{_API}/API_RollbackStage.html",
    "The specified pipeline execution is outdated and cannot be used as a target pipeline execution for rollback.")
_ENTRY_CONDITION = Citation(
    f"{_GUIDE}/stage-conditions.html",
    "Entry - The conditions for making checks that, if met, allow entry to a stage. Rules are engaged with the "
    "following result options: Fail or Skip")
_RULE_SET = Citation(
    f"{_GUIDE}/stage-conditions.html",
    "Each condition has a rule set which is an ordered set of rules that are evaluated together. Therefore, if one "
    "rule fails in the condition, then the condition fails.")
_ALARM_RULE = Citation(
    f"{_GUIDE}/rule-reference-CloudWatchAlarm.html",
    "The wait time in minutes to allow for a state change before running the rule result.")
_SFN = f"{_GUIDE}/action-reference-StepFunctions.html"
_SFN_NAME = Citation(
    _SFN, "By default, the action execution ID is used as the state machine execution name. If a prefix is "
          "provided, it is prepended to the action execution ID with a hyphen and together used as the state machine "
          "execution name.")
_SFN_INPUT = Citation(
    _SFN, "If provided, the Input field is used directly as the input for the state machine execution. Otherwise, "
          "the state machine is invoked with an empty JSON object {}.")
_SFN_START_FAILS = Citation(
    _SFN, "If the action fails to start a state machine execution, the action execution fails.")
_SFN_POLL = Citation(
    _SFN, "If the standard state machine execution was successfully started, CodePipeline polls the DescribeExecution "
          "API until the execution reaches a terminal status. If the execution completes successfully, the action "
          "succeeds; otherwise, it fails.")
_SFN_TIMEOUT = Citation(
    _SFN, "If the state machine execution fails to reach a terminal status before the CodePipeline Step Functions "
          "action reaches its timeout (default of 7 days), the action execution fails. The state machine might "
          "continue despite this failure.")
_SFN_OUTPUTS = Citation(
    _SFN, "ExecutionArn The ARN of the execution of the state machine. Standard state machines only.")
_CFN_MODES = Citation(
    f"{_GUIDE}/action-reference-CloudFormation.html",
    "CREATE_UPDATE creates the stack if it doesn't exist. If the stack exists, AWS CloudFormation updates the stack.")
_CFN_CHANGE_SETS = Citation(
    f"{_GUIDE}/action-reference-CloudFormation.html",
    "CHANGE_SET_EXECUTE executes a change set for the resource stack that is based on a set of specified resource "
    "updates. With this action, AWS CloudFormation starts to alter the stack.")
_CFN_OUTPUTS = Citation(
    "https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.pipelines.StackOutputsMap.html",
    "Translate stack outputs to Codepipline variable references.")
_SELF_MUTATE = Citation(
    "https://docs.aws.amazon.com/cdk/api/v1/docs/@aws-cdk_pipelines.UpdatePipelineAction.html",
    "Creates a CodeBuild project which will use the CDK CLI to deploy the pipeline stack.")
_RESTART = Citation(
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-codepipeline-pipeline.html",
    "Indicates whether to rerun the CodePipeline pipeline after you update it.")
_CANCELLED = Citation(
    f"{_API}/API_PipelineExecution.html",
    "Cancelled: The pipeline's definition was updated before the pipeline execution could be completed.")
_STOP = Citation(
    f"{_GUIDE}/pipelines-stop.html",
    "Stop and wait: AWS CodePipeline waits to stop the execution until all in-progress actions are completed (that "
    "is, the actions have a Succeeded or Failed status).")
_ABANDON = Citation(
    f"{_GUIDE}/pipelines-stop.html",
    "After the execution is stopped, the action execution is in an Abandoned state while the pipeline execution is "
    "in a Stopped state. The stage unlocks.")
_STOP_ERRORS = Citation(
    f"{_API}/API_StopPipelineExecution.html",
    "The pipeline execution is already in a Stopping state. If you already chose to stop and wait, you cannot make "
    "that request again. You can choose to stop and abandon now, but be aware that this option can lead to failed "
    "tasks or out of sequence tasks. If you already chose to stop and abandon, you cannot make that request again.")
_RETRY = Citation(
    f"{_GUIDE}/stage-retry.html",
    "When you retry the failed actions in a stage, all actions that are still in progress continue working, and "
    "failed actions are triggered again. When you retry a failed stage from the first action in the stage, the "
    "stage cannot have any actions in progress.")
#: why a retry resumes the same pipeline execution (and so the same stage execution, one attempt more)
_RETRY_RESUMES = Citation(
    "https://boto3.amazonaws.com/v1/documentation/api/1.26.87/reference/services/codepipeline/client/"
    "retry_stage_execution.html",
    "Resumes the pipeline execution by retrying the last failed actions in a stage.")
_RETRY_WHEN = Citation(
    f"{_GUIDE}/stage-retry.html",
    "Before a stage can be retried, it must either have all actions failed or some actions failed and some "
    "succeeded.")
_RETRY_LATEST = Citation(
    f"{_GUIDE}/concepts-how-it-works.html",
    "Another execution enters the failed stage and supersedes the failed execution. At this point, the failed "
    "execution cannot be retried.")
_RETRY_ERRORS = Citation(
    f"{_API}/API_RetryStageExecution.html",
    "Unable to retry. The pipeline structure or stage state might have changed while actions awaited retry, or the "
    "stage contains no failed actions.")
_RETRY_STOPPED = Citation(
    f"{_GUIDE}/pipelines-stop.html",
    "For a pipeline execution in a Stopped state, the actions in the stage where the execution stopped can be "
    "retried.")
_START = Citation(
    f"{_API}/API_StartPipelineExecution.html",
    "Starts the specified pipeline. Specifically, it begins processing the latest commit to the source location "
    "specified as part of the pipeline.")
_PIPELINE_VARIABLE = Citation(
    f"{_API}/API_PipelineVariable.html",
    "The value of a pipeline-level variable. Type: String Length Constraints: Minimum length of 1. Maximum length "
    "of 1000.")
_GET_EXECUTION = Citation(
    f"{_API}/API_GetPipelineExecution.html",
    "Returns information about an execution of a pipeline, including details about artifacts, the pipeline "
    "execution ID, and the name, version, and status of the pipeline.")
_EXECUTION_TYPE = Citation(
    f"{_GUIDE}/stage-rollback.html",
    "The type of execution, either standard or rollback, displays in the pipeline history, pipeline state, and "
    "pipeline execution details.")
_GET_STATE = Citation(
    f"{_API}/API_GetPipelineState.html",
    "Returns information about the state of a pipeline, including the stages and actions.")
_LIST = Citation(
    f"{_API}/API_ListPipelineExecutions.html",
    "Gets a summary of the most recent executions for a pipeline.")
_GET_PIPELINE = Citation(
    f"{_API}/API_GetPipeline.html",
    "Returns the metadata, structure, stages, and actions of a pipeline.")
_NOT_FOUND = Citation(
    f"{_API}/API_GetPipelineState.html",
    "PipelineNotFoundException The pipeline was specified in an invalid format or cannot be found.")

# ------------------------------------------------------------------------------------------------ the world's seams

#: ``deploy_stack(account, region, stack_name, template_ref, revision)``: deploy the revision's template
#: (``template_ref`` is the action's ``TemplatePath``, ``artifact::file``); return the stack's outputs, or raise.
DeployStack = Callable[[str, str, str, str, str], "Mapping[str, str] | None"]
#: ``start_execution(account, region, state_machine_arn, name, input) -> execution_arn``, or raise.
StartExecution = Callable[[str, str, str, str, str], str]
#: ``describe_execution(account, region, execution_arn) -> status`` (``RUNNING``, ``SUCCEEDED``, ``FAILED``,
#: ``TIMED_OUT``, ``ABORTED``).
DescribeExecution = Callable[[str, str, str], str]
#: ``update_pipeline(revision)``: CDK Pipelines' self-mutation deploys the pipeline stack of that revision.
UpdatePipeline = Callable[[str], None]
#: ``alarm_state(account, region, alarm_name) -> "OK" | "ALARM" | "INSUFFICIENT_DATA"``.
AlarmState = Callable[[str, str, str], str]

RollbackVariables = Literal["target", "own"]

_TERMINAL_SFN = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
_VARIABLE = re.compile(r"#\{([A-Za-z0-9@_-]+)\.([A-Za-z0-9@_-]+)\}")
_STATES_ARN = re.compile(r"^arn:[a-z-]+:states:([a-z0-9-]+):(\d{12}):stateMachine:[A-Za-z0-9_-]+$")
_ROLE_ARN = re.compile(r"^arn:[a-z-]+:iam::(\d{12}):role/")
#: Properties of ``AWS::CodePipeline::Pipeline`` the fake reads or may ignore (they change nothing here).
_PIPELINE_KEYS = {"ArtifactStore", "ArtifactStores", "Name", "PipelineType", "RestartExecutionOnUpdate", "RoleArn",
                  "Stages", "Variables", "ExecutionMode", "Tags"}
_STAGE_KEYS = {"Name", "Actions", "BeforeEntry", "OnFailure"}
_ACTION_KEYS = {"Name", "ActionTypeId", "Configuration", "InputArtifacts", "OutputArtifacts", "Region", "RoleArn",
                "RunOrder", "Namespace"}
_PROVIDERS = {("Build", "CodeBuild"), ("Deploy", "CloudFormation"), ("Invoke", "StepFunctions")}
_CFN_MODES_MODELLED = {"CREATE_UPDATE", "CHANGE_SET_REPLACE", "CHANGE_SET_EXECUTE"}
#: CDK Pipelines' self-mutation action (``aws-cdk-lib/pipelines``: stage ``UpdatePipeline``, action ``SelfMutate``).
SELF_MUTATE = ("UpdatePipeline", "SelfMutate")


# ------------------------------------------------------------------------------------------------ ground truth


@dataclass
class ActionRun:
    """One action execution, as it really happened (simulated seconds since the scenario's start)."""

    pipeline: str
    execution_id: str
    stage: str
    action: str
    action_execution_id: str
    run_order: int
    provider: str
    started: float
    status: str = "InProgress"  # InProgress | Succeeded | Failed | Abandoned
    ended: float | None = None
    summary: str = ""
    external_id: str = ""
    resolved: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StageAttempt:
    """One attempt of a stage execution: its first run (`number` 1) or a retry of it (``RetryStageExecution``,
    `retry_mode` ``FAILED_ACTIONS`` or ``ALL_ACTIONS``), with its own times, status and summary."""

    number: int
    started: float
    ended: float | None
    status: str
    summary: str
    retry_mode: str = ""


@dataclass
class StageRun:
    """One stage execution of one pipeline execution; a retry continues the same stage execution (each attempt is
    kept: :meth:`attempts`)."""

    pipeline: str
    execution_id: str
    stage: str
    type: str  # STANDARD | ROLLBACK
    version: int
    started: float
    status: str = "InProgress"  # InProgress | Succeeded | Failed | Stopping | Stopped | Cancelled
    ended: float | None = None
    summary: str = ""
    #: The latest run of each action of the stage in this stage execution.
    actions: dict[str, ActionRun] = field(default_factory=dict)
    group: int = -1
    epoch: int = 0
    #: The attempts a retry ended, oldest first; the current attempt is this run's own status, end and summary.
    earlier: list[StageAttempt] = field(default_factory=list)
    #: When and how the current attempt was retried (None and "" for the first attempt).
    retried_at: float | None = None
    retry_mode: str = ""

    @property
    def retries(self) -> int:
        """How many times this stage execution was retried (one per attempt a retry ended)."""
        return len(self.earlier)

    def current(self) -> StageAttempt:
        """The attempt under way or last ended: this run's own status, end and summary."""
        started = self.started if self.retried_at is None else self.retried_at
        return StageAttempt(self.retries + 1, started, self.ended, self.status, self.summary, self.retry_mode)

    def attempts(self) -> list[StageAttempt]:
        """Every attempt of this stage execution, oldest first, the current one last."""
        return [*self.earlier, self.current()]


@dataclass
class Execution:
    """One pipeline execution: type, revision, trigger, status and times."""

    pipeline: str
    account: str
    region: str
    id: str
    version: int
    type: str  # STANDARD | ROLLBACK
    trigger_type: str
    trigger_detail: str
    revision: str
    variables: dict[str, str]
    started: float
    status: str = "InProgress"  # InProgress | Stopping | Stopped | Succeeded | Superseded | Failed | Cancelled
    ended: float | None = None
    summary: str = ""
    rollback_target: str | None = None
    only_stage: str | None = None
    stop_reason: str = ""
    stop_mode: str | None = None  # None | "wait" | "abandon"
    #: Output variables by namespace, as the actions of this execution produced them.
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    stage_index: int = -1
    stage_run: StageRun | None = None
    succeeded_stages: set[str] = field(default_factory=set)
    #: (ended, status, summary) of each time the execution ended before a stage retry resumed it, oldest first.
    ended_before: list[tuple[float | None, str, str]] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.status in ("InProgress", "Stopping")


@dataclass
class StateMachineStart:
    """A Step Functions execution a pipeline action started (it may outlive the action)."""

    at: float
    execution_arn: str
    pipeline: str
    execution_id: str
    stage: str
    action: str


@dataclass
class _Action:
    name: str
    category: str
    provider: str
    run_order: int
    configuration: dict[str, str]
    region: str | None
    role_arn: str | None
    namespace: str | None
    declaration: dict[str, Any]


@dataclass
class _Stage:
    name: str
    actions: list[_Action]
    orders: list[int]
    entry_rules: list[dict[str, Any]]
    rollback_on_failure: bool
    declaration: dict[str, Any]

    @property
    def is_source(self) -> bool:
        return any(a.category == "Source" for a in self.actions)

    def group(self, index: int) -> list[_Action]:
        return [a for a in self.actions if a.run_order == self.orders[index]]


@dataclass
class _Pipeline:
    account: str
    region: str
    name: str
    properties: dict[str, Any]
    stages: list[_Stage]
    version: int
    created: float
    updated: float
    source_revision: str
    declared_variables: dict[str, str]
    restart_on_update: bool
    locks: dict[str, Execution] = field(default_factory=dict)
    waiting: dict[str, Execution] = field(default_factory=dict)
    latest: dict[str, StageRun] = field(default_factory=dict)
    history: dict[str, list[StageRun]] = field(default_factory=dict)
    executions: list[Execution] = field(default_factory=list)
    change_sets: dict[tuple[str, str, str, str], str] = field(default_factory=dict)

    def stage(self, name: str) -> tuple[int, _Stage] | None:
        return next(((i, s) for i, s in enumerate(self.stages) if s.name == name), None)


# ------------------------------------------------------------------------------------------------ the fake


class FakeCodePipeline:
    """CodePipeline V2 for every account and region of a simulated world, on the world's scheduler.

    Parameters
    ----------
    scheduler:
        The world's :class:`~seawall.sim.clock.Scheduler` (its clock is the world's).
    deploy_stack:
        ``deploy_stack(account, region, stack_name, template_ref, revision) -> outputs | None``; raising fails
        the CloudFormation action.  The world deploys the revision's template through ``sim.cloudformation``.
    start_execution, describe_execution:
        The Step Functions invoke action's calls (see :data:`StartExecution`, :data:`DescribeExecution`).
    update_pipeline:
        CDK Pipelines' self-mutation: ``update_pipeline(revision)`` deploys the pipeline stack of that revision,
        which reaches this fake as a resource update.  Default: the pipeline never changes itself.
    alarm_state:
        Read by ``BeforeEntry`` CloudWatchAlarm rules.  Default: none; a pipeline with such a rule then fails
        loudly when a stage is entered.
    source_seconds, build_seconds, deploy_seconds:
        How long a source action, a CodeBuild action and a CloudFormation action take (the deploy itself happens
        when the action starts).  Default 10 s, 120 s and 60 s.
    sfn_poll_seconds:
        How often the Step Functions action calls ``DescribeExecution``; AWS does not document it.  Default 60 s.
    rollback_variables:
        What a rollback execution's ``#{...}`` references resolve to, which AWS documents ambiguously ("will use
        the variables and artifacts from the execution to which it is rolling back"): ``"target"`` (default, the
        literal reading) resolves ``#{codepipeline.PipelineExecutionId}`` and every action's output variables to
        the target execution's; ``"own"`` resolves them to the rollback execution's own ID and to what its re-run
        actions produce (variables its stage does not produce still come from the target).
    entry_failure_rolls_back:
        Whether a stage failed by its ``BeforeEntry`` condition runs its ``OnFailure: ROLLBACK``.  Undocumented.
        Default False.
    rollback_checks_entry:
        Whether a rollback execution evaluates the stage's ``BeforeEntry`` condition.  Undocumented.  Default True.
    start_on_create:
        Whether creating a pipeline starts an execution (trigger ``CreatePipeline``).  Default True.
    initial_revision:
        The source revision a new pipeline sees until :meth:`push` (``set_source_revision``) changes it.
    """

    def __init__(self, scheduler: Scheduler, *, deploy_stack: DeployStack, start_execution: StartExecution,
                 describe_execution: DescribeExecution, update_pipeline: UpdatePipeline | None = None,
                 alarm_state: AlarmState | None = None, source_seconds: float = 10.0, build_seconds: float = 120.0,
                 deploy_seconds: float = 60.0, sfn_poll_seconds: float = 60.0,
                 rollback_variables: RollbackVariables = "target", entry_failure_rolls_back: bool = False,
                 rollback_checks_entry: bool = True, start_on_create: bool = True,
                 initial_revision: str = "r0") -> None:
        if not isinstance(scheduler, Scheduler):
            raise TypeError(f"scheduler={scheduler!r} must be a seawall.sim.clock.Scheduler")
        for name, fn in (("deploy_stack", deploy_stack), ("start_execution", start_execution),
                         ("describe_execution", describe_execution)):
            if not callable(fn):
                raise TypeError(f"{name}={fn!r} must be callable (see seawall.sim.codepipeline.{name.title()})")
        for name, value in (("source_seconds", source_seconds), ("build_seconds", build_seconds),
                            ("deploy_seconds", deploy_seconds)):
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name}={value!r} must be a number of seconds >= 0")
        if not isinstance(sfn_poll_seconds, (int, float)) or sfn_poll_seconds <= 0:
            raise ValueError(f"sfn_poll_seconds={sfn_poll_seconds!r} must be a number of seconds > 0")
        if rollback_variables not in ("target", "own"):
            raise ValueError(f"rollback_variables={rollback_variables!r} must be 'target' (the rollback resolves "
                             f"variables to the target execution's) or 'own' (to its own)")
        self.scheduler, self.clock = scheduler, scheduler.clock
        self.deploy_stack, self.start_execution, self.describe_execution = (
            deploy_stack, start_execution, describe_execution)
        self.update_pipeline, self.alarm_state = update_pipeline, alarm_state
        self.source_seconds, self.build_seconds, self.deploy_seconds = source_seconds, build_seconds, deploy_seconds
        self.sfn_poll_seconds = float(sfn_poll_seconds)
        self.rollback_variables: RollbackVariables = rollback_variables
        self.entry_failure_rolls_back = entry_failure_rolls_back
        self.rollback_checks_entry = rollback_checks_entry
        self.start_on_create = start_on_create
        self.initial_revision = initial_revision
        self._pipelines: dict[tuple[str, str, str], _Pipeline] = {}
        self._ids = itertools.count(1)
        self._action_ids = itertools.count(1)
        #: Every pipeline execution, in the order they started.
        self.executions: list[Execution] = []
        #: Every stage execution, in the order they started.
        self.stage_runs: list[StageRun] = []
        #: Every action execution (each retry is a new one), in the order they started.
        self.action_runs: list[ActionRun] = []
        #: Every Step Functions execution a pipeline action started.
        self.state_machine_executions: list[StateMachineStart] = []

    # ================================================================== CloudFormation resource provider

    def create(self, *, account: str, region: str, stack: str, logical_id: str,
               properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        """``AWS::CodePipeline::Pipeline`` create: validate the definition, maybe start an execution."""
        name = str(properties.get("Name") or f"{stack}-{logical_id}")
        if (account, region, name) in self._pipelines:
            raise AwsError("PipelineNameInUseException", f"A pipeline named {name} already exists", 400)
        stages = self._validate_definition(properties)
        now = self.clock.seconds
        pipe = _Pipeline(account, region, name, copy.deepcopy(dict(properties)), stages, 1, now, now,
                         self.initial_revision, _declared_variables(properties),
                         bool(properties.get("RestartExecutionOnUpdate", False)))
        self._pipelines[(account, region, name)] = pipe
        if self.start_on_create:
            self._start(pipe, pipe.source_revision, "CreatePipeline", "CloudFormation", {})
        return name, {"Version": "1"}

    def update(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any], old_properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        """``AWS::CodePipeline::Pipeline`` update: a new definition (a new name is a replacement)."""
        name = str(properties.get("Name") or physical_id)
        if name != physical_id:
            return self.create(account=account, region=region, stack=stack, logical_id=logical_id,
                               properties=properties)
        pipe = self._pipeline(account, region, physical_id)
        stages = self._validate_definition(properties)
        self._apply_update(pipe, dict(properties), stages)
        return physical_id, {"Version": str(pipe.version)}

    def delete(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any]) -> None:
        pipe = self._pipelines.pop((account, region, physical_id), None)
        if pipe is not None:
            self._cancel_all(pipe, "the pipeline was deleted")

    @cites(_STRUCTURE, _CONFIG_VALUE, _SUPERSEDED_DEFAULT)
    def _validate_definition(self, props: Mapping[str, Any]) -> list[_Stage]:
        """Parse a pipeline definition; refuse what CodePipeline refuses and what the fake does not model."""
        extra = sorted(set(props) - _PIPELINE_KEYS)
        if extra:
            raise Unmodelled(f"the simulated CodePipeline does not model pipeline properties {extra}")
        if props.get("PipelineType") != "V2":
            raise Unmodelled(f"PipelineType={props.get('PipelineType')!r}: the simulation models V2 pipelines only "
                             f"(stage conditions and rollback need V2)")
        mode = props.get("ExecutionMode", "SUPERSEDED")
        if mode != "SUPERSEDED":
            raise Unmodelled(f"ExecutionMode={mode!r}: the simulation models SUPERSEDED executions only")
        raw = props.get("Stages")
        if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_STAGES_PER_PIPELINE:
            raise AwsError("InvalidStructureException", f"a pipeline has 2 to {MAX_STAGES_PER_PIPELINE} stages, "
                                                        f"not {len(raw) if isinstance(raw, list) else raw!r}")
        stages: list[_Stage] = []
        namespaces: set[str] = set()
        for i, s in enumerate(raw):
            stage = self._parse_stage(s, first=i == 0)
            if any(stage.name == other.name for other in stages):
                raise AwsError("InvalidStructureException", f"stage name {stage.name!r} appears twice; stage names "
                                                            f"in a pipeline must be unique")
            for a in stage.actions:
                if a.namespace is not None:
                    if a.namespace in namespaces:
                        raise AwsError("InvalidStructureException", f"namespace {a.namespace!r} is used twice")
                    namespaces.add(a.namespace)
            stages.append(stage)
        return stages

    def _parse_stage(self, s: Mapping[str, Any], *, first: bool) -> _Stage:
        name = str(s.get("Name", ""))
        extra = sorted(set(s) - _STAGE_KEYS)
        if extra:
            raise Unmodelled(f"stage {name!r}: the simulated CodePipeline does not model {extra}")
        raw = s.get("Actions") or []
        if not 1 <= len(raw) <= MAX_ACTIONS_PER_STAGE:
            raise AwsError("InvalidStructureException", f"stage {name!r} has {len(raw)} actions; a stage has 1 to "
                                                        f"{MAX_ACTIONS_PER_STAGE}")
        actions = [self._parse_action(name, a) for a in raw]
        if len({a.name for a in actions}) != len(actions):
            raise AwsError("InvalidStructureException", f"stage {name!r}: action names within a stage must be unique")
        sources = [a for a in actions if a.category == "Source"]
        if (first and len(sources) != len(actions)) or (not first and sources):
            raise AwsError("InvalidStructureException", f"stage {name!r}: only the first stage holds source actions, "
                                                        f"and it holds nothing else")
        rules: list[dict[str, Any]] = []
        entry = s.get("BeforeEntry")
        if entry is not None:
            conditions = entry.get("Conditions") or []
            if len(conditions) != 1:
                raise AwsError("InvalidStructureException", f"stage {name!r}: BeforeEntry takes exactly 1 condition")
            (cond,) = conditions
            if cond.get("Result") != "FAIL":
                raise Unmodelled(f"stage {name!r}: BeforeEntry Result={cond.get('Result')!r}; only FAIL is modelled")
            rules = list(cond.get("Rules") or [])
            if not 1 <= len(rules) <= MAX_RULES_PER_CONDITION:
                raise AwsError("InvalidStructureException", f"stage {name!r}: a condition takes 1 to "
                                                            f"{MAX_RULES_PER_CONDITION} rules, not {len(rules)}")
            for r in rules:
                provider = (r.get("RuleTypeId") or {}).get("Provider")
                if provider != "CloudWatchAlarm" or not (r.get("Configuration") or {}).get("AlarmName"):
                    raise Unmodelled(f"stage {name!r}: rule {r.get('Name')!r} ({provider}); only CloudWatchAlarm "
                                     f"rules with an AlarmName are modelled")
        rollback = False
        on_failure = s.get("OnFailure")
        if on_failure is not None:
            if set(on_failure) != {"Result"} or on_failure.get("Result") != "ROLLBACK":
                raise Unmodelled(f"stage {name!r}: OnFailure={on_failure!r}; only {{'Result': 'ROLLBACK'}} is "
                                 f"modelled")
            rollback = True
        orders = sorted({a.run_order for a in actions})
        return _Stage(name, actions, orders, rules, rollback, dict(s))

    def _parse_action(self, stage: str, a: Mapping[str, Any]) -> _Action:
        name = str(a.get("Name", ""))
        extra = sorted(set(a) - _ACTION_KEYS)
        if extra:
            raise Unmodelled(f"action {stage}.{name}: the simulated CodePipeline does not model {extra}")
        type_id = a.get("ActionTypeId") or {}
        category, provider = str(type_id.get("Category")), str(type_id.get("Provider"))
        if type_id.get("Owner") != "AWS" or (category != "Source" and (category, provider) not in _PROVIDERS):
            raise Unmodelled(f"action {stage}.{name}: action type {category}/{type_id.get('Owner')}/{provider} is "
                             f"not modelled")
        order = a.get("RunOrder", 1)
        if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= 999:
            raise AwsError("InvalidStructureException", f"action {stage}.{name}: RunOrder={order!r} must be a "
                                                        f"positive integer (1-999)")
        config = {str(k): _text(v) for k, v in (a.get("Configuration") or {}).items()}
        for key, value in config.items():
            if not 1 <= len(value) <= MAX_ACTION_CONFIGURATION_VALUE:
                raise AwsError("ValidationException", f"action {stage}.{name}: configuration {key} is {len(value)} "
                                                      f"characters; a value is 1 to {MAX_ACTION_CONFIGURATION_VALUE}")
        required = {"CloudFormation": ("ActionMode", "StackName"), "StepFunctions": ("StateMachineArn",)}
        missing = [k for k in required.get(provider, ()) if k not in config]
        if provider == "CloudFormation" and config.get("ActionMode") != "CHANGE_SET_EXECUTE":
            missing += [] if "TemplatePath" in config else ["TemplatePath"]
        if missing:
            raise AwsError("InvalidActionDeclarationException", f"action {stage}.{name}: {provider} needs {missing}")
        if provider == "CloudFormation" and config.get("ActionMode") not in _CFN_MODES_MODELLED:
            raise Unmodelled(f"action {stage}.{name}: CloudFormation ActionMode={config.get('ActionMode')!r}; "
                             f"modelled: {sorted(_CFN_MODES_MODELLED)}")
        if provider == "StepFunctions" and config.get("InputType", "Literal") != "Literal":
            raise Unmodelled(f"action {stage}.{name}: StepFunctions InputType={config.get('InputType')!r}; only "
                             f"Literal is modelled")
        namespace = a.get("Namespace")
        return _Action(name, category, provider, order, config, a.get("Region"), a.get("RoleArn"),
                       str(namespace) if namespace else None, dict(a))

    @cites(_CANCELLED, _RESTART, _SFN_TIMEOUT)
    def _apply_update(self, pipe: _Pipeline, properties: dict[str, Any], stages: list[_Stage]) -> None:
        """A new definition cancels every in-flight execution (not a failure: no rollback) and may restart one.

        Step Functions executions that cancelled actions started keep running: nothing stops them.
        """
        pipe.properties, pipe.stages = copy.deepcopy(properties), stages
        pipe.version += 1
        pipe.updated = self.clock.seconds
        pipe.declared_variables = _declared_variables(properties)
        pipe.restart_on_update = bool(properties.get("RestartExecutionOnUpdate", False))
        self._cancel_all(pipe, f"the pipeline's definition was updated (version {pipe.version})")
        if pipe.restart_on_update:
            self._start(pipe, pipe.source_revision, "StartPipelineExecution", "RestartExecutionOnUpdate", {})

    def _cancel_all(self, pipe: _Pipeline, why: str) -> None:
        now = self.clock.seconds
        for ex in pipe.executions:
            if not ex.active:
                continue
            ex.status, ex.ended, ex.summary = "Cancelled", now, why
            run = ex.stage_run
            if run is not None and run.status in ("InProgress", "Stopping"):
                run.status, run.ended, run.summary = "Cancelled", now, why
                run.epoch += 1
                for arun in run.actions.values():
                    if arun.status == "InProgress":
                        arun.status, arun.ended, arun.summary = "Abandoned", now, why
        pipe.locks.clear()
        pipe.waiting.clear()

    # ================================================================== the API

    def handle(self, operation: str, params: Mapping[str, Any], *, account: str, region: str) -> dict[str, Any]:
        return dispatch(self, "CodePipeline", operation, params, account, region)

    def _pipeline(self, account: str, region: str, name: str) -> _Pipeline:
        pipe = self._pipelines.get((account, region, str(name)))
        if pipe is None:
            raise AwsError("PipelineNotFoundException", f"Account '{account}' does not have a pipeline with name "
                                                        f"'{name}'", 400)
        return pipe

    def _stage_of(self, pipe: _Pipeline, name: str) -> tuple[int, _Stage]:
        found = pipe.stage(name)
        if found is None:
            raise AwsError("StageNotFoundException", f"Stage {name} was not found in {pipe.name}", 400)
        return found

    def _execution(self, pipe: _Pipeline, execution_id: str) -> Execution:
        found = next((e for e in pipe.executions if e.id == execution_id), None)
        if found is None:
            raise AwsError("PipelineExecutionNotFoundException", f"Pipeline execution {execution_id} was not found "
                                                                  f"in pipeline {pipe.name}", 400)
        return found

    @cites(_START, _PIPELINE_VARIABLE, _NOT_FOUND)
    def _op_StartPipelineExecution(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        pipe = self._pipeline(account, region, params["name"])
        if params.get("sourceRevisions"):
            raise Unmodelled("StartPipelineExecution sourceRevisions is not modelled")
        variables: dict[str, str] = {}
        for v in params.get("variables") or []:
            value = str(v["value"])
            if not 1 <= len(value) <= MAX_ACTION_CONFIGURATION_VALUE:
                raise AwsError("ValidationException", f"variables.{v['name']}: a value is 1 to "
                                                      f"{MAX_ACTION_CONFIGURATION_VALUE} characters, not {len(value)}")
            if v["name"] not in pipe.declared_variables:
                raise Unmodelled(f"variable {v['name']!r} is not declared on pipeline {pipe.name}; what CodePipeline "
                                 f"answers then is not modelled")
            variables[str(v["name"])] = value
        ex = self._start(pipe, pipe.source_revision, "StartPipelineExecution", self._caller(), variables)
        return {"pipelineExecutionId": ex.id}

    @cites(_GET_EXECUTION, _EXECUTION_TYPE)
    def _op_GetPipelineExecution(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        pipe = self._pipeline(account, region, params["pipelineName"])
        ex = self._execution(pipe, str(params["pipelineExecutionId"]))
        out = {**_execution_fields(ex), "pipelineName": pipe.name, "pipelineVersion": ex.version,
               "artifactRevisions": [{"name": self._source_name(pipe), "revisionId": ex.revision}],
               "variables": [{"name": k, "resolvedValue": v}
                             for k, v in sorted(self._pipeline_variables(pipe, ex).items())]}
        return {"pipelineExecution": out}

    @cites(_GET_STATE, _EXECUTION_TYPE)
    def _op_GetPipelineState(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        pipe = self._pipeline(account, region, params["name"])
        states = []
        for stage in pipe.stages:
            state: dict[str, Any] = {"stageName": stage.name}
            run = pipe.latest.get(stage.name)
            if run is not None:
                state["latestExecution"] = {"pipelineExecutionId": run.execution_id, "status": run.status,
                                            "type": run.type}
                state["actionStates"] = [self._action_state(run.actions[a.name]) for a in stage.actions
                                         if a.name in run.actions]
            waiting = pipe.waiting.get(stage.name)
            if waiting is not None and waiting.active:
                inbound = {"pipelineExecutionId": waiting.id, "status": "InProgress", "type": waiting.type}
                state["inboundExecution"], state["inboundExecutions"] = inbound, [inbound]
            states.append(state)
        return {"pipelineName": pipe.name, "pipelineVersion": pipe.version, "stageStates": states,
                "created": self.clock.at(pipe.created), "updated": self.clock.at(pipe.updated)}

    def _action_state(self, arun: ActionRun) -> dict[str, Any]:
        latest: dict[str, Any] = {"actionExecutionId": arun.action_execution_id, "status": arun.status,
                                  "lastStatusChange": self.clock.at(arun.ended if arun.ended is not None
                                                                    else arun.started)}
        if arun.summary:
            latest["summary"] = arun.summary
        if arun.external_id:
            latest["externalExecutionId"] = arun.external_id
        return {"actionName": arun.action, "latestExecution": latest}

    @cites(_LIST, _EXECUTION_TYPE)
    def _op_ListPipelineExecutions(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        pipe = self._pipeline(account, region, params["pipelineName"])
        size = int(params.get("maxResults") or 100)
        if not 1 <= size <= 100:
            raise AwsError("ValidationException", f"maxResults={size} must be 1 to 100")
        start = int(params.get("nextToken") or 0)
        found = list(reversed(pipe.executions))
        stage = ((params.get("filter") or {}).get("succeededInStage") or {}).get("stageName")
        if stage is not None:
            found = [e for e in found if stage in e.succeeded_stages and e.version == pipe.version]
        page = found[start:start + size]
        out: dict[str, Any] = {"pipelineExecutionSummaries": [self._summary(pipe, e) for e in page]}
        if start + size < len(found):
            out["nextToken"] = str(start + size)
        return out

    def _summary(self, pipe: _Pipeline, ex: Execution) -> dict[str, Any]:
        out = {**_execution_fields(ex), "startTime": self.clock.at(ex.started),
               "lastUpdateTime": self.clock.at(ex.ended if ex.ended is not None else self.clock.seconds),
               "sourceRevisions": [{"actionName": self._source_name(pipe), "revisionId": ex.revision}]}
        if ex.stop_reason:
            out["stopTrigger"] = {"reason": ex.stop_reason}
        return out

    @cites(_GET_PIPELINE)
    def _op_GetPipeline(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        pipe = self._pipeline(account, region, params["name"])
        if params.get("version") not in (None, pipe.version):
            raise AwsError("PipelineVersionNotFoundException", f"version {params['version']} of {pipe.name} is not "
                                                               f"kept by the simulation", 400)
        p = pipe.properties
        decl: dict[str, Any] = {"name": pipe.name, "roleArn": str(p.get("RoleArn", "")), "version": pipe.version,
                                "pipelineType": "V2", "executionMode": "SUPERSEDED",
                                "stages": [_stage_declaration(s) for s in pipe.stages]}
        if p.get("Variables"):
            decl["variables"] = [{k[0].lower() + k[1:]: str(v) for k, v in var.items()} for var in p["Variables"]]
        return {"pipeline": decl,
                "metadata": {"pipelineArn": f"arn:aws:codepipeline:{region}:{account}:{pipe.name}",
                             "created": self.clock.at(pipe.created), "updated": self.clock.at(pipe.updated)}}

    @cites(_RETRY, _RETRY_RESUMES, _RETRY_WHEN, _RETRY_LATEST, _RETRY_ERRORS, _RETRY_STOPPED)
    def _op_RetryStageExecution(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        pipe = self._pipeline(account, region, params["pipelineName"])
        index, stage = self._stage_of(pipe, str(params["stageName"]))
        mode = params["retryMode"]
        if mode not in ("FAILED_ACTIONS", "ALL_ACTIONS"):
            raise AwsError("ValidationException", f"retryMode={mode!r} must be FAILED_ACTIONS or ALL_ACTIONS")
        run = pipe.latest.get(stage.name)
        if run is None or run.execution_id != params["pipelineExecutionId"]:
            raise AwsError("NotLatestPipelineExecutionException", "The stage has failed in a later run of the "
                           "pipeline and the pipelineExecutionId associated with the request is out of date.", 400)
        if run.status not in ("Failed", "Stopped") or run.version != pipe.version:
            raise AwsError("StageNotRetryableException", f"Unable to retry stage {stage.name}: it is {run.status}"
                           + ("" if run.version == pipe.version else "; the pipeline structure changed since"), 400)
        if any(a.status == "InProgress" for a in run.actions.values()):
            raise AwsError("StageNotRetryableException", f"Unable to retry stage {stage.name}: actions are in "
                                                         f"progress", 400)
        failed: list[str] = []
        if mode == "FAILED_ACTIONS":
            failed = [a.name for a in stage.actions if a.name in run.actions
                      and run.actions[a.name].status in ("Failed", "Abandoned")]
            if not failed:
                raise AwsError("StageNotRetryableException", f"Unable to retry stage {stage.name}: the stage "
                                                             f"contains no failed actions", 400)
        ex = self._execution(pipe, run.execution_id)
        ex.ended_before.append((ex.ended, ex.status, ex.summary))
        ex.status, ex.ended, ex.summary, ex.stop_mode = "InProgress", None, "", None
        run.earlier.append(run.current())
        run.retried_at, run.retry_mode = self.clock.seconds, str(mode)
        run.status, run.ended, run.summary = "InProgress", None, ""
        run.epoch += 1
        ex.stage_run, ex.stage_index = run, index
        pipe.locks[stage.name] = ex
        if mode == "ALL_ACTIONS":
            self._start_group(pipe, ex, run, stage, 0)
        else:
            self._start_group(pipe, ex, run, stage, max(run.group, 0), only=failed)
        return {"pipelineExecutionId": ex.id}

    @cites(_STOP, _ABANDON, _STOP_ERRORS)
    def _op_StopPipelineExecution(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        pipe = self._pipeline(account, region, params["pipelineName"])
        ex = next((e for e in pipe.executions if e.id == params["pipelineExecutionId"]), None)
        if ex is None or not ex.active:
            raise AwsError("PipelineExecutionNotStoppableException", "Unable to stop the pipeline execution. The "
                           "execution might already be in a Stopped state, or it might no longer be in progress.", 400)
        abandon = bool(params.get("abandon", False))
        if ex.status == "Stopping" and (not abandon or ex.stop_mode == "abandon"):
            raise AwsError("DuplicatedStopRequestException", f"Execution {ex.id} is already Stopping "
                                                             f"({ex.stop_mode})", 400)
        ex.stop_reason = str(params.get("reason") or "")
        run = ex.stage_run
        in_stage = run is not None and run.status in ("InProgress", "Stopping") and pipe.locks.get(run.stage) is ex
        if not in_stage:  # waiting in front of a stage, or between two
            for name, waiting in list(pipe.waiting.items()):
                if waiting is ex:
                    del pipe.waiting[name]
            self._end(ex, "Stopped")
            return {"pipelineExecutionId": ex.id}
        assert run is not None
        ex.status, ex.stop_mode = "Stopping", ("abandon" if abandon else "wait")
        run.status = "Stopping"
        busy = [a for a in run.actions.values() if a.status == "InProgress"]
        if abandon or not busy:
            now = self.clock.seconds
            for arun in busy:
                arun.status, arun.ended, arun.summary = "Abandoned", now, "stopped and abandoned"
            self._stopped(pipe, ex, run)
        return {"pipelineExecutionId": ex.id}

    @cites(_ROLLBACK_TARGETS, _ROLLBACK_ERRORS, _ROLLBACK_OUTDATED, _ROLLBACK_NEW_EXECUTION)
    def _op_RollbackStage(self, params: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        pipe = self._pipeline(account, region, params["pipelineName"])
        index, stage = self._stage_of(pipe, str(params["stageName"]))
        target = self._execution(pipe, str(params["targetPipelineExecutionId"]))
        if stage.is_source:
            raise AwsError("UnableToRollbackStageException", f"{stage.name} is a source stage: it cannot be rolled "
                                                             f"back", 400)
        if target.type == "ROLLBACK":
            raise AwsError("UnableToRollbackStageException", f"{target.id} is a rollback execution: it cannot be a "
                                                             f"rollback target", 400)
        if target.version != pipe.version:
            raise AwsError("PipelineExecutionOutdatedException", f"{target.id} ran pipeline version "
                           f"{target.version}; the pipeline is at version {pipe.version}", 400)
        if stage.name not in target.succeeded_stages:
            raise AwsError("UnableToRollbackStageException", f"{target.id} did not succeed in stage {stage.name}",
                           400)
        current = pipe.latest.get(stage.name)
        if current is not None and current.status in ("InProgress", "Stopping"):
            raise AwsError("UnableToRollbackStageException", f"stage {stage.name} is running", 400)
        ex = self._start_rollback(pipe, index, target, "ManualRollback", self._caller())
        return {"pipelineExecutionId": ex.id}

    def _caller(self) -> str:
        return "simulated caller"

    # ================================================================== operator actions (for the scenario engine)

    def push(self, *, account: str, region: str, pipeline: str, revision: str) -> str:
        """A new source revision: the pipeline starts an execution for it (a webhook); returns its ID."""
        pipe = self._pipeline(account, region, pipeline)
        pipe.source_revision = revision
        return self._start(pipe, revision, "WebhookV2", revision, {}).id

    def set_source_revision(self, *, account: str, region: str, pipeline: str, revision: str) -> None:
        """What the source holds now, without starting an execution (the next start, restart or creation uses it)."""
        self._pipeline(account, region, pipeline).source_revision = revision

    def pipeline_version(self, *, account: str, region: str, pipeline: str) -> int:
        return self._pipeline(account, region, pipeline).version

    def operator(self, operation: str, *, account: str, region: str, **params: Any) -> dict[str, Any]:
        """An operator's API call at this moment (``RetryStageExecution``, ``StopPipelineExecution``,
        ``RollbackStage``, ``StartPipelineExecution``), with the API's checks and errors."""
        return self.handle(operation, params, account=account, region=region)

    # ================================================================== the engine

    def _new_id(self, counter: itertools.count[int], kind: str) -> str:
        n = next(counter)
        return f"{n:08x}-{kind}-4000-8000-{n:012x}"

    def _start(self, pipe: _Pipeline, revision: str, trigger: str, detail: str,
               variables: Mapping[str, str]) -> Execution:
        ex = Execution(pipe.name, pipe.account, pipe.region, self._new_id(self._ids, "5ea1"), pipe.version,
                       "STANDARD", trigger, detail, revision, dict(variables), self.clock.seconds)
        pipe.executions.append(ex)
        self.executions.append(ex)
        self.scheduler.after(0, lambda: self._arrive(pipe, ex, 0), f"codepipeline {pipe.name} {ex.id} starts")
        return ex

    @cites(_AUTO_ROLLBACK, _ROLLBACK_NEW_EXECUTION)
    def _start_rollback(self, pipe: _Pipeline, index: int, target: Execution, trigger: str,
                        detail: str) -> Execution:
        """A new execution of one stage, of the target's revision, with the target's pipeline variables."""
        ex = Execution(pipe.name, pipe.account, pipe.region, self._new_id(self._ids, "5ea1"), pipe.version,
                       "ROLLBACK", trigger, detail, target.revision, dict(target.variables), self.clock.seconds,
                       rollback_target=target.id, only_stage=pipe.stages[index].name)
        pipe.executions.append(ex)
        self.executions.append(ex)
        self._arrive(pipe, ex, index)
        return ex

    def _end(self, ex: Execution, status: str, summary: str = "") -> None:
        ex.status, ex.ended = status, self.clock.seconds
        if summary:
            ex.summary = summary

    @cites(_LOCK, _SUPERSEDE)
    def _arrive(self, pipe: _Pipeline, ex: Execution, index: int) -> None:
        """`ex` reaches stage `index`: enter it, or wait in front of it (superseding an older waiting one)."""
        if not ex.active:
            return
        if ex.status == "Stopping":
            self._end(ex, "Stopped")
            return
        if index >= len(pipe.stages):
            self._end(ex, "Succeeded")
            return
        stage = pipe.stages[index]
        holder = pipe.locks.get(stage.name)
        if holder is not None and holder is not ex and holder.active:
            older = pipe.waiting.get(stage.name)
            if older is not None and older is not ex and older.active:
                self._end(older, "Superseded", f"superseded by {ex.id} in front of stage {stage.name}")
            pipe.waiting[stage.name] = ex
            return
        self._enter(pipe, ex, index)

    def _enter(self, pipe: _Pipeline, ex: Execution, index: int) -> None:
        stage = pipe.stages[index]
        pipe.locks[stage.name] = ex
        run = StageRun(pipe.name, ex.id, stage.name, ex.type, pipe.version, self.clock.seconds)
        pipe.latest[stage.name] = run
        pipe.history.setdefault(stage.name, []).append(run)
        self.stage_runs.append(run)
        ex.stage_run, ex.stage_index = run, index
        if stage.entry_rules and (ex.type == "STANDARD" or self.rollback_checks_entry):
            self._check_entry(pipe, ex, run, stage, waited=False)
        else:
            self._start_group(pipe, ex, run, stage, 0)

    @cites(_ENTRY_CONDITION, _RULE_SET, _ALARM_RULE)
    def _check_entry(self, pipe: _Pipeline, ex: Execution, run: StageRun, stage: _Stage, *, waited: bool) -> None:
        """A ``BeforeEntry`` condition of CloudWatchAlarm rules: a rule fails while its alarm is in one of its
        ``AlarmStates`` (default ``ALARM``); after ``WaitTime`` minutes still failing, the stage fails."""
        if self.alarm_state is None:
            raise Unmodelled(f"stage {stage.name} of {pipe.name} has BeforeEntry CloudWatchAlarm rules but the "
                             f"world gave FakeCodePipeline no alarm_state")
        failing: list[str] = []
        wait = 0.0
        for rule in stage.entry_rules:
            cfg = rule.get("Configuration") or {}
            states = [s.strip() for s in str(cfg.get("AlarmStates") or "ALARM").split(",") if s.strip()]
            alarm = str(cfg["AlarmName"])
            state = self.alarm_state(pipe.account, str(rule.get("Region") or pipe.region), alarm)
            if state in states:
                failing.append(f"{rule.get('Name')}: {alarm} is {state}")
                wait = max(wait, float(cfg.get("WaitTime") or 0) * 60)
        if not failing:
            self._start_group(pipe, ex, run, stage, 0)
        elif not waited and wait > 0:
            epoch = run.epoch

            def recheck() -> None:
                if run.epoch == epoch and run.status == "InProgress":
                    self._check_entry(pipe, ex, run, stage, waited=True)

            self.scheduler.after(wait, recheck, f"codepipeline {pipe.name} {stage.name} entry condition re-check")
        else:
            self._fail_stage(pipe, ex, run, stage, "BeforeEntry condition failed: " + "; ".join(failing),
                             entry=True)

    @cites(_RUN_ORDER, _FAILURE_UNLOCKS)
    def _start_group(self, pipe: _Pipeline, ex: Execution, run: StageRun, stage: _Stage, group: int,
                     only: list[str] | None = None) -> None:
        """Start every action of run order number `group` (stage-wide) at once; the next group waits for all."""
        if group >= len(stage.orders):
            self._stage_succeeded(pipe, ex, run, stage)
            return
        run.group = group
        actions = [a for a in stage.group(group) if only is None or a.name in only]
        started = []
        for action in actions:
            arun = ActionRun(pipe.name, ex.id, stage.name, action.name, self._new_id(self._action_ids, "ac70"),
                             action.run_order, action.provider, self.clock.seconds)
            run.actions[action.name] = arun
            self.action_runs.append(arun)
            started.append((action, arun))
        for action, arun in started:
            self._dispatch(pipe, ex, run, stage, action, arun)

    def _dispatch(self, pipe: _Pipeline, ex: Execution, run: StageRun, stage: _Stage, action: _Action,
                  arun: ActionRun) -> None:
        try:
            arun.resolved = self._resolve(pipe, ex, action)
        except _Unresolved as e:
            self._later(0, pipe, ex, run, stage, arun, "Failed", str(e), {})
            return
        if action.category == "Source":
            self._run_source(pipe, ex, run, stage, arun)
        elif action.provider == "CodeBuild":
            self._run_build(pipe, ex, run, stage, action, arun)
        elif action.provider == "CloudFormation":
            self._run_cloudformation(pipe, ex, run, stage, action, arun)
        else:
            self._run_stepfunctions(pipe, ex, run, stage, action, arun)

    def _later(self, delay: float, pipe: _Pipeline, ex: Execution, run: StageRun, stage: _Stage, arun: ActionRun,
               status: str, summary: str, outputs: Mapping[str, str]) -> None:
        epoch = run.epoch
        self.scheduler.after(delay, lambda: self._action_done(pipe, ex, run, stage, arun, epoch, status, summary,
                                                              outputs),
                             f"codepipeline {pipe.name} {stage.name}.{arun.action} ends")

    def _action_done(self, pipe: _Pipeline, ex: Execution, run: StageRun, stage: _Stage, arun: ActionRun,
                     epoch: int, status: str, summary: str, outputs: Mapping[str, str]) -> None:
        if arun.status != "InProgress" or run.epoch != epoch:
            return  # abandoned, cancelled, or superseded by a retry
        arun.status, arun.ended, arun.summary = status, self.clock.seconds, summary
        arun.outputs = dict(outputs)
        action = next(a for a in stage.actions if a.name == arun.action)
        if status == "Succeeded" and action.namespace is not None:
            ex.outputs[action.namespace] = dict(outputs)
        group = [run.actions[a.name] for a in stage.group(run.group) if a.name in run.actions]
        if any(a.status == "InProgress" for a in group):
            return
        if ex.stop_mode == "wait":
            self._stopped(pipe, ex, run)
        elif any(a.status != "Succeeded" for a in group):
            bad = [f"{a.action}: {a.summary}" for a in group if a.status != "Succeeded"]
            self._fail_stage(pipe, ex, run, stage, "; ".join(bad))
        else:
            self._start_group(pipe, ex, run, stage, run.group + 1)

    def _release(self, pipe: _Pipeline, stage: str, ex: Execution) -> None:
        """`ex` leaves `stage`; the execution waiting in front of it, if any, arrives (and may wait again)."""
        if pipe.locks.get(stage) is ex:
            del pipe.locks[stage]
        waiting = pipe.waiting.pop(stage, None)
        if waiting is not None and waiting.active:
            index = next(i for i, s in enumerate(pipe.stages) if s.name == stage)
            self.scheduler.after(0, lambda: self._arrive(pipe, waiting, index),
                                 f"codepipeline {pipe.name} {waiting.id} enters {stage}")

    def _stage_succeeded(self, pipe: _Pipeline, ex: Execution, run: StageRun, stage: _Stage) -> None:
        run.status, run.ended = "Succeeded", self.clock.seconds
        ex.succeeded_stages.add(stage.name)
        index = ex.stage_index
        self._release(pipe, stage.name, ex)
        if ex.only_stage is not None or index + 1 >= len(pipe.stages):
            self._end(ex, "Succeeded")
            return
        self.scheduler.after(0, lambda: self._arrive(pipe, ex, index + 1),
                             f"codepipeline {pipe.name} {ex.id} leaves {stage.name}")

    def _stopped(self, pipe: _Pipeline, ex: Execution, run: StageRun) -> None:
        run.status, run.ended = "Stopped", self.clock.seconds
        run.epoch += 1
        self._end(ex, "Stopped")
        self._release(pipe, run.stage, ex)

    def _fail_stage(self, pipe: _Pipeline, ex: Execution, run: StageRun, stage: _Stage, summary: str, *,
                    entry: bool = False) -> None:
        now = self.clock.seconds
        run.status, run.ended, run.summary = "Failed", now, summary
        self._end(ex, "Failed", f"stage {stage.name} failed: {summary}")
        if pipe.locks.get(stage.name) is ex:
            del pipe.locks[stage.name]
        if stage.rollback_on_failure and ex.type == "STANDARD" and (not entry or self.entry_failure_rolls_back):
            self._roll_back_on_failure(pipe, stage)
        self._release(pipe, stage.name, ex)

    @cites(_AUTO_ROLLBACK, _ROLLBACK_TARGETS)
    def _roll_back_on_failure(self, pipe: _Pipeline, stage: _Stage) -> Execution | None:
        """``OnFailure: ROLLBACK``: the most recent standard execution that succeeded in the stage, started in the
        current pipeline version; none, no rollback.  The rollback enters the stage before any waiting execution."""
        target = None
        for past in reversed(pipe.history.get(stage.name, [])):
            if past.status == "Succeeded" and past.type == "STANDARD" and past.version == pipe.version:
                target = self._execution(pipe, past.execution_id)
                break
        if target is None:
            return None
        index = next(i for i, s in enumerate(pipe.stages) if s.name == stage.name)
        return self._start_rollback(pipe, index, target, "AutomatedRollback", stage.name)

    # ------------------------------------------------------------------ variables

    @cites(_IMPLICIT_VARIABLES, _RESOLUTION, _ROLLBACK_VARIABLES)
    def _resolve(self, pipe: _Pipeline, ex: Execution, action: _Action) -> dict[str, str]:
        """Every ``#{namespace.key}`` of the action's configuration, before the action starts.

        In a rollback execution the scope depends on :attr:`rollback_variables` (see the constructor).
        """
        own_id, outputs = ex.id, ex.outputs
        if ex.type == "ROLLBACK" and ex.rollback_target is not None:
            target = self._execution(pipe, ex.rollback_target)
            if self.rollback_variables == "target":
                own_id, outputs = target.id, target.outputs
            else:
                outputs = {**target.outputs, **ex.outputs}
        pipeline_variables = self._pipeline_variables(pipe, ex)

        def one(m: re.Match[str]) -> str:
            ns, key = m.group(1), m.group(2)
            if ns == "codepipeline" and key == "PipelineExecutionId":
                return own_id
            if ns == "variables" and key in pipeline_variables:
                return pipeline_variables[key]
            if ns in outputs and key in outputs[ns]:
                return outputs[ns][key]
            raise _Unresolved(f"variable #{{{ns}.{key}}} could not be resolved")

        return {k: _VARIABLE.sub(one, v) for k, v in action.configuration.items()}

    def _pipeline_variables(self, pipe: _Pipeline, ex: Execution) -> dict[str, str]:
        return {**pipe.declared_variables, **ex.variables}

    def _source_name(self, pipe: _Pipeline) -> str:
        return pipe.stages[0].actions[0].name

    # ------------------------------------------------------------------ action executors

    @cites(_START)
    def _run_source(self, pipe: _Pipeline, ex: Execution, run: StageRun, stage: _Stage, arun: ActionRun) -> None:
        """A source action delivers the revision the execution started with (the source's latest when it started)
        after ``source_seconds``; a later change of the source does not reach it."""
        self._later(self.source_seconds, pipe, ex, run, stage, arun, "Succeeded", f"revision {ex.revision}",
                    {"CommitId": ex.revision})

    @cites(_SELF_MUTATE, _RESTART)
    def _run_build(self, pipe: _Pipeline, ex: Execution, run: StageRun, stage: _Stage, action: _Action,
                   arun: ActionRun) -> None:
        """A CodeBuild action succeeds after ``build_seconds``; CDK Pipelines' ``SelfMutate`` then deploys the
        pipeline stack of the execution's revision (``update_pipeline``): when that changes the pipeline, the
        update cancels this execution and ``RestartExecutionOnUpdate`` starts a new one."""
        epoch = run.epoch

        def finish() -> None:
            if arun.status != "InProgress" or run.epoch != epoch:
                return
            if (stage.name, action.name) == SELF_MUTATE and self.update_pipeline is not None:
                self.update_pipeline(ex.revision)
            self._action_done(pipe, ex, run, stage, arun, epoch, "Succeeded", "build succeeded", {})

        self.scheduler.after(self.build_seconds, finish, f"codepipeline {pipe.name} {stage.name}.{action.name} build")

    @cites(_CFN_MODES, _CFN_CHANGE_SETS, _CFN_OUTPUTS)
    def _run_cloudformation(self, pipe: _Pipeline, ex: Execution, run: StageRun, stage: _Stage, action: _Action,
                            arun: ActionRun) -> None:
        """Deploy the revision's template when the action starts; the action ends ``deploy_seconds`` later with the
        stack's outputs as its output variables, or fails with the deploy's error."""
        cfg = arun.resolved
        role = _ROLE_ARN.match(cfg.get("RoleArn") or action.role_arn or "")
        account = role.group(1) if role else pipe.account
        region = action.region or pipe.region
        stack = cfg["StackName"]
        mode = cfg["ActionMode"]
        if mode == "CHANGE_SET_REPLACE":
            pipe.change_sets[(account, region, stack, cfg.get("ChangeSetName", ""))] = cfg["TemplatePath"]
            self._later(0, pipe, ex, run, stage, arun, "Succeeded", "change set created", {})
            return
        if mode == "CHANGE_SET_EXECUTE":
            template = pipe.change_sets.pop((account, region, stack, cfg.get("ChangeSetName", "")), None)
            if template is None:
                self._later(0, pipe, ex, run, stage, arun, "Failed", f"ChangeSetNotFound: "
                            f"{cfg.get('ChangeSetName')} of {stack}", {})
                return
        else:
            template = cfg["TemplatePath"]
        try:
            outputs = self.deploy_stack(account, region, stack, template, ex.revision)
        except Unmodelled:
            raise
        except Exception as e:  # the world's CloudFormation failed the stack operation
            self._later(0, pipe, ex, run, stage, arun, "Failed", f"{type(e).__name__}: {e}", {})
            return
        self._later(self.deploy_seconds, pipe, ex, run, stage, arun, "Succeeded", f"deployed {stack}",
                    {str(k): str(v) for k, v in (outputs or {}).items()})

    @cites(_SFN_NAME, _SFN_INPUT, _SFN_START_FAILS, _SFN_OUTPUTS)
    def _run_stepfunctions(self, pipe: _Pipeline, ex: Execution, run: StageRun, stage: _Stage, action: _Action,
                           arun: ActionRun) -> None:
        """Start the state machine (named by the action execution ID, after ``ExecutionNamePrefix-``) with the
        resolved ``Input`` (``{}`` when absent), then poll it."""
        cfg = arun.resolved
        arn = cfg.get("StateMachineArn", "")
        where = _STATES_ARN.match(arn)
        if where is None:
            self._later(0, pipe, ex, run, stage, arun, "Failed", f"StateMachineArn {arn!r} is not a state "
                                                                 f"machine ARN", {})
            return
        region, account = where.group(1), where.group(2)
        prefix = cfg.get("ExecutionNamePrefix")
        name = f"{prefix}-{arun.action_execution_id}" if prefix else arun.action_execution_id
        try:
            execution_arn = self.start_execution(account, region, arn, name, cfg.get("Input") or "{}")
        except Unmodelled:
            raise
        except Exception as e:
            self._later(0, pipe, ex, run, stage, arun, "Failed", f"could not start {arn}: {type(e).__name__}: {e}",
                        {})
            return
        arun.external_id = execution_arn
        self.state_machine_executions.append(StateMachineStart(self.clock.seconds, execution_arn, pipe.name, ex.id,
                                                               stage.name, action.name))
        epoch = run.epoch
        self.scheduler.after(self.sfn_poll_seconds,
                             lambda: self._poll_stepfunctions(pipe, ex, run, stage, arun, epoch, account, region, arn),
                             f"codepipeline {pipe.name} {stage.name}.{action.name} polls {execution_arn}")

    @cites(_SFN_POLL, _SFN_TIMEOUT)
    def _poll_stepfunctions(self, pipe: _Pipeline, ex: Execution, run: StageRun, stage: _Stage, arun: ActionRun,
                            epoch: int, account: str, region: str, machine_arn: str) -> None:
        """``SUCCEEDED`` succeeds the action, ``FAILED``/``TIMED_OUT``/``ABORTED`` fail it; past the action's
        7 days it fails and the state machine keeps running."""
        if arun.status != "InProgress" or run.epoch != epoch:
            return
        status = self.describe_execution(account, region, arun.external_id)
        outputs = {"StateMachineArn": machine_arn, "ExecutionArn": arun.external_id}
        if status == "SUCCEEDED":
            self._action_done(pipe, ex, run, stage, arun, epoch, "Succeeded", "state machine succeeded", outputs)
            return
        if status in _TERMINAL_SFN:
            self._action_done(pipe, ex, run, stage, arun, epoch, "Failed", f"state machine execution {status}",
                              outputs)
            return
        deadline = arun.started + MAX_STEP_FUNCTIONS_ACTION_DURATION.total_seconds()
        if self.clock.seconds >= deadline:
            self._action_done(pipe, ex, run, stage, arun, epoch, "Failed", "the action timed out after 7 days; the "
                              "state machine execution continues", outputs)
            return
        self.scheduler.at(min(self.clock.seconds + self.sfn_poll_seconds, deadline),
                          lambda: self._poll_stepfunctions(pipe, ex, run, stage, arun, epoch, account, region,
                                                           machine_arn),
                          f"codepipeline {pipe.name} {stage.name}.{arun.action} polls {arun.external_id}")


class _Unresolved(Exception):
    """A ``#{...}`` reference with no value: the action fails."""


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _execution_fields(ex: Execution) -> dict[str, Any]:
    """What ``GetPipelineExecution`` and ``ListPipelineExecutions`` both say of an execution."""
    out: dict[str, Any] = {"pipelineExecutionId": ex.id, "status": ex.status,
                           "trigger": {"triggerType": ex.trigger_type, "triggerDetail": ex.trigger_detail},
                           "executionMode": "SUPERSEDED", "executionType": ex.type}
    if ex.summary:
        out["statusSummary"] = ex.summary
    if ex.rollback_target:
        out["rollbackMetadata"] = {"rollbackTargetPipelineExecutionId": ex.rollback_target}
    return out


def _declared_variables(props: Mapping[str, Any]) -> dict[str, str]:
    return {str(v["Name"]): str(v.get("DefaultValue", "")) for v in props.get("Variables") or []}


def _stage_declaration(stage: _Stage) -> dict[str, Any]:
    """A stage as ``GetPipeline`` answers it (the API's camelCase names)."""
    actions = []
    for a in stage.actions:
        d = a.declaration
        t = d["ActionTypeId"]
        decl: dict[str, Any] = {"name": a.name, "actionTypeId": {"category": t["Category"], "owner": t["Owner"],
                                                                 "provider": t["Provider"],
                                                                 "version": str(t["Version"])},
                                "runOrder": a.run_order, "configuration": dict(a.configuration),
                                "inputArtifacts": [{"name": x["Name"]} for x in d.get("InputArtifacts") or []],
                                "outputArtifacts": [{"name": x["Name"]} for x in d.get("OutputArtifacts") or []]}
        for key, api in (("Region", "region"), ("RoleArn", "roleArn"), ("Namespace", "namespace")):
            if d.get(key):
                decl[api] = str(d[key])
        actions.append(decl)
    out: dict[str, Any] = {"name": stage.name, "actions": actions}
    if stage.rollback_on_failure:
        out["onFailure"] = {"result": "ROLLBACK"}
    if stage.entry_rules:
        out["beforeEntry"] = {"conditions": [{"result": "FAIL", "rules": [
            {"name": str(r["Name"]), "ruleTypeId": {k[0].lower() + k[1:]: str(v) for k, v in r["RuleTypeId"].items()},
             "configuration": {k: str(v) for k, v in (r.get("Configuration") or {}).items()},
             **({"region": str(r["Region"])} if r.get("Region") else {})}
            for r in stage.entry_rules]}]}
    return out


__all__ = ["ActionRun", "Execution", "FakeCodePipeline", "StageAttempt", "StageRun", "StateMachineStart"]
