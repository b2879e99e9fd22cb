"""One naming function for everything that is found by name across stacks.

Services join their team's aggregate alarm, and pipelines find the release
state machines, by these names, so a service in another stack or pipeline
never needs a reference to the resource itself.  Names are deterministic:
the same inputs always give the same name.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from ._validate import require_str
from .limits import MAX_ALARM_NAME, MAX_CODEDEPLOY_NAME, MAX_LAMBDA_ALIAS_NAME, MAX_ROLE_NAME, MAX_STACK_NAME
from .policies import TrafficKind, TrafficPolicy

_PART = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
#: A Lambda alias name, matched with ``fullmatch`` (``$`` alone would let ``"live\n"`` through).  ``Name``:
#: "Pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)" (https://docs.aws.amazon.com/lambda/latest/dg/API_GetAlias.html),
#: 1 to :data:`~seawall.model.limits.MAX_LAMBDA_ALIAS_NAME` characters.
LAMBDA_ALIAS_NAME = re.compile(rf"(?![0-9]+\Z)[a-zA-Z0-9_-]{{1,{MAX_LAMBDA_ALIAS_NAME}}}")


def _check(parameter: str, value: str) -> str:
    require_str(value, parameter, "payments" if parameter == "team" else "orders", empty=True)
    if not _PART.fullmatch(value):
        raise ValueError(
            f"{parameter}={value!r} is not usable in resource names; use 1-31 lower-case letters, digits "
            f"and hyphens, starting with a letter or digit (e.g. 'payments')"
        )
    return value


def check_team(team: str) -> str:
    return _check("team", team)


def check_service(service: str) -> str:
    return _check("service", service)


def target_scope(target: Any, *, production: bool = True, stage: str | None = None) -> str:
    """What makes a service's physical names unique per deployment target in one account and region.

    A production target's name (``us-east-1``, ``us-east-1-cell-1``: ``Target.name``); a
    pre-production target's name prefixed with its stage (wave), lower-cased (``gamma-us-east-1``,
    ``alpha-eu-north-1-cell-1``), so alpha, beta, gamma and the production cells of one region can
    share an account.  `target` is a :class:`~seawall.model.Target` (anything with ``.name``).
    """
    name = getattr(target, "name", None)
    if not isinstance(name, str) or not name:
        raise ValueError(f"target={target!r} has no name; pass a seawall.model.Target")
    if production:
        return name
    if not isinstance(stage, str) or not stage:
        raise ValueError(f"stage={stage!r}: a pre-production target's scope needs its stage (wave) name")
    return f"{stage.lower()}-{name}"


def step_scope(step: Any, target: Any) -> str:
    """:func:`target_scope` of `target` as deployed by `step` (a :class:`~seawall.model.Step`)."""
    return target_scope(target, production=bool(step.production), stage=step.wave)


def alarm_name(team: str, service: str, scope: str, kind: str) -> str:
    """``{team}-{service}-{scope}-{kind}``, e.g. ``payments-api-us-east-1-cell-1-fault-rate``.

    `scope` is the deployment target's :func:`target_scope` (or, outside a Seawall pipeline stage,
    the region).
    """
    name = f"{_check('team', team)}-{_check('service', service)}-{scope}-{kind}"
    if len(name) > MAX_ALARM_NAME:
        raise ValueError(f"alarm name {name!r} is {len(name)} characters, longer than CloudWatch's "
                         f"{MAX_ALARM_NAME}; use shorter team, service, wave or cell names")
    return name


def high_severity_alarm_name(team: str, service: str, scope: str) -> str:
    """The service's high-severity composite in one deployment target (:func:`target_scope`, or a region)."""
    return alarm_name(team, service, scope, "high-severity")


def high_severity_part_name(team: str, service: str, scope: str, index: int, level: int = 1) -> str:
    """A part of a service's high-severity composite that outgrew one composite alarm.

    ``{high-severity name}-part-{index}`` for the parts that watch the alarms themselves (level 1),
    ``{high-severity name}-part-{level}-{index}`` for parts over parts (level 2 and up).
    """
    suffix = f"part-{index}" if level == 1 else f"part-{level}-{index}"
    return alarm_name(team, service, scope, f"high-severity-{suffix}")


