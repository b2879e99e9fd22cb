"""SafeLambdaDeployment: versions, an alias CloudFormation never re-points, CodeDeploy, alarms.

See ``docs/lambda-deployment.md`` for the design: why one custom resource
publishes each version and creates the alias once (never an
``AWS::Lambda::Version`` next to another, never an ``AWS::Lambda::Alias``),
which alarms block and which only inform, and what the release state
machines read from :attr:`SafeLambdaDeployment.release_outputs`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import (
    CfnOutput,
    CfnResource,
    CustomResource,
    Duration,
    Fn,
    IStableListProducer,
    IStableStringProducer,
    Lazy,
    RemovalPolicy,
    Stack,
    Stage,
    Tags,
    Token,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.interfaces.aws_lambda import AliasReference
from constructs import Construct, Node

from seawall.checks.templates import METADATA_KEY
from seawall.model import AlarmPolicy, TrafficPolicy, WavePlan, require_one_box
from seawall.model._validate import require_str
from seawall.model.contracts import (
    FUNCTION_OUTPUT_PREFIX,
    RELEASE_TOKEN_OUTPUT,
    SERVICE_ALARMS_OUTPUT,
    FunctionRelease,
)
from seawall.model.limits import MAX_COMPOSITE_CHILDREN, MAX_COMPOSITE_RULE_CHARS
from seawall.model.limits import MAX_DEPLOYMENT_GROUP_ALARMS as MAX_CODEDEPLOY_ALARMS
from seawall.model.naming import (
    LAMBDA_ALIAS_NAME,
    ONE_BOX_METADATA,
    ONE_BOX_ROLLBACK_METADATA,
    TEAM_TAG_KEY,
    aggregate_alarm_name,
    aggregate_watch_alarm_name,
    alarm_name,
    check_service,
    check_team,
    codedeploy_name,
    codedeploy_role_name,
    deployment_config_name,
    high_severity_alarm_name,
    high_severity_part_name,
    one_box_rollback_alarm_name,
    step_scope,
)

from ._assets import PUBLISHER_HANDLER, publisher_asset_dir
from ._defaults import default_alarms
from ._nag import acknowledge, arn_wildcard_rule
from ._validate import require_type
from .alarms import (
    ALARM_KINDS,
    DEFAULT_BLOCKING,
    AlarmKind,
    AlarmScope,
    alarm_kind,
    alarm_period,
    alarm_rule_any,
    build_alarm,
    chunk_alarm_names,
    failing_errors,
    fault_rate,
    lambda_metric,
)
from .release import RUNTIME

#: CloudWatch namespace of the errors-in-logs metric.
ERRORS_IN_LOGS_NAMESPACE = "Seawall/ErrorsInLogs"
#: The metric filter: Powertools' structured JSON log lines at level ERROR.
ERRORS_IN_LOGS_PATTERN = logs.FilterPattern.string_value("$.level", "=", "ERROR")


@dataclass(frozen=True)
class ReleaseOutputs:
    """The stack outputs the release state machines read from the deployed stack (not from the pipeline).

    ``function``: this function's :class:`~seawall.model.contracts.FunctionRelease` as compact JSON, keyed
    ``SeawallFunction...``.  ``token`` and ``service_alarms`` are shared by every SafeLambdaDeployment of
    the stack: ``SeawallReleaseToken`` (the published versions of the stack's functions, joined in tree
    order, so it changes whenever one of them does) and ``SeawallServiceAlarms`` (a JSON list of the
    stack's service high-severity alarm names).  The pipeline consumes only the token: its shift and bake
    actions stay the same size whatever the number of functions.
    """

    function: CfnOutput
    token: CfnOutput
    service_alarms: CfnOutput


@jsii.implements(IStableStringProducer)
class _TokenProducer:
    def __init__(self, deployments: list[SafeLambdaDeployment]) -> None:
        self._deployments = deployments

    def produce(self) -> str:
        return Fn.join(".", [d.version.version for d in self._deployments])


@jsii.implements(IStableStringProducer)
class _AlarmNamesProducer:
    def __init__(self, deployments: list[SafeLambdaDeployment]) -> None:
        self._deployments = deployments

    def produce(self) -> str:
        names: list[str] = []
        for d in self._deployments:
            cfn = d.high_severity_alarm.node.default_child
            literal = getattr(cfn, "alarm_name", None)  # the physical name, when set literally (Seawall's are)
            name = literal if isinstance(literal, str) and not Token.is_unresolved(literal) \
                else d.high_severity_alarm.alarm_name
            if name not in names:
                names.append(name)
        return Stack.of(self._deployments[0]).to_json_string(names)


class _ReleaseStackOutputs(Construct):
    """The outputs every SafeLambdaDeployment of one stack shares: the release token and the service alarms.

    No value changes per commit in the pipeline's template: the token is a ``Fn::Join`` of the version
    resources' ``Version`` attributes, resolved by CloudFormation in the service stack.
    """

    ID = "SeawallReleaseOutputs"

    @classmethod
    def of(cls, stack: Stack) -> _ReleaseStackOutputs:
        found = stack.node.try_find_child(cls.ID)
        if isinstance(found, _ReleaseStackOutputs):
            return found
        return cls(stack, cls.ID)

    def __init__(self, scope: Stack, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.deployments: list[SafeLambdaDeployment] = []
        self.token = CfnOutput(scope, RELEASE_TOKEN_OUTPUT, value=Lazy.string(_TokenProducer(self.deployments)),
                               description="Seawall: the published versions of this stack's functions; the "
                                           "release state machines check it against the pipeline execution's")
        self.service_alarms = CfnOutput(scope, SERVICE_ALARMS_OUTPUT,
                                        value=Lazy.string(_AlarmNamesProducer(self.deployments)),
                                        description="Seawall: the service high-severity alarms the bake watches")
        for output, key in ((self.token, RELEASE_TOKEN_OUTPUT), (self.service_alarms, SERVICE_ALARMS_OUTPUT)):
            output.override_logical_id(key)


def _function_output_id(deployment: Construct) -> str:
    """``SeawallFunction`` + the deployment's construct ID (letters and digits) + a hash of its path."""
    readable = re.sub(r"[^A-Za-z0-9]", "", deployment.node.id)[:60]
    digest = hashlib.sha256(deployment.node.path.encode()).hexdigest()[:8].upper()
    return f"{FUNCTION_OUTPUT_PREFIX}{readable}{digest}"


def function_key(construct_id: str) -> str:
    """A lower-case, hyphenated form of a construct ID, used in resource names."""
    key = re.sub(r"[^a-z0-9]+", "-", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", construct_id).lower()).strip("-")
    if not key:
        raise ValueError(f"construct_id={construct_id!r} has no letters or digits to name resources with")
    return key[:40]


def _check_alias_name(alias_name: str) -> str:
    require_str(alias_name, "alias_name", "live", empty=True)
    if not LAMBDA_ALIAS_NAME.fullmatch(alias_name):
        raise ValueError(
            f"alias_name={alias_name!r} is not a Lambda alias name; use 1-128 letters, digits, '-' or '_', "
            f"not only digits (e.g. 'live')"
        )
    return alias_name


class _ServiceHighSeverity(Construct):
    """The high-severity composite of one service in one stack, shared by its functions.

    The composite ``high_severity_alarm_name(team, service, scope)`` is what the bake watches (by name)
    and what the team aggregate lists.  While its children fit one composite alarm (CloudWatch: at most
    :data:`~seawall.model.limits.MAX_COMPOSITE_CHILDREN` alarms and
    :data:`~seawall.model.limits.MAX_COMPOSITE_RULE_CHARS` characters per rule) it names them itself.
    Past that, the children are split, in the order they joined, into part composites
    (:func:`~seawall.model.naming.high_severity_part_name`: ``{name}-part-{n}``) and the composite is
    ``ALARM`` when any part is; parts over parts follow if the parts ever outgrow one composite.

    Children join one :class:`SafeLambdaDeployment` at a time and the rules are rendered at synthesis,
    so the structure is decided as they join: part composites are created here, never during synthesis.
    Chunking is greedy and children only append, so a part, once created, keeps its name and its
    children; only the last part of a level grows.  Every rule names its children through a ``Ref``
    (Seawall's own alarms, and the parts), so CloudFormation creates each child before the composite
    that names it.
    """

    #: What one composite may hold (CloudWatch's limits; a test lowers them to reach deeper nesting cheaply).
    max_children: int = MAX_COMPOSITE_CHILDREN
    max_rule_chars: int = MAX_COMPOSITE_RULE_CHARS

    def __init__(self, scope: Construct, construct_id: str, *, team: str, service: str, name_scope: str) -> None:
        super().__init__(scope, construct_id)
        self._team, self._service, self._scope = team, service, name_scope
        region = Stack.of(self).region
        self._region_token = region if Token.is_unresolved(region) else None
        #: Every alarm the composite watches, directly or through a part, in the order they joined.
        self.children: list[cloudwatch.IAlarm] = []
        #: What each child's name counts as in a rule (:func:`_literal_name`).
        self._measured: list[str] = []
        #: The part composites of each level (level 1 first), and what each part's rule names.
        self.parts: list[list[cloudwatch.CompositeAlarm]] = []
        self._part_children: list[list[list[cloudwatch.IAlarm]]] = []
        #: What the composite's own rule names: the children, or the parts of the highest level.
        self._top: list[cloudwatch.IAlarm] = []
        self.alarm = cloudwatch.CompositeAlarm(
            self, "Resource",
            composite_alarm_name=high_severity_alarm_name(team, service, name_scope),
            alarm_description="Seawall high-severity: ALARM when any blocking alarm of the service is in ALARM",
            alarm_rule=cloudwatch.AlarmRule.from_string(
                _lazy_rule(self._top)
            ),
        )

    def add(self, alarms: Sequence[cloudwatch.IAlarm]) -> None:
        """Watch `alarms` too (an alarm already watched is not named twice), nesting when one composite is full."""
        for alarm in alarms:
            if any(alarm is known for known in self.children):
                continue
            self.children.append(alarm)
            self._measured.append(_literal_name(alarm))
        members: list[cloudwatch.IAlarm] = list(self.children)
        measured: list[str] = list(self._measured)
        level = 0
        while True:
            groups = chunk_alarm_names(measured, max_children=self.max_children, max_chars=self.max_rule_chars,
                                       region_token=self._region_token)
            if len(groups) <= 1:
                break
            level += 1
            members, measured = self._level(level, members, [len(g) for g in groups])
        self._top[:] = members

    def _level(self, level: int, members: list[cloudwatch.IAlarm], sizes: list[int]
               ) -> tuple[list[cloudwatch.IAlarm], list[str]]:
        """The parts of `level` over `members`, split into groups of `sizes`; created as they are first needed."""
        if len(self.parts) < level:
            self.parts.append([])
            self._part_children.append([])
        parts, part_children = self.parts[level - 1], self._part_children[level - 1]
        if len(sizes) < len(parts):  # greedy chunking of a list that only grows never merges groups
            raise AssertionError(f"{self.node.path}: level {level} shrank from {len(parts)} to {len(sizes)} parts")
        start = 0
        for index, size in enumerate(sizes, start=1):
            if index > len(parts):
                name = high_severity_part_name(self._team, self._service, self._scope, index, level)
                children: list[cloudwatch.IAlarm] = []
                part = cloudwatch.CompositeAlarm(
                    self, f"Part{index}" if level == 1 else f"Level{level}Part{index}",
                    composite_alarm_name=name,
                    alarm_description=f"Seawall high-severity, part of {self.alarm.node.path}: ALARM when any "
                                      f"of its alarms is in ALARM",
                    alarm_rule=cloudwatch.AlarmRule.from_string(_lazy_rule(children)),
                )
                parts.append(part)
                part_children.append(children)
            part_children[index - 1][:] = members[start:start + size]
            start += size
        return list(parts), [_literal_name(p) for p in parts]


class _AggregateWatch(Construct):
    """``ALARM(team aggregate)``, once per service stack: what the stack's one-box rollback composites name.

    Not the aggregate itself: CloudWatch lets one alarm be named by at most
    :data:`~seawall.model.limits.MAX_COMPOSITE_PARENTS` composites, and every function of the team in an
    account and region has a one-box rollback composite.  The aggregate is the team monitoring stack's and
    is named literally: it must exist before the service stack deploys (CloudWatch refuses a composite
    naming an alarm that does not exist), which the foundation pipeline sees to.
    """

    @classmethod
    def of(cls, stack: Stack, *, team: str, service: str, name_scope: str) -> _AggregateWatch:
        construct_id = f"SeawallAggregateWatch-{team}-{service}"
        found = stack.node.try_find_child(construct_id)
        if found is None:
            found = cls(stack, construct_id, team=team, service=service, name_scope=name_scope)
        assert isinstance(found, _AggregateWatch)
        return found

    def __init__(self, scope: Stack, construct_id: str, *, team: str, service: str, name_scope: str) -> None:
        super().__init__(scope, construct_id)
        self.aggregate_name = aggregate_alarm_name(team, scope.region)
        self.alarm = cloudwatch.CompositeAlarm(
            self, "Resource",
            composite_alarm_name=aggregate_watch_alarm_name(team, service, name_scope),
            alarm_description="Seawall: the team aggregate, for this stack's one-box rollback composites",
            alarm_rule=cloudwatch.AlarmRule.from_string(alarm_rule_any([self.aggregate_name])),
        )


def _mark(alarm: cloudwatch.IAlarm, key: str, deployment_path: str) -> None:
    """Record in the alarm's ``Metadata.seawall`` which deployment's one-box alarm (or rollback composite) it is."""
    cfn = alarm.node.default_child
    if isinstance(cfn, CfnResource):
        current = cfn.get_metadata(METADATA_KEY)
        cfn.add_metadata(METADATA_KEY, {**(current if isinstance(current, dict) else {}), key: deployment_path})


def team_traffic_policies(plan: WavePlan, extra: Sequence[TrafficPolicy] = ()) -> tuple[TrafficPolicy, ...]:
    """The traffic policies a team runtime creates custom CodeDeploy configs for, in a stable order.

    Every step's policy in `plan` and every policy in `extra` (``traffic_policies`` of the team class) that
    has no CodeDeploy predefined config, each once.  The team runtime creates exactly these
    (:class:`~seawall.stacks.TeamRuntimeStack`), and a ``SafeLambdaDeployment`` in a Seawall stage refuses
    a custom policy outside them.
    """
    if not isinstance(plan, WavePlan):
        raise TypeError(f"plan={plan!r} must be a seawall.model.WavePlan")
    if isinstance(extra, TrafficPolicy) or not all(isinstance(t, TrafficPolicy) for t in extra):
        raise TypeError(f"traffic_policies={extra!r} must be a list of seawall.model.TrafficPolicy")
    out: list[TrafficPolicy] = []
    for traffic in (*(step.traffic for step in plan.steps()), *extra):
        if traffic.predefined_config_name is None and traffic not in out:
            out.append(traffic)
    return tuple(out)


def declared_traffic_policies(scope: Construct) -> tuple[TrafficPolicy, ...] | None:
    """The custom traffic policies the team runtime declares for `scope`'s stage, or None when unknowable.

    Inside a Seawall ``ServiceStage`` of a team pipeline: :func:`team_traffic_policies` of the team class
    (the class in the pipeline stack's MRO that sets ``team``, the one ``foundation()`` is called on) --
    its ``plan`` and ``traffic_policies``, as the foundation reads them.  Of a ``WavePipeline`` used on its
    own, its plan.  Recognised by attributes, like :func:`default_traffic`, so this module does not import
    the pipeline renderer.
    """
    stage = Stage.of(scope)
    if stage is None or getattr(stage, "step", None) is None:
        return None
    pipeline = stage.node.scope
    owner = pipeline.node.scope if pipeline is not None else None
    team_class = next((c for c in type(owner).__mro__ if "team" in vars(c)), None) if owner is not None else None
    plan = getattr(team_class, "plan", None) if team_class is not None else None
    extra = getattr(team_class, "traffic_policies", ()) if team_class is not None else ()
    if not isinstance(plan, WavePlan):
        plan, extra = getattr(pipeline, "plan", None), ()
    if not isinstance(plan, WavePlan):
        return None
    return team_traffic_policies(plan, extra)


def _literal_name(alarm: cloudwatch.IAlarm) -> str:
    """What `alarm`'s name counts as in a composite rule: the physical name it was given in this app, else its
    ``alarm_name`` — literal for an imported alarm, a token when CloudFormation names it, which
    :func:`~seawall.constructs.alarms.chunk_alarm_names` counts as the longest alarm name (255 characters)."""
    literal = getattr(alarm.node.default_child, "alarm_name", None)
    if isinstance(literal, str):
        return literal
    return alarm.alarm_name


@jsii.implements(IStableStringProducer)
class _RuleProducer:
    def __init__(self, children: list[cloudwatch.IAlarm]) -> None:
        self._children = children

    def produce(self) -> str:
        return alarm_rule_any([a.alarm_name for a in self._children])


def _lazy_rule(children: list[cloudwatch.IAlarm]) -> str:
    """The composite's rule, computed at synthesis once every function of the service has joined."""
    return Lazy.string(_RuleProducer(children))


#: The CloudFormation type of the resource that publishes a function's version and creates its alias once.
VERSION_RESOURCE_TYPE = "Custom::SeawallVersion"
#: The attribute a function carries once a SafeLambdaDeployment owns it (the owner's construct path).
_CLAIMED_BY = "_seawall_deployment_path"


@jsii.implements(IStableStringProducer)
class _FunctionFingerprint:
    """CDK's fingerprint of a function's version-relevant configuration and code.

    CDK's ``currentVersion`` puts a hash of the function's rendered
    properties (code, environment, every version-locked setting, property
    overrides included; ``Function.classify_version_property`` tunes it) into
    its logical ID, so that "a new version resource is created when the
    function configuration changes".  Seawall reads that logical ID and drops
    the Version resource itself: the fingerprint changes exactly when Lambda
    would publish a new version, and no second ``AWS::Lambda::Version`` exists.
    """

    def __init__(self, version: lambda_.Version) -> None:
        cfn = version.node.default_child
        assert isinstance(cfn, CfnResource)
        self._cfn = cfn
        version.node.try_remove_child(cfn.node.id)  # the fingerprint stays; the resource leaves the template

    def produce(self) -> str:
        return str(Stack.of(self._cfn).resolve(self._cfn.logical_id))


#: Module names for annotations inside _LiveAlias, whose ``lambda_`` property shadows the module there.
_Architecture = lambda_.Architecture
_IVersion = lambda_.IVersion


@jsii.implements(lambda_.IAlias)
class _LiveAlias(lambda_.QualifiedFunctionBase):
    """The alias the version resource created (or adopted), as CDK's ``IAlias``.

    Its ARN is the custom resource's ``AliasArn`` attribute and its name is
    ``{function}:{alias}`` built from that ARN, so an integration, an event
    source mapping or a permission on it is created after the alias exists
    and names the alias, not ``$LATEST``.  Metrics carry the ``Resource``
    dimension of the alias, as CDK's ``lambda.Alias`` does.
    """

    def __init__(self, scope: Construct, construct_id: str, *, function: lambda_.Function, alias_name: str,
                 alias_arn: str, version: lambda_.IVersion) -> None:
        super().__init__(scope, construct_id)
        self._function, self._alias_name, self._alias_arn, self._version = function, alias_name, alias_arn, version

    @property
    def lambda_(self) -> lambda_.IFunction:
        return self._function

    @property
    def function_arn(self) -> str:
        return self._alias_arn

    @property
    def function_name(self) -> str:
        return Fn.join(":", [Fn.select(6, Fn.split(":", self._alias_arn)), self._alias_name])

    @property
    def alias_name(self) -> str:
        return self._alias_name

    @property
    def version(self) -> _IVersion:
        return self._version

    @property
    def grant_principal(self) -> iam.IPrincipal:
        return self._function.grant_principal

    @property
    def role(self) -> iam.IRole | None:
        return self._function.role

    @property
    def architecture(self) -> _Architecture:
        return self._function.architecture

    @property
    def alias_ref(self) -> AliasReference:
        return AliasReference(alias_arn=self._alias_arn)

    @property
    def permissions_node(self) -> Node:
        return self.node

    @property
    def resource_arns_for_grant_invoke(self) -> list[str]:
        return [self._alias_arn]

    @property
    def _can_create_permissions(self) -> bool:
        return True

    @property
    def _qualifier(self) -> str:
        return self._alias_name

    def metric(self, metric_name: str, props: Any = None, **options: Any) -> cloudwatch.Metric:
        """The alias's own metric: ``FunctionName`` and ``Resource={function}:{alias}`` (CDK's Alias does).

        CDK calls it with a ``MetricOptions`` struct (``metric_invocations()`` and the like), Python code
        with keyword arguments; both are accepted.
        """
        given = dict(getattr(props, "_values", None) or {})
        given.update(options)
        dimensions = {"FunctionName": self._function.function_name,
                      "Resource": f"{self._function.function_name}:{self._alias_name}",
                      **(given.pop("dimensions_map", None) or {})}
        return cloudwatch.Metric(namespace="AWS/Lambda", metric_name=metric_name, dimensions_map=dimensions,
                                 **given)


class _VersionPublisher(Construct):
    """One Lambda per stack behind every ``Custom::SeawallVersion`` resource of the stack.

    Its role may publish versions of, read and create aliases on exactly the
    functions granted with :meth:`grant`; its log group keeps a year.
    """

    ID = "SeawallVersionPublisher"

    @classmethod
    def of(cls, stack: Stack) -> _VersionPublisher:
        found = stack.node.try_find_child(cls.ID)
        if found is None:
            found = cls(stack, cls.ID)
        assert isinstance(found, _VersionPublisher)
        return found

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(self, "Logs", retention=logs.RetentionDays.ONE_YEAR,
                                       removal_policy=RemovalPolicy.RETAIN)
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description="Seawall: publishes Lambda versions and creates aliases once")
        self.policy = iam.Policy(self, "Policy", statements=[iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[self.log_group.log_group_arn])])
        self.policy.attach_to_role(self.role)
        self.function = lambda_.Function(
            self, "Function", runtime=RUNTIME, architecture=lambda_.Architecture.ARM_64,
            code=lambda_.Code.from_asset(publisher_asset_dir()),
            handler=PUBLISHER_HANDLER, role=self.role, timeout=Duration.minutes(15), memory_size=128,
            log_group=self.log_group,
            description="Seawall: publishes a function's version and creates its alias if absent (never moves it)")
        drop_redundant_role_dependency(self.function)
        acknowledge(self.function, "AwsSolutions-L1",
                    f"pinned to {RUNTIME.name}, the newest runtime whose interpreter the asset-import "
                    f"test runs the handler under; raise it with that test")

    def grant(self, function: lambda_.IFunction) -> None:
        """Let the publisher publish versions of `function` and read or create its aliases."""
        self.policy.add_statements(iam.PolicyStatement(
            actions=["lambda:PublishVersion", "lambda:GetFunctionConfiguration", "lambda:GetAlias",
                     "lambda:CreateAlias"],
            resources=[function.function_arn, f"{function.function_arn}:*"]))
        rule = arn_wildcard_rule(function)
        if rule:
            acknowledge(self.policy, rule, "the publisher reads and creates the function's alias, whose ARN is "
                                           "the function's ARN qualified by the alias name")


