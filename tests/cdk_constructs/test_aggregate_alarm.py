"""The team aggregate: children by name, nested past CloudWatch's composite limits."""

from __future__ import annotations

import re

import pytest
from aws_cdk import App, Environment
from tests.support import cfn_lint_findings, nag_findings, synth

from seawall.constructs import TeamMonitoringStack
from seawall.constructs.alarms import MAX_COMPOSITE_CHILDREN, MAX_COMPOSITE_RULE_CHARS, chunk_alarm_names
from seawall.model.naming import aggregate_alarm_name, high_severity_alarm_name

ENV = Environment(account="111111111111", region="ap-southeast-2")
#: 250 services with the longest names the naming rules allow.
SERVICES = [f"s{i:03d}-" + "x" * 26 for i in range(250)]


@pytest.fixture(scope="module")
def built():
    app = App()
    big = TeamMonitoringStack(app, "Big", team="payments", services=SERVICES, env=ENV)
    small = TeamMonitoringStack(app, "Small", team="payments", services=["api"], env=ENV,
                                canaries={"api": "https://api.example.com/health"})
    # A brand-new team: the foundation deploys before any service exists.
    new_team = TeamMonitoringStack(app, "NewTeam", team="payments", services=(), env=ENV)
    return {"app": app, "big": synth(big), "small": synth(small), "big_stack": big, "new": synth(new_team)}


def _composites(template: dict) -> dict[str, dict]:
    return {v["Properties"]["AlarmName"]: v for v in template["Resources"].values()
            if v["Type"] == "AWS::CloudWatch::CompositeAlarm"}


def test_an_aggregate_over_250_services_nests_within_cloudwatch_limits(built):
    composites = _composites(built["big"])
    assert len(composites) > 1
    for composite in composites.values():
        rule = composite["Properties"]["AlarmRule"]
        assert isinstance(rule, str) and len(rule) < MAX_COMPOSITE_RULE_CHARS
        assert len(re.findall(r"ALARM\(", rule)) <= MAX_COMPOSITE_CHILDREN


def test_every_service_is_watched_exactly_once_under_the_aggregate(built):
    composites = _composites(built["big"])
    top = aggregate_alarm_name("payments", "ap-southeast-2")
    assert top in composites

    def leaves(name: str) -> list[str]:
        if name not in composites:
            return [name]
        children = re.findall(r'ALARM\("([^"]+)"\)', composites[name]["Properties"]["AlarmRule"])
        return [leaf for child in children for leaf in leaves(child)]

    expected = [high_severity_alarm_name("payments", s, "ap-southeast-2") for s in SERVICES]
    assert sorted(leaves(top)) == sorted(expected)


def test_the_aggregate_depends_on_its_parts(built):
    resources = built["big"]["Resources"]
    (top,) = [v for v in resources.values() if v["Type"] == "AWS::CloudWatch::CompositeAlarm"
              and v["Properties"]["AlarmName"] == "payments-ap-southeast-2-aggregate"]
    assert len(top.get("DependsOn", [])) == len(_composites(built["big"])) - 1


def test_chunks_respect_the_character_limit_for_long_names():
    names = ["n" * 250 + str(i) for i in range(100)]
    groups = chunk_alarm_names(names)
    assert len(groups) > 1
    assert all(len(" OR ".join(f'ALARM("{n}")' for n in g)) <= MAX_COMPOSITE_RULE_CHARS for g in groups)


def test_the_team_monitoring_stack_watches_its_canary(built):
    (top,) = _composites(built["small"]).values()
    assert top["Properties"]["AlarmRule"] == (
        'ALARM("payments-api-ap-southeast-2-high-severity") OR ALARM("payments-api-ap-southeast-2-canary")')


def test_a_brand_new_team_gets_an_aggregate_that_names_no_alarm(built):
    """CloudWatch rejects a composite naming an alarm that does not exist: before any service has
    deployed, the foundation's aggregate names none, and its rule is FALSE (always OK)."""
    composites = _composites(built["new"])
    assert list(composites) == [aggregate_alarm_name("payments", "ap-southeast-2")]
    (top,) = composites.values()
    assert top["Properties"]["AlarmRule"] == "FALSE"
    assert "DependsOn" not in top
    assert [v["Type"] for v in built["new"]["Resources"].values()] == ["AWS::CloudWatch::CompositeAlarm"]


def test_templates_pass_cfn_lint_and_cdk_nag(built):
    assert cfn_lint_findings(built["new"], regions=["ap-southeast-2"]) == []
    assert cfn_lint_findings(built["big"], regions=["ap-southeast-2"]) == []
    assert cfn_lint_findings(built["small"], regions=["ap-southeast-2"]) == []
    assert nag_findings(built["app"]) == []
