"""The Lambda assets import the way Lambda imports them, and their bytes do not depend on the installation.

Each asset is built by the function synthesis calls (``lambda_asset_dir`` for
the release tasks, ``hook_asset_dir`` for the traffic hook) and every handler
is imported in a separate ``python3.13 -I -S -B`` whose ``sys.path`` holds the
asset, a site directory with exactly what the runtime and the Powertools layer
provide (:data:`RUNTIME_SDK`, :data:`POWERTOOLS_LAYER_PACKAGES`, installed once
into a cache with pip), and the standard library -- nothing of this
virtualenv.  The runtime interpreter is required: a missing one fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aws_cdk import FileSystem
from tests.support.uv import uv_binary

from seawall.constructs._assets import (
    HOOK_HANDLER,
    HOOK_SOURCES,
    POWERTOOLS_LAYER_PACKAGES,
    PUBLISHER_HANDLER,
    PUBLISHER_SOURCES,
    PYTHON_VERSION,
    RELEASE_HANDLERS,
    RELEASE_SOURCES,
    RUNTIME_NAME,
    RUNTIME_SDK,
    build_asset,
    hook_asset_dir,
    package_dir,
    publisher_asset_dir,
)
from seawall.constructs.release import RUNTIME, lambda_asset_dir
from seawall.model import Target
from seawall.model.contracts import GateInput, PipelineRef, TargetRef, TeamSettings
from seawall.model.window import TimeWindow

REPO = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")

#: The environment Lambda gives the functions (the names the construct sets plus the runtime's own).
LAMBDA_ENV = {
    "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "seawall-asset-test",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "AWS_EXECUTION_ENV": f"AWS_Lambda_{RUNTIME_NAME}",
    "SEAWALL_TEAM": "payments", "POWERTOOLS_SERVICE_NAME": "seawall-release", "POWERTOOLS_LOG_LEVEL": "INFO",
    "SEAWALL_TARGET_FUNCTIONS": "orders", "LANG": "en_US.UTF-8",
}

#: Runs in the isolated interpreter: argv = asset, site, handlers (JSON).  Prints what it found as JSON.
IMPORT_HANDLERS = r"""
import importlib, json, sys
asset, site, handlers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path[:0] = [asset, site]
missing = []
for h in handlers:
    module, _, name = h.rpartition(".")
    if not callable(getattr(importlib.import_module(module), name, None)):
        missing.append(h)
top = {m.split(".")[0] for m in sys.modules}
import boto3, botocore, aws_lambda_powertools  # where Lambda would find them (the release handlers import boto3 lazily)
print(json.dumps({
    "missing": missing,
    "foreign": sorted(top & {"holidays", "aws_cdk", "constructs", "jsii", "pytest"}),
    "version": "%d.%d" % sys.version_info[:2],
    "path": sys.path,
    "stdlib": [sys.base_prefix],
    "files": {m: getattr(sys.modules.get(m), "__file__", None) or ""
              for m in ("seawall", "traffic_hook", "handler", "boto3", "botocore", "aws_lambda_powertools")},
}))
"""

#: Runs the gate's window check in the isolated interpreter: argv = asset, site, [[now, event], ...].
CHECK_WINDOW = r"""
import json, sys
from datetime import datetime
import os
asset, site, given = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
os.environ["SEAWALL_TEAM_SETTINGS"], cases = given["settings"], given["cases"]  # as the team runtime sets it
sys.path[:0] = [asset, site]
from seawall.lambdas.release import common, gate

class Clock:
    def __init__(self, t): self.t = datetime.fromisoformat(t)
    def now(self): return self.t

out = []
for now, event in cases:
    common.clock = Clock(now)
    try:
        out.append(gate.check_window(event))
    except common.InvalidInputError as e:
        out.append({"error": str(e)})