class _LambdaDeploymentGroup(Construct):
    """A CodeDeploy Lambda deployment group that names no alias.

    CDK's ``LambdaDeploymentGroup`` needs a ``lambda.Alias`` resource and puts
    a ``CodeDeployLambdaAliasUpdate`` policy on it; Seawall has neither (its
    shift passes the alias in the AppSpec of ``CreateDeployment``), so the
    group is rendered from its CloudFormation resource with the same
    properties and construct IDs (logical IDs do not move).

    Its service role is the team runtime's, shared by every group of the team in the account and region
    (:func:`~seawall.model.naming.codedeploy_role_name`), named by ARN: IAM roles are account-wide, and one
    per function per target would spend the account's role quota.  That role has AWS's
    ``AWSCodeDeployRoleForLambdaLimited``, which may invoke only functions named ``CodeDeployHook_*``
    (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSCodeDeployRoleForLambdaLimited.html:
    ``"Action" : [ "lambda:InvokeFunction" ], "Resource" : "arn:aws:lambda:*:*:function:CodeDeployHook_*"``),
    so each hook's own resource policy lets the role invoke it: "If either the identity-based policy or the
    resource-based policy within the same account allows the request and the other doesn't, the request is
    still allowed." (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_policies_evaluation-logic_policy-eval-basics.html).  A resource policy per hook, not a policy
    on the shared role, keeps the role's policies from growing with the team's functions.
    """

    def __init__(self, scope: Construct, construct_id: str, *, application: codedeploy.ILambdaApplication,
                 name: str, config: codedeploy.ILambdaDeploymentConfig, alarms: Sequence[cloudwatch.IAlarm],
                 hooks: Sequence[lambda_.IFunction], role_arn: str) -> None:
        super().__init__(scope, construct_id)
        #: The team runtime's CodeDeploy service role in this account and region.
        self.role_arn = role_arn
        resource = codedeploy.CfnDeploymentGroup(
            self, "Resource",
            application_name=application.application_name,
            service_role_arn=role_arn,
            deployment_group_name=name,
            deployment_config_name=config.deployment_config_name,
            deployment_style=codedeploy.CfnDeploymentGroup.DeploymentStyleProperty(
                deployment_type="BLUE_GREEN", deployment_option="WITH_TRAFFIC_CONTROL"),
            alarm_configuration=codedeploy.CfnDeploymentGroup.AlarmConfigurationProperty(
                enabled=True, alarms=[codedeploy.CfnDeploymentGroup.AlarmProperty(name=a.alarm_name)
                                      for a in alarms]),
            auto_rollback_configuration=codedeploy.CfnDeploymentGroup.AutoRollbackConfigurationProperty(
                enabled=True,
                events=["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST", "DEPLOYMENT_STOP_ON_ALARM"]),
        )
        #: The group as CDK's interface, for grants and ARNs.
        self.reference = codedeploy.LambdaDeploymentGroup.from_lambda_deployment_group_attributes(
            self, "Reference", application=application, deployment_group_name=resource.ref,
            deployment_config=config)
        granted: list[lambda_.IFunction] = []
        for hook in hooks:
            if any(hook is g for g in granted):
                continue
            granted.append(hook)
            lambda_.CfnPermission(self, f"HookInvoke{len(granted)}", action="lambda:InvokeFunction",
                                  function_name=hook.function_arn, principal=role_arn)
            iam.Grant.add_to_principal(grantee=hook, actions=["codedeploy:PutLifecycleEventHookExecutionStatus"],
                                       resource_arns=[self.reference.deployment_group_arn])


