"""SmokeTestHook: a CodeDeploy traffic hook that invokes the new version before (or after) traffic moves."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from seawall.model._validate import require_int
from seawall.model.limits import MAX_LAMBDA_ENVIRONMENT

from ._assets import (
    HOOK_HANDLER,
    POWERTOOLS_LAYER_ACCOUNT,
    POWERTOOLS_LAYER_NAME,
    POWERTOOLS_LAYER_VERSION,
    RUNTIME_NAME,
    hook_asset_dir,
)
from ._nag import acknowledge, arn_wildcard_rule
from ._validate import require_type
from .release import RUNTIME


def _check_targets(targets: object) -> tuple[lambda_.IFunction, ...]:
    if isinstance(targets, (str, Mapping)) or not isinstance(targets, Sequence):
        raise TypeError(f"targets={targets!r} must be a list of Lambda functions, e.g. targets=[handler]")
    if not targets:
        raise ValueError("targets=[] is empty; name the function(s) the hook tests, e.g. targets=[handler]")
    for t in targets:
        if not (hasattr(t, "function_name") and hasattr(t, "function_arn")):
            raise TypeError(f"targets item {t!r} must be a Lambda function (aws_lambda.IFunction), not a name")
    return tuple(targets)  # type: ignore[arg-type]


def _check_payload(payload: object) -> str:
    """The payload's compact JSON, or the error that names `payload`, its value and the fix."""
    if payload is None:
        raise ValueError(
            "payload=None: a SmokeTestHook without a payload would invoke nothing and report Succeeded for a "
            "version it never ran; pass the event a healthy new version handles, e.g. "
            "payload={\"path\": \"/health\"}, or leave the hook out")
    if not isinstance(payload, Mapping):
        raise TypeError(f"payload={payload!r} must be a JSON object (a dict), e.g. payload={{\"path\": \"/health\"}}")
    try:
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as e:
        raise TypeError(f"payload={payload!r} is not JSON ({e}); use only dicts, lists, strings, numbers, "
                        f"booleans and None") from None
    size = len(text.encode())
    if size > MAX_LAMBDA_ENVIRONMENT:
        raise ValueError(f"payload is {size} bytes of JSON; it travels in the hook's environment, which holds at "
                         f"most {MAX_LAMBDA_ENVIRONMENT} bytes (Lambda): send a smaller event")
    return text


class SmokeTestHook(Construct):
    """A Lambda CodeDeploy runs as a ``BeforeAllowTraffic`` or ``AfterAllowTraffic`` hook.

    It reads the deployment's AppSpec (``GetApplicationRevision`` by the hash
    ``GetDeployment`` gives, which never returns the content), invokes
    ``<function>:<TargetVersion>`` of each function in it with `payload`, and
    reports ``Succeeded`` or ``Failed`` to CodeDeploy on every path
    (``PutLifecycleEventHookExecutionStatus``).  Pass :attr:`function` as
    ``pre_traffic_hook`` / ``post_traffic_hook`` of
    :class:`~seawall.constructs.SafeLambdaDeployment`, which grants the role
    ``GetDeployment`` on its deployment group, ``GetApplicationRevision`` on its
    application and ``PutLifecycleEventHookExecutionStatus``: the hook itself
    does not know which application it serves.

    Parameters
    ----------
    targets:
        The functions the hook may test; an AppSpec naming any other function fails the hook.
    payload:
        The JSON event sent to the new version (a dict), such as ``{"path": "/health"}``: the hook passes
        only if the new version handles it without a function error.  Required: the default ``None`` is
        refused with a ``ValueError``, because a hook that invokes nothing would report ``Succeeded`` for a
        version it never ran.  Its compact JSON travels in the hook's environment, so it is at most
        :data:`~seawall.model.limits.MAX_LAMBDA_ENVIRONMENT` bytes.
    powertools_layer_version:
        Version of the public Powertools v3 ``python313`` x86_64 layer. Default: 27.

    The function runs ``python3.13``; its code is :func:`seawall.constructs._assets.hook_asset_dir`,
    the ``*.py`` modules of :mod:`seawall.lambdas.hooks` at the asset root (no ``__pycache__``),
    the same bytes whatever else is installed.
    """

    def __init__(self, scope: Construct, construct_id: str, *, targets: Sequence[lambda_.IFunction],
                 payload: Mapping[str, Any] | None = None,
                 powertools_layer_version: int = POWERTOOLS_LAYER_VERSION,
                 log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR) -> None:
        targets = _check_targets(targets)
        smoke_payload = _check_payload(payload)
        require_int(powertools_layer_version, "powertools_layer_version", minimum=1,
                    why="the version of the public Powertools layer in its ARN")
        require_type(log_retention, "log_retention", logs.RetentionDays, "logs.RetentionDays.ONE_YEAR")
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        log_group = logs.LogGroup(self, "Logs", retention=log_retention, removal_policy=RemovalPolicy.RETAIN)
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                        description="Seawall traffic hook")
        role.add_to_policy(iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                                               resources=[log_group.log_group_arn]))
        environment = {
            "SEAWALL_TARGET_FUNCTIONS": ",".join(t.function_name for t in targets),
            "POWERTOOLS_SERVICE_NAME": "seawall-traffic-hook",
            "SEAWALL_SMOKE_PAYLOAD": smoke_payload,
        }
        layer = lambda_.LayerVersion.from_layer_version_arn(
            self, "Powertools",
            f"arn:{stack.partition}:lambda:{stack.region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
            f"{POWERTOOLS_LAYER_NAME}:{powertools_layer_version}",
        )
        self.function = lambda_.Function(
            self, "Function", runtime=RUNTIME, architecture=lambda_.Architecture.X86_64,
            code=lambda_.Code.from_asset(hook_asset_dir()),
            handler=HOOK_HANDLER, role=role, layers=[layer], timeout=Duration.minutes(5),
            memory_size=256, log_group=log_group, environment=environment,
            description="Seawall CodeDeploy traffic hook: smoke-tests the new version and reports back",
        )
        for target in targets:
            role.add_to_policy(iam.PolicyStatement(actions=["lambda:InvokeFunction"],
                                                   resources=[f"{target.function_arn}:*"]))
        from .lambda_deployment import drop_redundant_role_dependency

        drop_redundant_role_dependency(self.function)
        policy = role.node.find_child("DefaultPolicy")
        for target in targets:
            rule = arn_wildcard_rule(target)
            if rule:
                acknowledge(policy, rule, "the hook invokes whichever new version the deployment's AppSpec names; "
                                          "versions are published at deploy time")
        acknowledge(self.function, "AwsSolutions-L1",
                    f"{RUNTIME_NAME} matches the pinned Powertools v3 layer {POWERTOOLS_LAYER_NAME}; "
                    f"raise both together")
        self.role = role
