"""`seawall check` over the sample app's cloud assembly, synthesized once with the pinned CDK CLI.

Expects zero findings: the sample is what users copy.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from seawall.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, "examples", "sample_service")
CDK = os.path.join(ROOT, "node_modules", ".bin", "cdk")


@pytest.fixture(scope="module")
def cdk_out(tmp_path_factory):
    if not os.path.exists(CDK):
        pytest.skip("the pinned CDK CLI is not installed: run `npm ci` (make install)")
    outdir = str(tmp_path_factory.mktemp("sample-check") / "cdk.out")
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CDK_DISABLE_VERSION_CHECK": "1"}
    proc = subprocess.run([CDK, "synth", "--quiet", "--output", outdir], cwd=SAMPLE, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return outdir


def test_sample_app_has_zero_findings_with_its_plan(cdk_out, capsys):
    code = main(["check", cdk_out, "--plan", os.path.join(SAMPLE, "policy.py") + ":TEAM", "--json"])
    report = json.loads(capsys.readouterr().out)
    failing = [f["id"] + " " + f["message"] for f in report["findings"] if f["status"] == "non-compliant"
               and not f["suppressed"]]
    assert (code, failing) == (0, [])
    seen = {f["id"] for f in report["findings"] if f["status"] == "compliant"}
    assert {"SW001", "SW002", "SW003", "SW006", "SW007", "SW008", "SW010", "SW011"} <= seen
