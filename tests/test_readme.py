"""The README's example is a file the tests run: the same code, synthesized, linted and checked."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from seawall import testing
from seawall.checks import Compliance, check_plan

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "examples" / "snippets"


def test_readme_opens_with_the_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    first_block = re.search(r"```\n(.*?)```", text, re.S).group(1)
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make demo", "make test"]


def test_readme_example_is_the_quickstart_file_verbatim():
    readme = (ROOT / "README.md").read_text()
    source = (SNIPPETS / "quickstart.py").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    example = next(b for b in blocks if "class PaymentsTeam" in b)
    assert example.strip() in source


@pytest.fixture(scope="module")
def quickstart_assembly(tmp_path_factory):
    import aws_cdk as cdk

    sys.path.insert(0, str(SNIPPETS))
    try:
        import quickstart
    finally:
        sys.path.remove(str(SNIPPETS))
    app = quickstart.build(cdk.App(outdir=str(tmp_path_factory.mktemp("quickstart"))))
    return quickstart, app.synth()


def test_quickstart_synthesizes_and_passes_seawall_check_with_its_plan(quickstart_assembly):
    quickstart, assembly = quickstart_assembly
    testing.assert_safe(assembly, plan=quickstart.PaymentsTeam.plan)
    findings = check_plan(quickstart.PaymentsTeam.plan)
    assert findings and not [f for f in findings if f.status is Compliance.NON_COMPLIANT]


def test_quickstart_has_one_version_resource_per_function(quickstart_assembly):
    from tests.support.versions import assert_one_version_resource_per_function

    _, assembly = quickstart_assembly
    stacks = [s.template for s in assembly.stacks]
    for nested in assembly.nested_assemblies:
        stacks += [s.template for s in nested.nested_assembly.stacks]
    assert assert_one_version_resource_per_function(stacks) >= 1


def test_quickstart_templates_pass_cfn_lint(quickstart_assembly):
    from tests.support.lint import cfn_lint_findings

    _, assembly = quickstart_assembly
    stacks = list(assembly.stacks)
    for nested in assembly.nested_assemblies:
        stacks += list(nested.nested_assembly.stacks)
    assert len(stacks) > len(assembly.stacks)  # the service stages' stacks are linted too
    for s in stacks:
        assert cfn_lint_findings(s.template, regions=(s.environment.region,)) == [], s.stack_name


def test_quickstart_action_configuration_values_fit_codepipelines_limit(quickstart_assembly):
    from tests.support.actions import assembly_configuration_values

    from seawall.model.limits import MAX_ACTION_CONFIGURATION_VALUE

    _, assembly = quickstart_assembly
    values = assembly_configuration_values(assembly.directory)
    assert any(k == "Input" and "Shift" in a for a, k, _n in values), "no shift action found"
    assert [(a, k, n) for a, k, n in values if n > MAX_ACTION_CONFIGURATION_VALUE] == []