print(json.dumps({"results": out, "holidays_imported": "holidays" in sys.modules}))
"""


# --------------------------------------------------------------------------- the runtime's interpreter and packages

def runtime_python() -> str:
    """The interpreter of the functions' runtime; fails (never skips) when it is not installed."""
    exe = f"python{PYTHON_VERSION}"
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    versions = sorted(root.glob(f"versions/{PYTHON_VERSION}.*/bin/{exe}"), reverse=True,
                      key=lambda p: [int(x) if x.isdigit() else -1 for x in p.parts[-3].split(".")])
    for candidate in [*map(str, versions), shutil.which(exe)]:
        if candidate and subprocess.run([candidate, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                        capture_output=True, text=True).stdout.strip() == PYTHON_VERSION:
            return candidate
    pytest.fail(
        f"{exe} is not installed: the Seawall Lambdas run {RUNTIME_NAME}, and this test imports their assets "
        f"with the same Python. Install it (`pyenv install {PYTHON_VERSION}`, `uv python install "
        f"{PYTHON_VERSION}` or your OS's {exe} package) and put {exe} on PATH or under $PYENV_ROOT/versions.")


@pytest.fixture(scope="session")
def python313() -> str:
    return runtime_python()


@pytest.fixture(scope="session")
def runtime_site(python313: str) -> Path:
    """What the runtime (boto3) and the layer (Powertools) provide, pip-installed once into a cache directory."""
    pins = sorted((*RUNTIME_SDK, *POWERTOOLS_LAYER_PACKAGES))
    key = hashlib.sha256(json.dumps([RUNTIME_NAME, pins]).encode()).hexdigest()[:16]
    cache = Path(os.environ.get("SEAWALL_TEST_CACHE") or Path.home() / ".cache" / "seawall") / "lambda-runtime"
    site = cache / key
    if (site / ".complete").exists():
        return site
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=cache))
    done = subprocess.run(
        [python313, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
         "--only-binary=:all:", "--target", str(tmp), *pins], capture_output=True, text=True)
    if done.returncode:
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.fail(f"could not install the runtime and layer packages {pins} with {python313} from PyPI:\n"
                    f"{done.stdout}{done.stderr}")
    (tmp / ".complete").touch()
    try:
        tmp.rename(site)
    except OSError:  # another worker finished first
        shutil.rmtree(tmp, ignore_errors=True)
    return site


def run_isolated(python: str, script: str, *args: str) -> dict:  # type: ignore[type-arg]
    # -B: Lambda's code directory is read-only, and the asset must stay as built (no __pycache__).
    done = subprocess.run([python, "-I", "-S", "-B", "-c", script, *args], capture_output=True, text=True,
                          env=LAMBDA_ENV, timeout=120)
    assert done.returncode == 0, f"the isolated {RUNTIME_NAME} failed:\n{done.stderr[-4000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- every handler imports

@pytest.mark.parametrize(("asset", "handlers"), [
    (lambda_asset_dir, sorted(RELEASE_HANDLERS.values())),
    (hook_asset_dir, [HOOK_HANDLER]),
    (publisher_asset_dir, [PUBLISHER_HANDLER]),
], ids=["release", "hook", "publisher"])
def test_every_handler_imports_from_the_asset_in_an_isolated_runtime(
        python313: str, runtime_site: Path, asset, handlers: list[str]) -> None:  # type: ignore[no-untyped-def]
    directory = asset()  # the function synthesis calls
    found = run_isolated(python313, IMPORT_HANDLERS, directory, str(runtime_site), json.dumps(handlers))
    assert found["version"] == PYTHON_VERSION == RUNTIME.name.removeprefix("python"), found["version"]
    assert found["missing"] == [], f"handlers the construct names but the asset lacks: {found['missing']}"
    assert found["foreign"] == [], f"the handlers imported {found['foreign']}, which Lambda does not provide"
    allowed = (directory, str(runtime_site), *found["stdlib"])
    assert all(p.startswith(allowed) for p in found["path"]), f"sys.path leaks: {found['path']}"
    files = found["files"]
    for module in ("seawall", "traffic_hook", "handler"):
        assert not files[module] or files[module].startswith(directory), files
    assert any(files[m].startswith(directory) for m in ("seawall", "traffic_hook", "handler")), files
    for module in ("boto3", "botocore", "aws_lambda_powertools"):
        assert files[module].startswith(str(runtime_site)), files


