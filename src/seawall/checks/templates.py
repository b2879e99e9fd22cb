"""Rules over one service template: aliases, deployment groups, alarms, deployment configs.

Each rule is a pure function ``(StackTemplate) -> Iterator[Finding]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..model.limits import MAX_DEPLOYMENT_GROUP_ALARMS
from ..model.policies import ONE_BOX_MAX_PERCENT
from .core import Compliance, Finding, StackTemplate, props, refs, strings

ALIAS = "AWS::Lambda::Alias"
FUNCTION = "AWS::Lambda::Function"
VERSION = "AWS::Lambda::Version"
#: SafeLambdaDeployment's resource that publishes a function's version and creates its alias once.
SEAWALL_VERSION = "Custom::SeawallVersion"
DEPLOYMENT_GROUP = "AWS::CodeDeploy::DeploymentGroup"
APPLICATION = "AWS::CodeDeploy::Application"
DEPLOYMENT_CONFIG = "AWS::CodeDeploy::DeploymentConfig"
ALARM = "AWS::CloudWatch::Alarm"
COMPOSITE = "AWS::CloudWatch::CompositeAlarm"

#: Metrics that count faults: Lambda errors, API Gateway / ALB server errors.
FAULT_METRICS = frozenset({
    "Errors", "5XXError", "5xx", "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "Faults", "Fault",
})

#: The key under a resource's Metadata that Seawall reads and writes.
METADATA_KEY = "seawall"

_HASHED_CURRENT_VERSION = re.compile(r"CurrentVersion[0-9A-Fa-f]{32,}$")  # path hash + code hash


def _finding(check_id: str, status: Compliance, t: StackTemplate, lid: str, message: str,
             location: str | None = None) -> Finding:
    return Finding(check_id=check_id, status=status, message=message, resource=lid, template=t.name,
                   location=location)


def seawall_metadata(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = resource.get("Metadata") or {}
    sw = meta.get(METADATA_KEY) if isinstance(meta, Mapping) else None
    return sw if isinstance(sw, Mapping) else {}


# --------------------------------------------------------------------------------------------------
# Deployment groups
# --------------------------------------------------------------------------------------------------

_NON_LAMBDA_KEYS = ("ECSServices", "LoadBalancerInfo", "Ec2TagFilters", "Ec2TagSet", "OnPremisesInstanceTagFilters",
                    "OnPremisesTagSet", "AutoScalingGroups", "BlueGreenDeploymentConfiguration")


def is_lambda_deployment_group(t: StackTemplate, dg: Mapping[str, Any]) -> bool:
    """A deployment group for the Lambda compute platform.

    Read from its application's ``ComputePlatform``, else its deployment
    config (``CodeDeployDefault.Lambda*`` or a Lambda ``DeploymentConfig``),
    else its shape: blue/green with traffic control and no EC2/ECS targets.
    """
    p = props(dg)
    for lid in refs(p.get("ApplicationName")):
        app = t.resources.get(lid)
        if isinstance(app, Mapping) and app.get("Type") == APPLICATION:
            return props(app).get("ComputePlatform") == "Lambda"
    cfg = p.get("DeploymentConfigName")
    if isinstance(cfg, str) and cfg.startswith("CodeDeployDefault.Lambda"):
        return True
    for lid in refs(cfg):
        c = t.resources.get(lid)
        if isinstance(c, Mapping) and c.get("Type") == DEPLOYMENT_CONFIG:
            return props(c).get("ComputePlatform") == "Lambda"
    style = p.get("DeploymentStyle") or {}
    return (isinstance(style, Mapping) and style.get("DeploymentOption") == "WITH_TRAFFIC_CONTROL"
            and not any(p.get(k) for k in _NON_LAMBDA_KEYS))


def _lambda_groups(t: StackTemplate) -> list[str]:
    return [lid for lid, dg in t.of_type(DEPLOYMENT_GROUP) if is_lambda_deployment_group(t, dg)]


def function_key(t: StackTemplate, value: Any) -> str | None:
    """The function `value` (a ``FunctionName`` property or dimension) names, as one comparable key.

    The logical ID it references (``Ref`` / ``Fn::GetAtt``), else the logical ID of the function whose
    literal ``FunctionName`` it is (a name, a qualified name or an ARN), else ``name:<that name>``.
    """
    found = sorted(r for r in refs(value) if t.type_of(r) == FUNCTION)
    if found:
        return found[0]
    if not isinstance(value, str) or not value:
        return None
    name = value.split(":function:", 1)[-1].split(":", 1)[0]
    for lid, fn in t.of_type(FUNCTION):
        if props(fn).get("FunctionName") == name:
            return lid
    return f"name:{name}"


def _group_functions(t: StackTemplate, groups: list[str], alarms: _Alarms) -> dict[str, set[str]]:
    """Which functions each Lambda deployment group deploys, as far as the template says.

    A group deploys the function of an alias whose ``CodeDeployLambdaAliasUpdate`` names it, and the
    functions its metric alarms measure (their ``FunctionName`` dimension): a group watches the alarms of
    the function it deploys, as SafeLambdaDeployment's one-box and service alarms do.
    """
    out: dict[str, set[str]] = {g: set() for g in groups}
    for _, alias in t.of_type(ALIAS):
        policy = alias.get("UpdatePolicy") or {}
        update = policy.get("CodeDeployLambdaAliasUpdate") if isinstance(policy, Mapping) else None
        key = function_key(t, props(alias).get("FunctionName"))
        if isinstance(update, Mapping) and key:
            for g in refs(update.get("DeploymentGroupName")) & out.keys():
                out[g].add(key)
    for g in groups:
        _, entries = _alarm_entries(t.resources[g])
        for e in entries:
            found, _ = alarms.resolve(e.get("Name") if isinstance(e, Mapping) else e)
            for a in found:
                for dim in alarm_dimensions(props(t.resources[a])):
                    key = function_key(t, dim.get("Value")) if dim.get("Name") == "FunctionName" else None
                    if key:
                        out[g].add(key)
    return out


def _shown(key: str) -> str:
    return key[5:] if key.startswith("name:") else key


def check_alias_has_deployment_group(t: StackTemplate) -> Iterator[Finding]:
    """SW001: every alias has a Lambda deployment group of its own in its stack.

    A Lambda deployment group does not name its alias in the template (the AppSpec does at deployment
    time), so an alias is matched to its group by, in order: its ``Metadata.seawall.deploymentGroup``
    (which must name a Lambda deployment group of the template); the group its
    ``CodeDeployLambdaAliasUpdate`` names; a group whose metric alarms measure the alias's function
    (``FunctionName`` dimension).  When exactly one alias is left unmatched and exactly one Lambda group
    deploys no function the template can tell, the two are paired.  A group matched by two aliases is
    nobody's own: both are non-compliant.
    """
    groups = _lambda_groups(t)
    deploys = _group_functions(t, groups, _Alarms(t))
    # An AWS::Lambda::Alias, or the alias SafeLambdaDeployment's version resource creates (never linked by metadata).
    aliases = [(lid, seawall_metadata(a).get("deploymentGroup"), f"alias {lid}",
                function_key(t, props(a).get("FunctionName"))) for lid, a in t.of_type(ALIAS)]
    aliases += [(lid, None, f"alias created by {lid}", function_key(t, props(v).get("FunctionName")))
                for lid, v in t.of_type(SEAWALL_VERSION)]
    matched: dict[str, list[str]] = {}
    problems: dict[str, tuple[str, str | None]] = {}
    for lid, linked, what, fn in aliases:
        fn_text = f" (function {_shown(fn)})" if fn else ""
        if isinstance(linked, str) and linked:
            if linked in groups:
                matched[lid] = [linked]
            else:
                problems[lid] = (
                    f"{what}{fn_text} names deployment group {linked!r} in Metadata.seawall.deploymentGroup, but "
                    f"this template has no Lambda deployment group with that logical ID; deploy the function with "
                    f"SafeLambdaDeployment or fix the link", "Metadata/seawall/deploymentGroup")
        else:
            matched[lid] = sorted(g for g in groups if fn is not None and fn in deploys[g])
    unmatched = [a for a in aliases if a[0] not in problems and not matched.get(a[0])]
    unattributed = [g for g in groups if not deploys[g]]
    if len(unmatched) == 1 and len(unattributed) == 1:
        matched[unmatched[0][0]] = unattributed
    claims: dict[str, list[str]] = {}
    for lid, gs in matched.items():
        for g in gs:
            claims.setdefault(g, []).append(lid)
    for lid, _, what, fn in aliases:
        fn_text = f" (function {_shown(fn)})" if fn else ""
        if lid in problems:
            message, location = problems[lid]
            yield _finding("SW001", Compliance.NON_COMPLIANT, t, lid, message, location)
            continue
        own = [g for g in matched.get(lid, []) if claims[g] == [lid]]
        if own:
            yield _finding("SW001", Compliance.COMPLIANT, t, lid, f"{what}{fn_text} is deployed by {own[0]}")
            continue
        shared = [g for g in matched.get(lid, []) if len(claims[g]) > 1]
        if shared:
            others = sorted({o for g in shared for o in claims[g] if o != lid})
            detail = (f"its deployment group {', '.join(shared)} is also matched to {', '.join(others)}, so it is "
                      f"not this alias's own")
        elif groups:
            theirs = "; ".join(
                f"{g} deploys {', '.join(_shown(k) for k in sorted(deploys[g])) or 'an unknown function'}"
                for g in groups)
            detail = (f"no Lambda deployment group in its stack deploys it ({theirs}, as read from the alarms "
                      f"they watch)")
        else:
            detail = "there is no CodeDeploy Lambda deployment group in its stack"
        yield _finding(
            "SW001", Compliance.NON_COMPLIANT, t, lid,
            f"{what}{fn_text} has no CodeDeploy Lambda deployment group of its own: {detail}, so no canary "
            f"shifts its traffic and nothing rolls it back; deploy the function with SafeLambdaDeployment (or give "
            f"it a LambdaDeploymentGroup with its own alarms and auto-rollback, linked with Metadata "
            f"seawall.deploymentGroup)")


def check_alias_not_repointed(t: StackTemplate) -> Iterator[Finding]:
    """SW002: CloudFormation never moves an alias.

    Non-compliant when the alias has the ``CodeDeployLambdaAliasUpdate``
    update policy, a ``RoutingConfig`` (weights CloudFormation sets), or a
    ``FunctionVersion`` that follows the code: a version with ``CodeSha256``,
    CDK's code-hashed ``currentVersion``, or the version the one-box alarms
    watch (``ExecutedVersion``), i.e. the version the deploy publishes.
    """
    watched: set[str] = set()
    for _, alarm in t.of_type(ALARM):
        for dim in alarm_dimensions(props(alarm)):
            if dim.get("Name") == "ExecutedVersion":
                watched |= refs(dim.get("Value"))
    for lid, _ in t.of_type(SEAWALL_VERSION):
        yield _finding("SW002", Compliance.COMPLIANT, t, lid,
                       f"{lid} creates its alias once (or adopts it) and never re-points it")
    for lid, alias in t.of_type(ALIAS):
        policy = alias.get("UpdatePolicy") or {}
        p = props(alias)
        if isinstance(policy, Mapping) and "CodeDeployLambdaAliasUpdate" in policy:
            yield _finding(
                "SW002", Compliance.NON_COMPLIANT, t, lid,
                f"alias {lid} has UpdatePolicy CodeDeployLambdaAliasUpdate, so CloudFormation shifts its traffic "
                f"inside the deploy; remove the update policy (do not pass the alias to a CDK "
                f"LambdaDeploymentGroup) and let Seawall's shift move it", "UpdatePolicy/CodeDeployLambdaAliasUpdate")
            continue
        if p.get("RoutingConfig"):
            yield _finding(
                "SW002", Compliance.NON_COMPLIANT, t, lid,
                f"alias {lid} sets RoutingConfig, so CloudFormation moves traffic weights on every deploy; "
                f"remove RoutingConfig and let Seawall's shift move traffic", "Properties/RoutingConfig")
            continue
        moving = None
        for vid in refs(p.get("FunctionVersion")):
            if t.type_of(vid) != VERSION:
                continue
            version = t.resources[vid]
            if "CodeSha256" in props(version):
                moving = f"version {vid} sets CodeSha256, so it is replaced whenever the code changes"
            elif _HASHED_CURRENT_VERSION.search(vid):
                moving = f"version {vid} is CDK's currentVersion, whose logical ID changes with the code"
            elif vid in watched:
                moving = f"version {vid} is the new version the one-box alarms watch (ExecutedVersion)"
            if moving:
                break
        if moving:
            yield _finding(
                "SW002", Compliance.NON_COMPLIANT, t, lid,
                f"alias {lid} FunctionVersion follows each new version ({moving}): CloudFormation re-points the "
                f"alias on every deploy; point it at a version that never changes and let Seawall's shift move "
                f"it (SafeLambdaDeployment does)", "Properties/FunctionVersion")
        else:
            yield _finding("SW002", Compliance.COMPLIANT, t, lid, f"CloudFormation does not re-point alias {lid}")


def check_one_version_resource_per_function(t: StackTemplate) -> Iterator[Finding]:
    """SW012: at most one resource publishes versions of each function.

    Counts ``AWS::Lambda::Version`` and ``Custom::SeawallVersion`` resources
    by the function they name (``FunctionName``, compared as written in the
    template).
    """
    by_function: dict[str, list[str]] = {}
    for rtype in (VERSION, SEAWALL_VERSION):
        for lid, resource in t.of_type(rtype):
            key = repr(props(resource).get("FunctionName"))
            by_function.setdefault(key, []).append(lid)
    for lids in by_function.values():
        ordered = sorted(lids)
        if len(ordered) == 1:
            yield _finding("SW012", Compliance.COMPLIANT, t, ordered[0],
                           f"{ordered[0]} is the only resource publishing versions of its function")
            continue
        for lid in ordered:
            others = ", ".join(o for o in ordered if o != lid)
            yield _finding(
                "SW012", Compliance.NON_COMPLIANT, t, lid,
                f"{lid} and {others} publish versions of the same function: on unchanged code Lambda publishes "
                f"nothing for the second and CloudFormation fails it ('A version for this Lambda function "
                f"exists'); keep one (SafeLambdaDeployment's) and remove function.current_version or the extra "
                f"lambda.Version", "Properties/FunctionName")


def _deployment_groups(t: StackTemplate) -> Iterator[tuple[str, Mapping[str, Any]]]:
    yield from t.of_type(DEPLOYMENT_GROUP)


def check_auto_rollback(t: StackTemplate) -> Iterator[Finding]:
    """SW003: auto-rollback enabled with ``DEPLOYMENT_STOP_ON_ALARM``."""
    for lid, dg in _deployment_groups(t):
        cfg = props(dg).get("AutoRollbackConfiguration") or {}
        enabled = isinstance(cfg, Mapping) and cfg.get("Enabled") in (True, "true")
        events = cfg.get("Events") if isinstance(cfg, Mapping) else None
        on_alarm = isinstance(events, list) and "DEPLOYMENT_STOP_ON_ALARM" in events
        if enabled and on_alarm:
            yield _finding("SW003", Compliance.COMPLIANT, t, lid, f"deployment group {lid} rolls back on alarm")
        else:
            why = "has no AutoRollbackConfiguration" if not cfg else (
                "has AutoRollbackConfiguration disabled" if not enabled else
                "does not list DEPLOYMENT_STOP_ON_ALARM in AutoRollbackConfiguration.Events")
            yield _finding(
                "SW003", Compliance.NON_COMPLIANT, t, lid,
                f"deployment group {lid} {why}, so an alarm stops the deployment without putting the old version "
                f"back; set AutoRollbackConfiguration Enabled=true, Events=[DEPLOYMENT_FAILURE, "
                f"DEPLOYMENT_STOP_ON_ALARM]", "Properties/AutoRollbackConfiguration")


def _alarm_entries(dg: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[Any]]:
    cfg = props(dg).get("AlarmConfiguration") or {}
    if not isinstance(cfg, Mapping):
        return {}, []
    alarms = cfg.get("Alarms") or []
    return cfg, alarms if isinstance(alarms, list) else []


def check_has_alarms(t: StackTemplate) -> Iterator[Finding]:
    """SW004: alarm configuration enabled, with alarms, not ignoring poll failures."""
    for lid, dg in _deployment_groups(t):
        cfg, alarms = _alarm_entries(dg)
        if not cfg or cfg.get("Enabled") not in (True, "true"):
            problem = "has no enabled AlarmConfiguration"
        elif not alarms:
            problem = "has an AlarmConfiguration with no alarms"
        elif cfg.get("IgnorePollAlarmFailure") in (True, "true"):
            problem = ("sets IgnorePollAlarmFailure, so the deployment continues when CodeDeploy cannot read "
                       "its alarms")
        else:
            yield _finding("SW004", Compliance.COMPLIANT, t, lid,
                           f"deployment group {lid} watches {len(alarms)} alarm(s)")
            continue
        yield _finding(
            "SW004", Compliance.NON_COMPLIANT, t, lid,
            f"deployment group {lid} {problem}; give it the one-box and high-severity alarms with "
            f"AlarmConfiguration Enabled=true and IgnorePollAlarmFailure=false", "Properties/AlarmConfiguration")


def check_alarm_limit(t: StackTemplate) -> Iterator[Finding]:
    """SW005: at most 10 alarms per deployment group."""
    for lid, dg in _deployment_groups(t):
        _, alarms = _alarm_entries(dg)
        if not alarms:
            yield _finding("SW005", Compliance.NOT_APPLICABLE, t, lid, f"deployment group {lid} lists no alarms")
        elif len(alarms) > MAX_DEPLOYMENT_GROUP_ALARMS:
            yield _finding(
                "SW005", Compliance.NON_COMPLIANT, t, lid,
                f"deployment group {lid} lists {len(alarms)} alarms, above CodeDeploy's limit of "
                f"{MAX_DEPLOYMENT_GROUP_ALARMS}; combine them into composite alarms so it lists 10 or fewer",
                "Properties/AlarmConfiguration/Alarms")
        else:
            yield _finding("SW005", Compliance.COMPLIANT, t, lid,
                           f"deployment group {lid} lists {len(alarms)} alarm(s), within the limit of "
                           f"{MAX_DEPLOYMENT_GROUP_ALARMS}")


def alarm_dimensions(p: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """An alarm's dimensions: its metric's, and those of every metric-math input."""
    for d in p.get("Dimensions") or []:
        if isinstance(d, Mapping):
            yield d
    for q in p.get("Metrics") or []:
        stat = q.get("MetricStat") if isinstance(q, Mapping) else None
        metric = stat.get("Metric") if isinstance(stat, Mapping) else None
        if isinstance(metric, Mapping):
            for d in metric.get("Dimensions") or []:
                if isinstance(d, Mapping):
                    yield d


def _metric_names(p: Mapping[str, Any]) -> set[str]:
    names = {p["MetricName"]} if isinstance(p.get("MetricName"), str) else set()
    for q in p.get("Metrics") or []:
        stat = q.get("MetricStat") if isinstance(q, Mapping) else None
        metric = stat.get("Metric") if isinstance(stat, Mapping) else None
        if isinstance(metric, Mapping) and isinstance(metric.get("MetricName"), str):
            names.add(metric["MetricName"])
    return names


class _Alarms:
    """Alarms of one template, found by logical ID or by literal ``AlarmName``."""

    def __init__(self, t: StackTemplate) -> None:
        self.t = t
        self.by_name: dict[str, str] = {}
        for lid, res in t.of_type(ALARM, COMPOSITE):
            name = props(res).get("AlarmName")
            if isinstance(name, str):
                self.by_name[name] = lid

    def resolve(self, value: Any, *, rule: bool = False) -> tuple[set[str], set[str]]:
        """(alarm logical IDs, unresolved literal names) that `value` points at.

        `value` is a deployment group's alarm ``Name`` or, with `rule`, a
        composite's ``AlarmRule`` (``ALARM("name")`` / ``ALARM(arn)`` terms).
        """
        found = {r for r in refs(value) if self.t.type_of(r) in (ALARM, COMPOSITE)}
        if rule:
            names = [n for s in strings(value) for n in rule_names(s)]
        else:
            names = [value] if isinstance(value, str) else []
        unresolved: set[str] = set()
        for name in names:
            short = name.rsplit(":alarm:", 1)[-1]
            if short in self.by_name:
                found.add(self.by_name[short])
            elif short:
                unresolved.add(short)
        return found, unresolved

    def has_fault_alarm(self, lid: str, seen: set[str] | None = None) -> bool:
        seen = seen if seen is not None else set()
        if lid in seen:
            return False
        seen.add(lid)
        res = self.t.resources[lid]
        p = props(res)
        if res.get("Type") == ALARM:
            name = p.get("AlarmName")
            return bool(_metric_names(p) & FAULT_METRICS) or (isinstance(name, str) and "fault" in name.lower())
        children, _ = self.resolve(p.get("AlarmRule"), rule=True)
        return any(self.has_fault_alarm(c, seen) for c in children)


_RULE_NAME = re.compile(r"""(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*"?([^")]+?)"?\s*\)""")


