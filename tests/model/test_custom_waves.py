"""Custom waves: the README's snippet runs, the standard pre-production helper, and bad input."""

from __future__ import annotations

import re
import runpy
from datetime import timedelta
from pathlib import Path

import pytest

from seawall.model import BakePolicy, Target, TrafficPolicy, Wave, WavePlan

ROOT = Path(__file__).resolve().parents[2]
SNIPPET = ROOT / "examples" / "snippets" / "custom_waves.py"
HOUR = BakePolicy(duration=timedelta(hours=1))


def test_the_snippet_runs_and_prints_its_steps_and_bootstrap_checklist(capsys):
    namespace = runpy.run_path(str(SNIPPET))
    out = capsys.readouterr().out
    plan = namespace["plan"]
    assert [s.name for s in plan.steps()] == ["alpha", "beta", "gamma", "first", "busy-1", "busy-2", "rest"]
    assert "rest     production      eu-west-1@333333333333, eu-south-1@333333333333, us-west-2@pipeline\n" in out
    # eu-south-1 is opt-in: enabled in the production account and, for its support stack, the pipeline's.
    assert "aws account enable-region --account-id 333333333333 --region-name eu-south-1\n" in out
    assert "aws account enable-region --account-id 111111111111 --region-name eu-south-1\n" in out
    assert "npx cdk bootstrap aws://222222222222/us-east-1 \\\n       --trust 111111111111 \\\n" in out
    # docs/planning.md shows the printed steps.
    steps = "".join(out.splitlines(keepends=True)[:7])
    assert f"```\n{steps}```" in (ROOT / "docs" / "planning.md").read_text()


def test_the_readme_shows_the_snippet_verbatim():
    readme = (ROOT / "README.md").read_text()
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "standard_pre_production" in b]
    assert len(blocks) == 1
    assert blocks[0].strip() in SNIPPET.read_text()
    assert "examples/snippets/custom_waves.py" in readme


@pytest.mark.parametrize("kwargs", [
    {"regions": ["eu-north-1", "us-east-1"]},
    {"regions": ["eu-north-1", "us-east-1", "ap-east-1"], "cells": 3, "account": "111111111111",
     "pre_production_account": "222222222222", "zeta": True, "one_box": TrafficPolicy.canary(percent=5)},
])
def test_standard_pre_production_is_what_standard_makes(kwargs):
    plan = WavePlan.standard(**kwargs)
    gamma = next(w for w in plan.pre_production if w.name == "gamma")
    alpha = plan.pre_production[0]
    assert WavePlan.standard_pre_production(
        list(gamma.regions), account=kwargs.get("pre_production_account", kwargs.get("account")),
        cell=alpha.targets[0].cell, zeta=kwargs.get("zeta", False), one_box=kwargs.get("one_box"),
    ) == plan.pre_production


def test_standard_pre_production_layout():
    alpha, beta, gamma, zeta = WavePlan.standard_pre_production(["eu-north-1", "us-east-1"], account="222222222222",
                                                                zeta=True, one_box=TrafficPolicy.canary(percent=5))
    assert [w.name for w in (alpha, beta, gamma, zeta)] == ["alpha", "beta", "gamma", "zeta"]
    assert alpha.targets == beta.targets == zeta.targets == (Target(region="eu-north-1", account="222222222222"),)
    assert alpha.bake.is_empty and alpha.traffic == TrafficPolicy.all_at_once()
    assert gamma.regions == ("eu-north-1", "us-east-1") and not gamma.one_cell_at_a_time
    assert gamma.traffic == TrafficPolicy.canary(percent=5, interval=timedelta(minutes=30))
    assert gamma.bake == BakePolicy(duration=timedelta(hours=1), min_data_points=0)


def test_a_custom_plan_keeps_the_standard_pre_production_and_deploys_its_own_waves():
    plan = WavePlan(pre_production=WavePlan.standard_pre_production(["us-west-2"]),
                    waves=[Wave(name="all", targets=[Target(region="us-west-2", account="333333333333")], bake=HOUR)])
    assert [(s.name, s.production) for s in plan.steps()] == [
        ("alpha", False), ("beta", False), ("gamma", False), ("all", True)]


@pytest.mark.parametrize(("make", "error", "pattern"), [
    (lambda: WavePlan.standard_pre_production("us-east-1"), TypeError,
     r"regions='us-east-1' is a str; pass a list such as .* \(one item\? pass \['us-east-1'\]\)"),
    (lambda: WavePlan.standard_pre_production([1]), TypeError, r"regions item=1 is a int; pass a string"),
    (lambda: WavePlan.standard_pre_production([]), ValueError, r"regions is empty"),
    (lambda: WavePlan.standard_pre_production(["mars-1"]), ValueError,
     r"regions='mars-1' is not a known AWS commercial region"),
    (lambda: WavePlan.standard_pre_production(["us-east-1"], zeta="yes"), TypeError,
     r"zeta='yes' is a str; pass True or False"),
    (lambda: WavePlan.standard_pre_production(["us-east-1"], one_box=10), TypeError,
     r"one_box=10 is not a TrafficPolicy"),
    (lambda: WavePlan.standard_pre_production(["us-east-1"], account="1234"), ValueError,
     r"account='1234' is not an AWS account ID"),
    (lambda: WavePlan.standard(["us-east-1"], pre_production_regions=["mars-1"]), ValueError,
     r"pre_production_regions='mars-1'"),
    (lambda: Target(region="us-east-1", account=111111111111), TypeError,
     r"Target account=111111111111 is a int; pass a string"),
    (lambda: Target(region=None), TypeError, r"Target region=None is a NoneType"),
    (lambda: Wave(name="w", targets=Target(region="us-east-1"), bake=HOUR), TypeError,
     r"wave 'w' targets=Target\(.*\) is one Target; pass a list of Target"),
    (lambda: Wave(name="w", targets=["us-east-1"], bake=HOUR), TypeError, r"target 'us-east-1' is not a Target"),
    (lambda: Wave(name="w", targets=[Target(region="us-east-1")], bake=timedelta(hours=1)), TypeError,
     r"wave 'w' bake=datetime.timedelta\(seconds=3600\) is not a BakePolicy"),
    (lambda: Wave(name="w", targets=[Target(region="us-east-1")], bake=HOUR, traffic="canary"), TypeError,
     r"wave 'w' traffic='canary' is not a TrafficPolicy"),
    (lambda: Wave(name=1, targets=[Target(region="us-east-1")], bake=HOUR), TypeError, r"wave name=1 is a int"),
    (lambda: WavePlan(waves=Wave(name="w", targets=[Target(region="us-east-1")], bake=HOUR)), TypeError,
     r"waves=Wave\(.*\) is one Wave; pass a list"),
    (lambda: WavePlan(waves=["w"]), TypeError, r"waves holds 'w', which is not a Wave"),
    (lambda: WavePlan(waves=[Wave(name="a", targets=[Target(region="eu-west-1")], bake=HOUR),
                             Wave(name="b", targets=[Target(region="eu-west-1", account="333333333333")], bake=HOUR)]),
     ValueError, r"wave 'b' lists region 'eu-west-1', already in wave 'a'"),
])
def test_bad_input_names_the_parameter_and_value(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()