def codedeploy_name(team: str, service: str, scope: str | None, key: str) -> str:
    """A function's CodeDeploy application and deployment group: ``{team}-{service}-{scope}-{key}``.

    Without a `scope` (a deployment outside a Seawall pipeline stage) ``{team}-{service}-{key}``, the
    name such deployments have always had.
    """
    middle = f"-{scope}" if scope else ""
    name = f"{_check('team', team)}-{_check('service', service)}{middle}-{key}"
    if len(name) > MAX_CODEDEPLOY_NAME:
        raise ValueError(f"CodeDeploy name {name!r} is {len(name)} characters, longer than CodeDeploy's "
                         f"{MAX_CODEDEPLOY_NAME}; use a shorter team, service, wave, cell or construct ID")
    return name


def aggregate_alarm_name(team: str, region: str) -> str:
    """The team's high-severity aggregate rollback alarm in a region: ``{team}-{region}-aggregate``."""
    return f"{_check('team', team)}-{region}-aggregate"


#: The suffix of every one-box rollback composite's name (:func:`one_box_rollback_alarm_name`).
ONE_BOX_ROLLBACK_SUFFIX = "-one-box-rollback"
#: Keys in a resource's ``Metadata.seawall`` that mark, for the checks, a one-box metric alarm and a one-box
#: rollback composite; the value is the construct path of the ``SafeLambdaDeployment`` (the function) they
#: belong to.
ONE_BOX_METADATA = "oneBox"
ONE_BOX_ROLLBACK_METADATA = "oneBoxRollback"


def one_box_rollback_alarm_name(team: str, service: str, scope: str, key: str) -> str:
    """A function's one-box rollback composite: ``{team}-{service}-{scope}-{key}-one-box-rollback``.

    The article's "ALARM(aggregate) OR one-box metrics" for one function (`key`: its
    ``SafeLambdaDeployment``'s function key): it names the service stack's
    :func:`aggregate_watch_alarm_name` and that function's one-box alarms
    (``{team}-{service}-{scope}-{key}-one-box-*``), only that function's shift and bake watch it, and no
    other composite names it.
    """
    return alarm_name(team, service, scope, f"{key}{ONE_BOX_ROLLBACK_SUFFIX}")


def aggregate_watch_alarm_name(team: str, service: str, scope: str) -> str:
    """``{team}-{service}-{scope}-aggregate-watch``: ``ALARM(team aggregate)``, once per service stack.

    The one-box rollback composites of the stack's functions name it instead of the aggregate itself:
    CloudWatch lets one alarm be named by at most
    :data:`~seawall.model.limits.MAX_COMPOSITE_PARENTS` composites, and a team has more functions
    than that in a busy account and region.
    """
    return alarm_name(team, service, scope, "aggregate-watch")


def deployment_config_name(team: str, traffic: TrafficPolicy) -> str:
    """The CodeDeploy deployment config a deployment group uses for `traffic`.

    CodeDeploy's predefined config when there is one (``CodeDeployDefault.LambdaCanary10Percent5Minutes``,
    ``CodeDeployDefault.LambdaAllAtOnce``...), else the team's custom config in the account and region,
    which the team runtime creates: ``seawall-{team}-canary-{percent}pct-{interval}min`` or
    ``seawall-{team}-linear-{percent}pct-every-{interval}min`` (e.g. ``seawall-payments-canary-10pct-60min``).
    CodeDeploy config names are per account and region, so the same name in every region is one config each.
    """
    if not isinstance(traffic, TrafficPolicy):
        raise TypeError(f"traffic={traffic!r} must be a seawall.model.TrafficPolicy")
    predefined = traffic.predefined_config_name
    if predefined:
        return predefined
    every = "every-" if traffic.kind is TrafficKind.LINEAR else ""
    return (f"seawall-{_check('team', team)}-{traffic.kind.value}-{traffic.percent}pct-{every}"
            f"{traffic.interval_minutes}min")


