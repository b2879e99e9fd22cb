"""Target scopes: what makes a service's physical names unique per deployment target."""

from __future__ import annotations

import pytest

from seawall.model import Target, WavePlan
from seawall.model.limits import MAX_ROLE_NAME
from seawall.model.naming import (
    MAX_ALARM_NAME,
    MAX_CODEDEPLOY_NAME,
    alarm_name,
    codedeploy_name,
    codedeploy_role_name,
    high_severity_alarm_name,
    step_scope,
    target_scope,
)
from seawall.model.regions import commercial_regions
from seawall.model.waves import expand_steps


def test_a_production_target_is_scoped_by_its_name():
    assert target_scope(Target(region="us-east-1")) == "us-east-1"
    assert target_scope(Target(region="us-east-1", cell="cell-1")) == "us-east-1-cell-1"


def test_a_pre_production_target_is_prefixed_with_its_stage():
    assert target_scope(Target(region="us-east-1"), production=False, stage="gamma") == "gamma-us-east-1"
    assert target_scope(Target(region="eu-north-1", cell="cell-1"), production=False,
                        stage="Alpha") == "alpha-eu-north-1-cell-1"
    with pytest.raises(ValueError, match="stage"):
        target_scope(Target(region="us-east-1"), production=False)


def test_every_step_target_of_a_plan_has_its_own_scope():
    plan = WavePlan.standard(["us-east-1", "eu-west-1", "eu-north-1"], cells=2)
    scopes = [(step_scope(s, t), t.region, t.account) for s in expand_steps(plan) for t in s.targets]
    assert len(scopes) == len(set(scopes))
    assert high_severity_alarm_name("payments", "api", "gamma-us-east-1") == \
        "payments-api-gamma-us-east-1-high-severity"


def test_codedeploy_names_keep_the_old_form_without_a_scope_and_are_checked_for_length():
    assert codedeploy_name("payments", "api", None, "handler") == "payments-api-handler"
    assert codedeploy_name("payments", "api", "us-east-1-cell-1", "handler") == "payments-api-us-east-1-cell-1-handler"
    long_scope = "a" * 40 + "-ap-southeast-2-" + "c" * 20
    with pytest.raises(ValueError, match=f"longer than CodeDeploy's {MAX_CODEDEPLOY_NAME}"):
        codedeploy_name("p" * 31, "s" * 31, long_scope, "handler")


def test_alarm_names_are_checked_for_length():
    with pytest.raises(ValueError, match=f"longer than CloudWatch's {MAX_ALARM_NAME}"):
        alarm_name("payments", "api", "x" * 250, "fault-rate")


def test_the_codedeploy_role_name_fits_iam_for_every_team_name_in_every_region():
    # A 31-character team (the longest check_team accepts) in ap-southeast-2 made a 65-character name.
    team = "t" * 31
    names = {region: codedeploy_role_name(team, region) for region in commercial_regions()}
    assert max(len(n) for n in names.values()) <= MAX_ROLE_NAME
    assert len(set(names.values())) == len(names)  # still one role per region
    assert all(n.startswith(f"seawall-{team}-codedeploy-") for n in names.values())
    assert names["ap-southeast-2"] == codedeploy_role_name(team, "ap-southeast-2")  # deterministic
    assert codedeploy_role_name("payments", "ap-southeast-2") == "seawall-payments-codedeploy-ap-southeast-2"
