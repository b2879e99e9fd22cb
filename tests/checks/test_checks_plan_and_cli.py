"""Plan checks, suppressions, the cloud-assembly reader and `seawall check` exit codes.  No synthesis."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sw_shapes as shapes

from seawall.checks import Compliance, assembly_templates, check_plan, check_template, run_checks
from seawall.cli import main as seawall_main
from seawall.model import BakePolicy, Target, TrafficPolicy, Wave, WavePlan
from seawall.testing import assert_safe, check, non_compliant, statuses


def check_main(argv: list[str]) -> int:
    """``seawall check ARGV``."""
    return seawall_main(["check", *argv])


BAKE = BakePolicy(duration=timedelta(hours=2), min_data_points=10)


def only(findings, check_id):
    return [f for f in findings if f.check_id == check_id and f.is_failure]


# Plan checks -------------------------------------------------------------------------------------

def test_standard_plan_passes_every_plan_check():
    plan = WavePlan.standard(["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2", "ca-central-1"], cells=3)
    findings = check_plan(plan)
    assert non_compliant(findings) == []
    assert statuses(findings, "SW008") == {Compliance.COMPLIANT}
    assert Compliance.COMPLIANT in statuses(findings, "SW014")


def test_sw014_trips_on_production_step_without_bake():
    plan = WavePlan(waves=(Wave(name="wave-1", targets=(Target(region="us-east-1"),), bake=BAKE),
                           Wave(name="wave-2", targets=(Target(region="eu-west-1"),), bake=BakePolicy.none())))
    [f] = only(check_plan(plan), "SW014")
    assert f.resource == "step wave-2" and "BakePolicy" in f.message


def test_sw014_trips_on_unbaked_cell_step():
    plan = WavePlan(waves=(Wave(name="wave-1", targets=(Target(region="us-east-1", cell="a"),
                                                       Target(region="us-east-1", cell="b")),
                                bake=BAKE, cell_bake=BakePolicy.none()),))
    [f] = only(check_plan(plan), "SW014")
    assert f.resource == "step wave-1-1"


def test_sw008_passes_a_first_wave_with_one_region():
    plan = WavePlan(waves=(Wave(name="wave-1", targets=(Target(region="us-east-1"),), bake=BAKE),))
    assert statuses(check_plan(plan), "SW008") == {Compliance.COMPLIANT}


def test_sw009_passes_a_ten_percent_canary_in_production():
    plan = WavePlan(waves=(Wave(name="wave-1", targets=(Target(region="us-east-1"),), bake=BAKE,
                                traffic=TrafficPolicy.canary(percent=10)),))
    assert statuses(check_plan(plan), "SW009") == {Compliance.COMPLIANT}


def test_sw014_passes_when_every_production_step_bakes():
    plan = WavePlan(waves=(Wave(name="wave-1", targets=(Target(region="us-east-1", cell="a"),
                                                       Target(region="us-east-1", cell="b")),
                                bake=BAKE, cell_bake=BAKE),))
    assert statuses(check_plan(plan), "SW014") == {Compliance.COMPLIANT}


def test_sw008_trips_on_first_wave_with_two_regions():
    plan = WavePlan(waves=(Wave(name="wave-1", targets=(Target(region="us-east-1"), Target(region="eu-west-1")),
                                bake=BAKE),))
    [f] = only(check_plan(plan), "SW008")
    assert "us-east-1, eu-west-1" in f.message


def test_sw009_trips_on_linear_above_ten_percent():
    plan = WavePlan(waves=(Wave(name="wave-1", targets=(Target(region="us-east-1"),), bake=BAKE,
                                traffic=TrafficPolicy.linear(percent=20)),))
    [f] = only(check_plan(plan), "SW009")
    assert "20%" in f.message


def test_sw009_trips_on_all_at_once_in_production():
    plan = WavePlan(waves=(Wave(name="wave-1", targets=(Target(region="us-east-1"),), bake=BAKE,
                                traffic=TrafficPolicy.all_at_once()),))
    [f] = only(check_plan(plan), "SW009")
    assert "no one-box" in f.message


def test_sw009_passes_pre_production_all_at_once():
    plan = WavePlan.standard(["us-east-1", "eu-west-1"])
    assert {f.status for f in check_plan(plan) if f.check_id == "SW009" and "alpha" in f.resource} == {
        Compliance.NOT_APPLICABLE}


# Suppressions ------------------------------------------------------------------------------------

def _suppressed_alias(**entry):
    t = shapes.safe_service()
    t["Resources"]["Alias"]["UpdatePolicy"] = {"CodeDeployLambdaAliasUpdate": {}}
    t["Resources"]["Alias"]["Metadata"]["seawall"]["suppressions"] = [entry]
    return t


def test_sw000_passes_a_suppression_with_a_reason_and_it_silences_the_finding():
    t = _suppressed_alias(id="SW002", reason="Legacy alias migrated to Seawall next sprint, ticket OPS-42")
    findings = check_template(t)
    [f] = [f for f in findings if f.check_id == "SW002"]
    assert f.status is Compliance.NON_COMPLIANT and not f.is_failure
    assert f.suppressed_by.startswith("Legacy alias")
    assert non_compliant(findings) == []


@pytest.mark.parametrize("entry, words", [
    ({"id": "SW002"}, "reason=None"),
    ({"id": "SW002", "reason": "todo"}, "placeholder"),
    ({"id": "SW002", "reason": "legacy"}, "too short"),
    ({"id": "SW999", "reason": "a perfectly good reason here"}, "not a Seawall check"),
    ({"id": "SW000", "reason": "a perfectly good reason here"}, "cannot itself be suppressed"),
])
def test_sw000_trips_on_a_suppression_without_valid_reason_and_it_suppresses_nothing(entry, words):
    findings = check_template(_suppressed_alias(**entry))
    bad = non_compliant(findings)
    assert {f.check_id for f in bad} >= {"SW000"}
    [err] = [f for f in bad if f.check_id == "SW000"]
    assert words in err.message and err.resource == "Alias"
    if entry["id"] == "SW002":
        assert any(f.check_id == "SW002" for f in bad)


def test_suppressions_that_are_not_a_list_are_an_error():
    t = shapes.safe_service()
    t["Resources"]["Alias"]["Metadata"]["seawall"]["suppressions"] = "SW002"
    assert [f.check_id for f in non_compliant(check_template(t))] == ["SW000"]


def test_plan_suppressions_need_a_reason_too():
    plan = WavePlan(waves=(Wave(name="wave-1", targets=(Target(region="us-east-1"), Target(region="eu-west-1")),
                                bake=BAKE),))
    ok = check_plan(plan, suppressions={"SW008": "Both regions serve one tiny internal customer only"})
    assert non_compliant(ok) == []
    bad = check_plan(plan, suppressions={"SW008": "n/a"})
    assert sorted(f.check_id for f in non_compliant(bad)) == ["SW000", "SW008"]


# seawall.testing over dicts and plans --------------------------------------------------------------

def test_assert_safe_passes_a_safe_template_and_plan():
    p = shapes.plan()
    findings = assert_safe([shapes.safe_service(), shapes.pipeline_for(p)], plan=p)
    assert findings and not non_compliant(findings)


def test_assert_safe_fails_with_the_findings():
    t = shapes.safe_service()
    del t["Resources"]["DeploymentGroup"]
    with pytest.raises(AssertionError, match="SW001 template: alias Alias .*names deployment group"):
        assert_safe(t)
    assert_safe(t, ignore=["SW001"])


def test_check_needs_something_to_check():
    with pytest.raises(ValueError, match="needs a subject"):
        check()


# Cloud assemblies and the CLI ---------------------------------------------------------------------

def _write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def _assembly(root, service, pipeline):
    """cdk.out with the pipeline stack at the top and the service stack in a nested stage assembly."""
    _write(root / "manifest.json", {"version": "48.0.0", "artifacts": {
        "Pipeline": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Pipeline.template.json"}},
        "assembly-Pipeline-api-us-west-2": {"type": "cdk:cloud-assembly", "properties": {
            "directoryName": "assembly-Pipeline-api-us-west-2", "displayName": "Pipeline/api-us-west-2"}},
        "Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}},
    }})
    _write(root / "Pipeline.template.json", pipeline)
    nested = root / "assembly-Pipeline-api-us-west-2"
    _write(nested / "manifest.json", {"version": "48.0.0", "artifacts": {
        "Svc": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "Svc.template.json"}}}})
    _write(nested / "Svc.template.json", service)
    return root


@pytest.fixture
def good_out(tmp_path):
    return _assembly(tmp_path / "good", shapes.safe_service(), shapes.pipeline_for(shapes.plan()))


@pytest.fixture
def bad_out(tmp_path):
    svc = shapes.safe_service()
    svc["Resources"]["Alias"]["UpdatePolicy"] = {"CodeDeployLambdaAliasUpdate": {}}
    return _assembly(tmp_path / "bad", svc, shapes.pipeline_for(shapes.plan()))


def test_assembly_reader_follows_nested_stage_assemblies(good_out):
    names = [t.name for t in assembly_templates(good_out)]
    assert names == ["Pipeline.template.json", "assembly-Pipeline-api-us-west-2/Svc.template.json"]


def test_assembly_reader_reads_folders_without_manifest(tmp_path):
    _write(tmp_path / "x" / "A.template.json", shapes.safe_service())
    _write(tmp_path / "x" / "assembly-S" / "B.template.json", shapes.safe_service())
    assert [t.name for t in assembly_templates(tmp_path / "x")] == ["A.template.json", "assembly-S/B.template.json"]


def test_check_accepts_a_cdk_out_path(bad_out):
    [f] = non_compliant(check(str(bad_out)))
    assert f.check_id == "SW002" and f.template == "assembly-Pipeline-api-us-west-2/Svc.template.json"


def test_cli_exits_0_when_clean(good_out, capsys):
    assert check_main([str(good_out)]) == 0
    assert "0 failure(s)" in capsys.readouterr().out


def test_cli_exits_1_on_findings(bad_out, capsys):
    assert check_main([str(bad_out)]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] SW002 assembly-Pipeline-api-us-west-2/Svc.template.json: alias Alias" in out


def test_cli_json(bad_out, capsys):
    assert check_main([str(bad_out), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["failures"] == 1
    assert [f["id"] for f in report["findings"] if f["status"] == "non-compliant"] == ["SW002"]
    assert report["checks"]["SW002"]["title"] == "Alias that CloudFormation re-points"


def test_cli_exits_2_without_assembly(tmp_path, capsys):
    assert check_main([str(tmp_path / "missing")]) == 2
    assert "run `cdk synth` first" in capsys.readouterr().err


def test_cli_checks_the_plan(good_out, tmp_path, monkeypatch, capsys):
    (tmp_path / "team_plan_for_check.py").write_text(
        "from seawall.model import BakePolicy, Target, Wave, WavePlan\n"
        "from datetime import timedelta\n"
        "def make():\n"
        "    b = BakePolicy(duration=timedelta(hours=1))\n"
        "    return WavePlan(waves=(Wave(name='wave-1', bake=b, targets=(Target(region='us-east-1'),\n"
        "                                                           Target(region='eu-west-1'))),))\n")
    monkeypatch.chdir(tmp_path)
    assert check_main([str(good_out), "--plan", "team_plan_for_check:make"]) == 1
    assert "SW008" in capsys.readouterr().out
    assert check_main([str(good_out), "--plan", "team_plan_for_check"]) == 2
    assert "PATH_OR_MODULE:ATTR" in capsys.readouterr().err


def test_run_checks_over_templates_and_plan_agrees_with_cli(good_out):
    p = shapes.plan()
    findings = run_checks(assembly_templates(good_out), plan=p)
    assert non_compliant(findings) == []
    assert {"SW001", "SW007", "SW008", "SW010", "SW011"} <= {f.check_id for f in findings}


def test_seawall_check_subcommand(bad_out, good_out, capsys):
    from seawall.cli import main

    assert main(["check", str(good_out)]) == 0
    assert "0 failure(s)" in capsys.readouterr().out
    assert main(["check", str(bad_out), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["summary"]["failures"] == 1


def test_seawall_check_reads_the_plan_like_seawall_plan(good_out, tmp_path, capsys):
    from seawall.cli import main

    policy = tmp_path / "policy_for_check.py"
    policy.write_text(
        "from datetime import timedelta\n"
        "from seawall.model import BakePolicy, Target, TrafficPolicy, Wave, WavePlan\n"
        "class Policy:\n"
        "    plan = WavePlan(waves=(Wave(name='wave-1', bake=BakePolicy(duration=timedelta(hours=1)),\n"
        "                                traffic=TrafficPolicy.linear(percent=20),\n"
        "                                targets=(Target(region='us-east-1'),)),))\n"
        "TEAM = Policy()\n")
    assert main(["check", str(good_out), "--plan", f"{policy}:TEAM"]) == 1
    assert "[FAIL] SW009 production step wave-1 first moves 20%" in capsys.readouterr().out
