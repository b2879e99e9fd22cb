"""``seawall rehearse`` through ``main([...])`` (and a subprocess), with a fake engine behind the runner seam.

The engine (``seawall.sim.rehearse``) is tested on its own; here the command's
flags, errors, output and exit status are, against hand-built rehearsals.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from tests.rehearsal_fakes import START, FakeRunner, healthy, unmet_only, violated

from seawall.cli import main, rehearse
from seawall.model.rehearsal import EXIT_OK, EXIT_UNMODELLED, EXIT_USAGE, EXIT_VIOLATION
from seawall.sim import Unmodelled
from seawall.sim.clock import START as SIM_START

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeRunner:
    runner = FakeRunner()
    monkeypatch.setattr(rehearse, "RUNNER", runner)
    return runner


@pytest.fixture
def assembly(tmp_path: Path) -> Path:
    root = tmp_path / "cdk.out"
    root.mkdir()
    (root / "manifest.json").write_text("{}")
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["rehearse", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def calls(fake: FakeRunner, method: str) -> list[dict[str, object]]:
    return [kw for m, kw in fake.calls if m == method]


# --------------------------------------------------------------------------- --list

def test_list_prints_name_tab_description_sorted(fake: FakeRunner, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--list")
    assert code == EXIT_OK and err == ""
    assert out.splitlines() == [
        "bad-version-one-box\ta bad version is reverted at the one-box and goes no further",
        "healthy\ta good version goes everywhere on time",
        "shift-fails-closed\ta shift that fails closed stops its CodeDeploy deployment",
    ]


def test_list_json_is_each_scenario_with_its_parameters(fake: FakeRunner,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--list", "--json")
    assert code == EXIT_OK
    data = json.loads(out)
    assert [d["name"] for d in data] == ["bad-version-one-box", "healthy", "shift-fails-closed"]
    assert data[2] == {"name": "shift-fails-closed",
                       "description": "a shift that fails closed stops its CodeDeploy deployment",
                       "parameters": {"trigger": ["api-error", "sfn-timeout", "sfn-abort", "stop-and-abandon"]}}
    assert data[1]["parameters"] == {}


def test_list_needs_no_assembly(fake: FakeRunner, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, _ = run(capsys, str(tmp_path / "nothing-here"), "--list")
    assert code == EXIT_OK and calls(fake, "pipelines") == []


# --------------------------------------------------------------------------- --scenario

def test_scenario_text_is_the_timeline_aliases_verdicts_and_a_verdict_line(
        fake: FakeRunner, assembly: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(assembly), "--scenario", "healthy")
    assert code == EXIT_OK and err == ""
    lines = out.splitlines()
    assert "  +00:00:12  deploy    eu-west-1-cell-1  stack Svc-eu-west-1 UPDATE_COMPLETE" in lines
    assert "  +25:01:01  traffic   us-east-1-cell-1  api: version 8 at 100%" in lines
    assert any(line.split()[:4] == ["eu-west-1-cell-1", "api", "8", "r2"] for line in lines)
    assert any(line.split()[:4] == ["I12", "held", "exercised", "3"] for line in lines)
    assert lines[-1] == "Verdict: passed: 12 invariants held and 1 expectation met in 1 variant"


def test_the_engine_gets_the_defaults(fake: FakeRunner, assembly: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(assembly.parent)
    code, _, _ = run(capsys, "--scenario", "healthy")
    assert code == EXIT_OK
    assert calls(fake, "run") == [{"assembly": Path("cdk.out"), "pipeline": "svc-pipeline", "scenario": "healthy",
                                   "seed": 0, "start": SIM_START, "params": {}}]


def test_the_engine_gets_seed_start_and_params(fake: FakeRunner, assembly: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, str(assembly), "--scenario", "shift-fails-closed", "--seed", "42",
                     "--start", "2027-06-01T09:30:00+02:00", "--param", "trigger=sfn-abort")
    assert code == EXIT_OK
    [call] = calls(fake, "run")
    assert call["seed"] == 42 and call["params"] == {"trigger": "sfn-abort"}
    assert call["start"] == datetime(2027, 6, 1, 7, 30, tzinfo=UTC)


def test_a_generated_scenario_replays_by_its_seed(fake: FakeRunner, assembly: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, str(assembly), "--scenario", "gen:1234")
    assert code == EXIT_OK and calls(fake, "run")[0]["scenario"] == "gen:1234"


@pytest.mark.parametrize(("rehearsal", "verdict"), [
    (violated(), "Verdict: FAILED: I3 violated; expectation 'deployment-stopped' unmet (1 of 2 variants failed)"),
    (unmet_only(), "Verdict: FAILED: expectation 'bad-version-served' unmet (1 of 1 variant failed)"),
])
def test_a_violation_or_an_unmet_expectation_exits_1(fake: FakeRunner, assembly: Path, rehearsal: object,
                                                     verdict: str, capsys: pytest.CaptureFixture[str]) -> None:
    fake.rehearsal = rehearsal  # type: ignore[assignment]
    code, out, _ = run(capsys, str(assembly), "--scenario", "healthy")
    assert code == EXIT_VIOLATION
    assert out.splitlines()[-1] == verdict


def test_json_is_exactly_the_rehearsal_document_without_the_assembly_path(
        fake: FakeRunner, assembly: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake.rehearsal = violated()
    code, out, _ = run(capsys, str(assembly), "--scenario", "healthy", "--json")
    assert code == EXIT_VIOLATION
    assert json.loads(out) == violated().to_json()
    assert out.count("\n}") == 1, "exactly one object"
    assert calls(fake, "run")[0]["assembly"] == assembly  # the engine saw the path ...
    assert str(assembly) not in out and str(assembly.parent) not in out  # ... the document does not name it


def test_html_writes_the_page_and_still_prints_the_text(fake: FakeRunner, assembly: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "rehearsal.html"
    code, out, err = run(capsys, str(assembly), "--scenario", "healthy", "--html", str(page))
    assert code == EXIT_OK and f"wrote {page}" in err
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert out.splitlines()[-1].startswith("Verdict: passed")


def test_an_html_page_that_cannot_be_written_exits_2(fake: FakeRunner, assembly: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(assembly), "--scenario", "healthy", "--html", str(tmp_path))
    assert code == EXIT_USAGE and out == ""
    assert err == f"seawall rehearse: error: --html={str(tmp_path)!r}: cannot write the page: Is a directory\n"


# --------------------------------------------------------------------------- pipelines

def test_several_service_pipelines_without_pipeline_exit_2_listing_them(
        fake: FakeRunner, assembly: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake.pipelines_ = ["payments", "orders"]
    code, out, err = run(capsys, str(assembly), "--scenario", "healthy")
    assert code == EXIT_USAGE and out == ""
    assert "has 2 service pipelines: orders, payments; choose one with --pipeline NAME" in err
    code, _, _ = run(capsys, str(assembly), "--scenario", "healthy", "--pipeline", "orders")
    assert code == EXIT_OK and calls(fake, "run")[0]["pipeline"] == "orders"


def test_an_unknown_pipeline_or_none_exits_2(fake: FakeRunner, assembly: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(assembly), "--scenario", "healthy", "--pipeline", "nope")
    assert code == EXIT_USAGE and "--pipeline='nope' is not a service pipeline of" in err and "svc-pipeline" in err
    fake.pipelines_ = []
    code, _, err = run(capsys, str(assembly), "--scenario", "healthy")
    assert code == EXIT_USAGE and "has no service pipeline" in err


def test_a_directory_that_is_no_assembly_exits_2(fake: FakeRunner, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(tmp_path), "--scenario", "healthy")
    assert code == EXIT_USAGE and out == ""
    assert err == f"seawall rehearse: error: {tmp_path} is not a cloud assembly (it has no manifest.json): run " \
                  f"`cdk synth` first, or name the assembly directory\n"


# --------------------------------------------------------------------------- bad flags

@pytest.mark.parametrize(("argv", "message"), [
    (["--scenario", "healthy", "--start", "next tuesday"], "--start='next tuesday' is not an ISO 8601 date-time"),
    (["--scenario", "healthy", "--start", "2027-03-02T08:00"], "--start='2027-03-02T08:00' has no UTC offset"),
    (["--scenario", "healthy", "--start", "9999-12-31T00:00+00:00"], "is too close to the end of time"),
    (["--scenario", "healthy", "--seed", "-1"], "--seed='-1' must be a whole number from 0 to"),
    (["--scenario", "healthy", "--seed", "1.5"], "--seed='1.5' must be a whole number"),
    (["--scenario", "healthy", "--seed", str(2**63)], "must be a whole number from 0 to 9,223,372,036,854,775,807"),
    (["--generate", "0"], "--generate='0' must be a whole number from 1 to 1,000,000"),
    (["--generate", "10000000"], "--generate='10000000' must be a whole number from 1 to 1,000,000"),
    (["--generate", "three"], "--generate='three' must be a whole number"),
    (["--scenario", "shift-fails-closed", "--param", "trigger"], "--param='trigger' must be KEY=VALUE"),
    (["--scenario", "shift-fails-closed", "--param", "=api-error"], "--param='=api-error' must be KEY=VALUE"),
    (["--scenario", "shift-fails-closed", "--param", "trigger=api-error", "--param", "trigger=sfn-abort"],
     "--param trigger= is given twice ('api-error' and 'sfn-abort')"),
    (["--scenario", "helthy"], "--scenario='helthy' is not a scenario; did you mean healthy?"),
    (["--scenario", "zzz"], "--scenario='zzz' is not a scenario; `seawall rehearse --list` lists all 3"),
    (["--scenario", "shift-fails-closed", "--param", "region=eu-west-1"],
     "--param region=eu-west-1: scenario 'shift-fails-closed' has no parameter 'region'; it declares trigger"),
    (["--scenario", "healthy", "--param", "trigger=api-error"],
     "scenario 'healthy' has no parameter 'trigger'; it declares none"),
    (["--scenario", "shift-fails-closed", "--param", "trigger=meteor"],
     "'meteor' is not a value of 'shift-fails-closed''s parameter 'trigger'; use one of api-error, sfn-timeout, "
     "sfn-abort, stop-and-abandon"),
    (["--scenario", "gen:x1"], "--scenario='gen:x1': a generated scenario is gen:SEED with SEED a whole number"),
    (["--scenario", "gen:7", "--param", "trigger=api-error"], "--param does nothing with --scenario='gen:7'"),
    (["--list", "--seed", "3"], "--seed does nothing with --list"),
    (["--list", "--param", "a=b"], "--param does nothing with --list"),
    (["--list", "--pipeline", "p"], "--pipeline does nothing with --list"),
    (["--list", "--html", "x.html"], "--html does nothing with --list"),
    (["--generate", "3", "--html", "x.html"], "--html does nothing with --generate"),
    (["--generate", "3", "--param", "trigger=api-error"], "--param does nothing with --generate"),
    (["--scenario", "healthy", "--html", "/nonexistent-dir/x.html"], "--html='/nonexistent-dir/x.html': cannot "
                                                                     "write the page"),
])
def test_bad_flags_exit_2_with_one_line_and_no_traceback(
        fake: FakeRunner, assembly: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, out, err = run(capsys, str(assembly), *argv)
    assert code == EXIT_USAGE
    assert err.startswith("seawall rehearse: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""
    assert calls(fake, "run") == [] and calls(fake, "generate") == []


@pytest.mark.parametrize(("argv", "message"), [
    ([], "one of the arguments --scenario --list --generate is required"),
    (["--list", "--scenario", "healthy"], "argument --scenario: not allowed with argument --list"),
])
def test_exactly_one_mode_is_required(fake: FakeRunner, capsys: pytest.CaptureFixture[str], argv: list[str],
                                      message: str) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["rehearse", *argv])
    assert stop.value.code == EXIT_USAGE and message in capsys.readouterr().err


def test_a_start_with_any_offset_is_one_instant(fake: FakeRunner, assembly: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    for start in ("2027-03-02T08:00:00Z", "2027-03-02T03:00:00-05:00"):
        assert run(capsys, str(assembly), "--scenario", "healthy", "--start", start)[0] == EXIT_OK
    starts = [c["start"] for c in calls(fake, "run")]
    assert starts == [START, START] and starts[1].utcoffset() == timedelta(hours=-5)  # type: ignore[union-attr]
    assert starts[1].tzinfo == timezone(timedelta(hours=-5))  # type: ignore[union-attr]


# --------------------------------------------------------------------------- exit 3

def test_something_unmodelled_exits_3_naming_it(fake: FakeRunner, assembly: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    fake.raises = Unmodelled("resource type AWS::AppSync::GraphQLApi (stack Svc, logical ID Api)")
    code, out, err = run(capsys, str(assembly), "--scenario", "healthy")
    assert code == EXIT_UNMODELLED and out == ""
    assert err == "seawall rehearse: not modelled: resource type AWS::AppSync::GraphQLApi (stack Svc, logical ID Api)\n"


def test_an_internal_error_exits_3_with_the_traceback_only_under_debug(
        fake: FakeRunner, assembly: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake.raises = KeyError("Resources")
    code, out, err = run(capsys, str(assembly), "--scenario", "healthy")
    assert code == EXIT_UNMODELLED and out == ""
    assert err == ("seawall rehearse: internal error: KeyError: 'Resources' (run again with --debug for the "
                   "traceback)\n")
    code, _, err = run(capsys, str(assembly), "--scenario", "healthy", "--debug")
    assert code == EXIT_UNMODELLED
    assert err.startswith("Traceback (most recent call last):") and "in run" in err
    assert err.splitlines()[-1] == "seawall rehearse: internal error: KeyError: 'Resources'"


def test_a_value_error_inside_the_engine_is_internal_not_bad_usage(
        fake: FakeRunner, assembly: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake.raises = ValueError("weight 1.5 out of range")
    code, _, err = run(capsys, str(assembly), "--scenario", "healthy")
    assert code == EXIT_UNMODELLED and "internal error: ValueError: weight 1.5 out of range" in err


def test_without_the_seam_the_engine_is_imported_from_seawall_sim_rehearse(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(rehearse, "RUNNER", None)
    imported: list[str] = []

    def fake_import(name: str) -> object:
        imported.append(name)
        return type("Module", (), {"RUNNER": FakeRunner()})

    monkeypatch.setattr(rehearse.importlib, "import_module", fake_import)
    code, out, _ = run(capsys, "--list")
    assert code == EXIT_OK and imported == ["seawall.sim.rehearse"] and out.startswith("bad-version-one-box\t")


# --------------------------------------------------------------------------- --generate

def test_generate_prints_one_object_a_line_each_with_its_seed(fake: FakeRunner, assembly: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(assembly), "--generate", "3", "--seed", "100")
    assert code == EXIT_OK and err == ""
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["seed"] for d in docs] == [100, 101, 102]
    assert [d["scenario"] for d in docs] == ["gen:100", "gen:101", "gen:102"]
    assert calls(fake, "generate") == [{"assembly": assembly, "pipeline": "svc-pipeline", "count": 3, "seed": 100,
                                        "start": SIM_START}]


def test_generate_exits_1_when_any_fails_and_says_how_to_replay(fake: FakeRunner, assembly: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    fake.fail_last = True
    code, out, err = run(capsys, str(assembly), "--generate", "2", "--json")
    assert code == EXIT_VIOLATION and len(out.splitlines()) == 2
    assert err == "seawall rehearse: 1 generated scenario failed; replay one with --scenario gen:SEED\n"


def test_generate_stops_with_exit_3_when_the_engine_fails_midway(fake: FakeRunner, assembly: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    fake.raises = Unmodelled("ASL state type Map")
    code, out, err = run(capsys, str(assembly), "--generate", "5")
    assert code == EXIT_UNMODELLED
    assert len(out.splitlines()) == 1, "what ran before the failure is printed"
    assert err == "seawall rehearse: not modelled: ASL state type Map\n"


# --------------------------------------------------------------------------- determinism across processes

def test_json_is_byte_identical_across_processes_with_different_hash_seeds(assembly: Path) -> None:
    outputs = []
    for hash_seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        proc = subprocess.run([sys.executable, "-m", "tests.rehearsal_fakes", str(assembly), "--scenario",
                               "healthy", "--json"], cwd=ROOT, env=env, capture_output=True, timeout=120)
        assert proc.returncode == EXIT_OK, proc.stderr.decode()
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0]) == healthy().to_json()



# --------------------------------------------------------------------------- the README

def test_the_readme_commands_parse() -> None:
    import re
    import shlex

    from seawall.cli import build_parser

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Rehearse your pipeline", 1)[1].split("\n## ", 1)[0]
    commands = [line for block in re.findall(r"```\n(.*?)```", section, re.S) for line in block.splitlines()
                if line.startswith("seawall rehearse")]
    assert len(commands) >= 4
    for line in commands:
        args = build_parser().parse_args(shlex.split(line)[1:])
        assert args.func is rehearse.run_rehearse
