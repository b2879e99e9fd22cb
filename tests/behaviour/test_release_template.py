"""The synthesized release template: lint-clean, and the bake reacts without waiting."""

from __future__ import annotations

import json
from typing import Any

from conftest import _resolve, definitions, release_app, team_settings_env


def test_template_passes_cfn_lint(release_template: dict[str, Any]) -> None:
    from tests.support.lint import cfn_lint_findings

    assert cfn_lint_findings(release_template) == []


def test_template_passes_cdk_nag_with_reasoned_suppressions(release_template: dict[str, Any]) -> None:
    from tests.support.lint import nag_findings, suppressions

    app, _ = release_app()
    assert nag_findings(app) == []
    assert all(reason.strip() for _, _, reason in suppressions(release_template))


def test_bake_polls_at_most_every_60_seconds_and_reverts_without_waiting(release_template: dict[str, Any]) -> None:
    states = definitions(release_template)["bake"]["States"]
    waits = {n: s for n, s in states.items() if s["Type"] == "Wait"}
    assert waits and all("Seconds" in s and s["Seconds"] <= 60 for s in waits.values())
    # From the check to the revert: the Choice goes straight to the revert task, no Wait in between.
    check = states["Check bake"]
    verdict = states[check["Next"]]
    assert verdict["Type"] == "Choice"
    (alarm,) = [c for c in verdict["Choices"] if c.get("StringEquals") == "ALARM"]
    revert = states[alarm["Next"]]
    assert revert["Type"] == "Task" and "Revert" in alarm["Next"]
    assert states[revert["Next"]]["Type"] == "Fail"
    # The watch loop: WAIT -> Wait (<= 60 s) -> Check bake.
    (wait_choice,) = [c for c in verdict["Choices"] if c.get("StringEquals") == "WAIT"]
    assert states[wait_choice["Next"]]["Type"] == "Wait" and states[wait_choice["Next"]]["Next"] == "Check bake"


def test_every_task_retries_throttling_and_catches_everything(release_template: dict[str, Any]) -> None:
    for part, d in definitions(release_template).items():
        for name, s in d["States"].items():
            if s["Type"] != "Task":
                continue
            assert any("ThrottledError" in r["ErrorEquals"] for r in s["Retry"]), (part, name)
            (catch,) = s["Catch"]
            assert catch["ErrorEquals"] == ["States.ALL"] and d["States"][catch["Next"]]["Type"] == "Fail"


def test_gate_waits_are_durable_wait_states(release_template: dict[str, Any]) -> None:
    states = definitions(release_template)["gate"]["States"]
    waits = [s for s in states.values() if s["Type"] == "Wait"]
    assert len(waits) == 2 and all("SecondsPath" in s for s in waits)


def test_polls_that_would_overflow_the_execution_history_are_rejected_at_synth() -> None:
    import aws_cdk as cdk
    import pytest

    from seawall.constructs.release import ReleaseStateMachines
    from seawall.model.window import TimeWindow

    for kw, text in (({"bake_poll": cdk.Duration.seconds(10)}, r"bake_poll=10(\.0)? s must be 54 to 60 seconds"),
                     ({"bake_poll": cdk.Duration.seconds(90)}, r"bake_poll=90(\.0)? s must be 54 to 60"),
                     ({"shift_poll": cdk.Duration.seconds(5)}, r"shift_poll=5(\.0)? s must be 30 to 300")):
        stack = cdk.Stack(cdk.App(), "S", env=cdk.Environment(account="123456789012", region="us-east-1"))
        with pytest.raises(ValueError, match=text) as e:
            ReleaseStateMachines(stack, "R", team="payments", window=TimeWindow.always(), **kw)
        assert "25,000-event execution history" in str(e.value)


def test_shift_machine_outlives_the_longest_shift(release_template: dict[str, Any]) -> None:
    from datetime import timedelta

    from seawall.model.policies import MAX_SHIFT_DURATION, SHIFT_HOOK_ALLOWANCE

    shift = definitions(release_template)["shift"]
    assert shift["TimeoutSeconds"] >= (MAX_SHIFT_DURATION + SHIFT_HOOK_ALLOWANCE + timedelta(hours=1)).total_seconds()
    (wait,) = [s for s in shift["States"].values() if s["Type"] == "Wait"]
    assert wait["Seconds"] == 30


