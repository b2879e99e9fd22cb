"""Simulated Lambda execution environments: the real handler code, one module state and environment each.

A :class:`FunctionInstance` is one warm execution environment of one
function: its handler is imported from the function's asset in the cloud
assembly (never from the installed package), with its own copy of every
module the asset holds, so module-level state (cached clients, settings read
at cold start) is never shared between two functions or two accounts.  While
it runs, the process environment is the function's: the variables the
template sets plus the ones Lambda itself defines, and boto3's default
session signs as the function's execution role through the simulation's
fakes.

Lambda reuses an environment between invocations ("Lambda ... reuses the
execution environment for subsequent invocations", see :data:`_REUSE`), so an
instance keeps its module state from one call to the next; a new configuration
or code means a new instance.

Handlers see simulated time through their documented seams: a release task's
``seawall.lambdas.release.common.clock``, the publisher's ``CLOCK`` / ``SLEEP``.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.machinery
import io
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3

from .botocore_bridge import FakeAws, Unmodelled
from .citations import Citation, cites

_REUSE = Citation(
    "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html",
    "After the function and all extensions have completed, Lambda maintains the execution environment for some "
    "time in anticipation of another function invocation.")
_RESERVED_ENV = Citation(
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html",
    "AWS_REGION – The AWS Region where the Lambda function is executed.")


#: Compiled asset modules, by (path, size, mtime): every instance of an asset runs its own module objects but
#: compiles each file once per process (never writing ``__pycache__`` into the cloud assembly).
_CODE: dict[tuple[str, int, int], Any] = {}


class _CompiledOnce(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname: str) -> Any:
        path = self.get_filename(fullname)
        stat = os.stat(path)
        key = (path, stat.st_size, stat.st_mtime_ns)
        code = _CODE.get(key)
        if code is None:
            code = _CODE[key] = compile(self.get_data(path), path, "exec", dont_inherit=True)
        return code


class _SimClock:
    """What a release task's ``common.clock`` seam reads: the world's simulated instant."""

    def __init__(self, aws: FakeAws) -> None:
        self._aws = aws

    def now(self) -> datetime:
        return self._aws.clock.now()


@dataclass
class Context:
    """The Lambda context object a handler receives (the attributes Powertools and Seawall read)."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    memory_limit_in_mb: int = 128
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "simulated"
    deadline: float = 0.0
    clock_seconds: Any = None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - self.clock_seconds()) * 1000))


class FunctionInstance:
    """One execution environment of a simulated function, running its real handler from its asset."""

    def __init__(self, aws: FakeAws, *, account: str, region: str, function_name: str, asset: Path,
                 handler: str, environment: Mapping[str, str], role_arn: str = "", timeout: int = 3,
                 memory: int = 128) -> None:
        module_name, _, attr = handler.rpartition(".")
        if not module_name or not attr:
            raise Unmodelled(f"function {function_name}: handler {handler!r} is not module.function")
        if not (asset / f"{module_name.replace('.', '/')}.py").is_file():
            raise Unmodelled(f"function {function_name}: handler module {module_name} is not in its asset {asset}")
        self.aws, self.account, self.region, self.function_name = aws, account, region, function_name
        self.asset, self.module_name, self.attr = asset, module_name, attr
        self.timeout, self.memory = timeout, memory
        self.arn = f"arn:aws:lambda:{region}:{account}:function:{function_name}"
        creds = aws.credentials(account, role_arn)
        self.environment = self._environment(environment, creds)
        self.session = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                             aws_secret_access_key=creds["SecretAccessKey"],
                                             aws_session_token=creds["SessionToken"], region_name=region,
                                             botocore_session=aws._new_botocore_session())
        #: The asset's top-level modules and packages: what this instance owns in ``sys.modules`` while it runs.
        self._roots = sorted({p.stem if p.is_file() else p.name for p in asset.iterdir()
                              if (p.is_file() and p.suffix == ".py") or (p / "__init__.py").is_file()})
        #: Matches the names of those modules and of everything in them (a C-speed filter over ``sys.modules``).
        self._owns = re.compile(f"(?:{'|'.join(re.escape(r) for r in self._roots)})(?:\\.|\\Z)").match \
            if self._roots else None
        self._finder = importlib.machinery.FileFinder(str(asset), (_CompiledOnce, [".py"]))
        self._modules: dict[str, ModuleType] = {}
        self._handler: Any = None
        self.invocations = 0
        #: What the handler wrote to stdout (its log lines), in order.
        self.output = io.StringIO()

    def _environment(self, environment: Mapping[str, str], creds: Mapping[str, str]) -> dict[str, str]:
        return {
            **{k: str(v) for k, v in environment.items()},
            "AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region,
            "AWS_LAMBDA_FUNCTION_NAME": self.function_name, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory),
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"],
            # No X-Ray daemon runs in the simulation; Powertools' tracer must not try to reach one.
            "POWERTOOLS_TRACE_DISABLED": "true",
            # Nobody reads the release tasks' INFO lines here; formatting them is most of a task's time.
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }

    def _owned_now(self) -> list[str]:
        return list(filter(self._owns, sys.modules)) if self._owns is not None else []

    @contextlib.contextmanager
    def _active(self) -> Iterator[None]:
        saved_env = dict(os.environ)
        saved_modules = {k: sys.modules.pop(k) for k in self._owned_now()}
        saved_default = boto3.DEFAULT_SESSION
        saved_finder = sys.path_importer_cache.get(str(self.asset))
        sys.modules.update(self._modules)
        sys.path.insert(0, str(self.asset))
        sys.path_importer_cache[str(self.asset)] = self._finder
        os.environ.clear()
        os.environ.update(self.environment)
        boto3.DEFAULT_SESSION = self.session
        try:
            with contextlib.redirect_stdout(self.output):
                yield
        finally:
            self._modules = {k: sys.modules.pop(k) for k in self._owned_now()}
            sys.modules.update(saved_modules)
            sys.path.remove(str(self.asset))
            if saved_finder is None:
                sys.path_importer_cache.pop(str(self.asset), None)
            else:
                sys.path_importer_cache[str(self.asset)] = saved_finder
            os.environ.clear()
            os.environ.update(saved_env)
            boto3.DEFAULT_SESSION = saved_default

    def _load(self) -> Any:
        importlib.invalidate_caches()
        module = importlib.import_module(self.module_name)
        common = sys.modules.get("seawall.lambdas.release.common")
        if common is not None and hasattr(common, "clock"):
            setattr(common, "clock", _SimClock(self.aws))  # noqa: B010  (the release tasks' clock seam)
        return getattr(module, self.attr)

    @cites(_REUSE, _RESERVED_ENV)
    def invoke(self, event: Any, *, request_id: str = "") -> Any:
        """Run the handler on `event` in this environment and return what it returns (its exceptions propagate)."""
        self.invocations += 1
        context = Context(function_name=self.function_name, invoked_function_arn=self.arn,
                          aws_request_id=request_id or f"sim-{self.function_name}-{self.invocations:06d}",
                          memory_limit_in_mb=self.memory, log_group_name=f"/aws/lambda/{self.function_name}",
                          deadline=self.aws.clock.seconds + self.timeout, clock_seconds=lambda: self.aws.clock.seconds)
        with self._active():
            if self._handler is None:
                self._handler = self._load()
            return self._handler(event, context)
