"""The repository root's cdk.json: `npx cdk synth` there synthesizes the sample service as its own folder does.

The CLI reads only the cdk.json of the directory it runs in, so the root one repeats the sample's context;
this test keeps the two equal (examples/sample_service/cdk.json is the source) and checks that the root's
app command, run from the root, starts the sample's app.py with the repository's venv.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "sample_service"


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_root_context_is_the_sample_services_context():
    assert _load(ROOT / "cdk.json")["context"] == _load(SAMPLE / "cdk.json")["context"]


def test_root_app_runs_the_sample_app_with_the_repository_venv():
    # Both commands are `sh -c '<if the venv python exists, exec it on app.py, else python3>'`.
    root_argv, sample_argv = (shlex.split(_load(p)["app"]) for p in (ROOT / "cdk.json", SAMPLE / "cdk.json"))
    assert root_argv[:2] == sample_argv[:2] == ["sh", "-c"]
    root_script = shlex.split(root_argv[2].replace(";", " ; "))
    sample_script = shlex.split(sample_argv[2].replace(";", " ; "))
    # The same script with the paths moved from the sample's folder to the root.
    assert [w.replace("../../", "") for w in sample_script] == [
        w.replace("examples/sample_service/", "") for w in root_script]
    assert ".venv/bin/python" in root_script
    assert "examples/sample_service/app.py" in root_script
    assert (ROOT / "examples" / "sample_service" / "app.py").is_file()


def test_root_watch_ignores_assemblies():
    assert "**/cdk.out" in _load(ROOT / "cdk.json")["watch"]["exclude"]
