"""`seawall check` and the check API on input that is not a template or a plan: a clear error, never a pass.

The CLI answers exit 2 with one line on stderr naming the file and the problem, and no traceback.
"""

from __future__ import annotations

import json

import pytest
import sw_shapes as shapes

from seawall.checks import StackTemplate, TemplateError, assembly_templates, check_template, run_checks
from seawall.cli import main as seawall_main


def _cli(argv: list[str], capsys) -> tuple[int, str]:
    code = seawall_main(["check", *argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize("body, words", [
    ([1, 2], "is a JSON list, not an object"),
    ("Resources", "is a JSON string, not an object"),
    ({"Resources": []}, "Resources is a JSON list, not an object"),
    ({"Resources": {"Alias": "AWS::Lambda::Alias"}}, "resource 'Alias' is a JSON string, not an object"),
    ({"Resources": {"Alias": {"Properties": {}}}}, "resource 'Alias' has no Type string"),
    ({"Resources": {"Alias": {"Type": "AWS::Lambda::Alias", "Properties": ["live"]}}},
     "resource 'Alias' has Properties that is a JSON list"),
    ({"Resources": {"Alias": {"Type": "AWS::Lambda::Alias", "Metadata": "seawall"}}},
     "resource 'Alias' has Metadata that is a JSON string"),
])
def test_cli_names_the_file_and_the_problem_of_a_template_that_is_not_one(tmp_path, capsys, body, words):
    path = tmp_path / "svc.template.json"
    path.write_text(json.dumps(body))
    code, err = _cli([str(path)], capsys)
    assert code == 2 and words in err and "svc.template.json" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_names_a_template_that_is_not_json(tmp_path, capsys):
    (tmp_path / "svc.template.json").write_text("{bad")
    code, err = _cli([str(tmp_path)], capsys)
    assert code == 2 and "svc.template.json" in err and "is not valid JSON" in err and "line 1 column 2" in err


def test_cli_names_a_manifest_that_is_not_json_or_names_a_missing_template(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text("[")
    code, err = _cli([str(tmp_path)], capsys)
    assert code == 2 and "cloud assembly manifest" in err and "manifest.json" in err
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {"Svc": {
        "type": "aws:cloudformation:stack", "properties": {"templateFile": "Svc.template.json"}}}}))
    code, err = _cli([str(tmp_path)], capsys)
    assert code == 2 and "names template 'Svc.template.json', which does not exist" in err


def test_cli_reads_a_bad_template_inside_an_assembly_the_same_way(tmp_path, capsys):
    (tmp_path / "Svc.template.json").write_text(json.dumps({"Resources": {"A": "x"}}))
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {"Svc": {
        "type": "aws:cloudformation:stack", "properties": {"templateFile": "Svc.template.json"}}}}))
    code, err = _cli([str(tmp_path)], capsys)
    assert code == 2 and "Svc.template.json" in err and "resource 'A' is a JSON string" in err


def test_cli_names_a_plan_file_that_raises(tmp_path, capsys):
    (tmp_path / "svc.template.json").write_text(json.dumps(shapes.safe_service()))
    plan = tmp_path / "policy.py"
    plan.write_text("TEAM = undefined_name\n")
    code, err = _cli([str(tmp_path / "svc.template.json"), "--plan", f"{plan}:TEAM"], capsys)
    assert code == 2
    assert err.strip().splitlines() == [
        f"seawall check: error: --plan: loading {str(plan)!r} failed: NameError: name 'undefined_name' is not "
        f"defined"]


def test_cli_names_a_plan_factory_that_raises(tmp_path, capsys):
    (tmp_path / "svc.template.json").write_text(json.dumps(shapes.safe_service()))
    plan = tmp_path / "policy.py"
    plan.write_text("def make():\n    raise KeyError('regions')\n")
    code, err = _cli([str(tmp_path / "svc.template.json"), "--plan", f"{plan}:make"], capsys)
    assert code == 2 and "calling" in err and "KeyError" in err and "policy.py" in err


def test_a_template_that_is_a_list_is_refused_by_the_api():
    with pytest.raises(TypeError, match="must be a CloudFormation template dict"):
        check_template([{"Resources": {}}])
    with pytest.raises(TemplateError, match="template 'svc' resource 'A' is a JSON string"):
        StackTemplate("svc", {"Resources": {"A": "x"}})
    with pytest.raises(TypeError, match="must be a list of templates"):
        run_checks(shapes.safe_service())


def test_assembly_reader_raises_a_value_error_naming_the_file(tmp_path):
    (tmp_path / "a.template.json").write_text("[]")
    with pytest.raises(ValueError, match=r"a\.template\.json' is a JSON list"):
        assembly_templates(tmp_path)
