"""The errors-in-logs filter pattern, evaluated by moto's CloudWatch Logs over real Powertools lines.

moto 5.2.5 does not evaluate JSON filter patterns (``{ $.level = "ERROR" }``):
its ``filter_log_events`` returns every event. The engine test is therefore a
strict xfail - it starts failing (and must be turned into a plain test) the
day moto evaluates the pattern - and docs/lambda-deployment.md says the
pattern is unproven here.
"""

from __future__ import annotations

import io
import time

import boto3
import pytest
from aws_lambda_powertools import Logger
from moto import mock_aws

from seawall.constructs import ERRORS_IN_LOGS_PATTERN


def _powertools_lines() -> list[str]:
    stream = io.StringIO()
    logger = Logger(service="orders", logger_handler=None, stream=stream, level="DEBUG")
    logger.info("order accepted", extra={"order_id": "o-1"})
    logger.error("payment provider returned 500", extra={"order_id": "o-2"})
    logger.warning("retrying: level ERROR seen upstream")  # the word ERROR, but not at level ERROR
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("unhandled failure")
    logger.debug("cache miss")
    return [line for line in stream.getvalue().splitlines() if line.strip()]


def test_the_pattern_selects_the_powertools_level_field():
    assert ERRORS_IN_LOGS_PATTERN.log_pattern_string == '{ $.level = "ERROR" }'
    assert all(line.startswith('{"level":') for line in _powertools_lines())


@pytest.mark.xfail(strict=True, reason="moto 5.2.5 filter_log_events ignores JSON filter patterns (returns all events)")
@mock_aws
def test_the_filter_matches_powertools_error_lines_only():
    lines = _powertools_lines()
    assert len(lines) == 5
    logs = boto3.client("logs", region_name="us-east-1")
    logs.create_log_group(logGroupName="/aws/lambda/orders")
    logs.create_log_stream(logGroupName="/aws/lambda/orders", logStreamName="s")
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName="/aws/lambda/orders", logStreamName="s",
                        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(lines)])
    events = logs.filter_log_events(logGroupName="/aws/lambda/orders",
                                    filterPattern=ERRORS_IN_LOGS_PATTERN.log_pattern_string)["events"]
    matched = [e["message"] for e in events]
    assert ERRORS_IN_LOGS_PATTERN.log_pattern_string == '{ $.level = "ERROR" }'
    assert sorted(matched) == sorted(line for line in lines if '"level":"ERROR"' in line.replace(" ", ""))
    assert len(matched) == 2
