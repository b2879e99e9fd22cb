"""The traffic-and-alarm scenarios that must pass on today's runtime, each rehearsed once on the fixture app."""

from __future__ import annotations

import pytest
from tests.sim.findings_support import rehearsed

from seawall.model.rehearsal import Rehearsal


def _unmet(result: Rehearsal) -> dict[str, object]:
    return {k: v for k, v in {**result.invariants, **result.expectations}.items() if not v.held}


def test_a_slow_burn_after_the_shift_is_caught_by_the_bake_and_reverted():
    result = rehearsed("slow-burn-bake")
    assert result.ok, _unmet(result)
    assert "after the first shift completed" in result.expectations["turned-bad-after-shift"].detail
    assert "by the bake's revert" in result.expectations["reverted-by-bake"].detail
    reverts = [e for e in result.events if e.kind == "traffic" and e.detail.endswith("(r0) by seawall")]
    assert reverts, [e for e in result.events if e.kind == "traffic"]


@pytest.mark.parametrize("alarm", ["high-severity", "one-box"])
def test_another_services_high_severity_alarm_reverts_the_bake_and_its_one_box_alarm_does_not(alarm):
    result = rehearsed("other-service-alarm")
    variant = next(v for v in result.variants if v.parameters == {"alarm": alarm})
    unmet = {k: v for k, v in {**variant.invariants, **variant.expectations}.items() if not v.held}
    assert not unmet, unmet
    assert variant.invariants["I10"].exercised > 18  # the other service's one-box alarms were checked too
    if alarm == "high-severity":
        assert "payments-eu-west-1-aggregate" in variant.expectations["failure-names-alarm"].detail
    else:
        assert "Succeeded" in variant.expectations["succeeded"].detail


def test_the_aggregate_rule_the_scenario_deploys_is_the_one_the_team_monitoring_stack_renders():
    import aws_cdk as cdk

    from seawall.constructs.monitoring import TeamMonitoringStack
    from seawall.sim.scenarios.traffic import OTHER, aggregate_rule

    scopes = ["gamma-eu-west-1", "eu-west-1"]
    app = cdk.App()
    stack = TeamMonitoringStack(app, "Monitoring", team="payments", services=[OTHER], scopes=scopes,
                                env=cdk.Environment(account="111111111111", region="eu-west-1"))
    rules = [r["Properties"]["AlarmRule"] for r in app.synth().get_stack_by_name(stack.stack_name)
             .template["Resources"].values() if r["Type"] == "AWS::CloudWatch::CompositeAlarm"]
    assert rules == [aggregate_rule("payments", [OTHER], scopes)]
    assert aggregate_rule("payments", [], scopes) == "FALSE"


def test_a_fix_pushed_minutes_after_a_one_box_revert_rolls_out_past_the_stale_alarm():
    result = rehearsed("fix-after-revert")
    assert result.ok, _unmet(result)
    for variant in result.variants:
        assert "rollback execution of r0" in variant.expectations["stale-alarm-exercised"].detail
        assert variant.expectations["all-on-fix"].detail.endswith("on r2 with no routing")


def test_i3_judges_a_deployment_a_later_execution_created_in_the_group_with_that_execution():
    from types import SimpleNamespace

    from seawall.sim.invariants import _judged_with

    creators = {"d-1": "arn:aws:states:eu-west-1:1:execution:m:mine",
                "d-2": "arn:aws:states:eu-west-1:1:execution:m:next"}
    truth = SimpleNamespace(world=SimpleNamespace(actor_execution=lambda by: creators.get(by.split(":", 1)[1], "")))
    mine = creators["d-1"]
    assert _judged_with(truth, SimpleNamespace(id="d-2", created_at=100.0), mine, over=100.0)  # before it ended
    assert _judged_with(truth, SimpleNamespace(id="d-1", created_at=150.0), mine, over=100.0)  # its own, later
    assert _judged_with(truth, SimpleNamespace(id="d-9", created_at=150.0), mine, over=100.0)  # nobody's
    assert not _judged_with(truth, SimpleNamespace(id="d-2", created_at=150.0), mine, over=100.0)  # a later one's
