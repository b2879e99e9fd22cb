"""First task of every release state machine: validate the input, read the execution type.

Returns ``{"rollback", "executionType", "override", "overrideReason", "startedAt"}``.
A rollback execution (the stage's ``OnFailure: ROLLBACK`` re-running the last
good revision) lets the gate and the bake pass straight through and makes the
shift all-at-once.  The emergency override is logged loudly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from seawall.model.release import (
    BAKE_KIND,
    GATE_KIND,
    SHIFT_KIND,
    ReleaseInput,
    parse_bake_input,
    parse_gate_input,
    parse_shift_input,
)

from . import common
from .common import AwsApiError, InvalidInputError, logger, tracer

PARSERS = {GATE_KIND: parse_gate_input, SHIFT_KIND: parse_shift_input, BAKE_KIND: parse_bake_input}

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


def release_context(event: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(event, Mapping) or event.get("expect") not in PARSERS:
        raise InvalidInputError(f"context task event must name expect in {sorted(PARSERS)}, got {event!r}"[:500])
    release = common.parse(PARSERS[event["expect"]], event.get("input"))
    kind = execution_type(release)
    rollback = kind == "ROLLBACK"
    started = common.now()
    logger.append_keys(target=release.target["name"], pipeline=release.pipeline.name,
                       pipeline_execution=release.pipeline.execution_id, part=release.kind)
    if rollback:
        logger.info("rollback execution: gate and bake pass through, the shift is all at once")
    if release.override is not None:
        logger.warning("EMERGENCY OVERRIDE in effect", extra={"override_reason": release.override,
                                                              "rollback": rollback})
    return {
        "rollback": rollback,
        "executionType": kind,
        "override": release.override is not None,
        "overrideReason": release.override or "",
        "startedAt": started.isoformat(),
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return release_context(event)
