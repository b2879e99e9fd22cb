"""``seawall plan`` run in-process through ``main([...])``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from seawall.cli import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "examples" / "sample_service" / "policy.py"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_prints_the_table_and_the_time_until_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", "--plan", f"{POLICY}:TEAM", "--start", "2026-11-30T09:00")
    assert code == 0
    head = out.splitlines()[3].split()
    assert head == ["#", "step", "targets", "gate", "opens", "waited", "shift", "bake", "done"]
    assert "wave-1-1" in out and "eu-north-1-cell-1" in out
    assert "Everywhere: Thu 2026-12-03 12:00 EST" in out


def test_plan_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", "--plan", f"{POLICY}:TEAM", "--start", "2026-11-30T09:00", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["start"] == "2026-11-30T09:00:00-05:00"
    assert data["finished"] == "2026-12-03T12:00:00-05:00"
    assert data["businessDays"] == 4
    assert [s["name"] for s in data["steps"]][:4] == ["alpha", "beta", "gamma", "wave-1-1"]


def test_timezone_reads_a_naive_start_and_shows_times(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", "--plan", f"{POLICY}:TEAM", "--start", "2026-11-30T14:00",
                       "--timezone", "UTC", "--json")
    data = json.loads(out)
    assert code == 0 and data["timeZone"] == "UTC"
    assert data["start"] == "2026-11-30T14:00:00+00:00"
    assert data["finished"] == "2026-12-03T17:00:00+00:00", "the window still governs in New York time"


def test_module_path_and_a_bare_wave_plan(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(POLICY.parent))
    saved = sys.modules.pop("policy", None)  # another test may have its own module named policy
    try:
        code, out, err = run(capsys, "plan", "--plan", "policy:PLAN", "--start", "2026-11-30T09:00Z")
        assert code == 0
        assert "no time window given" in err
        assert "Everywhere: Tue 2026-12-01 18:30 UTC" in out
        code, out, _ = run(capsys, "plan", "--plan", "policy:PLAN", "--window", "policy:WINDOW",
                           "--start", "2026-11-30T09:00-05:00")
        assert code == 0 and "Everywhere: Thu 2026-12-03 12:00 EST" in out
    finally:
        sys.modules.pop("policy", None)
        if saved is not None:
            sys.modules["policy"] = saved


def test_html_page(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = tmp_path / "rollout.html"
    code, _, err = run(capsys, "plan", "--plan", f"{POLICY}:TEAM", "--start", "2026-11-30T09:00",
                       "--html", str(page))
    assert code == 0 and f"wrote {page}" in err
    html = page.read_text()
    assert "<svg" in html and "orders: rollout plan" in html


@pytest.mark.parametrize(("argv", "message"), [
    (["--plan", "nocolon"], "--plan='nocolon' must be PATH_OR_MODULE:ATTR"),
    (["--plan", "missing/file.py:TEAM"], "file 'missing/file.py' does not exist"),
    (["--plan", "no_such_module_xyz:TEAM"], "cannot import module 'no_such_module_xyz'"),
    (["--plan", f"{POLICY}:NOPE"], "has no attribute 'NOPE' (upper-case names there: ALARMS,"),
    (["--plan", f"{POLICY}:TEAM_NAME"], "names str, which is neither a WavePlan nor an object with a .plan"),
    (["--plan", f"{POLICY}:TEAM", "--start", "next tuesday"], "--start='next tuesday' is not an ISO 8601"),
    (["--plan", f"{POLICY}:TEAM", "--timezone", "Moon/Base"], "--timezone='Moon/Base' is not a known IANA"),
    (["--plan", f"{POLICY}:TEAM", "--window", f"{POLICY}:PLAN"], "--window names a WavePlan, not a TimeWindow"),
    (["--plan", f"{POLICY}:TEAM", "--deploy-minutes", "-5"], "--deploy-minutes=-5 must be from 0 to 4320"),
    (["--plan", f"{POLICY}:TEAM", "--html", "/nonexistent-dir/x.html"], "cannot write the page"),
])
def test_bad_input_exits_2_with_the_message_and_no_traceback(
        capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = run(capsys, "plan", *argv)
    assert code == 2
    assert message in err
    assert err.startswith("seawall plan: error: ")
    assert "Traceback" not in err and out == ""


def test_a_policy_that_fails_validation_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad_policy.py"
    bad.write_text("from seawall.model import TimeWindow\nfrom datetime import time\n"
                   "W = TimeWindow(time_zone='Nowhere/Land', days=('mon',), start=time(9), end=time(16))\n")
    code, _, err = run(capsys, "plan", "--plan", f"{bad}:W")
    assert code == 2 and "time_zone='Nowhere/Land' is not a known IANA time zone" in err


def test_subcommands_are_one_function_each() -> None:
    assert COMMANDS and all(callable(c) for c in COMMANDS)
    parser = build_parser()
    args = parser.parse_args(["plan", "--plan", "x:Y"])
    assert args.command == "plan" and callable(args.func)


def test_demo_prints_the_plan_and_writes_the_page(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from seawall import demo

    sample = tmp_path / "examples" / "sample_service"
    sample.mkdir(parents=True)
    (sample / "policy.py").write_text(POLICY.read_text())
    monkeypatch.chdir(tmp_path)
    # Only the plan phase here: the CDK CLI synth and the check of its output are tested in tests/examples.
    monkeypatch.setattr(demo, "PHASES", [p for p in demo.PHASES if p.run is demo.plan_phase])
    assert demo.main() == 0
    out = capsys.readouterr().out
    assert "== 1/" in out and "Everywhere:" in out
    assert (sample / "rollout.html").read_text().startswith("<!DOCTYPE html>")


# --------------------------------------------------------------------------- --version

def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    import seawall

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"seawall {seawall.__version__}\n"


# --------------------------------------------------------------------------- one --plan loader for every subcommand

PLAN_FACTORY = (
    "from datetime import timedelta\n"
    "from seawall.model import BakePolicy, Target, Wave, WavePlan\n"
    "def make():\n"
    "    return WavePlan(waves=(Wave(name='wave-1', bake=BakePolicy(duration=timedelta(hours=1)),\n"
    "                                targets=(Target(region='eu-west-1'),)),))\n"
    "PLAN = make()\n"
    "def needs(arg):\n"
    "    return make()\n"
    "def broken():\n"
    "    raise RuntimeError('no plan today')\n"
)


def command_argv(command: str, spec: str, tmp_path: Path) -> list[str]:
    """``seawall plan`` or ``seawall check`` (over an empty template) with ``--plan spec``."""
    if command == "plan":
        return ["plan", "--plan", spec, "--start", "2026-11-30T09:00Z", "--json"]
    template = tmp_path / "empty.template.json"
    template.write_text('{"Resources": {}}')
    return ["check", str(template), "--plan", spec, "--json"]


def used_the_plan(command: str, out: str) -> bool:
    data = json.loads(out)
    if command == "plan":
        return [s["name"] for s in data["steps"]] == ["wave-1"]
    return any(f["id"] == "SW008" and "'wave-1'" in f["message"] for f in data["findings"])


@pytest.fixture
def plan_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A module ``team_plan_for_cli`` in the current directory (not on sys.path otherwise)."""
    path = tmp_path / "team_plan_for_cli.py"
    path.write_text(PLAN_FACTORY)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "team_plan_for_cli", raising=False)
    yield path
    sys.modules.pop("team_plan_for_cli", None)


