"""`pip install cdk-seawall` alone is enough: the built wheel, installed without extras into a fresh venv.

Once per module: build the sdist and, from it, the wheel (as PyPI users get it; a stale ``build/`` folder
cannot leak into it), create an empty venv, install the wheel with no extras, constrained to the runtime
part of ``uv.lock`` (what CI tested). Then, in that venv and outside the checkout: every name in the
documented packages' ``__all__`` resolves, ``seawall --help`` runs, and the README's quickstart
synthesizes with the pinned CDK CLI. A missing dependency (cdk-nag was once only a dev extra), a module
left out of the wheel or a dev-only import fails here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.sim.fixture.synth import fixture_assembly
from tests.support.uv import uv_binary

ROOT = Path(__file__).resolve().parents[1]
CDK = ROOT / "node_modules" / ".bin" / "cdk"
QUICKSTART = ROOT / "examples" / "snippets" / "quickstart.py"
#: The documented public packages (README, docs): each has a curated ``__all__``.
PUBLIC_MODULES = ("seawall.model", "seawall.constructs", "seawall.stacks", "seawall.checks", "seawall.testing",
                  "seawall.report")

_RESOLVE_ALL = """
import importlib, json, sys
out = {}
for name in sys.argv[1:]:
    module = importlib.import_module(name)
    names = list(getattr(module, "__all__", None) or [])
    missing = [n for n in names if not hasattr(module, n)]
    out[name] = {"file": module.__file__, "all": names, "missing": missing}
print(json.dumps(out))
"""


def _uv() -> Path:
    return uv_binary()


def _env() -> dict[str, str]:
    """The caller's environment without anything that points Python at the checkout or at another venv."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONHOME", "PYTHONSAFEPATH"}}
    env.update(JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20", CDK_DISABLE_VERSION_CHECK="1",
               UV_PYTHON_DOWNLOADS="never", UV_NO_PROGRESS="1")
    return env


def _run(cmd: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the fresh venv holding the wheel and its runtime dependencies only, a work folder outside the checkout)."""
    uv, work = _uv(), tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    _run([str(uv), "build", "--quiet", "--out-dir", str(dist), str(ROOT)], cwd=work)
    wheels = sorted(dist.glob("cdk_seawall-*.whl"))
    assert len(wheels) == 1, sorted(p.name for p in dist.iterdir())
    constraints = work / "constraints.txt"
    _run([str(uv), "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes",
          "--no-header", "--project", str(ROOT), "--output-file", str(constraints)], cwd=work)
    venv = work / "venv"
    _run([str(uv), "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=work)
    python = venv / "bin" / "python"
    _run([str(uv), "pip", "install", "--quiet", "--python", str(python), "--constraints", str(constraints),
          str(wheels[0])], cwd=work)
    return venv, work


def test_the_wheel_installs_without_dev_only_packages(wheel_venv):
    venv, work = wheel_venv
    listed = _run([str(_uv()), "pip", "list", "--format", "json", "--python", str(venv / "bin" / "python")],
                  cwd=work)
    installed = {p["name"].lower(): p["version"] for p in json.loads(listed.stdout)}
    assert "cdk-seawall" in installed and "cdk-nag" in installed  # cdk-nag: a runtime dependency
    assert not {"pytest", "moto", "hypothesis", "cfn-lint", "ruff", "mypy"} & set(installed), installed


def test_every_documented_public_name_resolves_from_the_installed_wheel(wheel_venv):
    venv, work = wheel_venv
    # -I: no current directory, PYTHONPATH or user site on sys.path; seawall must come from the venv.
    proc = _run([str(venv / "bin" / "python"), "-I", "-c", _RESOLVE_ALL, *PUBLIC_MODULES], cwd=work)
    report = json.loads(proc.stdout)
    site = venv.resolve()
    for name in PUBLIC_MODULES:
        assert Path(report[name]["file"]).resolve().is_relative_to(site), (name, report[name]["file"])
        assert report[name]["all"], f"{name} has no __all__"
        assert report[name]["missing"] == [], (name, report[name]["missing"])


def test_the_seawall_console_script_runs(wheel_venv):
    venv, work = wheel_venv
    proc = _run([str(venv / "bin" / "seawall"), "--help"], cwd=work)
    assert "usage: seawall" in proc.stdout
    for command in ("bootstrap", "check", "plan", "rehearse"):
        assert re.search(rf"\b{command}\b", proc.stdout), (command, proc.stdout)


def test_the_quickstart_synthesizes_with_the_pinned_cli_and_the_installed_wheel(wheel_venv):
    venv, work = wheel_venv
    assert CDK.exists(), f"{CDK} not found: run `make install` (npm ci)"
    outdir = work / "cdk.out"
    # From a folder with no cdk.json, as a user's own app would run: only the wheel's venv on the app's path.
    app = f"{venv / 'bin' / 'python'} {QUICKSTART}"
    _run([str(CDK), "synth", "--quiet", "--app", app, "--output", str(outdir)], cwd=work)
    top = {p.name for p in outdir.glob("*.template.json")}
    assert {"PaymentsFoundation.template.json", "ApiPipeline.template.json"} <= top, top
    staged = list(outdir.glob("assembly-*/*.template.json"))
    assert staged, "no service stage was synthesized"
    for template in [*outdir.glob("*.template.json"), *staged]:
        assert json.loads(template.read_text())["Resources"], template
    # the simulation comes with a plain install: its scenarios list without any dev-only package
    listed = _run([str(venv / "bin" / "seawall"), "rehearse", str(outdir), "--list"], cwd=work)
    names = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert {"healthy", "first-deploy", "bad-version-one-box"} <= set(names), listed.stdout
    assert names == sorted(names)


def test_generated_rehearsals_run_from_the_wheel_without_extras(wheel_venv):
    """`--generate 3` with nothing but the wheel and its runtime dependencies (on the simulation's fixture app)."""
    venv, work = wheel_venv
    proc = subprocess.run([str(venv / "bin" / "seawall"), "rehearse", str(fixture_assembly()), "--generate", "3",
                           "--seed", "5"], cwd=work, capture_output=True, text=True, timeout=900)
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-4000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == 3 and len({d["seed"] for d in lines}) == 3
    assert all(d["schema"] == 1 and d["scenario"].startswith("gen:") and set(d["invariants"]) == {
        f"I{n}" for n in range(1, 13)} for d in lines)