def _grants(template: dict[str, Any], function_prefix: str) -> dict[str, set[str]]:
    """Action -> resources (tokens resolved) that the role of the task function `function_prefix...` allows."""

    resources = template["Resources"]
    (fn,) = [r for k, r in resources.items()
             if r["Type"] == "AWS::Lambda::Function" and k.startswith(f"Release{function_prefix}")]
    role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    out: dict[str, set[str]] = {}
    for r in resources.values():
        if r["Type"] != "AWS::IAM::Policy" or {"Ref": role} not in r["Properties"]["Roles"]:
            continue
        for st in r["Properties"]["PolicyDocument"]["Statement"]:
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            res = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            for a in actions:
                out.setdefault(a, set()).update(_resolve(x) for x in res)
    return out


def test_update_alias_is_granted_on_the_function_arn_and_the_alias_arn(release_template: dict[str, Any]) -> None:
    # Lambda authorizes UpdateAlias against the function ARN (function:NAME), not only function:NAME:ALIAS.
    both = {"arn:aws:lambda:us-east-1:123456789012:function:*", "arn:aws:lambda:us-east-1:123456789012:function:*:*"}
    for task in ("ShiftStart", "ShiftStatus", "BakeRevert"):
        grants = _grants(release_template, task)
        assert both <= grants["lambda:UpdateAlias"], (task, grants.get("lambda:UpdateAlias"))
        if task == "ShiftStart":
            assert both <= grants["lambda:GetAlias"]


def test_the_rollback_shift_may_list_and_stop_the_groups_deployments(release_template: dict[str, Any]) -> None:
    grants = _grants(release_template, "ShiftStart")
    group = "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:payments-*/payments-*"
    # StopDeployment supports no resource-level permission (Service Authorization Reference): "*".
    assert group in grants["codedeploy:ListDeployments"] and grants["codedeploy:StopDeployment"] == {"*"}


def test_the_context_task_reads_only_the_teams_stacks(release_template: dict[str, Any]) -> None:
    grants = _grants(release_template, "Context")
    assert grants["cloudformation:DescribeStacks"] == {
        "arn:aws:cloudformation:us-east-1:123456789012:stack/payments-*/*"}
    for task in ("GateWindow", "GateAlarms", "ShiftStart", "BakeCheck", "BakeRevert"):
        assert "cloudformation:DescribeStacks" not in _grants(release_template, task), task


def test_every_release_lambda_carries_the_team_settings(release_template: dict[str, Any]) -> None:

    from seawall.model.contracts import TeamSettings
    from seawall.model.limits import MAX_LAMBDA_ENVIRONMENT

    settings = TeamSettings.from_json(team_settings_env(release_template))  # one value, on every function
    assert settings.team == "payments" and settings.alarm_names("eu-west-1") == ("payments-eu-west-1-aggregate",)
    for r in release_template["Resources"].values():
        if r["Type"] == "AWS::Lambda::Function":
            env = r["Properties"]["Environment"]["Variables"]
            assert len(json.dumps(env, separators=(",", ":"))) <= MAX_LAMBDA_ENVIRONMENT


def test_team_settings_past_lambdas_environment_limit_fail_at_synth() -> None:
    import aws_cdk as cdk
    import pytest

    from seawall.constructs.release import ReleaseStateMachines
    from seawall.model.window import TimeWindow

    stack = cdk.Stack(cdk.App(), "S", env=cdk.Environment(account="123456789012", region="us-east-1"))
    many = [f"org-wide-alarm-with-a-rather-long-descriptive-name-{i:03d}" for i in range(80)]
    with pytest.raises(ValueError, match=r"environment is \d+ bytes, more than Lambda's 4096"):
        ReleaseStateMachines(stack, "R", team="payments", window=TimeWindow.always(), blocking_alarms=many)