def rule_names(text: str) -> list[str]:
    """The literal alarm names (or ARNs) in a composite rule's ``ALARM(...)`` / ``OK(...)`` terms."""
    return [m.strip() for m in _RULE_NAME.findall(text)]


def check_fault_rate_alarm(t: StackTemplate) -> Iterator[Finding]:
    """SW006: a deployment group's alarms include a fault-rate alarm.

    An alarm counts when it (or a member of a composite it lists) measures a
    fault metric (``Errors``, ``5XXError``, ``5xx``, ALB 5XX), directly or as
    a metric-math input, or when its ``AlarmName`` says ``fault``.
    """
    alarms = _Alarms(t)
    for lid, dg in _deployment_groups(t):
        _, entries = _alarm_entries(dg)
        if not entries:
            yield _finding("SW006", Compliance.NOT_APPLICABLE, t, lid, f"deployment group {lid} lists no alarms")
            continue
        found: set[str] = set()
        unresolved: set[str] = set()
        for e in entries:
            f, u = alarms.resolve(e.get("Name") if isinstance(e, Mapping) else e)
            found |= f
            unresolved |= u
        if any(alarms.has_fault_alarm(a) for a in sorted(found)):
            yield _finding("SW006", Compliance.COMPLIANT, t, lid, f"deployment group {lid} watches a fault-rate alarm")
            continue
        elsewhere = (f" ({', '.join(sorted(unresolved))} are defined outside this template: if one of them is a "
                     f"fault-rate alarm, suppress SW006 on {lid} with that reason)") if unresolved else ""
        yield _finding(
            "SW006", Compliance.NON_COMPLIANT, t, lid,
            f"deployment group {lid} watches no fault-rate alarm{elsewhere}; add an alarm on AWS/Lambda Errors "
            f"over Invocations, directly or inside a composite it lists", "Properties/AlarmConfiguration/Alarms")