class SafeLambdaDeployment(Construct):
    """Deploy a Lambda function safely: a new version per change, a one-box, alarms that roll back.

    * publishes a version on every code or configuration change and retains
      the old ones, through one ``Custom::SeawallVersion`` resource per
      function (:mod:`seawall.lambdas.publisher.handler`): publishing is
      idempotent, so an unchanged function, a new logical ID after a CDK
      upgrade or a re-applied old template never fails the deploy;
    * creates the alias ``alias_name`` once, on the first published version,
      or adopts an alias that already exists; CloudFormation never re-points
      it, Seawall's shift does.  A function may have one SafeLambdaDeployment,
      and must not also use CDK's ``function.current_version``;
    * a CodeDeploy application and deployment group, named
      ``{team}-{service}-{function key}``, whose config follows `traffic`, with
      auto-rollback on failure and on alarm;
    * one-box alarms on the new version only, the service's high-severity
      composite and informative alarms, all from one table
      (:data:`seawall.constructs.alarms.ALARM_KINDS`).

    Parameters
    ----------
    function:
        The function to deploy. Seawall sets its ``LoggingConfig.LogGroup`` to
        a log group it creates (unless one is configured already).
    team, service:
        Names used in every alarm name (``{team}-{service}-{region}-{kind}``).
    traffic:
        How the shift moves the alias. A canary above 10 % is rejected.
        Default: the step's traffic policy inside a Seawall pipeline stage
        (:class:`~seawall.constructs.wave_pipeline.ServiceStage`: a one-box
        canary in production, all at once in alpha); a 10 % canary for
        60 minutes, then all at once, otherwise.
    alarms:
        Alarm thresholds. Default: inside a Seawall ``ServiceStage``, the team's
        (``TeamPipelineStack.alarms``, which the pipeline hands the stage);
        elsewhere ``AlarmPolicy()`` (1 % faults, p99 5 s, ...).
    alias_name:
        Default: ``live``.
    extra_alarms:
        More alarms (business metrics) for the high-severity composite; the
        metric alarms among them also go to CodeDeploy while it has room.
        Default: none.
    pre_traffic_hook, post_traffic_hook:
        Lambda functions CodeDeploy runs before / after moving traffic (see
        :class:`seawall.constructs.SmokeTestHook`). Default: none.
    blocking:
        Alarm kinds that block a deployment. Default: every kind of the table
        marked blocking (fault rate, latencies, throttles, errors in logs and
        the one-box alarms); ``traffic-drop`` and ``latency-anomaly`` inform only.
    log_retention:
        Retention of the function's log group. Default: one year.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.Function,
        team: str,
        service: str,
        traffic: TrafficPolicy | None = None,
        alarms: AlarmPolicy | None = None,
        alias_name: str = "live",
        extra_alarms: Sequence[cloudwatch.IAlarm] = (),
        pre_traffic_hook: lambda_.IFunction | None = None,
        post_traffic_hook: lambda_.IFunction | None = None,
        blocking: Sequence[str] | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
    ) -> None:
        super().__init__(scope, construct_id)
        # ---- validate everything before creating anything
        self.team = check_team(team)
        self.service = check_service(service)
        self.traffic = traffic if traffic is not None else default_traffic(self)
        require_type(self.traffic, "traffic", TrafficPolicy, "TrafficPolicy.canary()")
        require_one_box(self.traffic)
        self.alarm_policy = alarms if alarms is not None else default_alarms(self)
        require_type(self.alarm_policy, "alarms", AlarmPolicy, "AlarmPolicy(max_fault_rate=0.01)")
        self.alias_name = _check_alias_name(alias_name)
        require_type(function, "function", lambda_.Function,
                     "a lambda_.Function defined in this app (Seawall publishes its versions)")
        require_type(log_retention, "log_retention", logs.RetentionDays, "logs.RetentionDays.ONE_YEAR")
        kinds = [alarm_kind(k) for k in (DEFAULT_BLOCKING if blocking is None else _check_blocking(blocking))]
        self.blocking_kinds: frozenset[str] = frozenset(k.kind for k in kinds)
        if not isinstance(extra_alarms, list | tuple) or not all(hasattr(a, "alarm_name") for a in extra_alarms):
            raise TypeError(f"extra_alarms={extra_alarms!r} must be a list of CloudWatch alarms (cloudwatch.IAlarm), "
                            f"e.g. [orders_failed_alarm]")
        for parameter, hook in (("pre_traffic_hook", pre_traffic_hook), ("post_traffic_hook", post_traffic_hook)):
            if hook is not None and not (hasattr(hook, "function_name") and hasattr(hook, "add_to_role_policy")):
                raise TypeError(f"{parameter}={hook!r} must be a Lambda function such as SmokeTestHook(...).function "
                                f"(aws_lambda.IFunction), not a name (None: no hook)")
        self.key = function_key(construct_id)
        stack = Stack.of(self)
        _same_stack(self, stack, "function", function)
        for parameter, hook in (("pre_traffic_hook", pre_traffic_hook), ("post_traffic_hook", post_traffic_hook)):
            if isinstance(hook, lambda_.Function):
                _same_stack(self, stack, parameter, hook)
        self.region = stack.region
        #: The deployment target this deployment's physical names are unique to (see
        #: :func:`deployment_scope`): the target's scope inside a Seawall ServiceStage, else None.
        self.target_scope: str | None = deployment_scope(self)
        #: What alarm names carry after the service: the target scope, or the region outside a stage.
        self.name_scope: str = self.target_scope or self.region
        # Checked here, before any resource exists: CodeDeploy names are at most 100 characters.
        codedeploy_resource_name = codedeploy_name(self.team, self.service, self.target_scope, self.key)
        config_name = deployment_config_name(self.team, self.traffic)
        declared = declared_traffic_policies(self)
        if declared is not None and self.traffic.predefined_config_name is None and self.traffic not in declared:
            raise ValueError(
                f"traffic={self.traffic.describe()!r} at {self.node.path} needs the custom CodeDeploy config "
                f"{config_name!r}, which the {self.team} team runtime does not create: it creates one per traffic "
                f"policy of the team's plan and of its traffic_policies "
                f"({', '.join(t.describe() for t in declared) or 'none'}). Add this policy to the team class's "
                f"traffic_policies and let the foundation pipeline deploy it before this service, or use one of "
                f"those policies")
        self.function = function
        drop_redundant_role_dependency(function)

        # ---- the version and the alias: one custom resource, see seawall.lambdas.publisher.handler
        existing = getattr(function, _CLAIMED_BY, None)
        if existing is not None:
            raise ValueError(
                f"function {function.node.path} is already deployed by SafeLambdaDeployment {existing}; a second one "
                f"at {self.node.path} would create a second '{self.alias_name}' alias owner, CodeDeploy group and "
                f"log group for the same function: keep one SafeLambdaDeployment per function")
        if function.node.try_find_child("CurrentVersion") is not None:
            raise ValueError(
                f"{function.node.path} already has CDK's currentVersion (an AWS::Lambda::Version resource): with "
                f"SafeLambdaDeployment's version that makes two Version resources on one function, and the second "
                f"fails to deploy on unchanged code; remove the use of function.current_version and use "
                f"{self.node.path}.version instead")
        setattr(function, _CLAIMED_BY, self.node.path)
        # The release Lambdas move only aliases of functions with their team's tag (ReleaseStateMachines).
        Tags.of(function).add(TEAM_TAG_KEY, self.team)
        # CDK's currentVersion computes the function's fingerprint; its Version resource is removed at once, so
        # the template has no AWS::Lambda::Version (the check above refuses one a user made before).
        fingerprint = _FunctionFingerprint(function.current_version)
        publisher = _VersionPublisher.of(stack)
        publisher.grant(function)
        #: The custom resource that publishes this deploy's version and creates the alias once.
        self.version_resource = CustomResource(
            self, "VersionAndAlias",
            service_token=publisher.function.function_arn,
            resource_type=VERSION_RESOURCE_TYPE,
            properties={
                "FunctionName": function.function_name,
                "AliasName": self.alias_name,
                # Changes whenever Lambda would see a change (code, configuration, overrides): CloudFormation then
                # updates this resource after the function, and it publishes the new version.
                "FunctionFingerprint": Lazy.string(fingerprint),
            },
            # The handler answers within its 15-minute timeout; if it never answers, fail after 16 minutes
            # rather than CloudFormation's default hour.
            service_timeout=Duration.minutes(16),
        )
        self.version_resource.node.add_dependency(publisher.policy)
        #: The version this deploy published (the latest one, unchanged, when nothing Lambda sees changed).
        self.version: lambda_.IVersion = lambda_.Version.from_version_attributes(
            self, "PublishedVersion", lambda_=function, version=self.version_resource.get_att_string("Version"))
        #: The alias Seawall's shift moves, as CDK's ``IAlias``: pass it wherever CDK takes a function (an
        #: integration, an event target, an event source). CloudFormation created it once (or adopted it) and
        #: never re-points it.
        self.alias: lambda_.IAlias = _LiveAlias(
            self, "Alias", function=function, alias_name=self.alias_name,
            alias_arn=self.version_resource.get_att_string("AliasArn"), version=self.version)

        # ---- log group and the errors-in-logs metric
        self.log_group = self._log_group(log_retention)
        # One metric per target: cells sharing an account and region must not count each other's errors.
        errors_metric_name = (f"{self.team}-{self.service}-{self.target_scope}-{self.key}" if self.target_scope
                              else f"{self.team}-{self.service}-{self.key}")
        logs.MetricFilter(
            self, "ErrorsInLogsFilter",
            log_group=self.log_group,
            filter_pattern=ERRORS_IN_LOGS_PATTERN,
            metric_namespace=ERRORS_IN_LOGS_NAMESPACE,
            metric_name=errors_metric_name,
            metric_value="1",
            default_value=0,
        )

        # ---- alarms, from the table
        policy = self.alarm_policy
        fn_name = function.function_name
        one_box_dims = {
            "FunctionName": fn_name,
            "Resource": f"{fn_name}:{self.alias_name}",
            "ExecutedVersion": self.version.version,
        }
        service_dims = {"FunctionName": fn_name}
        self.alarms_by_kind: dict[str, cloudwatch.AlarmBase] = {}
        for kind in ALARM_KINDS:
            dims = one_box_dims if kind.scope is AlarmScope.ONE_BOX else service_dims
            period = alarm_period(kind, policy)
            label = f"{kind.kind} ({self.key})"
            if kind.metric == "fault-rate":
                metric: cloudwatch.IMetric = fault_rate(dims, policy, label, period)
            elif kind.metric == "one-box-errors":
                metric = failing_errors(dims, policy, label, period)
            elif kind.metric == "ErrorsInLogs":
                metric = cloudwatch.Metric(
                    namespace=ERRORS_IN_LOGS_NAMESPACE, metric_name=errors_metric_name, statistic="Sum",
                    period=period,
                )
            else:
                metric = lambda_metric(kind.metric, kind.statistic, dims, policy, period)
            self.alarms_by_kind[kind.kind] = build_alarm(
                self, _construct_id(kind), kind=kind, metric=metric, policy=policy,
                name=alarm_name(self.team, self.service, self.name_scope, f"{self.key}-{kind.kind}"),
            )
            if kind.scope is AlarmScope.ONE_BOX:
                _mark(self.alarms_by_kind[kind.kind], ONE_BOX_METADATA, self.node.path)
        blocking_rows = sorted((k for k in ALARM_KINDS if k.kind in self.blocking_kinds),
                               key=lambda k: k.codedeploy_priority)
        #: The one-box alarms: the new version only.
        self.one_box_alarms: list[cloudwatch.AlarmBase] = [
            self.alarms_by_kind[k.kind] for k in ALARM_KINDS if k.scope is AlarmScope.ONE_BOX
        ]
        #: Blocking metric alarms, most important first (the one-box ones among them).
        self.alarms: list[cloudwatch.AlarmBase] = [self.alarms_by_kind[k.kind] for k in blocking_rows]
        self.informative_alarms: list[cloudwatch.AlarmBase] = [
            self.alarms_by_kind[k.kind] for k in ALARM_KINDS if k.kind not in self.blocking_kinds
        ]
        self.extra_alarms: list[cloudwatch.IAlarm] = list(extra_alarms)

        # ---- the service's high-severity composite (shared by the service's functions in this stack): the
        # blocking alarms of every invocation and the extra alarms, never a one-box alarm (I10: a one-box alarm
        # is for its own function's shift and bake; through this composite it would reach the team aggregate,
        # which every gate and bake of the team in the region watches)
        shared_id = f"SeawallHighSeverity-{self.team}-{self.service}"
        shared = stack.node.try_find_child(shared_id)
        if shared is None:
            shared = _ServiceHighSeverity(stack, shared_id, team=self.team, service=self.service,
                                          name_scope=self.name_scope)
        assert isinstance(shared, _ServiceHighSeverity)
        shared.add([*(a for a in self.alarms if a not in self.one_box_alarms), *self.extra_alarms])
        self.high_severity_alarm: cloudwatch.CompositeAlarm = shared.alarm

        # ---- the one-box rollback composite: the team aggregate (through the stack's aggregate watch) or this
        # function's blocking one-box alarms -- watched by this function's bake, named by no other composite
        watch = _AggregateWatch.of(stack, team=self.team, service=self.service, name_scope=self.name_scope)
        one_box_blocking = [a for a in self.alarms if a in self.one_box_alarms]
        self.one_box_rollback_alarm = cloudwatch.CompositeAlarm(
            self, "OneBoxRollback",
            composite_alarm_name=one_box_rollback_alarm_name(self.team, self.service, self.name_scope, self.key),
            alarm_description=f"Seawall one-box rollback of {self.key}: the team aggregate or this function's "
                              f"one-box alarms (the new version only)",
            alarm_rule=cloudwatch.AlarmRule.from_string(
                alarm_rule_any([watch.alarm.alarm_name, *(a.alarm_name for a in one_box_blocking)])),
        )
        _mark(self.one_box_rollback_alarm, ONE_BOX_ROLLBACK_METADATA, self.node.path)

        # ---- CodeDeploy: the team runtime's config for the traffic policy and its service role, by name
        name = codedeploy_resource_name
        self.application = codedeploy.LambdaApplication(self, "Application", application_name=name)
        self.deployment_config = codedeploy.LambdaDeploymentConfig.from_lambda_deployment_config_name(
            self, "Config", config_name)
        extra_metric_alarms = [a for a in self.extra_alarms if isinstance(a, cloudwatch.Alarm)]
        #: What CodeDeploy watches: the most important blocking metric alarms, ten at most.
        #: CodeDeploy's documentation describes metric alarms only, so composites are not given to it.
        self.codedeploy_alarms: list[cloudwatch.IAlarm] = [*self.alarms, *extra_metric_alarms]
        del self.codedeploy_alarms[MAX_CODEDEPLOY_ALARMS:]
        #: The team runtime's CodeDeploy service role in this account and region, by ARN.
        self.service_role_arn = stack.format_arn(
            service="iam", region="", resource="role", resource_name=codedeploy_role_name(self.team, self.region))
        group = _LambdaDeploymentGroup(
            self, "DeploymentGroup", application=self.application, name=name,
            config=self.deployment_config, alarms=self.codedeploy_alarms,
            hooks=[h for h in (pre_traffic_hook, post_traffic_hook) if h is not None], role_arn=self.service_role_arn)
        #: The CodeDeploy deployment group Seawall's shift starts deployments in. CloudFormation never starts
        #: one: the alias has no CodeDeployLambdaAliasUpdate policy (there is no AWS::Lambda::Alias at all).
        self.deployment_group: codedeploy.ILambdaDeploymentGroup = group.reference
        self.pre_traffic_hook = pre_traffic_hook
        self.post_traffic_hook = post_traffic_hook
        for hook in (pre_traffic_hook, post_traffic_hook):
            if hook is not None:
                # The hook reads the deployment's AppSpec to learn the version it tests.
                hook.add_to_role_policy(iam.PolicyStatement(
                    actions=["codedeploy:GetDeployment"],
                    resources=[self.deployment_group.deployment_group_arn],
                ))
                # GetDeployment gives the AppSpec's sha256 only ("The content property ... is always null. Use
                # GetApplicationRevision and the sha256 property", API_GetDeployment.html), so the hook reads the
                # content with GetApplicationRevision, whose resource type is "application*",
                # arn:${Partition}:codedeploy:${Region}:${Account}:application:${ApplicationName}
                # (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html):
                # this function's application only.
                hook.add_to_role_policy(iam.PolicyStatement(
                    actions=["codedeploy:GetApplicationRevision"], resources=[self.application.application_arn]))
                if isinstance(hook, lambda_.Function):
                    drop_redundant_role_dependency(hook)  # cfn-lint W3005 on the user's plain hook function

        # ---- outputs the release state machines read from the deployed stack
        shared = _ReleaseStackOutputs.of(stack)
        shared.deployments.append(self)
        release = FunctionRelease(
            function_name=fn_name, alias=self.alias_name, target_version=self.version.version,
            application=self.application.application_name,
            deployment_group=self.deployment_group.deployment_group_name,
            deployment_config=self.deployment_config.deployment_config_name,
            pre_traffic_hook=pre_traffic_hook.function_name if pre_traffic_hook is not None else None,
            post_traffic_hook=post_traffic_hook.function_name if post_traffic_hook is not None else None,
            one_box_alarm=self.one_box_rollback_alarm.alarm_name,
        )
        function_output = CfnOutput(stack, _function_output_id(self),
                                    value=stack.to_json_string(release.to_json()),
                                    description=f"Seawall {name}: what the shift moves and the bake watches")
        function_output.override_logical_id(_function_output_id(self))
        self.release_outputs = ReleaseOutputs(function=function_output, token=shared.token,
                                              service_alarms=shared.service_alarms)

    # ------------------------------------------------------------------ helpers

    def _log_group(self, retention: logs.RetentionDays) -> logs.ILogGroup:
        cfn_function = self.function.node.default_child
        assert isinstance(cfn_function, lambda_.CfnFunction)
        configured = cfn_function.logging_config
        existing = getattr(configured, "log_group", None) if configured is not None else None
        if existing:
            return logs.LogGroup.from_log_group_name(self, "LogGroup", existing)
        log_group = logs.LogGroup(self, "LogGroup", retention=retention, removal_policy=RemovalPolicy.RETAIN)
        cfn_function.add_property_override("LoggingConfig.LogGroup", log_group.log_group_name)
        return log_group



@jsii.implements(IStableListProducer)
class _DependsOnWithoutRole:
    def __init__(self, function: lambda_.Function, role_path: str) -> None:
        self._function = function
        self._role_path = role_path

    def produce(self) -> list[str] | None:
        stack = Stack.of(self._function)
        ids: list[str] = []
        for dependency in self._function.node.dependencies:
            for node in dependency.node.find_all():
                if isinstance(node, CfnResource) and node.node.path != self._role_path:
                    ids.append(stack.resolve(stack.get_logical_id(node)))
        return sorted(set(ids)) or None


def drop_redundant_role_dependency(function: lambda_.Function) -> None:
    """Leave out the function's DependsOn on its role, which its ``Role`` GetAtt already enforces.

    CDK adds both; cfn-lint flags the duplicate (W3005). Every other
    dependency (the role's policy, which orders permissions before the
    function) stays.
    """
    cfn_function = function.node.default_child
    role = function.role
    if not isinstance(cfn_function, lambda_.CfnFunction) or role is None:
        return
    cfn_role = role.node.default_child
    if not isinstance(cfn_role, iam.CfnRole) or Stack.of(cfn_role) is not Stack.of(cfn_function):
        return
    cfn_function.add_override("DependsOn", Lazy.list(_DependsOnWithoutRole(function, cfn_role.node.path)))


def default_traffic(scope: Construct) -> TrafficPolicy:
    """The traffic policy a deployment in `scope` gets when it names none.

    Inside a Seawall ``ServiceStage`` that is the policy of the step deploying
    the stage, which is what the pipeline's shift uses; anywhere else a 10 %
    canary for 60 minutes. The stage is recognised by its ``step.traffic``
    attribute, so this module does not import the pipeline renderer.
    """
    stage = Stage.of(scope)
    step = getattr(stage, "step", None)
    traffic = getattr(step, "traffic", None)
    return traffic if isinstance(traffic, TrafficPolicy) else TrafficPolicy.canary()


def deployment_scope(scope: Construct) -> str | None:
    """The deployment target `scope` is deployed to, as :func:`seawall.model.naming.step_scope` names it.

    Inside a Seawall ``ServiceStage`` (recognised, like :func:`default_traffic`, by its ``step`` and
    ``target`` attributes) that is the target's name, prefixed with the stage for pre-production
    (``us-east-1-cell-1``, ``gamma-us-east-1``); it goes into every physical name of the service, so
    several targets of one pipeline can share an account and region.  None outside such a stage, or
    when the stack is not in the target's region (then the region names the alarms, as before, and the
    pipeline reports the mismatch).
    """
    stage = Stage.of(scope)
    step = getattr(stage, "step", None)
    target = getattr(stage, "target", None)
    if step is None or target is None or not hasattr(step, "production") or not hasattr(step, "wave"):
        return None
    region = Stack.of(scope).region
    if not Token.is_unresolved(region) and region != getattr(target, "region", None):
        return None
    return step_scope(step, target)


def _check_blocking(blocking: object) -> list[str]:
    """`blocking` as a list of alarm kind names: a list (not a string), of names, not empty, each once."""
    if isinstance(blocking, str) or not isinstance(blocking, list | tuple | set | frozenset):
        one = f" (one kind? pass [{blocking!r}])" if isinstance(blocking, str) else ""
        raise TypeError(f"blocking={blocking!r} is a {type(blocking).__name__}; pass a list of alarm kinds such as "
                        f"['one-box-fault-rate', 'fault-rate']{one}")
    names = list(blocking)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"blocking item {name!r} is a {type(name).__name__}; pass alarm kind names such as "
                            f"'fault-rate'")
    if not names:
        raise ValueError("blocking=[] makes no alarm block: CodeDeploy would watch no alarm and the service's "
                         "high-severity composite would never alarm, so a bad version would never roll back; leave "
                         "blocking unset for the default kinds or name at least one, such as ['one-box-fault-rate']")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"blocking lists {', '.join(repr(n) for n in twice)} twice; list each alarm kind once")
    return names


def _same_stack(deployment: Construct, stack: Stack, parameter: str, function: Construct) -> None:
    """A function the deployment wires into its own resources must be in the deployment's stack.

    Otherwise the stacks reference each other (the function's log group and tag here, the version and alarms
    there) and synthesis fails with a ``DependencyCycle`` that names neither parameter.
    """
    other = Stack.of(function)
    if other is not stack:
        raise ValueError(
            f"{parameter}={function.node.path!r} is in stack {other.node.path!r} but SafeLambdaDeployment "
            f"{deployment.node.path!r} is in stack {stack.node.path!r}; the two would reference each other (a "
            f"DependencyCycle): create the SafeLambdaDeployment in {other.node.path!r}, the function's stack")


def _construct_id(kind: AlarmKind) -> str:
    return "".join(part.capitalize() for part in kind.kind.split("-")) + "Alarm"


__all__ = ["ERRORS_IN_LOGS_NAMESPACE", "ERRORS_IN_LOGS_PATTERN", "ReleaseOutputs", "SafeLambdaDeployment",
           "default_traffic", "deployment_scope", "drop_redundant_role_dependency", "function_key"]