def codedeploy_role_name(team: str, region: str) -> str:
    """The CodeDeploy service role of the team's deployment groups in `region`: ``seawall-{team}-codedeploy-{region}``.

    IAM role names are account-wide, so the region is part of the name; the team runtime creates it in
    every account and region, and deployment groups name it by ARN.  Past IAM's
    :data:`~seawall.model.limits.MAX_ROLE_NAME` characters (a 31-character team in a 14-character region
    such as ``ap-southeast-2``) the region is replaced by a hash of it (12 hex digits), so every team name
    :func:`check_team` accepts works in every region.  A region token (an environment-agnostic stack) is
    kept as it is.
    """
    name = f"seawall-{_check('team', team)}-codedeploy-{region}"
    if len(name) <= MAX_ROLE_NAME or "${Token[" in region:
        return name
    return f"seawall-{team}-codedeploy-{hashlib.sha256(region.encode()).hexdigest()[:12]}"


def state_machine_name(team: str, part: str) -> str:
    """A release state machine of the team in each region: ``seawall-{team}-{gate|shift|bake}``."""
    if part not in ("gate", "shift", "bake"):
        raise ValueError(f"part={part!r} is not a release state machine; expected gate, shift or bake")
    return f"seawall-{_check('team', team)}-{part}"


# --------------------------------------------------------------------------- roles, stacks and pipelines

def invoker_role_name(team: str, region: str) -> str:
    """The role a pipeline assumes to start the team's release state machines in `region`.

    ``seawall-{team}-invoker-{region}``; the team runtime creates it in every target account and
    region, and the pipelines' invoke actions name it by ARN.
    """
    return f"seawall-{_check('team', team)}-invoker-{region}"


def pipeline_role_prefix(team: str) -> str:
    """What every pipeline role of `team` starts with: ``seawall-{team}.pipeline-``.

    The invoker role (:func:`invoker_role_name`) trusts the pipeline account only for role ARNs
    ``role/{prefix}*`` (an ``aws:PrincipalArn`` condition).  The dot cannot occur in a team name, so no
    other team's prefix is a prefix of this one (``seawall-pay-pipeline-`` would also match the roles of a
    team ``pay-pipeline``).
    """
    return f"seawall-{_check('team', team)}.pipeline-"


def pipeline_role_name(team: str, service: str, region: str) -> str:
    """The CodePipeline role of `service`'s pipeline in `region`: ``seawall-{team}.pipeline-{service}-{region}``.

    IAM role names are account-wide, so the region is part of the name.  Past IAM's
    :data:`~seawall.model.limits.MAX_ROLE_NAME` characters the tail after :func:`pipeline_role_prefix` is a hash
    of service and region (12 hex digits, never a hyphen, so it equals no readable name); the prefix, which
    the invoker role's trust names, is at most 49 characters.
    """
    tail = f"{_check('service', service)}-{region}"
    name = pipeline_role_prefix(team) + tail
    if len(name) <= MAX_ROLE_NAME:
        return name
    return pipeline_role_prefix(team) + hashlib.sha256(tail.encode()).hexdigest()[:12]


#: The tag :class:`~seawall.constructs.SafeLambdaDeployment` puts on every function it deploys, valued with the
#: team: the release Lambdas may move an alias only of a function with their team's tag (``aws:ResourceTag``).
TEAM_TAG_KEY = "seawall:team"


def pipeline_reader_role_name(team: str) -> str:
    """The role in the pipeline account that release Lambdas in other accounts assume to read executions.

    ``seawall-{team}-pipeline-reader``.
    """
    return f"seawall-{_check('team', team)}-pipeline-reader"


def monitoring_stack_name(team: str) -> str:
    """The team monitoring stack (the aggregate alarm), one per region and account: ``seawall-{team}-monitoring``."""
    return f"seawall-{_check('team', team)}-monitoring"


def runtime_stack_name(team: str) -> str:
    """The team runtime stack, one per region and account: ``seawall-{team}-runtime``."""
    return f"seawall-{_check('team', team)}-runtime"