@pytest.mark.parametrize("command", ["plan", "check"])
@pytest.mark.parametrize("form", ["file", "module"])
@pytest.mark.parametrize("name", ["PLAN", "make"])
def test_every_subcommand_reads_plan_the_same_way(command: str, form: str, name: str, plan_module: Path,
                                                  tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = str(plan_module) if form == "file" else "team_plan_for_cli"
    code, out, err = run(capsys, *command_argv(command, f"{where}:{name}", tmp_path))
    assert code == 0, err
    assert used_the_plan(command, out)


@pytest.mark.parametrize("command", ["plan", "check"])
@pytest.mark.parametrize(("source", "spec", "message"), [
    ("x = undefined_name\n", "{file}:x", "loading {file!r} failed: NameError: name 'undefined_name' is not defined"),
    ("raise RuntimeError('line one\\nline two')\n", "{file}:x", "loading {file!r} failed: RuntimeError: line one"),
    ("def f(:\n", "{file}:x", "loading {file!r} failed: SyntaxError: "),
    ("import no_such_module_xyz\n", "{file}:x", "loading {file!r} failed: ModuleNotFoundError: "),
    (PLAN_FACTORY, "{file}:needs", "names a function that needs arguments"),
    (PLAN_FACTORY, "{file}:broken", "calling {spec!r} failed: RuntimeError: no plan today"),
])
def test_a_plan_file_that_raises_is_one_line_exit_2_naming_the_file(
        command: str, source: str, spec: str, message: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "bad_plan.py"
    file.write_text(source)
    spec = spec.format(file=str(file))
    code, out, err = run(capsys, *command_argv(command, spec, tmp_path))
    assert code == 2
    assert err.startswith(f"seawall {command}: error: --plan")
    assert message.format(file=str(file), spec=spec) in err
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""


@pytest.mark.parametrize("command", ["plan", "check"])
def test_a_module_that_raises_on_import_is_exit_2(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "raising_plan_mod.py").write_text("1 / 0\n")
    (tmp_path / "importing_plan_mod.py").write_text("import no_such_module_xyz\n")
    monkeypatch.chdir(tmp_path)
    try:
        code, _, err = run(capsys, *command_argv(command, "raising_plan_mod:PLAN", tmp_path))
        assert code == 2
        assert "importing module 'raising_plan_mod' failed: ZeroDivisionError: division by zero" in err
        assert "Traceback" not in err
        code, _, err = run(capsys, *command_argv(command, "importing_plan_mod:PLAN", tmp_path))
        assert code == 2
        assert ("importing module 'importing_plan_mod' failed: ModuleNotFoundError: "
                "No module named 'no_such_module_xyz'") in err
    finally:
        sys.modules.pop("raising_plan_mod", None)
        sys.modules.pop("importing_plan_mod", None)


def test_bootstrap_prints_the_checklist_for_the_sample_plan(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bootstrap", "--plan", "examples/sample_service/policy.py:TEAM", "--pipeline-account",
                 "111111111111", "--pipeline-region", "us-east-1"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("Bootstrap checklist for a pipeline in aws://111111111111/us-east-1")
    assert "npx cdk bootstrap aws://111111111111/eu-north-1" in out


def test_bootstrap_json_lists_environments(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bootstrap", "--plan", "examples/sample_service/policy.py:TEAM", "--pipeline-account",
                 "111111111111", "--pipeline-region", "us-east-1", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["environments"]


def test_bootstrap_needs_the_pipeline_account(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["bootstrap", "--plan", "examples/sample_service/policy.py:TEAM", "--pipeline-region", "us-east-1"])
    assert exc.value.code == 2 and "--pipeline-account" in capsys.readouterr().err
