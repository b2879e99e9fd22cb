"""Release Lambdas: no CDK imports, and malformed events fail with a clear error."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

HANDLERS = ["context", "gate", "shift", "bake"]


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("SEAWALL_TEAM", "payments")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")


@pytest.mark.parametrize("module", HANDLERS)
def test_importing_a_handler_does_not_import_cdk(module: str) -> None:
    code = (f"import sys, seawall.lambdas.release.{module}; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'constructs', 'jsii') "
            "or m.startswith(('seawall.constructs', 'seawall.stacks'))]; print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"AWS_REGION": "us-east-1", "SEAWALL_TEAM": "payments", "PATH": "",
                              "POWERTOOLS_TRACE_DISABLED": "true"})
    assert out.returncode == 0, out.stdout + out.stderr


def test_settings_are_validated_at_cold_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from seawall.lambdas.release import common

    monkeypatch.delenv("SEAWALL_TEAM")
    common.reset_clients()
    with pytest.raises(RuntimeError, match="SEAWALL_TEAM is not set"):
        common.settings()
    common.reset_clients()


@pytest.mark.parametrize(("event", "match"), [
    ({}, "expect"),
    ({"expect": "seawall.gate", "input": {"kind": "seawall.bake"}}, "kind='seawall.bake' is not 'seawall.gate'"),
    ({"expect": "seawall.gate", "input": "nope"}, "must be a JSON object"),
    ({"expect": "seawall.gate", "input": {"kind": "seawall.gate", "schema": 9}}, "schema=9"),
])
def test_context_rejects_malformed_events(event: Any, match: str) -> None:
    from seawall.lambdas.release.common import InvalidInputError
    from seawall.lambdas.release.context import release_context

    with pytest.raises(InvalidInputError, match=match):
        release_context(event)


def _gate() -> dict[str, Any]:
    from seawall.model import Target
    from seawall.model.release import gate_input
    from seawall.model.window import TimeWindow

    g = gate_input(target=Target(region="us-east-1"), window=TimeWindow.always(), alarm_names=["a"],
                   pipeline_name="p", execution_id="e")
    g["override"] = "false"
    return g


@pytest.mark.parametrize(("mutate", "match"), [
    (lambda g: g.pop("alarmNames"), "missing 'alarmNames'"),
    (lambda g: g.update(alarmNames=[]), "non-empty list"),
    (lambda g: g.update(override="maybe"), "override='maybe' is not understood"),
    (lambda g: g.update(override="#{variables.SeawallEmergencyOverride}"), "is not understood"),
    (lambda g: g["pipeline"].update(executionId="#{codepipeline.PipelineExecutionId}"), "substituted"),
    (lambda g: g.update(maxWaitSeconds="soon"), "maxWaitSeconds='soon'"),
    (lambda g: g.update(window={"nonsense": 1}), "is not a TimeWindow"),
])
def test_gate_window_check_rejects_malformed_input(mutate: Any, match: str) -> None:
    from seawall.lambdas.release.common import InvalidInputError
    from seawall.lambdas.release.gate import check_window

    g = _gate()
    mutate(g)
    g["context"] = {"startedAt": "2025-06-06T17:00:00+00:00"}
    with pytest.raises(InvalidInputError, match=match):
        check_window(g)


def test_gate_window_check_requires_context() -> None:
    from seawall.lambdas.release.common import InvalidInputError
    from seawall.lambdas.release.gate import check_window

    with pytest.raises(InvalidInputError, match="context task must run first"):
        check_window(_gate())


def test_bake_rejects_a_bad_shift_arn_and_unsubstituted_versions() -> None:
    from datetime import timedelta

    from seawall.model import BakePolicy, Target
    from seawall.model.release import FunctionRelease, bake_input, parse_bake_input

    f = FunctionRelease(function_name="fn", target_version="#{svc.Version}", application="a", deployment_group="g")
    b = bake_input(target=Target(region="us-east-1"), bake=BakePolicy(duration=timedelta(hours=1)),
                   alarm_names=["a"], functions=[f], shift_execution_arn="#{ns.ExecutionArn}",
                   pipeline_name="p", execution_id="e", override="false")
    with pytest.raises(ValueError, match="not a Step Functions execution ARN"):
        parse_bake_input(b)
    b["shiftExecutionArn"] = "arn:aws:states:us-east-1:123456789012:execution:seawall-payments-shift:x"
    with pytest.raises(ValueError, match="unsubstituted pipeline variable"):
        parse_bake_input(b)


def test_override_values() -> None:
    from seawall.model.release import parse_override

    assert parse_override("false") is None and parse_override("") is None
    assert parse_override("true: incident 42") == "incident 42"
    with pytest.raises(ValueError, match="SeawallEmergencyOverride"):
        parse_override("ture")
