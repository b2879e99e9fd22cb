"""First task of every release state machine: validate the input, read the execution type and the target.

Returns ``{"rollback", "executionType", "override", "overrideReason", "startedAt"}`` and, for a shift or
a bake, ``"manifest"``: the :class:`~seawall.model.contracts.ReleaseManifest` the later tasks read
instead of the input.  A rollback execution (the stage's ``OnFailure: ROLLBACK`` re-running the last good
revision) lets the gate and the bake pass straight through and makes the shift all-at-once.  The
emergency override is logged loudly.

The manifest comes from the target itself: ``DescribeStacks`` on each release stack the input names, in
this (the target's) region and account.  Each stack's ``SeawallReleaseToken`` output must be the token this
execution's deploy action produced (the input carries it as a substituted CodePipeline variable);
otherwise another execution deployed since, or the deploy did not happen, and the step fails closed.
A rollback execution is the exception: AWS documents that a rollback "will use the variables … from the
execution to which it is rolling back", while its own deploy re-publishes the old code under a new
version number, so the tokens cannot match; the stage runs one execution at a time, the stack holds what
the rollback deployed, and that is what the rollback shift must put back (logged, not refused).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from seawall.model.contracts import (
    INPUTS,
    BakeInput,
    GateInput,
    ReleaseInput,
    ReleaseManifest,
    ShiftInput,
    StaleReleaseError,
    manifest_from_stacks,
)

from . import common
from .common import AwsApiError, InvalidInputError, logger, tracer

common.settings()  # validate the environment at cold start


def execution_type(release: ReleaseInput) -> str:
    """The execution type (`GetPipelineExecution`), through `pipeline.roleArn` for a pipeline elsewhere."""
    p = release.pipeline
    try:
        cp = common.client("codepipeline", p.region or None, p.role_arn)
    except AwsApiError as e:
        raise AwsApiError(
            f"{e}; the pipeline is in another account, and its role {p.role_arn} must exist there and trust this "
            f"account: deploy the team's foundation pipeline (it creates the pipeline reader role for every "
            f"target account), then retry the stage"
        ) from e
    if p.role_arn:
        logger.info("reading the pipeline execution through the pipeline account's role",
                    extra={"role_arn": p.role_arn, "pipeline_region": p.region})
    out = common.call("CodePipeline GetPipelineExecution", cp.get_pipeline_execution,
                      pipelineName=p.name, pipelineExecutionId=p.execution_id)
    return str(out.get("pipelineExecution", {}).get("executionType") or "STANDARD")


def stack_outputs(stack_name: str, region: str) -> dict[str, str] | None:
    """``{OutputKey: OutputValue}`` of a stack in `region` (this account), or None when it does not exist.

    DescribeStacks: "If the stack doesn't exist, a ValidationError is returned."
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html)
    """
    cfn = common.client("cloudformation", region)
    try:
        out = common.call(f"CloudFormation DescribeStacks {stack_name}", cfn.describe_stacks, StackName=stack_name)
    except AwsApiError as e:
        if "ValidationError" in str(e) and "does not exist" in str(e):
            return None
        raise
    stacks = out.get("Stacks") or []
    if not stacks:
        return None
    return {o["OutputKey"]: o.get("OutputValue", "") for o in stacks[0].get("Outputs") or []}


def read_manifest(release: ShiftInput | BakeInput, *, rollback: bool) -> ReleaseManifest:
    """The target's manifest from its release stacks; fails closed on another execution's token."""
    outputs = {s.stack_name: stack_outputs(s.stack_name, release.region) for s in release.stacks}
    try:
        manifest = manifest_from_stacks(release.stacks, outputs, check_tokens=not rollback)
    except StaleReleaseError as e:
        raise InvalidInputError(f"{release.kind} for {release.target.name}: {e}") from e
    except ValueError as e:
        raise InvalidInputError(f"{release.kind} for {release.target.name}: a release output is malformed: "
                                f"{e}") from e
    if rollback:
        stale = [f"{s.stack_name}: {s.token!r} now, {t.token!r} in the input"
                 for s, t in zip(manifest.stacks, release.stacks, strict=True) if s.token != t.token]
        if stale:
            logger.warning("rollback execution: release tokens differ from the input's (the rollback's deploy "
                           "re-published the old code); releasing what the stacks hold", extra={"stacks": stale})
    logger.info("release manifest read from the target's stacks",
                extra={"functions": [f.function_name for f in manifest.functions],
                       "stacks": [s.stack_name for s in manifest.stacks]})
    return manifest


def check_release(release: ReleaseInput) -> None:
    """Refuse what would make the step act on the wrong thing, before the override or a rollback can skip a check.

    The input itself was parsed by its contract (target, pipeline, override, stacks, bake), each field checked.
    Here: the target's region is this Lambda's (the release machines run in the target's region and account,
    so an input for another region was routed wrongly), and a gate or a bake has valid team settings (its
    window and alarms; :class:`~seawall.model.contracts.TeamSettings` validates them at cold start).  Without
    this, a gate whose window cannot be read would still open under the emergency override.
    """
    here = common.settings().region
    if release.region != here:
        raise InvalidInputError(f"{release.kind}: input.target.region={release.region!r} is not this state "
                                f"machine's region {here!r}; each target's steps run the release machines of its "
                                f"own region: rebuild the pipeline")
    if isinstance(release, (GateInput, BakeInput)):
        common.team_settings()


def release_context(event: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(event, Mapping) or event.get("expect") not in INPUTS:
        raise InvalidInputError(f"context task event must name expect in {sorted(INPUTS)}, got {event!r}"[:500])
    release: ReleaseInput = common.parse(INPUTS[event["expect"]].from_json, event.get("input"))  # type: ignore[assignment]
    check_release(release)  # the whole input and the settings, before any override is honoured
    kind = execution_type(release)
    rollback = kind == "ROLLBACK"
    started = common.now()
    reason = release.override_reason
    logger.append_keys(target=release.target.name, pipeline=release.pipeline.name,
                       pipeline_execution=release.pipeline.execution_id, part=release.kind)
    if rollback:
        logger.info("rollback execution: gate and bake pass through, the shift is all at once")
    if reason is not None:
        logger.warning("EMERGENCY OVERRIDE in effect", extra={"override_reason": reason, "rollback": rollback})
    out: dict[str, Any] = {
        "rollback": rollback,
        "executionType": kind,
        "override": reason is not None,
        "overrideReason": reason or "",
        "startedAt": started.isoformat(),
    }
    if isinstance(release, (ShiftInput, BakeInput)):
        out["manifest"] = read_manifest(release, rollback=rollback).to_json()
    return out


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return release_context(event)
