"""Rules over the whole assembly that count resources against per-account, per-region quotas.

Each template carries its stack's environment from the cloud assembly's
manifest (``aws://{account}/{region}``).  An environment-agnostic stack (or a
nested-stack template, whose parent is not recorded with it) may deploy into
any account and region, so its resources count toward every environment of
the assembly: a quota is never judged optimistic.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..model.limits import MAX_CUSTOM_DEPLOYMENT_CONFIGS
from .core import Compliance, Finding, StackTemplate, props

DEPLOYMENT_CONFIG = "AWS::CodeDeploy::DeploymentConfig"

Environment = tuple[str | None, str | None]


def _describe(env: Environment) -> str:
    account, region = env
    if account is None and region is None:
        return "environment-agnostic stacks (any account and region)"
    return f"account {account or '(any)'} region {region or '(any)'}"


def _covers(env: Environment, bucket: Environment) -> bool:
    """Whether a stack in `env` may deploy into `bucket` (an unknown part matches anything)."""
    return all(mine is None or mine == theirs for mine, theirs in zip(env, bucket, strict=True))


def _configs(templates: Sequence[StackTemplate]) -> list[tuple[StackTemplate, str, Mapping[str, Any]]]:
    return [(t, lid, res) for t in templates for lid, res in t.of_type(DEPLOYMENT_CONFIG)]


def check_custom_deployment_config_quota(templates: Sequence[StackTemplate]) -> Iterator[Finding]:
    """SW018: at most 50 custom CodeDeploy deployment configs per account and region over the assembly.

    CodeDeploy quotas: "Custom deployment configurations per account | Each supported Region: 50 | No |
    Maximum number of custom deployment configurations associated with an AWS account"
    (https://docs.aws.amazon.com/codedeploy/latest/userguide/limits.html; not adjustable).  Every
    ``AWS::CodeDeploy::DeploymentConfig`` is one custom config, whatever its compute platform.  Findings sit
    on each config of an environment past the quota, so the count names every stack that spends it.
    """
    configs = _configs(templates)
    if not configs:
        return
    buckets = sorted({t.environment for t, _, _ in configs}, key=lambda e: (e[0] or "", e[1] or ""))
    over: dict[tuple[str, str], list[Environment]] = {}
    counts: dict[Environment, int] = {}
    for bucket in buckets:
        members = [(t, lid) for t, lid, _ in configs if _covers(t.environment, bucket)]
        counts[bucket] = len(members)
        if len(members) > MAX_CUSTOM_DEPLOYMENT_CONFIGS:
            for t, lid in members:
                over.setdefault((t.name, lid), []).append(bucket)
    for t, lid, _ in configs:
        where = over.get((t.name, lid))
        if where:
            worst = max(where, key=lambda b: counts[b])
            yield Finding(
                check_id="SW018", status=Compliance.NON_COMPLIANT, resource=lid, template=t.name,
                message=f"deployment config {lid} is one of {counts[worst]} custom CodeDeploy deployment configs "
                        f"the assembly creates in {_describe(worst)}, above CodeDeploy's quota of "
                        f"{MAX_CUSTOM_DEPLOYMENT_CONFIGS} per account and region (not adjustable): the stack "
                        f"that creates the {MAX_CUSTOM_DEPLOYMENT_CONFIGS + 1}st fails; share one config per "
                        f"(account, region, traffic policy) or use a CodeDeployDefault config")
        else:
            yield Finding(
                check_id="SW018", status=Compliance.COMPLIANT, resource=lid, template=t.name,
                message=f"deployment config {lid}: {counts[t.environment]} custom config(s) in "
                        f"{_describe(t.environment)}, within CodeDeploy's {MAX_CUSTOM_DEPLOYMENT_CONFIGS}")


def _shape(resource: Mapping[str, Any]) -> str:
    """What a config does, without its name: two configs with equal shapes are one config twice."""
    p = {k: v for k, v in props(resource).items() if k != "DeploymentConfigName"}
    return json.dumps(p, sort_keys=True, default=str)


def check_duplicate_deployment_configs(templates: Sequence[StackTemplate]) -> Iterator[Finding]:
    """SW019 (warning): identical custom deployment configs in one account and region.

    Configs are identical when their properties other than ``DeploymentConfigName`` are equal.  Only
    stacks of the same known environment are compared (an environment-agnostic stack may deploy
    anywhere, so its copies are not known to share an account and region).
    """
    groups: dict[tuple[Environment, str], list[tuple[StackTemplate, str]]] = {}
    for t, lid, res in _configs(templates):
        groups.setdefault((t.environment, _shape(res)), []).append((t, lid))
    for (env, _), members in groups.items():
        known = env[0] is not None and env[1] is not None
        for t, lid in members:
            others = [f"{o.name}:{olid}" for o, olid in members if (o.name, olid) != (t.name, lid)]
            if known and others:
                shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
                yield Finding(
                    check_id="SW019", status=Compliance.NON_COMPLIANT, resource=lid, template=t.name,
                    message=f"deployment config {lid} is identical to {shown} in {_describe(env)}: "
                            f"{len(members)} copies spend {len(members)} of CodeDeploy's "
                            f"{MAX_CUSTOM_DEPLOYMENT_CONFIGS} custom configs per account and region; create "
                            f"it once and name it from every deployment group")
            else:
                yield Finding(check_id="SW019", status=Compliance.COMPLIANT, resource=lid, template=t.name,
                              message=f"deployment config {lid} has no identical copy in {_describe(env)}")