def check_deployment_config_one_box(t: StackTemplate) -> Iterator[Finding]:
    """SW017: a Lambda deployment config's first traffic move is at most 10 %."""
    for lid, cfg in t.of_type(DEPLOYMENT_CONFIG):
        p = props(cfg)
        routing = p.get("TrafficRoutingConfig")
        if p.get("ComputePlatform") not in (None, "Lambda") or not isinstance(routing, Mapping):
            yield _finding("SW017", Compliance.NOT_APPLICABLE, t, lid,
                           f"deployment config {lid} has no Lambda traffic routing")
            continue
        kind = routing.get("Type")
        if kind == "AllAtOnce":
            # All at once is how rollbacks move traffic; the plan check flags it on a production step.
            yield _finding("SW017", Compliance.NOT_APPLICABLE, t, lid,
                           f"deployment config {lid} moves all traffic at once (rollbacks)")
            continue
        section, key = (("TimeBasedCanary", "CanaryPercentage") if kind == "TimeBasedCanary"
                        else ("TimeBasedLinear", "LinearPercentage"))
        value: Any = (routing.get(section) or {}).get(key)
        try:
            percent = float(value)
        except (TypeError, ValueError):
            yield _finding("SW017", Compliance.NOT_APPLICABLE, t, lid,
                           f"deployment config {lid} percentage is not a literal ({value!r})")
            continue
        if percent > ONE_BOX_MAX_PERCENT:
            yield _finding(
                "SW017", Compliance.NON_COMPLIANT, t, lid,
                f"deployment config {lid} first moves {percent:g}% of traffic, above the one-box limit of "
                f"{ONE_BOX_MAX_PERCENT}%; set {key} to {ONE_BOX_MAX_PERCENT} or less",
                f"Properties/TrafficRoutingConfig/{section}/{key}")
        else:
            yield _finding("SW017", Compliance.COMPLIANT, t, lid,
                           f"deployment config {lid} first moves {percent:g}% of traffic")
