"""The release state machines of a team in one region and account: gate, shift and bake.

Deploy one :class:`ReleaseStateMachines` per region and account the team
deploys to (the team monitoring stack is a good home).  The pipeline finds
the machines by name (:func:`seawall.model.naming.state_machine_name`), so a
service pipeline never needs a reference to them.  Inputs and the team
settings are :mod:`seawall.model.contracts`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta

from aws_cdk import Acknowledgment, CfnResource, Duration, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from ..model._validate import require_items
from ..model.contracts import (
    BAKE_KIND,
    BAKE_POLL,
    DEFAULT_GATE_POLL,
    DEFAULT_GATE_WAIT,
    GATE_KIND,
    MAX_BAKE_WAIT,
    MAX_GATE_WAIT,
    MAX_SHIFT_POLL,
    MIN_BAKE_POLL,
    MIN_SHIFT_POLL,
    SHIFT_KIND,
    SHIFT_TIMEOUT,
    TEAM_SETTINGS_ENV,
    TeamSettings,
)
from ..model.limits import MAX_LAMBDA_ENVIRONMENT
from ..model.naming import TEAM_TAG_KEY, check_team, state_machine_name
from ..model.policies import MAX_SHIFT_DURATION, SHIFT_POLL
from ..model.window import TimeWindow
from ._assets import (
    POWERTOOLS_LAYER_ACCOUNT,
    POWERTOOLS_LAYER_NAME,
    POWERTOOLS_LAYER_VERSION,
    RELEASE_HANDLERS,
    RUNTIME_NAME,
    release_asset_dir,
)
from .pipeline_nag import nag_text

#: The Lambda runtime of every Seawall function; the facts behind it live in :mod:`._assets`.
RUNTIME = lambda_.Runtime.PYTHON_3_13
if RUNTIME.name != RUNTIME_NAME:  # pragma: no cover - a guard for whoever raises one without the other
    raise RuntimeError(f"RUNTIME={RUNTIME.name} disagrees with _assets.RUNTIME_NAME={RUNTIME_NAME}")

#: Errors a task retries with backoff: throttling and transient faults of the AWS APIs the
#: Lambdas call (raised as ThrottledError) and of Lambda itself.
RETRYABLE = [
    "ThrottledError", "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException", "Lambda.ClientExecutionTimeoutException",
]



def lambda_asset_dir() -> str:
    """The directory synthesis deploys as the release Lambdas' code, built once per process.

    ``seawall/__init__.py``, ``seawall/model`` and ``seawall/lambdas/release``
    (``*.py`` only, no ``__pycache__``); Powertools comes from its public
    layer and boto3 from the runtime; nothing else is needed (the time
    window's holidays are resolved dates in the team settings, the Lambdas'
    ``SEAWALL_TEAM_SETTINGS`` environment variable).  No pip, no
    Docker, and the same bytes whatever else is installed:
    :mod:`seawall.constructs._assets` says how.
    """
    return release_asset_dir()


def _ack(resource: Construct, rule: str, reason: str) -> None:
    child = resource.node.default_child if resource.node.default_child is not None else resource
    Validations.of(child).acknowledge(Acknowledgment(id=rule, reason=reason))


class ReleaseStateMachines(Construct):
    """Gate, shift and bake state machines of `team`, in the region and account of the stack.

    Parameters
    ----------
    team:
        The team; names the machines ``seawall-{team}-{gate|shift|bake}``.
    window:
        The team's time window; every gate checks it.  Its holiday dates are
        resolved now and travel, with the other team settings, in the release
        Lambdas' ``SEAWALL_TEAM_SETTINGS`` environment variable (past their end
        the gate fails closed: redeploy the team runtime).
    blocking_alarms:
        Organisation-wide alarms every gate and bake watches after the team's
        aggregate alarm (``{team}-{region}-aggregate``).  Default: none.
    gate_poll, gate_max_wait:
        How often a gate blocked by alarms re-checks them (default 10 minutes) and
        how long it keeps waiting (default and maximum 6 days 18 hours).
    shift_poll:
        How often the shift asks CodeDeploy how its deployments are going.
        Default and minimum: 30 seconds (a shorter poll would overflow the
        execution history of a shift of ``MAX_SHIFT_DURATION``); at most 5 minutes.
    bake_poll:
        How often the bake checks its alarms.  Default and maximum: 60 seconds
        (the bake's reaction time adds at most this to the alarm's); at least
        54 seconds, so that a bake of ``MAX_BAKE_WAIT`` (40 h) fits the
        25,000-event execution history.
    pipeline_role_arns:
        Roles in pipeline accounts the context task may assume to call
        ``GetPipelineExecution`` when the pipeline lives in another account.
        Default: none (the pipeline is in this account).
    powertools_layer_version:
        Version of the public Powertools v3 layer
        (``arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-x86_64``).
        Default: 27, the version the asset-import test runs the handlers against.

    Code
    ----
    Every task runs ``python3.13`` with one asset, :func:`lambda_asset_dir`:
    ``seawall.model`` and ``seawall.lambdas.release`` as ``*.py`` files,
    nothing compiled and no third-party package (Powertools is the layer's,
    boto3 the runtime's; the window's holiday dates are resolved at synth and
    travel in the team settings in the Lambdas' environment).  Its bytes, and
    so the runtime stack's asset hash, depend only on the Seawall version,
    not on what else is installed.
    log_retention:
        Retention of the Lambda and state machine logs.  Default: one year.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        team: str,
        window: TimeWindow,
        blocking_alarms: Sequence[str] = (),
        gate_poll: timedelta = DEFAULT_GATE_POLL,
        gate_max_wait: timedelta = DEFAULT_GATE_WAIT,
        shift_poll: Duration | None = None,
        bake_poll: Duration | None = None,
        pipeline_role_arns: Sequence[str] = (),
        powertools_layer_version: int = POWERTOOLS_LAYER_VERSION,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
    ) -> None:
        super().__init__(scope, construct_id)
        self.team = check_team(team)
        #: What the gate and bake read from the team runtime; validated here, at synth.
        self.settings = TeamSettings.of(team=self.team, window=window, blocking_alarms=blocking_alarms,
                                        gate_poll=gate_poll, gate_max_wait=gate_max_wait)
        shift_poll = shift_poll or Duration.seconds(SHIFT_POLL.total_seconds())
        bake_poll = bake_poll or Duration.seconds(BAKE_POLL.total_seconds())
        low, high = int(MIN_BAKE_POLL.total_seconds()), int(BAKE_POLL.total_seconds())
        if bake_poll.is_unresolved() or not low <= bake_poll.to_seconds() <= high:
            raise ValueError(
                f"bake_poll={bake_poll.to_seconds() if not bake_poll.is_unresolved() else bake_poll} s must be "
                f"{low} to {high} seconds: the bake checks at least once a minute, and a bake may watch up to "
                f"MAX_BAKE_WAIT={MAX_BAKE_WAIT}, which at a shorter poll would overflow Step Functions' "
                f"25,000-event execution history and fail the bake before its limit")
        low, high = int(MIN_SHIFT_POLL.total_seconds()), int(MAX_SHIFT_POLL.total_seconds())
        if shift_poll.is_unresolved() or not low <= shift_poll.to_seconds() <= high:
            raise ValueError(
                f"shift_poll={shift_poll.to_seconds() if not shift_poll.is_unresolved() else shift_poll} s must be "
                f"{low} to {high} seconds: a shift may take up to MAX_SHIFT_DURATION={MAX_SHIFT_DURATION} plus "
                f"its traffic hooks, which at a shorter poll would overflow the 25,000-event execution history")
        pipeline_role_arns = require_items(pipeline_role_arns, "pipeline_role_arns",
                                           "['arn:aws:iam::111111111111:role/seawall-payments-pipeline-reader']")
        stack = Stack.of(self)
        self._stack = stack
        self._retention = log_retention
        self._code = lambda_.Code.from_asset(lambda_asset_dir())
        self._layer = lambda_.LayerVersion.from_layer_version_arn(
            self, "Powertools",
            f"arn:{stack.partition}:lambda:{stack.region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
            f"{POWERTOOLS_LAYER_NAME}:{powertools_layer_version}",
        )
        arn = self._arn
        fn = self._function
        self.functions: dict[str, lambda_.Function] = {}
        self._wildcard_reasons: dict[str, str] = {}
        context_policy = [iam.PolicyStatement(actions=["codepipeline:GetPipelineExecution"],
                                              resources=[arn("codepipeline", "*", region="*")])]
        if pipeline_role_arns:
            context_policy.append(iam.PolicyStatement(actions=["sts:AssumeRole"], resources=list(pipeline_role_arns)))
        alarms = iam.PolicyStatement(actions=["cloudwatch:DescribeAlarms"], resources=[arn("cloudwatch", "alarm:*")])
        # The release stacks the context task reads: every service stack name carries the team
        # (seawall.model.naming.service_stack_name: "{team}-{service}-{scope}-{stack}").  The Service
        # Authorization Reference gives the stack resource as
        # "arn:${Partition}:cloudformation:${Region}:${Account}:stack/${StackName}/${Id}"
        # (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudformation.html), and
        # DescribeStacks' own page scopes it the same way: '"NotResource": "arn:aws:cloudformation:*:*:stack/*/*"'
        # (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html).
        context_policy.append(iam.PolicyStatement(actions=["cloudformation:DescribeStacks"],
                                                  resources=[arn("cloudformation", f"stack/{self.team}-*/*")]))
        context = fn("Context", context_policy,
                     "reads any pipeline execution of this account in any region: pipelines and their regions "
                     "are the team's and known only at run time; reads the outputs of the team's stacks "
                     "(named {team}-*) in this region, whose names arrive in the pipeline input")
        gate_window = fn("GateWindow", [], "")
        gate_alarms = fn("GateAlarms", [alarms], "alarm names: the team aggregate of the region and the "
                         "organisation-wide alarms of the team settings (the Lambdas' environment), read at "
                         "run time")
        # Alias moves are scoped to functions that carry the team's tag, which SafeLambdaDeployment sets
        # (seawall.model.naming.TEAM_TAG_KEY): service functions have names their teams choose.  The Service
        # Authorization Reference gives UpdateAlias (and GetAlias) the resource type "function*", whose condition
        # key is "aws:ResourceTag/${TagKey}", with "arn:${Partition}:lambda:${Region}:${Account}:function:
        # ${FunctionName}" ("function alias": "...:function:${FunctionName}:${Alias}", also aws:ResourceTag)
        # (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html).
        # Lambda authorizes alias operations against the function's ARN, not the alias's: grant both forms.
        aliases = self._team_functions(["lambda:GetAlias", "lambda:UpdateAlias"])
        move_aliases = self._team_functions(["lambda:UpdateAlias"])
        # CreateDeployment, GetDeployment and ListDeployments take the resource type "deploymentgroup*",
        # "arn:${Partition}:codedeploy:${Region}:${Account}:deploymentgroup:${ApplicationName}/${DeploymentGroupName}",
        # which has no aws:ResourceTag key (same reference, list_awscodedeploy.html); every application and group
        # of the team is named "{team}-{service}-..." (seawall.model.naming.codedeploy_name), so the names scope
        # them.  "{team}-*" also covers a team whose name starts with "{team}-"; CodeDeploy names offer no tighter
        # handle.
        groups = [arn("codedeploy", f"deploymentgroup:{self.team}-*/{self.team}-*")]
        # StopDeployment: the same reference lists no resource type for it ("Grants permission to stop a
        # deployment", Write, no resource), and "If there is no value for this column, you must specify all
        # resources ("*") in the Resource element".  A narrower Resource would deny it, and a bake that cannot stop
        # CodeDeploy cannot revert (the CodeDeploy user guide's permissions table gives a deployment group ARN; the
        # authorization reference decides).  The tasks stop only deployment IDs they started or listed in the
        # team's groups.
        stop = iam.PolicyStatement(actions=["codedeploy:StopDeployment"], resources=["*"])
        shift_start = fn("ShiftStart", [
            aliases,  # a rollback execution moves the alias itself (no CodeDeploy: the group's alarms would stop it)
            # ListDeployments: a rollback execution stops the group's active deployments before it moves the alias.
            iam.PolicyStatement(actions=["codedeploy:CreateDeployment", "codedeploy:ListDeployments"],
                                resources=groups),
            stop,  # a start that fails half-way stops the deployments it already started
            iam.PolicyStatement(actions=["codedeploy:GetDeploymentConfig"],
                                resources=[arn("codedeploy", "deploymentconfig:CodeDeployDefault.*"),
                                           arn("codedeploy", f"deploymentconfig:seawall-{self.team}-*")]),
            iam.PolicyStatement(actions=["codedeploy:GetApplicationRevision", "codedeploy:RegisterApplicationRevision"],
                                resources=[arn("codedeploy", f"application:{self.team}-*")]),
        ], "aliases of functions tagged with the team (any name: the team's services name their functions), "
           "deployment groups, applications and configs named for the team ({team}-*, seawall-{team}-*, "
           "CodeDeploy's predefined CodeDeployDefault.*); StopDeployment supports no resource-level permission")
        shift_status = fn("ShiftStatus", [
            iam.PolicyStatement(actions=["codedeploy:GetDeployment"], resources=groups),
            stop,
            # When one deployment fails, siblings that already succeeded are put back on their previous version.
            move_aliases,
        ], "deployment groups named for the team ({team}-*); aliases of functions tagged with the team; "
           "StopDeployment supports no resource-level permission")
        bake_start = fn("BakeStart", [
            iam.PolicyStatement(actions=["states:DescribeExecution"],
                                resources=[arn("states", f"execution:{state_machine_name(team, 'shift')}:*")]),
        ], "reads any execution of this team's shift machine; execution names are generated at run time")
        bake_check = fn("BakeCheck", [
            alarms,
            iam.PolicyStatement(actions=["cloudwatch:GetMetricStatistics"], resources=["*"]),
        ], "GetMetricStatistics supports no resource-level permissions; alarm names come from the team "
           "settings (the Lambdas' environment) and the release stacks' outputs at run time")
        bake_revert = fn("BakeRevert", [move_aliases],
                         "reverts the alias of any function tagged with the team; names come from the shift at run "
                         "time")

        self.gate = self._machine("Gate", "gate", self._gate_definition(context, gate_window, gate_alarms),
                                  MAX_GATE_WAIT.total_seconds() + 4 * _HOUR)
        self.shift = self._machine("Shift", "shift",
                                   self._shift_definition(context, shift_start, shift_status, shift_poll),
                                   SHIFT_TIMEOUT.total_seconds())
        self.bake = self._machine("Bake", "bake",
                                  self._bake_definition(context, bake_start, bake_check, bake_revert, bake_poll),
                                  MAX_BAKE_WAIT.total_seconds() + 2 * _HOUR)

        self._acknowledge_wildcards()

    # ------------------------------------------------------------------ helpers

    def _acknowledge_wildcards(self) -> None:
        """Acknowledge each IAM5 wildcard finding by its granular ID, with the reason given per role."""
        for node in self.node.find_all():
            if not isinstance(node, iam.Policy):
                continue
            reason = self._wildcard_reasons.get(node.node.path, "")
            reason = reason or ("Step Functions log delivery and X-Ray support no resource-level permissions; "
                                "invoking a task function covers its versions (':*')")
            doc = self._stack.resolve(node.document.to_json())
            for st in doc.get("Statement", []):
                for key, kind in (("Resource", "Resource"), ("Action", "Action")):
                    values = st.get(key, [])
                    for v in values if isinstance(values, list) else [values]:
                        text = nag_text(v)
                        if "*" in text:
                            _ack(node, f"AwsSolutions-IAM5[{kind}::{text}]", reason)

    def _team_functions(self, actions: list[str]) -> iam.PolicyStatement:
        """`actions` on any function (and its qualified ARNs) that carries this team's tag, and no other."""
        return iam.PolicyStatement(
            actions=actions, resources=[self._arn("lambda", "function:*"), self._arn("lambda", "function:*:*")],
            conditions={"StringEquals": {f"aws:ResourceTag/{TEAM_TAG_KEY}": self.team}})

    def _arn(self, service: str, resource: str, *, region: str | None = None) -> str:
        s = self._stack
        return f"arn:{s.partition}:{service}:{region or s.region}:{s.account}:{resource}"

    def _function(self, name: str, statements: list[iam.PolicyStatement], wildcard_reason: str) -> lambda_.Function:
        log_group = logs.LogGroup(self, f"{name}Logs", retention=self._retention,
                                  removal_policy=RemovalPolicy.RETAIN)
        role = iam.Role(self, f"{name}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                        description=f"seawall {self.team} release task {name}")
        role.add_to_policy(iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                                               resources=[log_group.log_group_arn, f"{log_group.log_group_arn}:*"]))
        for st in statements:
            role.add_to_policy(st)
        fn = lambda_.Function(
            self, name, runtime=RUNTIME, architecture=lambda_.Architecture.X86_64, code=self._code,
            handler=RELEASE_HANDLERS[name], role=role, layers=[self._layer], memory_size=256,
            timeout=Duration.seconds(60), tracing=lambda_.Tracing.ACTIVE, log_group=log_group,
            description=f"seawall {self.team} release: {name}",
            environment=self._environment(name),
        )
        reasons = ["logs:*: the function's own log streams"]
        if wildcard_reason:
            reasons.append(wildcard_reason)
        reasons.append("xray:PutTraceSegments/PutTelemetryRecords support no resource-level permissions")
        self._wildcard_reasons[f"{role.node.path}/DefaultPolicy"] = "; ".join(reasons)
        _ack(fn, "AwsSolutions-L1", f"{RUNTIME_NAME} matches the pinned Powertools v3 layer {POWERTOOLS_LAYER_NAME} "
                                    f"and the interpreter the asset-import test runs; raise them together")
        self._depend_on_policy_only(fn, role)
        self.functions[name] = fn
        return fn

    def _environment(self, name: str) -> dict[str, str]:
        """The function's environment, checked against Lambda's 4 KB limit at synth."""
        env = {"SEAWALL_TEAM": self.team, "POWERTOOLS_SERVICE_NAME": "seawall-release",
               "POWERTOOLS_LOG_LEVEL": "INFO", TEAM_SETTINGS_ENV: self.settings.to_env()}
        size = len(json.dumps(env, separators=(",", ":")).encode())
        if size > MAX_LAMBDA_ENVIRONMENT:
            window = len(json.dumps(dict(self.settings.window)))
            raise ValueError(
                f"{name}: the release Lambda's environment is {size} bytes, more than Lambda's "
                f"{MAX_LAMBDA_ENVIRONMENT}; {TEAM_SETTINGS_ENV} holds the window ({window}"
                f" bytes with its resolved holiday dates) and {len(self.settings.blocking_alarm_names)} blocking "
                f"alarm names: use fewer holiday calendars or fewer, shorter organisation-wide alarm names")
        return env

    def _depend_on_policy_only(self, resource: Construct, role: iam.IRole) -> None:
        """Keep the DependsOn on the role's policy, drop the one on the role a GetAtt already implies (W3005)."""
        policy = role.node.try_find_child("DefaultPolicy")
        cfn = resource.node.default_child
        cfn_policy = policy.node.default_child if policy is not None else None
        if isinstance(cfn, CfnResource) and isinstance(cfn_policy, CfnResource):
            cfn.add_override("DependsOn", [self._stack.get_logical_id(cfn_policy)])

    def _task(self, name: str, fn: lambda_.Function, result_path: str, fail: sfn.Fail,
              payload: sfn.TaskInput | None = None) -> tasks.LambdaInvoke:
        task = tasks.LambdaInvoke(self, name, lambda_function=fn, payload_response_only=True,
                                  retry_on_service_exceptions=False, result_path=result_path,
                                  payload=payload)  # None: the task gets the whole state
        task.add_retry(errors=RETRYABLE, interval=Duration.seconds(2), backoff_rate=2, max_attempts=4)
        task.add_catch(fail, errors=["States.ALL"], result_path="$.error")
        return task

    def _context(self, prefix: str, fn: lambda_.Function, kind: str, fail: sfn.Fail) -> tasks.LambdaInvoke:
        return self._task(f"{prefix} Read pipeline execution", fn, "$.context", fail,
                          sfn.TaskInput.from_object({"expect": kind, "input": sfn.JsonPath.entire_payload}))

    def _machine(self, cid: str, part: str, definition: sfn.IChainable, timeout_seconds: float) -> sfn.StateMachine:
        log_group = logs.LogGroup(self, f"{cid}Logs", retention=self._retention,
                                  removal_policy=RemovalPolicy.RETAIN,
                                  log_group_name=f"/aws/vendedlogs/states/{state_machine_name(self.team, part)}")
        machine = sfn.StateMachine(
            self, cid, state_machine_name=state_machine_name(self.team, part),
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=Duration.seconds(int(timeout_seconds)), tracing_enabled=True,
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
        )
        self._depend_on_policy_only(machine, machine.role)
        return machine

    # ------------------------------------------------------------------ definitions

    def _gate_definition(self, context_fn: lambda_.Function, window_fn: lambda_.Function,
                         alarms_fn: lambda_.Function) -> sfn.IChainable:
        error = sfn.Fail(self, "Gate failed closed", error="SeawallGateError", cause_path="$.error.Cause")
        context = self._context("Gate:", context_fn, GATE_KIND, error)
        window = self._task("Check time window", window_fn, "$.windowCheck", error)
        alarms = self._task("Check alarms", alarms_fn, "$.alarmCheck", error)
        wait_window = sfn.Wait(self, "Wait for window to open",
                               time=sfn.WaitTime.seconds_path("$.windowCheck.waitSeconds"))
        wait_alarms = sfn.Wait(self, "Wait for alarms to clear",
                               time=sfn.WaitTime.seconds_path("$.alarmCheck.waitSeconds"))
        wait_window.next(window)
        wait_alarms.next(window)  # the window may have closed meanwhile
        verdict_window = sfn.Choice(self, "Window open?") \
            .when(sfn.Condition.string_equals("$.windowCheck.verdict", "OPEN"), alarms) \
            .when(sfn.Condition.string_equals("$.windowCheck.verdict", "CLOSED"), wait_window) \
            .otherwise(sfn.Fail(self, "Gate gave up waiting for the window", error="SeawallGateExpired",
                                cause_path="$.windowCheck.message"))
        verdict_alarms = sfn.Choice(self, "Alarms quiet?") \
            .when(sfn.Condition.string_equals("$.alarmCheck.verdict", "QUIET"), sfn.Succeed(self, "Step may start")) \
            .when(sfn.Condition.string_equals("$.alarmCheck.verdict", "BLOCKED"), wait_alarms) \
            .when(sfn.Condition.string_equals("$.alarmCheck.verdict", "MISSING"),
                  sfn.Fail(self, "Alarm missing", error="SeawallAlarmMissing", cause_path="$.alarmCheck.message")) \
            .otherwise(sfn.Fail(self, "Gate gave up waiting for alarms", error="SeawallGateExpired",
                                cause_path="$.alarmCheck.message"))
        window.next(verdict_window)
        alarms.next(verdict_alarms)
        bypass = sfn.Choice(self, "Rollback or override?") \
            .when(sfn.Condition.boolean_equals("$.context.rollback", True),
                  sfn.Succeed(self, "Rollback passes the gate")) \
            .when(sfn.Condition.boolean_equals("$.context.override", True),
                  sfn.Succeed(self, "Override skips window and alarms")) \
            .otherwise(window)
        return context.next(bypass)

    def _shift_definition(self, context_fn: lambda_.Function, start_fn: lambda_.Function,
                          status_fn: lambda_.Function, poll: Duration) -> sfn.IChainable:
        error = sfn.Fail(self, "Shift failed closed", error="SeawallShiftError", cause_path="$.error.Cause")
        context = self._context("Shift:", context_fn, SHIFT_KIND, error)
        start = self._task("Start deployments", start_fn, "$.shift", error)
        status = self._task("Check deployments", status_fn, "$.status", error)
        done = sfn.Pass(self, "Record previous versions", parameters={
            "functions.$": "$.shift.functions", "deploymentConfig.$": "$.shift.deploymentConfig",
            "target.$": "$.target", "rollback.$": "$.context.rollback"}).next(sfn.Succeed(self, "Shift done"))
        wait = sfn.Wait(self, "Wait for CodeDeploy", time=sfn.WaitTime.duration(poll)).next(status)
        status.next(sfn.Choice(self, "Deployments done?")
                    .when(sfn.Condition.string_equals("$.status.state", "SUCCEEDED"), done)
                    .when(sfn.Condition.string_equals("$.status.state", "IN_PROGRESS"), wait)
                    .otherwise(sfn.Fail(self, "CodeDeploy stopped the shift", error="SeawallShiftFailed",
                                        cause_path="$.status.message")))
        start.next(sfn.Choice(self, "Anything to shift?")
                   .when(sfn.Condition.boolean_equals("$.shift.pending", True), wait)
                   .otherwise(done))
        return context.next(start)

    def _bake_definition(self, context_fn: lambda_.Function, start_fn: lambda_.Function,
                         check_fn: lambda_.Function, revert_fn: lambda_.Function, poll: Duration) -> sfn.IChainable:
        error = sfn.Fail(self, "Bake failed closed", error="SeawallBakeError", cause_path="$.error.Cause")
        context = self._context("Bake:", context_fn, BAKE_KIND, error)
        start = self._task("Read previous versions", start_fn, "$.baking", error)
        check = self._task("Check bake", check_fn, "$.check", error)
        revert = self._task("Revert to previous versions", revert_fn, "$.revert",
                            sfn.Fail(self, "Revert failed", error="SeawallRevertFailed", cause_path="$.error.Cause"))
        revert.next(sfn.Fail(self, "Reverted on alarm", error="SeawallBakeAlarm", cause_path="$.revert.message"))
        wait = sfn.Wait(self, "Bake a while", time=sfn.WaitTime.duration(poll)).next(check)
        check.next(sfn.Choice(self, "Bake verdict")
                   .when(sfn.Condition.string_equals("$.check.verdict", "ALARM"), revert)
                   .when(sfn.Condition.string_equals("$.check.verdict", "PASS"), sfn.Succeed(self, "Bake passed"))
                   .when(sfn.Condition.string_equals("$.check.verdict", "WAIT"), wait)
                   .otherwise(sfn.Fail(self, "Bake failed", error="SeawallBakeFailed", cause_path="$.check.message")))
        start.next(check)
        return context.next(sfn.Choice(self, "Rollback execution?")
                            .when(sfn.Condition.boolean_equals("$.context.rollback", True),
                                  sfn.Succeed(self, "Rollback skips the bake"))
                            .otherwise(start))


_HOUR = 3600
