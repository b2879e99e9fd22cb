"""What Seawall's own Lambda functions run on and what their code assets hold: the one home of both.

Standard library only (no ``aws_cdk``, nothing of Seawall), so that a test can
build an asset from any installation of the package -- editable or from the
wheel -- in a bare interpreter, and compare the two.

Runtime and layer
-----------------
The release tasks (:mod:`seawall.lambdas.release`) and the traffic hook
(:mod:`seawall.lambdas.hooks`) run on ``python3.13``: "Python 3.13 |
python3.13 | Amazon Linux 2023 | Jun 30, 2029" (deprecation), where
``python3.11`` runs on "Amazon Linux 2 | Jun 30, 2027"
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html, the
runtimes table).  Powertools comes from its public layer for that runtime,
``arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-{python_version}-x86_64:<version>``
(Powertools docs, "Lambda Layer" table, ``{python_version}`` being
``python313``), at version 27 (the docs' table at 27:
aws-powertools/powertools-lambda-python PR #7757).  Layer versions are
numbered per publication; version 27 is taken to ship Powertools 3.23.0 (one
layer version per 3.x release from 3.0.0 = 1) -- check with ``aws lambda
get-layer-version-by-arn`` before raising either.  The layer holds Powertools
"with extras, without boto3" (the maintainers' layer design,
aws-powertools/powertools-lambda-python#1379).  boto3 and botocore
come from the runtime, and AWS does not publish which: "The version of the
AWS SDK included in the Python runtime depends on the runtime version and
your AWS Region" (lambda-python.html, "Runtime-included SDK versions").  The
handlers therefore use only long-standing APIs, and the asset-import test
runs them against :data:`RUNTIME_SDK`.

What an asset holds, and why its bytes are reproducible
--------------------------------------------------------
An asset is a fresh directory of ``*.py`` files copied from the installed
``seawall`` package -- never ``__pycache__``, ``*.pyc`` or anything a
developer has installed next to it.  Release tasks: ``seawall/__init__.py``,
``seawall/model/`` and ``seawall/lambdas/release/`` (handlers
``seawall.lambdas.release.<module>.<function>``); they need no third-party
package beyond the runtime's boto3 and the layer's Powertools (the time
window's holiday dates are resolved at synth, see
:mod:`seawall.model.window`).  Traffic hook: the modules of
``seawall/lambdas/hooks/`` at the asset root (handler
``traffic_hook.handler``).  Version publisher: ``seawall/lambdas/publisher/handler.py``
at the asset root (handler ``handler.handler``; standard library and boto3
only, so it needs no layer).  CDK hashes an asset directory
(``AssetHashType.SOURCE``) over each file's path relative to the directory
and its content only (``aws-cdk-lib`` ``core/lib/fs/fingerprint.ts``:
``_hashField(hash, `file:${relativePath}`, contentFingerprint)``, the content
fingerprint being ``<size>:<sha256>``; no mode, no mtime, no directory
name), so the temporary directory's name and the files' modes do not move
the hash; files are still written ``0644`` so the zip is the same too.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path

#: The Python version of every Seawall Lambda; the asset-import test runs this interpreter.
PYTHON_VERSION = "3.13"
#: Lambda's runtime identifier for it.
RUNTIME_NAME = f"python{PYTHON_VERSION}"
#: The public Powertools for AWS Lambda (Python) v3 layer: account, name for the runtime and x86_64, version.
POWERTOOLS_LAYER_ACCOUNT = "017000801446"
POWERTOOLS_LAYER_NAME = f"AWSLambdaPowertoolsPythonV3-python{PYTHON_VERSION.replace('.', '')}-x86_64"
POWERTOOLS_LAYER_VERSION = 27
#: What that layer version ships, as pip installs it for the asset-import test (Powertools and its tracer extra).
POWERTOOLS_LAYER_PACKAGES = ("aws-lambda-powertools[tracer]==3.23.0",)
#: The SDK the asset-import test puts where the runtime's is (AWS does not publish the runtime's version).
RUNTIME_SDK = ("boto3==1.44.8", "botocore==1.44.8")

#: Handlers of the release tasks, by construct ID.
RELEASE_HANDLERS = {
    "Context": "seawall.lambdas.release.context.handler",
    "GateWindow": "seawall.lambdas.release.gate.window_handler",
    "GateAlarms": "seawall.lambdas.release.gate.alarms_handler",
    "ShiftStart": "seawall.lambdas.release.shift.start_handler",
    "ShiftStatus": "seawall.lambdas.release.shift.status_handler",
    "BakeStart": "seawall.lambdas.release.bake.start_handler",
    "BakeCheck": "seawall.lambdas.release.bake.check_handler",
    "BakeRevert": "seawall.lambdas.release.bake.revert_handler",
}
#: Handler of the traffic hook.
HOOK_HANDLER = "traffic_hook.handler"
#: Handler of the version publisher behind ``Custom::SeawallVersion`` (standard library and boto3 only, no layer).
PUBLISHER_HANDLER = "handler.handler"

#: (source under the installed ``seawall`` package, destination in the asset); a directory brings its ``*.py``.
RELEASE_SOURCES: tuple[tuple[str, str], ...] = (
    ("__init__.py", "seawall/__init__.py"),
    ("model", "seawall/model"),
    ("lambdas/__init__.py", "seawall/lambdas/__init__.py"),
    ("lambdas/release", "seawall/lambdas/release"),
)
HOOK_SOURCES: tuple[tuple[str, str], ...] = (("lambdas/hooks", ""),)
PUBLISHER_SOURCES: tuple[tuple[str, str], ...] = (("lambdas/publisher/handler.py", "handler.py"),)


def package_dir() -> Path:
    """The installed ``seawall`` package this module belongs to (``src/seawall`` when editable)."""
    return Path(__file__).resolve().parents[1]


def build_asset(sources: Sequence[tuple[str, str]], name: str) -> Path:
    """Copy the ``*.py`` files of `sources` into a new directory and return it.

    Files are listed in sorted order and written ``0644`` (directories
    ``0755``); ``__pycache__`` and compiled files are never copied.
    """
    root = package_dir()
    out = Path(tempfile.mkdtemp(prefix=f"seawall-{name}-asset-"))
    os.chmod(out, 0o755)
    for source, dest in sources:
        src = root / source
        if src.is_file():
            pairs = [(src, out / dest)]
        elif src.is_dir():
            pairs = [(f, out / dest / f.relative_to(src)) for f in sorted(src.rglob("*.py"))
                     if "__pycache__" not in f.relative_to(src).parts]
        else:
            raise FileNotFoundError(f"{src} is missing from the installed seawall package; reinstall cdk-seawall")
        for f, target in pairs:
            _mkdirs(out, target.parent)
            shutil.copyfile(f, target)
            os.chmod(target, 0o644)
    return out


def _mkdirs(out: Path, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for d in (directory, *directory.parents):
        if d == out or out not in d.parents:
            break
        os.chmod(d, 0o755)


@cache
def release_asset_dir() -> str:
    """The release tasks' asset, built once per process (see the module docstring)."""
    return str(build_asset(RELEASE_SOURCES, "release"))


@cache
def hook_asset_dir() -> str:
    """The traffic hook's asset, built once per process (see the module docstring)."""
    return str(build_asset(HOOK_SOURCES, "hook"))


@cache
def publisher_asset_dir() -> str:
    """The version publisher's asset: its one module at the asset root, built once per process."""
    return str(build_asset(PUBLISHER_SOURCES, "publisher"))
