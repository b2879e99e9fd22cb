"""The team's runtime in every target region and account, and the pipeline that deploys it.

Who deploys what
----------------
* **The team's foundation pipeline** (:class:`TeamFoundationStack`, made by
  ``TeamClass.foundation(app, env=...)``) deploys, per region and account of
  the team's plan and in wave order, a ``TeamMonitoringStack`` (the team's
  aggregate alarm for the region) and a :class:`TeamRuntimeStack` (the release
  state machines - gate, shift, bake - and the role the service pipelines
  invoke them with).  It has no gates, shifts or bakes of its own (it deploys them); every
  stage still rolls back on failure.  Deploy it once with ``cdk deploy``
  before the first service pipeline; from then on it updates itself.
* **Each service pipeline** (a ``TeamPipelineStack`` subclass) only deploys
  the service.  Its gates and bakes find the team's runtime by name
  (``seawall.model.naming``); a region whose runtime is missing fails the
  gate with a message that says to run the foundation pipeline.

One foundation per team rather than a stage in every service pipeline: the
aggregate alarm covers every service of the team, so two service pipelines
deploying the same stack would race each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from constructs import Construct

from ..constructs._nag import acknowledge
from ..constructs._validate import names_list, require_type
from ..constructs.lambda_deployment import team_traffic_policies
from ..constructs.monitoring import TeamMonitoringStack
from ..constructs.pipeline_nag import acknowledge_iam
from ..constructs.release import ReleaseStateMachines
from ..constructs.wave_pipeline import ServiceStage, WavePipeline
from ..model import Target, TimeWindow, TrafficKind, TrafficPolicy, Wave, WavePlan
from ..model.limits import MAX_CUSTOM_DEPLOYMENT_CONFIGS
from ..model.naming import (
    alarm_name,
    check_team,
    codedeploy_role_name,
    deployment_config_name,
    foundation_pipeline_name,
    foundation_stack_name,
    invoker_role_name,
    monitoring_stack_name,
    pipeline_reader_role_name,
    pipeline_role_prefix,
    runtime_stack_name,
    state_machine_name,
    step_scope,
)

if TYPE_CHECKING:  # pragma: no cover
    from .team_pipeline import TeamPipelineStack

#: The service name the foundation pipeline uses for its own stages.
FOUNDATION = "runtime"
#: The team's release state machines in every region and account.
RELEASE_PARTS = ("gate", "shift", "bake")


def target_scopes(plan: WavePlan, region: str, account: str | None) -> tuple[str, ...]:
    """Every target scope (``seawall.model.naming.step_scope``) `plan` deploys to in one region and account.

    Production cells and pre-production stages alike: the account and region's one team aggregate
    lists the high-severity composite of every service in each of them.
    """
    scopes: list[str] = []
    for step in plan.steps():
        for t in step.targets:
            if (t.region, t.account) == (region, account):
                scope = step_scope(step, t)
                if scope not in scopes:
                    scopes.append(scope)
    return tuple(scopes)


def foundation_plan(plan: WavePlan) -> WavePlan:
    """The team plan reduced to one target per region and account, each deployed at its first appearance."""
    seen: set[tuple[str, str | None]] = set()

    def firsts(wave: Wave) -> tuple[Target, ...]:
        out = []
        for t in wave.targets:
            key = (t.region, t.account)
            if key not in seen:
                seen.add(key)
                out.append(Target(region=t.region, account=t.account))
        return tuple(out)

    def reduce(waves: tuple[Wave, ...]) -> tuple[Wave, ...]:
        out = []
        for w in waves:
            targets = firsts(w)
            if targets:
                # Stage names of their own ("runtime-wave-1"): this pipeline does not render the
                # service plan, and must not be mistaken for a pipeline that does.
                out.append(Wave(name=f"{FOUNDATION}-{w.name}", targets=targets, bake=w.bake.none(),
                                one_cell_at_a_time=False))
        return tuple(out)

    pre = reduce(plan.pre_production)
    prod = reduce(plan.waves)
    if not prod:  # every production region was already set up by pre-production
        prod, pre = pre[-1:], pre[:-1]
    return WavePlan(pre_production=pre, waves=prod, max_targets_per_step=plan.max_targets_per_step,
                    catalogue=plan.catalogue)


def pipeline_roles_principal(team: str, accounts: Sequence[str], partition: str) -> iam.IPrincipal:
    """The team's pipeline roles in `accounts`, and no other principal of those accounts.

    The accounts are the principals, and an ``aws:PrincipalArn`` condition admits only role ARNs that start with
    :func:`~seawall.model.naming.pipeline_role_prefix`: the CodePipeline role of each of the team's pipelines
    (``WavePipeline`` names it), which assumes the invoker role for its invoke actions -- an action's role "is
    assumed through the roleArn for the pipeline"
    (https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html).  "For IAM roles,
    the request context returns the ARN of the role, not the ARN of the user that assumed the role", the value
    being ``arn:aws:iam::123456789012:role/role-name``
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn),
    so the condition names the pipeline role, whatever its session.
    """
    patterns = [f"arn:{partition}:iam::{a}:role/{pipeline_role_prefix(team)}*" for a in accounts]
    return iam.CompositePrincipal(*(iam.AccountPrincipal(a) for a in accounts)).with_conditions(
        {"ArnLike": {"aws:PrincipalArn": patterns}})


class TeamRuntimeStack(cdk.Stack):
    """What every service of a team needs in one region and account before it deploys there.

    * the role (:func:`seawall.model.naming.invoker_role_name`) that the team's pipeline roles in the
      pipeline accounts may assume to start and watch the release state machines;
    * the CodeDeploy service role every deployment group of the team in this account and region uses
      (:func:`seawall.model.naming.codedeploy_role_name`), and one custom CodeDeploy deployment config per
      traffic policy without a predefined config (:func:`seawall.model.naming.deployment_config_name`),
      shared by every function of the team here: CodeDeploy allows
      :data:`~seawall.model.limits.MAX_CUSTOM_DEPLOYMENT_CONFIGS` custom configs per account and region,
      not adjustable, and IAM roles are account-wide;
    * the release state machines (see :meth:`add_runtime`); the team's
      aggregate alarm is the :class:`~seawall.constructs.TeamMonitoringStack`
      deployed next to it.

    Parameters
    ----------
    team:
        The team.
    services:
        Every service of the team (the aggregate alarm covers them).
    pipeline_accounts:
        Accounts whose pipelines may start the release state machines: only the team's pipeline roles there
        (:func:`pipeline_roles_principal`), no other principal of those accounts.
    window:
        The team's time window, which every gate checks (its holiday dates are resolved at synth:
        redeploy the runtime before they end).
    blocking_alarms:
        Organisation-wide alarms every gate and bake watches.  Default: none.
    traffic_policies:
        The traffic policies the team's deployment groups use that have no CodeDeploy predefined config
        (:func:`~seawall.constructs.lambda_deployment.team_traffic_policies` of the team's plan and its
        ``traffic_policies``): one custom deployment config each.  Default: none (every policy predefined).
        A config cannot be deleted while a deployment group uses it ("A deployment configuration cannot be
        deleted if it is currently in use." --
        https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeleteDeploymentConfig.html): drop a
        policy only after no service uses it any more, or this stack's update fails and rolls back.
    """

    def __init__(self, scope: Construct, construct_id: str, *, team: str, services: tuple[str, ...],
                 pipeline_accounts: tuple[str, ...], window: TimeWindow, blocking_alarms: Sequence[str] = (),
                 traffic_policies: Sequence[TrafficPolicy] = (), **kwargs: Any) -> None:
        super().__init__(scope, construct_id, stack_name=runtime_stack_name(team), **kwargs)
        self.team = check_team(team)
        self.window = require_type(window, "window", TimeWindow, "TimeWindow.business_hours(time_zone=...)")
        self.blocking_alarms = names_list(blocking_alarms, "blocking_alarms", "alarm", ("org-wide-incident",))
        self.services = names_list(services, "services", "service", ("orders", "catalog"))
        pipeline_accounts = names_list(pipeline_accounts, "pipeline_accounts", "account", ("111111111111",))
        if not pipeline_accounts:
            raise ValueError("pipeline_accounts=() is empty; list the account(s) whose pipelines start the "
                             "release state machines, such as ('111111111111',)")
        others = sorted(a for a in set(pipeline_accounts) if a != self.account)
        #: Roles the release Lambdas assume to read executions of pipelines in other accounts.
        self.pipeline_reader_role_arns = [
            f"arn:{self.partition}:iam::{a}:role/{pipeline_reader_role_name(team)}" for a in others
        ]
        self.invoker_role = iam.Role(
            self, "InvokerRole",
            role_name=invoker_role_name(team, self.region),
            assumed_by=pipeline_roles_principal(team, sorted(set(pipeline_accounts)), self.partition),
            description=f"Lets the {team} team's pipelines start the release state machines in {self.region}",
        )
        self.add_runtime()
        self.add_codedeploy(traffic_policies)
        acknowledge_iam(self.invoker_role,
                        wildcards="DescribeExecution on executions of the team's three release state machines "
                                  "only; execution names are generated by CodePipeline at run time")

    def add_codedeploy(self, traffic_policies: Sequence[TrafficPolicy]) -> None:
        """The team's CodeDeploy service role and custom deployment configs in this account and region."""
        if isinstance(traffic_policies, TrafficPolicy) or not all(
                isinstance(t, TrafficPolicy) for t in traffic_policies):
            raise TypeError(f"traffic_policies={traffic_policies!r} must be a list of seawall.model.TrafficPolicy")
        custom = list(dict.fromkeys(t for t in traffic_policies if t.predefined_config_name is None))
        if len(custom) > MAX_CUSTOM_DEPLOYMENT_CONFIGS:
            raise ValueError(
                f"traffic_policies has {len(custom)} policies without a predefined CodeDeploy config; CodeDeploy "
                f"allows {MAX_CUSTOM_DEPLOYMENT_CONFIGS} custom deployment configs per account and region, not "
                f"adjustable, for every team there together: use fewer traffic policies")
        self.codedeploy_role = iam.Role(
            self, "CodeDeployRole",
            role_name=codedeploy_role_name(self.team, self.region),
            assumed_by=iam.ServicePrincipal("codedeploy.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                "service-role/AWSCodeDeployRoleForLambdaLimited")],
            description=f"CodeDeploy's service role for the {self.team} team's Lambda deployment groups in "
                        f"{self.region}",
        )
        acknowledge(self.codedeploy_role, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                                          "service-role/AWSCodeDeployRoleForLambdaLimited]",
                    "AWS's managed role policy for CodeDeploy Lambda deployments: read alarms, update aliases, "
                    "invoke hooks named CodeDeployHook_* (other hooks grant it in their own resource policy); "
                    "AWS keeps it current")
        #: The custom deployment configs, by traffic policy.
        self.deployment_configs: dict[TrafficPolicy, codedeploy.LambdaDeploymentConfig] = {}
        for traffic in custom:
            interval = cdk.Duration.minutes(traffic.interval_minutes)
            routing = (codedeploy.TrafficRouting.time_based_canary(interval=interval, percentage=traffic.percent)
                       if traffic.kind is TrafficKind.CANARY else
                       codedeploy.TrafficRouting.time_based_linear(interval=interval, percentage=traffic.percent))
            name = deployment_config_name(self.team, traffic)
            construct_id = "Config" + "".join(p.capitalize() for p in name.split("-")[2:])
            self.deployment_configs[traffic] = codedeploy.LambdaDeploymentConfig(
                self, construct_id, deployment_config_name=name, traffic_routing=routing)

    def add_runtime(self) -> None:
        """The release state machines, and the grants the pipelines' invoke actions need on them."""
        machines = ReleaseStateMachines(self, "Release", team=self.team, window=self.window,
                                        blocking_alarms=self.blocking_alarms,
                                        pipeline_role_arns=self.pipeline_reader_role_arns)
        self.release = machines
        self.invoker_role.add_to_policy(iam.PolicyStatement(
            actions=["states:StartExecution", "states:DescribeStateMachine"],
            resources=[m.state_machine_arn for m in (machines.gate, machines.shift, machines.bake)],
        ))
        self.invoker_role.add_to_policy(iam.PolicyStatement(
            actions=["states:DescribeExecution"],
            resources=[self.format_arn(service="states", resource="execution",
                                       resource_name=f"{state_machine_name(self.team, part)}:*",
                                       arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)
                       for part in RELEASE_PARTS],
        ))


class TeamFoundationStack(cdk.Stack):
    """The team's foundation pipeline: a :class:`TeamRuntimeStack` in every region and account of its plan."""

    def __init__(self, scope: Construct, construct_id: str, *, team_class: type[TeamPipelineStack],
                 env: cdk.Environment, **kwargs: Any) -> None:
        # Named for the team (``seawall-{team}-foundation``), as are CodePipeline's cross-region
        # support stacks named after it; pass stack_name= to keep an older name.
        kwargs.setdefault("stack_name", foundation_stack_name(team_class.team))
        super().__init__(scope, construct_id, env=env, **kwargs)
        self.team = check_team(team_class.team)
        services = names_list(team_class.services, f"{team_class.__name__}.services", "service",
                              ("orders", "catalog"))
        full_plan: WavePlan = team_class.plan
        plan = foundation_plan(full_plan)
        accounts = (self.account,)

        canaries = names_list(getattr(team_class, "canaries", ()), f"{team_class.__name__}.canaries", "service",
                              ("orders",))
        blocking_alarms = names_list(team_class.blocking_alarms, f"{team_class.__name__}.blocking_alarms", "alarm",
                                     ("org-wide-incident",))
        # Every custom traffic policy of the team, in every account and region: what its services' deployment
        # groups name (SafeLambdaDeployment refuses any other at synth).
        policies = team_traffic_policies(full_plan, tuple(getattr(team_class, "traffic_policies", ())))

        def create(stage: ServiceStage, target: Target) -> None:
            scopes = target_scopes(full_plan, target.region, target.account)
            TeamMonitoringStack(
                stage, "Monitoring", stack_name=monitoring_stack_name(self.team), team=self.team,
                services=services, scopes=scopes,
                canary_alarm_names=[alarm_name(self.team, s, scope, "canary") for scope in scopes for s in canaries],
            )
            TeamRuntimeStack(stage, "Runtime", team=self.team, services=services, pipeline_accounts=accounts,
                             window=team_class.window, blocking_alarms=blocking_alarms,
                             traffic_policies=policies)

        self.pipeline = WavePipeline(
            self, "Pipeline",
            plan=plan, team=self.team, service=FOUNDATION,
            synth=team_class.source.synth_step(),
            create_service=create,
            release=False,
            use_change_sets=True,
            pipeline_name=foundation_pipeline_name(self.team),
        )
        self.pipeline.build()
        targets = {t.account for w in plan.all_waves for t in w.targets if t.account} - {self.account}
        if targets:
            #: Release Lambdas in target accounts assume this role to read the pipelines' executions
            #: (a gate passes through on rollback executions, an override is read from the execution).
            self.pipeline_reader_role = iam.Role(
                self, "PipelineReaderRole",
                role_name=pipeline_reader_role_name(self.team),
                assumed_by=iam.CompositePrincipal(*(iam.AccountPrincipal(a) for a in sorted(targets))),
                description=f"Lets the {self.team} team's release state machines read its pipelines' executions",
            )
            self.pipeline_reader_role.add_to_policy(iam.PolicyStatement(
                actions=["codepipeline:GetPipelineExecution"],
                resources=[self.format_arn(service="codepipeline", resource=f"{self.team}-*")],
            ))
            acknowledge_iam(self.pipeline_reader_role,
                            wildcards="GetPipelineExecution (read-only) on the team's own pipelines: every "
                                      "pipeline of the team is named {team}-{service}, and a new service's "
                                      "pipeline must be readable without redeploying the foundation")