def test_the_gate_reads_holidays_without_the_holidays_package(python313: str, runtime_site: Path) -> None:
    window = TimeWindow.business_hours(time_zone="America/New_York", holidays=("US",))
    event = GateInput(target=TargetRef.of(Target(region="us-east-1")), pipeline=PipelineRef(name="p", execution_id="e"),
                      override="false").to_json()
    settings = TeamSettings(team="payments", window=window.to_dict(today=date(2026, 6, 1)))  # through 2027-12-31

    def case(now: datetime) -> list[object]:
        return [now.isoformat(), {**event, "context": {"startedAt": now.isoformat()}}]

    christmas = datetime.combine(date(2026, 12, 25), time(10), NY)  # a Friday, open hours, a US holiday
    after = datetime.combine(date(2028, 1, 4), time(10), NY)  # a Tuesday past the data
    found = run_isolated(python313, CHECK_WINDOW, lambda_asset_dir(), str(runtime_site),
                         json.dumps({"settings": settings.to_env(), "cases": [case(christmas), case(after)]}))
    closed, expired = found["results"]
    assert not found["holidays_imported"]
    assert closed["verdict"] == "CLOSED" and closed["nextOpen"] == "2026-12-28T09:00:00-05:00", closed
    assert "holiday data (US)" in expired["error"] and "ends at 2027-12-31" in expired["error"], expired
    assert "redeploy the team runtime" in expired["error"]


# --------------------------------------------------------------------------- reproducible bytes

def _listing(directory: str) -> list[tuple[str, int]]:
    root = Path(directory)
    return sorted((p.relative_to(root).as_posix(), stat.S_IMODE(p.stat().st_mode))
                  for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("sources", [RELEASE_SOURCES, HOOK_SOURCES, PUBLISHER_SOURCES],
                         ids=["release", "hook", "publisher"])
def test_an_asset_holds_source_only_and_rebuilds_to_the_same_hash(sources: tuple[tuple[str, str], ...]) -> None:
    first, second = str(build_asset(sources, "t1")), str(build_asset(sources, "t2"))
    try:
        files = _listing(first)
        assert files == _listing(second)
        assert files and all(name.endswith(".py") and mode == 0o644 for name, mode in files), files
        assert not any("__pycache__" in name or name.startswith("holidays/") for name, _ in files)
        assert FileSystem.fingerprint(first) == FileSystem.fingerprint(second)
    finally:
        shutil.rmtree(first)
        shutil.rmtree(second)


@pytest.fixture(scope="module")
def wheel_site() -> Iterator[Path]:
    """``seawall`` installed from a freshly built wheel (no dependencies) into a target directory."""
    work = Path(tempfile.mkdtemp(prefix="seawall-wheel-"))
    try:
        tree = work / "tree"
        tree.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copyfile(REPO / name, tree / name)
        shutil.copytree(REPO / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        uv = str(uv_binary())  # the venv make install builds has no pip
        _run([uv, "build", "--quiet", "--wheel", "--out-dir", str(work / "dist"), str(tree)])
        _run([uv, "pip", "install", "--quiet", "--no-deps", "--no-compile", "--python", sys.executable,
              "--target", str(work / "site"), *map(str, (work / "dist").glob("*.whl"))])
        yield work / "site"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(cmd[1:3])} failed:\n{done.stdout}{done.stderr}"


#: Builds both assets with the wheel's own builder in a bare interpreter: argv = site.  Prints their directories.
BUILD_FROM_WHEEL = r"""
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("assets", sys.argv[1] + "/seawall/constructs/_assets.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
print(json.dumps({"package": str(m.package_dir()), "release": m.release_asset_dir(), "hook": m.hook_asset_dir(),
                  "publisher": m.publisher_asset_dir()}))
"""


def test_the_asset_hash_is_the_same_from_the_wheel_and_from_the_editable_install(wheel_site: Path) -> None:
    assert package_dir() == REPO / "src" / "seawall", "this test compares against the editable install"
    found = run_isolated(sys.executable, BUILD_FROM_WHEEL, str(wheel_site))
    try:
        assert Path(found["package"]) == (wheel_site / "seawall").resolve()
        for editable, wheel in ((lambda_asset_dir(), found["release"]), (hook_asset_dir(), found["hook"]),
                                (publisher_asset_dir(), found["publisher"])):
            assert _listing(editable) == _listing(wheel)
            assert FileSystem.fingerprint(editable) == FileSystem.fingerprint(wheel)
    finally:
        for d in (found["release"], found["hook"], found["publisher"]):
            shutil.rmtree(d, ignore_errors=True)