def foundation_pipeline_name(team: str) -> str:
    """The team's foundation pipeline: ``{team}-foundation``.

    It starts with ``{team}-`` so the pipeline reader role's ``{team}-*`` grant covers it.
    """
    return f"{_check('team', team)}-foundation"


def service_pipeline_name(team: str, service: str) -> str:
    """A service's pipeline: ``{team}-{service}``.

    ``foundation`` is not a service name: its pipeline would be the team's foundation pipeline
    (:func:`foundation_pipeline_name`).
    """
    if service == "foundation":
        raise ValueError("service='foundation' would name its pipeline like the team's foundation pipeline "
                         f"({foundation_pipeline_name(team)!r}); choose another service name")
    return f"{_check('team', team)}-{_check('service', service)}"


# --------------------------------------------------------------------------- stack names

#: What CloudFormation accepts as a stack name (quoted with :data:`seawall.model.limits.MAX_STACK_NAME`).
_STACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")


def check_stack_name(name: str, *, parameter: str = "stack_name") -> str:
    """`name` if CloudFormation accepts it as a stack name, else a ValueError that says why."""
    if not isinstance(name, str):
        raise TypeError(f"{parameter}={name!r} must be a string")
    if len(name) > MAX_STACK_NAME:
        raise ValueError(f"{parameter}={name!r} is {len(name)} characters; CloudFormation stack names are at "
                         f"most {MAX_STACK_NAME}. Use shorter team, service, wave, cell or stack construct IDs")
    if not _STACK_NAME.fullmatch(name):
        raise ValueError(f"{parameter}={name!r} is not a CloudFormation stack name: letters, digits and hyphens "
                         f"only, starting with a letter")
    return name


def _starts_with_letter(team: str) -> str:
    if not _check("team", team)[0].isalpha():
        raise ValueError(f"team={team!r} starts with a digit; it leads the team's stack names, and CloudFormation "
                         f"stack names (like CDK stage names) start with a letter: rename the team (e.g. "
                         f"'t{team}')")
    return team


def service_stage_name(team: str, service: str, scope: str) -> str:
    """A service's stage for one deployment target: ``{team}-{service}-{scope}``.

    `scope` is the target's :func:`target_scope` (``us-east-1-cell-1``, ``gamma-us-east-1``).  CDK
    names every stack of a stage ``{stage name}-{stack construct ID}``, so each stack name carries the
    team, the service and the target: two teams that each have a service ``api`` in one account, or
    two cells of one region, never deploy the same CloudFormation stack.
    """
    name = f"{_starts_with_letter(team)}-{_check('service', service)}-{scope}"
    return check_stack_name(name, parameter="stage name")


def service_stack_name(team: str, service: str, scope: str, stack_id: str) -> str:
    """The name CDK gives a stack with construct ID `stack_id` in :func:`service_stage_name`'s stage.

    ``{team}-{service}-{scope}-{stack_id}``, e.g. ``payments-api-us-east-1-cell-1-Api``; checked
    against CloudFormation's 128 characters (CDK would otherwise shorten it with a hash).
    """
    return check_stack_name(f"{service_stage_name(team, service, scope)}-{stack_id}",
                            parameter=f"stack name of stack {stack_id!r}")


def pipeline_stack_name(team: str, service: str) -> str:
    """A service's pipeline stack (``TeamPipelineStack``): ``{team}-{service}-pipeline``.

    CodePipeline's cross-region support stacks are named after it (``...-support-{region}``).
    """
    return check_stack_name(f"{_starts_with_letter(team)}-{_check('service', service)}-pipeline")


def foundation_stack_name(team: str) -> str:
    """The team's foundation pipeline stack: ``seawall-{team}-foundation``."""
    return check_stack_name(f"seawall-{_check('team', team)}-foundation")


def carries_team(stack_name: str, team: str) -> bool:
    """Whether `stack_name` is one of `team`'s names: it starts with ``{team}-`` or ``seawall-{team}-``."""
    return stack_name.startswith((f"{team}-", f"seawall-{team}-"))
