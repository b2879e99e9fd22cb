"""A fake of CodeDeploy for Lambda deployments: an engine on the simulation's clock.

What it models, each rule citing the documentation it rests on:

* **Resources** CloudFormation creates (:meth:`FakeCodeDeploy.providers`):
  ``AWS::CodeDeploy::Application``, ``AWS::CodeDeploy::DeploymentGroup``
  (Lambda only: alarms, automatic rollback, deployment style, service role,
  deployment config) and ``AWS::CodeDeploy::DeploymentConfig`` (time-based
  canary, time-based linear, all at once; at most
  :data:`~seawall.model.limits.MAX_CUSTOM_DEPLOYMENT_CONFIGS` custom configs
  per account and region).  A config may live in any stack of the account and
  region (the team runtime's shared configs) or be one of CodeDeploy's
  predefined ``CodeDeployDefault.Lambda*``.
* **The API** Seawall calls: ``CreateDeployment`` (AppSpec content, config,
  automatic rollback and alarm overrides; one active deployment per group),
  ``GetDeployment``, ``StopDeployment`` (``Pending`` for
  :attr:`FakeCodeDeploy.stop_seconds`), ``ListDeployments``,
  ``PutLifecycleEventHookExecutionStatus``, ``GetDeploymentGroup`` and
  ``GetDeploymentConfig``.  Anything else fails loudly (:class:`Unmodelled`).
* **The engine**: a deployment validates its AppSpec against the alias, runs
  its ``BeforeAllowTraffic`` hook, moves the alias's routing through the
  config's steps by calling Lambda on CodeDeploy's side, runs its
  ``AfterAllowTraffic`` hook and succeeds; it polls the group's alarms while
  in progress; a failure or a stop rolls back, when configured, by creating a
  *new* deployment that moves the alias back.

Ground truth for the invariants: :attr:`FakeCodeDeploy.deployments`, every
deployment with its status transitions, traffic steps (time, version,
routing), stops and who created it (``user`` or ``codeDeployRollback``).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model.limits import MAX_CUSTOM_DEPLOYMENT_CONFIGS, MAX_DEPLOYMENT_GROUP_ALARMS
from ..model.policies import PREDEFINED_LAMBDA_CONFIGS, TrafficKind
from .botocore_bridge import AwsError, Unmodelled, dispatch
from .citations import Citation, cites
from .clock import Event, Scheduler
from .lambda_service import FakeLambda

#: ``update_alias(account, region, function, alias, version, routing)``: CodeDeploy moving an alias.
UpdateAlias = Callable[[str, str, str, str, str, Mapping[str, float]], None]
#: ``invoke_async(account, region, function_name, payload)``: CodeDeploy invoking a lifecycle hook.
InvokeAsync = Callable[[str, str, str, Mapping[str, str]], None]
#: ``alarm_state(account, region, name)``: the alarm's state, or None when CloudWatch has no such alarm.
AlarmState = Callable[[str, str, str], str | None]

_API = "https://docs.aws.amazon.com/codedeploy/latest/APIReference"
_GUIDE = "https://docs.aws.amazon.com/codedeploy/latest/userguide"
_CFN = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide"

_APPLICATION = Citation(
    f"{_API}/API_CreateApplication.html",
    "ApplicationAlreadyExistsException: An application with the specified name with the user or Amazon Web "
    "Services account already exists.")
_GROUP_ALARMS = Citation(
    f"{_CFN}/aws-properties-codedeploy-deploymentgroup-alarmconfiguration.html",
    "A list of alarms configured for the deployment or deployment group. A maximum of 10 alarms can be added.")
_ALARM_CONFIG = Citation(
    f"{_API}/API_CreateDeploymentGroup.html",
    "InvalidAlarmConfigException: The format of the alarm configuration is invalid. Possible causes include: The "
    "alarm list is null. The alarm object is null. The alarm name is empty or null or exceeds the limit of 255 "
    "characters. Two alarms with the same name have been specified. The alarm configuration is enabled, but the "
    "alarm list is empty.")
_AUTO_ROLLBACK_CONFIG = Citation(
    f"{_API}/API_CreateDeploymentGroup.html",
    "InvalidAutoRollbackConfigException: The automatic rollback configuration was specified in an invalid format. "
    "For example, automatic rollback is enabled, but an invalid triggering event type or no event types were "
    "listed.")
_GROUP_NEEDS = Citation(
    f"{_API}/API_CreateDeploymentGroup.html",
    "ApplicationDoesNotExistException: The application does not exist with the user or Amazon Web Services "
    "account. DeploymentConfigDoesNotExistException: The deployment configuration does not exist with the user or "
    "Amazon Web Services account. RoleRequiredException: The role ID was not specified.")
_CONFIG_KINDS = Citation(
    f"{_GUIDE}/deployment-configurations.html",
    "Canary: Traffic is shifted in two increments. Linear: Traffic is shifted in equal increments with an equal "
    "number of minutes between each increment. All-at-once: All traffic is shifted from the original Lambda "
    "function to the updated Lambda function version all at once.")
_CONFIG_LIMIT = Citation(
    f"{_GUIDE}/limits.html",
    "Custom deployment configurations per account | Each supported Region: 50 | No | Maximum number of custom "
    "deployment configurations associated with an AWS account")
_CONFIG_LIMIT_CODE = Citation(
    f"{_API}/API_CreateDeploymentConfig.html",
    "DeploymentConfigLimitExceededException: The deployment configurations limit was exceeded.")
_CONFIG_INVALID = Citation(
    f"{_API}/API_CreateDeploymentConfig.html",
    "InvalidTrafficRoutingConfigurationException: The configuration that specifies how traffic is routed during a "
    "deployment is invalid.")
_CONFIG_IN_USE = Citation(
    f"{_API}/API_DeleteDeploymentConfig.html",
    "A deployment configuration cannot be deleted if it is currently in use. Predefined configurations cannot be "
    "deleted.")
_ONE_ACTIVE = Citation(
    f"{_GUIDE}/limits.html",
    "Concurrent deployments per deployment group | Each supported Region: 1 | No | Maximum number of concurrent "
    "deployments to a deployment group.")
_ONE_ACTIVE_CODE = Citation(
    "https://github.com/CircleCI-Public/aws-ecs-orb/issues/181",
    "An error occurred (DeploymentLimitExceededException) when calling the CreateDeployment operation: The "
    "Deployment Group 'x' already has an active Deployment 'd-id-x'")
_CONFIG_OVERRIDE = Citation(
    f"{_API}/API_CreateDeployment.html",
    "deploymentConfigName: The name of a deployment configuration associated with the user or Amazon Web Services "
    "account. If not specified, the value configured in the deployment group is used as the default.")
_ALARM_OVERRIDE = Citation(
    f"{_API}/API_CreateDeployment.html",
    "overrideAlarmConfiguration: Allows you to specify information about alarms associated with a deployment. The "
    "alarm configuration that you specify here will override the alarm configuration at the deployment group "
    "level.")
_APPSPEC = Citation(
    f"{_GUIDE}/reference-appspec-file-structure-resources.html",
    "currentversion – Required. This is the version of the Lambda function traffic currently points to. This value "
    "must be a valid positive integer. targetversion – Required. This is the version of the Lambda function "
    "traffic is shifted to.")
_ALIAS_MISMATCH = Citation(
    "https://github.com/aws/serverless-application-model/issues/291",
    "The deployment failed because the AppSpec file that specifies the AWS Lambda deployment configuration is "
    "missing or has an invalid configuration. The Lambda function alias version does not match the current version "
    "in AppSpec file. (Error code: INVALID_LAMBDA_CONFIGURATION)")
_SAME_VERSION = Citation(
    "https://github.com/terraform-aws-modules/terraform-aws-lambda/issues/82",
    "TargetVersion must not equal CurrentVersion")
_GET_CONTENT = Citation(
    f"{_API}/API_GetDeployment.html",
    "The content property of the appSpecContent object in the returned revision is always null. Use "
    "GetApplicationRevision and the sha256 property of the returned appSpecContent object to get the content of "
    "the deployment's AppSpec file.")
_NO_DEPLOYMENT = Citation(
    f"{_API}/API_GetDeployment.html",
    "DeploymentDoesNotExistException: The deployment with the user or Amazon Web Services account does not exist.")
_REVISION_MISSING = Citation(
    f"{_API}/API_GetApplicationRevision.html",
    "RevisionDoesNotExistException: The named revision does not exist with the user or Amazon Web Services "
    "account.")
_STOP = Citation(
    f"{_API}/API_StopDeployment.html",
    "The status of the stop deployment operation: Pending: The stop operation is pending. Succeeded: The stop "
    "operation was successful.")
_STOP_ROLLBACK = Citation(
    f"{_API}/API_StopDeployment.html",
    "autoRollbackEnabled: Indicates, when a deployment is stopped, whether instances that have been updated should "
    "be rolled back to the previous version of the application revision.")
_STOP_DONE = Citation(
    f"{_API}/API_StopDeployment.html",
    "DeploymentAlreadyCompletedException: The deployment is already complete.")
_LIST = Citation(
    f"{_API}/API_ListDeployments.html",
    "If applicationName is specified, then deploymentGroupName must be specified. If it is not specified, then "
    "deploymentGroupName must not be specified.")
_HOOK_STATUS = Citation(
    f"{_API}/API_PutLifecycleEventHookExecutionStatus.html",
    "The values listed in Valid Values are valid for lifecycle statuses in general; however, only Succeeded and "
    "Failed can be passed successfully in your API call.")
_HOOK_DONE = Citation(
    f"{_API}/API_PutLifecycleEventHookExecutionStatus.html",
    "LifecycleEventAlreadyCompletedException: An attempt to return the status of an already completed lifecycle "
    "event occurred.")
_HOOK_ORDER = Citation(
    f"{_GUIDE}/reference-appspec-file-example.html",
    "Before shifting traffic from version 1 of a Lambda function called myLambdaFunction to version 2, run a Lambda "
    "function called LambdaFunctionToValidateBeforeTrafficShift that validates the deployment is ready to start "
    "traffic shifting.")
_HOOK_TIMEOUT = Citation(
    f"{_GUIDE}/limits.html",
    "Maximum number of hours an AWS Lambda deployment can run (48 hours for the maximum time between the first and "
    "last traffic shift plus one hour for each of two possible lifecycle hooks)")
_ALARM_STOP = Citation(
    f"{_GUIDE}/monitoring-create-alarms.html",
    "If any of the specified alarms are activated, the deployment stops, and the status is updated to Stopped.")
_POLL_FAILURE = Citation(
    f"{_API}/API_AlarmConfiguration.html",
    "false: The deployment stops if alarm status information can't be retrieved from Amazon CloudWatch.")
_ROLLBACK = Citation(
    f"{_GUIDE}/deployments-rollback-and-redeploy.html",
    "CodeDeploy rolls back deployments by redeploying a previously deployed revision of an application as a new "
    "deployment. These rolled-back deployments are technically new deployments, with new deployment IDs, rather "
    "than restored versions of a previous deployment.")
_GROUP_MISSING = Citation(
    f"{_API}/API_GetDeploymentGroup.html",
    "DeploymentGroupDoesNotExistException: The named deployment group with the user or Amazon Web Services account "
    "does not exist.")
_CONFIG_MISSING = Citation(
    f"{_API}/API_GetDeploymentConfig.html",
    "DeploymentConfigDoesNotExistException: The deployment configuration does not exist with the user or Amazon Web "
    "Services account.")
_ROLLBACK_INFO = Citation(
    f"{_API}/API_RollbackInfo.html",
    "rollbackTriggeringDeploymentId: The deployment ID of the deployment that was underway and triggered a rollback "
    "deployment because it failed or was stopped.")

LAMBDA = "Lambda"
#: The traffic-routing types of a Lambda deployment config (``TrafficRoutingConfig.Type``).
ROUTING_TYPES = ("TimeBasedCanary", "TimeBasedLinear", "AllAtOnce")
AUTO_ROLLBACK_EVENTS = ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST")
#: Statuses in which a deployment still holds its group (``Created``/``Queued``/``InProgress``/``Baking``/``Ready``).
ACTIVE = frozenset({"Created", "Queued", "InProgress", "Baking", "Ready"})
STATUSES = ("Created", "Queued", "InProgress", "Baking", "Succeeded", "Failed", "Stopped", "Ready")
HOOK_EVENTS = ("BeforeAllowTraffic", "AfterAllowTraffic")
_KIND_TYPE = {TrafficKind.CANARY: "TimeBasedCanary", TrafficKind.LINEAR: "TimeBasedLinear",
              TrafficKind.ALL_AT_ONCE: "AllAtOnce"}


@dataclass(frozen=True)
class Routing:
    """How a config shifts traffic: its type, the percentage per increment and the minutes between increments."""

    type: str
    percent: int = 100
    interval_minutes: int = 0

    def steps(self) -> list[tuple[float, float]]:
        """(seconds after traffic starts, weight on the target version); the last weight is 1.0."""
        if self.type == "AllAtOnce":
            return [(0.0, 1.0)]
        interval = self.interval_minutes * 60.0
        if self.type == "TimeBasedCanary":
            return [(0.0, self.percent / 100), (interval, 1.0)]
        count = math.ceil(100 / self.percent)
        return [(k * interval, min(1.0, (k + 1) * self.percent / 100)) for k in range(count)]

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.type == "TimeBasedCanary":
            out["timeBasedCanary"] = {"canaryPercentage": self.percent, "canaryInterval": self.interval_minutes}
        elif self.type == "TimeBasedLinear":
            out["timeBasedLinear"] = {"linearPercentage": self.percent, "linearInterval": self.interval_minutes}
        return out


#: CodeDeploy's predefined Lambda configs, by name (the same table Seawall's traffic policies map onto).
PREDEFINED: dict[str, Routing] = {
    name: Routing(_KIND_TYPE[kind], percent, minutes)
    for (kind, percent, minutes), name in sorted(PREDEFINED_LAMBDA_CONFIGS.items(), key=lambda kv: kv[1])
}
ALL_AT_ONCE = "CodeDeployDefault.LambdaAllAtOnce"


@dataclass
class _Application:
    name: str
    compute_platform: str


@dataclass
class _Group:
    application: str
    name: str
    config: str
    role: str
    alarms: dict[str, Any]
    auto_rollback: dict[str, Any]
    style: dict[str, str]
    group_id: str


@dataclass
class _Config:
    name: str
    routing: Routing
    config_id: str
    created_at: float


@dataclass(frozen=True)
class TrafficStep:
    """One move of the alias by a deployment: when, its primary version and its additional weights."""

    at: float
    version: str
    routing: Mapping[str, float]


@dataclass(frozen=True)
class StopRecord:
    """One stop: when, why (``request``, ``alarm`` or ``alarm-poll-failure``), and what StopDeployment answered."""

    at: float
    cause: str
    auto_rollback: bool
    answer: str = ""


@dataclass
class HookRun:
    """One lifecycle hook execution: CodeDeploy invoked `function` and waits for its status."""

    execution_id: str
    event: str
    function: str
    started_at: float
    status: str = "InProgress"
    reported_at: float | None = None


@dataclass
class Deployment:
    """One deployment and everything that happened to it (the simulation's ground truth)."""

    id: str
    account: str
    region: str
    application: str
    group: str
    config: str
    routing: Routing
    content: str
    creator: str
    created_at: float
    function: str = ""
    alias: str = ""
    current_version: str = ""
    target_version: str = ""
    hooks: list[tuple[str, str]] = field(default_factory=list)
    alarms: dict[str, Any] = field(default_factory=dict)
    auto_rollback: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    status: str = "Created"
    started_at: float | None = None
    completed_at: float | None = None
    error: tuple[str, str] | None = None
    validated: bool = False
    rollback_of: str = ""
    rolled_back_by: str = ""
    rollback_message: str = ""
    #: (time, status) for every status the deployment took, in order.
    transitions: list[tuple[float, str]] = field(default_factory=list)
    steps: list[TrafficStep] = field(default_factory=list)
    stops: list[StopRecord] = field(default_factory=list)
    hook_runs: list[HookRun] = field(default_factory=list)
    stop_due: float | None = None
    stop_rollback: bool = False
    _events: list[Event] = field(default_factory=list, repr=False)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def _sha256(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def _enabled_events(config: Mapping[str, Any]) -> frozenset[str]:
    if not config.get("enabled"):
        return frozenset()
    return frozenset(config.get("events") or ())


def _ci(mapping: Mapping[str, Any], key: str) -> Any:
    """`mapping[key]`, matching the key without regard to case (the AppSpec docs use both spellings)."""
    for k, v in mapping.items():
        if isinstance(k, str) and k.lower() == key.lower():
            return v
    return None


class FakeCodeDeploy:
    """CodeDeploy (Lambda compute platform) for every account and region of a simulated world.

    Parameters
    ----------
    scheduler:
        The world's scheduler; the deployments run as its events.
    lambda_:
        The world's Lambda fake: CodeDeploy reads aliases and versions from it to validate an AppSpec.
    update_alias:
        How CodeDeploy moves an alias, ``(account, region, function, alias, version, routing)``.  Default:
        ``UpdateAlias`` on `lambda_`, on CodeDeploy's side (no faults of the caller's client).
    invoke_async:
        How CodeDeploy invokes a lifecycle hook, ``(account, region, function_name, payload)`` with payload
        ``{"DeploymentId", "LifecycleEventHookExecutionId"}``.  Default None: a deployment with hooks fails
        loudly (:class:`Unmodelled`).
    alarm_state:
        The state of a CloudWatch alarm, ``(account, region, name) -> "OK" | "ALARM" | "INSUFFICIENT_DATA" |
        None`` (None: no such alarm).  Default None: a deployment watching alarms fails loudly.
    alarm_poll_seconds:
        How often CodeDeploy reads the alarms while a deployment is in progress, starting when it starts.
        AWS does not say; default 60 s.
    stop_seconds:
        How long a ``StopDeployment`` stays ``Pending``; meanwhile the deployment's due steps still move the
        alias.  0 stops at once and answers ``Succeeded``.  AWS does not say; default 10 s.
    start_seconds:
        From ``CreateDeployment`` to ``InProgress``.  AWS does not say; default 0 (still a separate event).
    rollback_seconds:
        From a failure or stop to the rollback deployment moving the alias back (all at once, without hooks).
        AWS does not say; default 0.
    hook_timeout_seconds:
        How long CodeDeploy waits for a hook's status (one hour, from the quotas page).
    """

    def __init__(self, *, scheduler: Scheduler, lambda_: FakeLambda, update_alias: UpdateAlias | None = None,
                 invoke_async: InvokeAsync | None = None, alarm_state: AlarmState | None = None,
                 alarm_poll_seconds: float = 60.0, stop_seconds: float = 10.0, start_seconds: float = 0.0,
                 rollback_seconds: float = 0.0, hook_timeout_seconds: float = 3600.0) -> None:
        if not isinstance(scheduler, Scheduler):
            raise TypeError(f"scheduler={scheduler!r} must be a seawall.sim.clock.Scheduler")
        if not isinstance(lambda_, FakeLambda):
            raise TypeError(f"lambda_={lambda_!r} must be a seawall.sim.FakeLambda")
        for name, value in (("alarm_poll_seconds", alarm_poll_seconds), ("hook_timeout_seconds",
                                                                          hook_timeout_seconds)):
            if not value > 0:
                raise ValueError(f"{name}={value} must be positive (seconds)")
        for name, value in (("stop_seconds", stop_seconds), ("start_seconds", start_seconds),
                            ("rollback_seconds", rollback_seconds)):
            if not value >= 0:
                raise ValueError(f"{name}={value} must not be negative (seconds)")
        self.scheduler, self.lambda_ = scheduler, lambda_
        self.update_alias: UpdateAlias = update_alias or self._lambda_update_alias
        self.invoke_async, self.alarm_state = invoke_async, alarm_state
        self.alarm_poll_seconds, self.stop_seconds = alarm_poll_seconds, stop_seconds
        self.start_seconds, self.rollback_seconds = start_seconds, rollback_seconds
        self.hook_timeout_seconds = hook_timeout_seconds
        self._applications: dict[tuple[str, str, str], _Application] = {}
        self._groups: dict[tuple[str, str, str, str], _Group] = {}
        self._configs: dict[tuple[str, str, str], _Config] = {}
        self._by_id: dict[str, Deployment] = {}
        self._revisions: dict[tuple[str, str, str, str], str] = {}
        self._active: dict[tuple[str, str, str, str], str] = {}
        self._of_group: dict[tuple[str, str, str, str], list[Deployment]] = {}
        self._ids = 0
        #: Every deployment, in the order created (users' and CodeDeploy's own rollbacks).
        self.deployments: list[Deployment] = []

    @property
    def now(self) -> float:
        return self.scheduler.clock.seconds

    def _next_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}{self._ids:07d}"

    def deployment(self, deployment_id: str) -> Deployment:
        """A deployment by ID (ground truth, for tests and invariants)."""
        return self._by_id[deployment_id]

    # ------------------------------------------------------------------ what CloudFormation does

    def providers(self) -> dict[str, Any]:
        """Resource providers for :class:`~seawall.sim.cloudformation.FakeCloudFormation`, by resource type."""
        return {"AWS::CodeDeploy::Application": _ApplicationProvider(self),
                "AWS::CodeDeploy::DeploymentGroup": _GroupProvider(self),
                "AWS::CodeDeploy::DeploymentConfig": _ConfigProvider(self)}

    @cites(_APPLICATION)
    def create_application(self, *, account: str, region: str, name: str, compute_platform: str = "Server") -> None:
        if compute_platform != LAMBDA:
            raise Unmodelled(f"CodeDeploy application {name}: ComputePlatform={compute_platform!r}; the simulation "
                             f"models the Lambda compute platform only")
        key = (account, region, name)
        if key in self._applications:
            raise AwsError("ApplicationAlreadyExistsException", f"{name} already exists in the account.")
        self._applications[key] = _Application(name, compute_platform)

    def delete_application(self, *, account: str, region: str, name: str) -> None:
        """Delete the application and its deployment groups."""
        self._applications.pop((account, region, name), None)
        for key in [k for k in self._groups if k[:3] == (account, region, name)]:
            del self._groups[key]

    @cites(_GROUP_NEEDS, _GROUP_ALARMS, _ALARM_CONFIG, _AUTO_ROLLBACK_CONFIG)
    def put_deployment_group(self, *, account: str, region: str, properties: Mapping[str, Any],
                             name: str, replace: str = "") -> None:
        """Create (or, with `replace` = its current name, update) a deployment group from its CFN properties."""
        app = str(properties.get("ApplicationName", ""))
        if (account, region, app) not in self._applications:
            raise AwsError("ApplicationDoesNotExistException", f"No application found for name: {app}")
        role = properties.get("ServiceRoleArn")
        if not role:
            raise AwsError("RoleRequiredException", "Role ARN is required for deployment group.")
        alarms = _cfn_alarms(properties.get("AlarmConfiguration") or {})
        auto_rollback = _cfn_auto_rollback(properties.get("AutoRollbackConfiguration") or {})
        style = properties.get("DeploymentStyle") or {}
        if style.get("DeploymentType", "BLUE_GREEN") not in ("IN_PLACE", "BLUE_GREEN") or style.get(
                "DeploymentOption", "WITH_TRAFFIC_CONTROL") not in ("WITH_TRAFFIC_CONTROL", "WITHOUT_TRAFFIC_CONTROL"):
            raise AwsError("InvalidDeploymentStyleException", f"An invalid deployment style was specified: {style}")
        config = str(properties.get("DeploymentConfigName") or ALL_AT_ONCE)
        self._routing(account, region, config)
        key = (account, region, app, name)
        if key in self._groups and replace != name:
            raise AwsError("DeploymentGroupAlreadyExistsException",
                           f"The deployment group {name} already exists for application {app}.")
        if replace and replace != name:
            self._groups.pop((account, region, app, replace), None)
        existing = self._groups.get(key)
        self._groups[key] = _Group(app, name, config, str(role), alarms, auto_rollback,
                                   {"deploymentType": style.get("DeploymentType", "BLUE_GREEN"),
                                    "deploymentOption": style.get("DeploymentOption", "WITH_TRAFFIC_CONTROL")},
                                   existing.group_id if existing else self._next_id("dg-"))

    def delete_deployment_group(self, *, account: str, region: str, application: str, name: str) -> None:
        self._groups.pop((account, region, application, name), None)

    @cites(_CONFIG_KINDS, _CONFIG_LIMIT, _CONFIG_LIMIT_CODE, _CONFIG_INVALID)
    def create_deployment_config(self, *, account: str, region: str, name: str,
                                 properties: Mapping[str, Any]) -> None:
        """Create a custom Lambda deployment config from its CloudFormation properties."""
        if properties.get("ComputePlatform", "Server") != LAMBDA:
            raise Unmodelled(f"CodeDeploy deployment config {name}: ComputePlatform="
                             f"{properties.get('ComputePlatform', 'Server')!r}; only Lambda is modelled")
        if name.startswith("CodeDeployDefault.") or (account, region, name) in self._configs:
            raise AwsError("DeploymentConfigAlreadyExistsException",
                           f"A deployment configuration with the name {name} already exists.")
        routing = _cfn_routing(properties.get("TrafficRoutingConfig") or {})
        custom = sum(1 for k in self._configs if k[:2] == (account, region))
        if custom >= MAX_CUSTOM_DEPLOYMENT_CONFIGS:
            raise AwsError("DeploymentConfigLimitExceededException",
                           f"The deployment configurations limit was exceeded: {account} already has {custom} "
                           f"custom deployment configurations in {region} (at most {MAX_CUSTOM_DEPLOYMENT_CONFIGS}, "
                           f"not adjustable)")
        self._configs[(account, region, name)] = _Config(name, routing, self._next_id("dc-"), self.now)

    @cites(_CONFIG_IN_USE)
    def delete_deployment_config(self, *, account: str, region: str, name: str) -> None:
        users = sorted(f"{g.application}/{g.name}" for k, g in self._groups.items()
                       if k[:2] == (account, region) and g.config == name)
        if users:
            raise AwsError("DeploymentConfigInUseException",
                           f"The deployment configuration {name} is still in use by {', '.join(users)}.")
        self._configs.pop((account, region, name), None)

    def _routing(self, account: str, region: str, name: str) -> Routing:
        if name in PREDEFINED:
            return PREDEFINED[name]
        config = self._configs.get((account, region, name))
        if config is None:
            raise AwsError("DeploymentConfigDoesNotExistException",
                           f"No deployment configuration found for name: {name}")
        return config.routing

    # ------------------------------------------------------------------ the API

    def handle(self, operation: str, params: Mapping[str, Any], *, account: str, region: str) -> dict[str, Any]:
        return dispatch(self, "CodeDeploy", operation, params, account, region)

    def _group(self, account: str, region: str, app: str, group: str) -> _Group:
        if (account, region, app) not in self._applications:
            raise AwsError("ApplicationDoesNotExistException", f"No application found for name: {app}")
        found = self._groups.get((account, region, app, group))
        if found is None:
            raise AwsError("DeploymentGroupDoesNotExistException",
                           f"No Deployment Group found for name: {group}")
        return found

    def _get(self, deployment_id: str, account: str, region: str) -> Deployment:
        d = self._by_id.get(deployment_id)
        if d is None or (d.account, d.region) != (account, region):
            raise AwsError("DeploymentDoesNotExistException", f"The deployment {deployment_id} could not be found.")
        return d

    @cites(_ONE_ACTIVE, _ONE_ACTIVE_CODE, _CONFIG_OVERRIDE, _ALARM_OVERRIDE)
    def _op_CreateDeployment(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        for unmodelled in ("targetInstances", "fileExistsBehavior", "ec2DeploymentOptions",
                           "updateOutdatedInstancesOnly", "ignoreApplicationStopFailures"):
            if unmodelled in p:
                raise Unmodelled(f"CreateDeployment {unmodelled}: not modelled (EC2/on-premises only)")
        if p.get("deploymentMode", "STANDARD") != "STANDARD":
            raise Unmodelled(f"CreateDeployment deploymentMode={p['deploymentMode']!r} is not modelled")
        app, name = p.get("applicationName"), p.get("deploymentGroupName")
        if not app:
            raise AwsError("ApplicationNameRequiredException", "The minimum number of required application names "
                                                               "was not specified.")
        if not name:
            raise AwsError("DeploymentGroupNameRequiredException", "The deployment group name was not specified.")
        group = self._group(account, region, app, name)
        config = p.get("deploymentConfigName") or group.config
        routing = self._routing(account, region, config)
        revision = p.get("revision")
        if not revision:
            raise AwsError("RevisionRequiredException", "The revision ID was not specified.")
        if revision.get("revisionType") != "AppSpecContent" or "appSpecContent" not in revision:
            raise Unmodelled(f"CreateDeployment revisionType={revision.get('revisionType')!r}: only AppSpecContent "
                             f"is modelled for Lambda")
        content = str(revision["appSpecContent"].get("content") or "")
        self._revisions[(account, region, app, _sha256(content))] = content
        alarms = group.alarms
        if "overrideAlarmConfiguration" in p:
            alarms = _api_alarms(p["overrideAlarmConfiguration"])
        auto_rollback = group.auto_rollback
        if "autoRollbackConfiguration" in p:
            auto_rollback = _api_auto_rollback(p["autoRollbackConfiguration"])
        active = self._active.get((account, region, app, name))
        if active is not None:
            raise AwsError("DeploymentLimitExceededException",
                           f"The Deployment Group '{name}' already has an active Deployment '{active}'")
        d = Deployment(id=self._next_id("d-"), account=account, region=region, application=app, group=name,
                       config=config, routing=routing, content=content, creator="user", created_at=self.now,
                       alarms=alarms, auto_rollback=auto_rollback, description=str(p.get("description", "")))
        self._register(d)
        self._later(d, self.start_seconds, lambda: self._begin(d), "start")
        return {"deploymentId": d.id}

    def _register(self, d: Deployment) -> None:
        d.transitions.append((self.now, d.status))
        self.deployments.append(d)
        self._by_id[d.id] = d
        self._active[(d.account, d.region, d.application, d.group)] = d.id
        self._of_group.setdefault((d.account, d.region, d.application, d.group), []).append(d)

    @cites(_GET_CONTENT, _NO_DEPLOYMENT, _ROLLBACK_INFO)
    def _op_GetDeployment(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        d = self._get(p["deploymentId"], account, region)
        clock = self.scheduler.clock
        info: dict[str, Any] = {
            "applicationName": d.application, "deploymentGroupName": d.group, "deploymentConfigName": d.config,
            "deploymentId": d.id, "status": d.status, "createTime": clock.at(d.created_at), "creator": d.creator,
            "computePlatform": LAMBDA, "description": d.description,
            "revision": {"revisionType": "AppSpecContent",
                         "appSpecContent": {"sha256": _sha256(d.content)}},
            "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            "autoRollbackConfiguration": {"enabled": bool(d.auto_rollback.get("enabled")),
                                          "events": list(d.auto_rollback.get("events") or [])},
            "deploymentOverview": {s: int(d.status == s) for s in ("Pending", "InProgress", "Succeeded", "Failed")},
        }
        if d.started_at is not None:
            info["startTime"] = clock.at(d.started_at)
        if d.completed_at is not None:
            info["completeTime"] = clock.at(d.completed_at)
        if d.error is not None:
            info["errorInformation"] = {"code": d.error[0], "message": d.error[1]}
        rollback = {k: v for k, v in (("rollbackDeploymentId", d.rolled_back_by),
                                      ("rollbackTriggeringDeploymentId", d.rollback_of),
                                      ("rollbackMessage", d.rollback_message)) if v}
        if rollback:
            info["rollbackInfo"] = rollback
        return {"deploymentInfo": info}

    @cites(_GET_CONTENT, _REVISION_MISSING)
    def _op_GetApplicationRevision(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        app, revision = p["applicationName"], p["revision"]
        if (account, region, app) not in self._applications:
            raise AwsError("ApplicationDoesNotExistException", f"No application found for name: {app}")
        if revision.get("revisionType") != "AppSpecContent":
            raise Unmodelled(f"GetApplicationRevision revisionType={revision.get('revisionType')!r}: only "
                             f"AppSpecContent is modelled for Lambda")
        sha = (revision.get("appSpecContent") or {}).get("sha256", "")
        content = self._revisions.get((account, region, app, sha))
        if content is None:
            raise AwsError("RevisionDoesNotExistException", f"No revision of {app} has sha256 {sha!r}.")
        return {"applicationName": app, "revision": {"revisionType": "AppSpecContent",
                                                     "appSpecContent": {"content": content, "sha256": sha}}}

    @cites(_STOP, _STOP_ROLLBACK, _STOP_DONE)
    def _op_StopDeployment(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        d = self._get(p["deploymentId"], account, region)
        if not d.active:
            raise AwsError("DeploymentAlreadyCompletedException", f"The deployment {d.id} is already complete "
                                                                  f"({d.status}).")
        if "autoRollbackEnabled" in p:
            rollback = bool(p["autoRollbackEnabled"])
        else:
            rollback = "DEPLOYMENT_STOP_ON_REQUEST" in _enabled_events(d.auto_rollback)
        if d.stop_due is not None:
            d.stops.append(StopRecord(self.now, "request", rollback, "Pending"))
            return {"status": "Pending", "statusMessage": "Stop is already pending."}
        if self.stop_seconds == 0:
            d.stops.append(StopRecord(self.now, "request", rollback, "Succeeded"))
            self._finish(d, "Stopped", ("MANUAL_STOP", "The deployment was stopped by the user."), rollback=rollback)
            return {"status": "Succeeded", "statusMessage": "Deployment stopped."}
        d.stops.append(StopRecord(self.now, "request", rollback, "Pending"))
        d.stop_due, d.stop_rollback = self.now + self.stop_seconds, rollback
        self._later(d, self.stop_seconds, lambda: self._complete_stop(d), "stop")
        return {"status": "Pending", "statusMessage": "Stop pending."}

    @cites(_LIST)
    def _op_ListDeployments(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        for unmodelled in ("externalId", "createTimeRange"):
            if unmodelled in p:
                raise Unmodelled(f"ListDeployments {unmodelled} is not modelled")
        if p.get("nextToken"):
            raise AwsError("InvalidNextTokenException", "The next token was specified in an invalid format.")
        app, group = p.get("applicationName"), p.get("deploymentGroupName")
        if app and not group:
            raise AwsError("DeploymentGroupNameRequiredException", "The deployment group name was not specified.")
        if group and not app:
            raise AwsError("ApplicationNameRequiredException", "The minimum number of required application names "
                                                               "was not specified.")
        if app and group:
            self._group(account, region, app, group)
        statuses = p.get("includeOnlyStatuses")
        if statuses is not None and any(s not in STATUSES for s in statuses):
            raise AwsError("InvalidDeploymentStatusException", f"includeOnlyStatuses={statuses}: the specified "
                                                               f"deployment status doesn't exist")
        if app and group:
            candidates = self._of_group.get((account, region, app, group), [])
        else:
            candidates = [d for d in self.deployments if (d.account, d.region) == (account, region)]
        ids = [d.id for d in candidates if not statuses or d.status in statuses]
        return {"deployments": ids}

    @cites(_HOOK_STATUS, _HOOK_DONE)
    def _op_PutLifecycleEventHookExecutionStatus(self, p: Mapping[str, Any], account: str,
                                                 region: str) -> dict[str, Any]:
        if not p.get("deploymentId"):
            raise AwsError("DeploymentIdRequiredException", "At least one deployment ID must be specified.")
        d = self._get(p["deploymentId"], account, region)
        status, exec_id = p.get("status"), p.get("lifecycleEventHookExecutionId")
        if status not in ("Succeeded", "Failed"):
            raise AwsError("InvalidLifecycleEventHookExecutionStatusException",
                           f"status={status!r}: the result of a Lambda validation function should be Succeeded or "
                           f"Failed")
        run = next((r for r in d.hook_runs if r.execution_id == exec_id), None)
        if run is None:
            raise AwsError("InvalidLifecycleEventHookExecutionIdException",
                           f"lifecycleEventHookExecutionId={exec_id!r} is not a hook execution of {d.id}")
        if run.status != "InProgress" or not d.active:
            raise AwsError("LifecycleEventAlreadyCompletedException",
                           f"The lifecycle event {run.event} of {d.id} is already complete ({run.status}).")
        run.status, run.reported_at = status, self.now
        if status == "Succeeded":
            self._later(d, 0, lambda: self._hook_done(d, run), f"{run.event} done")
        else:
            self._later(d, 0, lambda: self._fail(d, "HOOK_EXECUTION_FAILURE",
                                                 f"The {run.event} hook {run.function} reported Failed."),
                        f"{run.event} failed")
        return {"lifecycleEventHookExecutionId": str(exec_id)}

    @cites(_GROUP_MISSING)
    def _op_GetDeploymentGroup(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        g = self._group(account, region, p["applicationName"], p["deploymentGroupName"])
        return {"deploymentGroupInfo": {
            "applicationName": g.application, "deploymentGroupId": g.group_id, "deploymentGroupName": g.name,
            "deploymentConfigName": g.config, "serviceRoleArn": g.role, "computePlatform": LAMBDA,
            "alarmConfiguration": {"enabled": bool(g.alarms.get("enabled")),
                                   "ignorePollAlarmFailure": bool(g.alarms.get("ignorePollAlarmFailure")),
                                   "alarms": [{"name": n} for n in g.alarms.get("names", [])]},
            "autoRollbackConfiguration": {"enabled": bool(g.auto_rollback.get("enabled")),
                                          "events": list(g.auto_rollback.get("events") or [])},
            "deploymentStyle": dict(g.style)}}

    @cites(_CONFIG_MISSING, _CONFIG_KINDS)
    def _op_GetDeploymentConfig(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        name = p["deploymentConfigName"]
        routing = self._routing(account, region, name)
        config = self._configs.get((account, region, name))
        info: dict[str, Any] = {"deploymentConfigName": name, "computePlatform": LAMBDA,
                                "trafficRoutingConfig": routing.to_api()}
        if config is not None:
            info.update(deploymentConfigId=config.config_id, createTime=self.scheduler.clock.at(config.created_at))
        return {"deploymentConfigInfo": info}

    # ------------------------------------------------------------------ the engine

    def _later(self, d: Deployment, delay: float, callback: Callable[[], None], what: str) -> None:
        d._events.append(self.scheduler.after(delay, callback, f"codedeploy {d.id} {what}"))

    def _transition(self, d: Deployment, status: str) -> None:
        d.status = status
        d.transitions.append((self.now, status))

    def _begin(self, d: Deployment) -> None:
        if not d.active:
            return
        d.started_at = self.now
        self._transition(d, "InProgress")
        if d.creator == "codeDeployRollback":
            self._later(d, self.rollback_seconds, lambda: self._step(d, 1.0, final=True), "rollback")
            return
        problem = self._validate(d)
        if problem is not None:
            self._finish(d, "Failed", ("INVALID_LAMBDA_CONFIGURATION", problem), rollback=False)
            return
        d.validated = True
        if d.alarms.get("enabled") and d.alarms.get("names"):
            self._poll_alarms(d)
            if not d.active:
                return
        self._run_hook(d, "BeforeAllowTraffic")

    @cites(_APPSPEC, _ALIAS_MISMATCH, _SAME_VERSION)
    def _validate(self, d: Deployment) -> str | None:
        """Why the AppSpec cannot deploy (INVALID_LAMBDA_CONFIGURATION), or None; fills the deployment's fields."""
        prefix = ("The deployment failed because the AppSpec file that specifies the AWS Lambda deployment "
                  "configuration is missing or has an invalid configuration.")
        try:
            spec = json.loads(d.content)
        except ValueError as e:
            if d.content.lstrip().startswith(("{", "[")):
                return f"{prefix} The AppSpec is not well-formed JSON: {e}"
            raise Unmodelled(f"deployment {d.id}: a YAML AppSpec is not modelled (Seawall writes JSON)") from e
        resources = _ci(spec, "Resources") if isinstance(spec, dict) else None
        if not isinstance(resources, list) or len(resources) != 1 or not isinstance(resources[0], dict) \
                or len(resources[0]) != 1:
            return f"{prefix} The AppSpec must name exactly one AWS::Lambda::Function resource."
        body = next(iter(resources[0].values()))
        props = _ci(body, "Properties") if isinstance(body, dict) else None
        if not isinstance(body, dict) or _ci(body, "Type") != "AWS::Lambda::Function" or not isinstance(props, dict):
            return f"{prefix} The resource must be of Type AWS::Lambda::Function with Properties."
        values = {k: str(_ci(props, k) or "") for k in ("Name", "Alias", "CurrentVersion", "TargetVersion")}
        missing = [k for k, v in values.items() if not v]
        if missing:
            return f"{prefix} Missing {', '.join(missing)}."
        d.function, d.alias = values["Name"], values["Alias"]
        d.current_version, d.target_version = values["CurrentVersion"], values["TargetVersion"]
        for hook in _ci(spec, "Hooks") or []:
            for event, function in (hook.items() if isinstance(hook, dict) else ()):
                if event not in HOOK_EVENTS:
                    return f"{prefix} {event} is not a lifecycle event of a Lambda deployment ({HOOK_EVENTS})."
                d.hooks.append((event, str(function)))
        if not (d.current_version.isdigit() and d.target_version.isdigit()):
            return f"{prefix} CurrentVersion and TargetVersion must be valid positive integers."
        if d.current_version == d.target_version:
            return f"{prefix} TargetVersion must not equal CurrentVersion."
        fn = self.lambda_.function(d.account, d.region, d.function)
        if fn is None or d.alias not in fn.aliases:
            return f"{prefix} The Lambda function {d.function} or its alias {d.alias} does not exist."
        if fn.aliases[d.alias]["FunctionVersion"] != d.current_version:
            return f"{prefix} The Lambda function alias version does not match the current version in AppSpec file."
        versions = set(self.lambda_.versions(d.account, d.region, d.function))
        if d.target_version not in versions or d.current_version not in versions:
            return f"{prefix} Version {d.target_version} of {d.function} does not exist."
        return None

    @cites(_HOOK_ORDER, _HOOK_TIMEOUT)
    def _run_hook(self, d: Deployment, event: str) -> None:
        """Invoke the deployment's `event` hook and wait for its status; with none, go on at once."""
        function = next((f for e, f in d.hooks if e == event), None)
        if function is None:
            self._after_hook(d, event)
            return
        if self.invoke_async is None:
            raise Unmodelled(f"deployment {d.id} has a {event} hook ({function}) but the world gave CodeDeploy no "
                             f"invoke_async")
        run = HookRun(f"{d.id}-{event}-{len(d.hook_runs) + 1}", event, function, self.now)
        d.hook_runs.append(run)

        def timeout() -> None:
            if run.status == "InProgress" and d.active:
                run.status = "Failed"
                self._fail(d, "HOOK_EXECUTION_FAILURE", f"The {event} hook {function} did not report a status "
                                                        f"within {self.hook_timeout_seconds:.0f} s.")

        self._later(d, self.hook_timeout_seconds, timeout, f"{event} timeout")
        self.invoke_async(d.account, d.region, function,
                          {"DeploymentId": d.id, "LifecycleEventHookExecutionId": run.execution_id})

    def _hook_done(self, d: Deployment, run: HookRun) -> None:
        if d.active:
            self._after_hook(d, run.event)

    def _after_hook(self, d: Deployment, event: str) -> None:
        if event == "BeforeAllowTraffic":
            self._start_traffic(d)
        elif d.stop_due is None:
            self._finish(d, "Succeeded", None, rollback=False)

    @cites(_CONFIG_KINDS)
    def _start_traffic(self, d: Deployment) -> None:
        """Schedule the config's traffic steps from now; the last one puts the alias on the target version."""
        steps = d.routing.steps()
        for i, (offset, weight) in enumerate(steps):
            self._later(d, offset, self._stepper(d, weight, final=i == len(steps) - 1), f"traffic {weight:.0%}")

    def _stepper(self, d: Deployment, weight: float, *, final: bool) -> Callable[[], None]:
        return lambda: self._step(d, weight, final=final)

    def _step(self, d: Deployment, weight: float, *, final: bool) -> None:
        if not d.active:
            return
        if weight >= 1.0:
            version, routing = d.target_version, {}
        else:
            version, routing = d.current_version, {d.target_version: round(weight, 4)}
        self.update_alias(d.account, d.region, d.function, d.alias, version, routing)
        d.steps.append(TrafficStep(self.now, version, dict(routing)))
        if final and d.creator == "codeDeployRollback":
            self._finish(d, "Succeeded", None, rollback=False)
        elif final:
            self._run_hook(d, "AfterAllowTraffic")

    @cites(_ALARM_STOP, _POLL_FAILURE)
    def _poll_alarms(self, d: Deployment) -> None:
        """Read the watched alarms: one in ALARM stops the deployment, so does one CloudWatch cannot return
        unless ``ignorePollAlarmFailure``; then poll again after :attr:`alarm_poll_seconds`."""
        if not d.active:
            return
        if self.alarm_state is None:
            raise Unmodelled(f"deployment {d.id} watches alarms {d.alarms['names']} but the world gave CodeDeploy "
                             f"no alarm_state")
        rollback = "DEPLOYMENT_STOP_ON_ALARM" in _enabled_events(d.auto_rollback)
        for name in d.alarms["names"]:
            state = self.alarm_state(d.account, d.region, name)
            if state == "ALARM":
                d.stops.append(StopRecord(self.now, "alarm", rollback))
                self._finish(d, "Stopped", ("ALARM_ACTIVE", f"One or more alarms have been activated according to "
                                                            f"the Amazon CloudWatch metrics you selected: {name}"),
                             rollback=rollback)
                return
            if state is None and not d.alarms.get("ignorePollAlarmFailure"):
                d.stops.append(StopRecord(self.now, "alarm-poll-failure", rollback))
                self._finish(d, "Stopped", ("ALARM_ACTIVE", f"The state of alarm {name} could not be retrieved "
                                                            f"from Amazon CloudWatch."), rollback=rollback)
                return
        self._later(d, self.alarm_poll_seconds, lambda: self._poll_alarms(d), "alarm poll")

    def _complete_stop(self, d: Deployment) -> None:
        if d.active:
            self._finish(d, "Stopped", ("MANUAL_STOP", "The deployment was stopped by the user."),
                         rollback=d.stop_rollback)

    def _fail(self, d: Deployment, code: str, message: str) -> None:
        if d.active:
            self._finish(d, "Failed", (code, message),
                         rollback="DEPLOYMENT_FAILURE" in _enabled_events(d.auto_rollback))

    def _finish(self, d: Deployment, status: str, error: tuple[str, str] | None, *, rollback: bool) -> None:
        for event in d._events:
            event.cancel()
        d._events.clear()
        d.completed_at, d.error, d.stop_due = self.now, error, None
        self._transition(d, status)
        key = (d.account, d.region, d.application, d.group)
        if self._active.get(key) == d.id:
            del self._active[key]
        if rollback and d.validated and d.creator != "codeDeployRollback":
            self._roll_back(d)
        elif status != "Succeeded" and d.creator != "codeDeployRollback":
            d.rollback_message = "Automatic rollback is not enabled for this event; the deployment was not rolled back."

    @cites(_ROLLBACK, _ROLLBACK_INFO)
    def _roll_back(self, failed: Deployment) -> None:
        """Create a new deployment, by CodeDeploy, that puts the alias back on the failed one's CurrentVersion."""
        content = json.dumps({"version": 0.0, "Resources": [{failed.function: {
            "Type": "AWS::Lambda::Function", "Properties": {
                "Name": failed.function, "Alias": failed.alias, "CurrentVersion": failed.target_version,
                "TargetVersion": failed.current_version}}}]})
        r = Deployment(id=self._next_id("d-"), account=failed.account, region=failed.region,
                       application=failed.application, group=failed.group, config=failed.config,
                       routing=PREDEFINED[ALL_AT_ONCE], content=content, creator="codeDeployRollback",
                       created_at=self.now, function=failed.function, alias=failed.alias,
                       current_version=failed.target_version, target_version=failed.current_version,
                       auto_rollback={"enabled": False}, rollback_of=failed.id, validated=True)
        failed.rolled_back_by = r.id
        failed.rollback_message = f"Rolled back by deployment {r.id}."
        self._register(r)
        self._begin(r)

    def _lambda_update_alias(self, account: str, region: str, function: str, alias: str, version: str,
                             routing: Mapping[str, float]) -> None:
        try:
            self.lambda_.handle("UpdateAlias", {"FunctionName": function, "Name": alias, "FunctionVersion": version,
                                                "RoutingConfig": {"AdditionalVersionWeights": dict(routing)}},
                                account=account, region=region)
        except AwsError as e:
            raise Unmodelled(f"CodeDeploy moving {function}:{alias} to {version} {dict(routing)} got {e}: what "
                             f"CodeDeploy does when Lambda refuses a traffic step is not modelled") from e

    def routing_of(self, account: str, region: str, name: str) -> Routing | None:
        """How the config `name` shifts traffic in this account and region (predefined or custom), or None."""
        if name in PREDEFINED:
            return PREDEFINED[name]
        found = self._configs.get((account, region, name))
        return found.routing if found else None

    def active_deployments(self) -> Iterator[Deployment]:
        """Deployments still holding their group, in creation order."""
        return (d for d in self.deployments if d.active)


# ---------------------------------------------------------------------- property translation


def _names(alarms: Any, key: str) -> list[str]:
    if alarms is None:
        raise AwsError("InvalidAlarmConfigException", "The alarm list is null.")
    names = []
    for a in alarms:
        name = a.get(key) if isinstance(a, Mapping) else None
        if not isinstance(name, str) or not name or len(name) > 255:
            raise AwsError("InvalidAlarmConfigException", f"The alarm name is empty or null or exceeds the limit of "
                                                          f"255 characters: {a!r}")
        names.append(name)
    return names


def _alarm_config(enabled: bool, ignore: bool, names: list[str]) -> dict[str, Any]:
    if len(names) > MAX_DEPLOYMENT_GROUP_ALARMS:
        raise AwsError("AlarmsLimitExceededException", f"The maximum number of alarms for a deployment group "
                                                       f"({MAX_DEPLOYMENT_GROUP_ALARMS}) was exceeded: {len(names)}")
    if len(set(names)) != len(names):
        raise AwsError("InvalidAlarmConfigException", f"Two alarms with the same name have been specified: {names}")
    if enabled and not names:
        raise AwsError("InvalidAlarmConfigException", "The alarm configuration is enabled, but the alarm list is "
                                                      "empty.")
    return {"enabled": enabled, "ignorePollAlarmFailure": ignore, "names": names}


def _cfn_alarms(c: Mapping[str, Any]) -> dict[str, Any]:
    if not c:
        return {"enabled": False, "ignorePollAlarmFailure": False, "names": []}
    return _alarm_config(bool(c.get("Enabled")), bool(c.get("IgnorePollAlarmFailure")),
                         _names(c.get("Alarms", []), "Name"))


def _api_alarms(c: Mapping[str, Any]) -> dict[str, Any]:
    return _alarm_config(bool(c.get("enabled")), bool(c.get("ignorePollAlarmFailure")),
                         _names(c.get("alarms", []), "name"))


def _auto_rollback(enabled: bool, events: list[Any]) -> dict[str, Any]:
    bad = [e for e in events if e not in AUTO_ROLLBACK_EVENTS]
    if bad or (enabled and not events):
        raise AwsError("InvalidAutoRollbackConfigException",
                       f"The automatic rollback configuration is invalid: enabled={enabled}, events={events} "
                       f"(events must be from {AUTO_ROLLBACK_EVENTS}, at least one when enabled)")
    return {"enabled": enabled, "events": list(events)}


def _cfn_auto_rollback(c: Mapping[str, Any]) -> dict[str, Any]:
    return _auto_rollback(bool(c.get("Enabled")), list(c.get("Events") or [])) if c else {"enabled": False}


def _api_auto_rollback(c: Mapping[str, Any]) -> dict[str, Any]:
    return _auto_rollback(bool(c.get("enabled")), list(c.get("events") or []))


def _cfn_routing(c: Mapping[str, Any]) -> Routing:
    kind = c.get("Type")
    if kind not in ROUTING_TYPES:
        raise AwsError("InvalidTrafficRoutingConfigurationException",
                       f"TrafficRoutingConfig.Type={kind!r} must be one of {ROUTING_TYPES}")
    if kind == "AllAtOnce":
        return Routing("AllAtOnce")
    prefix, block = ("Canary", c.get("TimeBasedCanary")) if kind == "TimeBasedCanary" else \
        ("Linear", c.get("TimeBasedLinear"))
    percent = (block or {}).get(f"{prefix}Percentage")
    interval = (block or {}).get(f"{prefix}Interval")
    if not isinstance(percent, int) or not isinstance(interval, int) or not 0 < percent <= 100 or interval < 1:
        raise AwsError("InvalidTrafficRoutingConfigurationException",
                       f"{kind} needs {kind}.{prefix}Percentage (1-100) and {prefix}Interval (minutes, >= 1): got "
                       f"{block!r}")
    return Routing(kind, percent, interval)


# ---------------------------------------------------------------------- CloudFormation providers


class _Provider:
    """A CloudFormation resource provider over :class:`FakeCodeDeploy`; an update is a replacement by default
    (the new resource is created first, so a custom name that stays the same fails, as CloudFormation does)."""

    name_property = ""

    def __init__(self, fake: FakeCodeDeploy) -> None:
        self.fake = fake

    def _make(self, account: str, region: str, name: str, properties: Mapping[str, Any]) -> None:
        raise NotImplementedError

    def create(self, *, account: str, region: str, stack: str, logical_id: str,
               properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        given = properties.get(self.name_property)
        name = str(given) if given else f"{stack}-{logical_id}-{self.fake._next_id('')[-6:]}"
        self._make(account, region, name, properties)
        return name, {}

    def update(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any], old_properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        return self.create(account=account, region=region, stack=stack, logical_id=logical_id,
                           properties=properties)


class _ApplicationProvider(_Provider):
    name_property = "ApplicationName"

    def _make(self, account: str, region: str, name: str, properties: Mapping[str, Any]) -> None:
        self.fake.create_application(account=account, region=region, name=name,
                                     compute_platform=str(properties.get("ComputePlatform", "Server")))

    def delete(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any]) -> None:
        self.fake.delete_application(account=account, region=region, name=physical_id)


class _GroupProvider(_Provider):
    name_property = "DeploymentGroupName"

    def _make(self, account: str, region: str, name: str, properties: Mapping[str, Any]) -> None:
        self.fake.put_deployment_group(account=account, region=region, properties=properties, name=name)

    def update(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any], old_properties: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
        if any(properties.get(k) != old_properties.get(k) for k in ("ApplicationName", "DeploymentGroupName")):
            return super().update(account=account, region=region, stack=stack, logical_id=logical_id,
                                  physical_id=physical_id, properties=properties, old_properties=old_properties)
        self.fake.put_deployment_group(account=account, region=region, properties=properties, name=physical_id,
                                       replace=physical_id)  # anything else changes in place
        return physical_id, {}

    def delete(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any]) -> None:
        self.fake.delete_deployment_group(account=account, region=region,
                                          application=str(properties.get("ApplicationName", "")), name=physical_id)


class _ConfigProvider(_Provider):
    name_property = "DeploymentConfigName"

    def _make(self, account: str, region: str, name: str, properties: Mapping[str, Any]) -> None:
        self.fake.create_deployment_config(account=account, region=region, name=name, properties=properties)

    def delete(self, *, account: str, region: str, stack: str, logical_id: str, physical_id: str,
               properties: Mapping[str, Any]) -> None:
        self.fake.delete_deployment_config(account=account, region=region, name=physical_id)
