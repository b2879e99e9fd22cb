"""A fake of AWS Lambda's versions and aliases, with Lambda's documented semantics.

What it models: functions (code and configuration, ``LastUpdateStatus``),
idempotent ``PublishVersion``, version numbers that are never reused, aliases
with ``RoutingConfig``, deletion of a function with its versions and
aliases, and invocations: an alias with routing weights sends each request to
a version by weight.  Seawall's own functions (the ones whose code is an asset
of the assembly) run their real handler in a
:class:`~seawall.sim.instances.FunctionInstance`; a service's functions are
not executed -- whether a request to one of their versions fails is the
traffic model's call (:attr:`FakeLambda.outcome`).  Every request served is
recorded per version (:attr:`FakeLambda.served`), the simulation's ground
truth.  Any other operation fails loudly (:class:`Unmodelled`).
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.response import StreamingBody

from .botocore_bridge import AwsError, FakeAws, Unmodelled, dispatch
from .citations import Citation, cites
from .clock import Clock
from .instances import FunctionInstance

_PUBLISH = Citation(
    "https://docs.aws.amazon.com/lambda/latest/api/API_PublishVersion.html",
    "Lambda doesn't publish a version if the function's configuration and code haven't changed since the last "
    "version.")
_VERSION_NUMBERS = Citation(
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-versions.html",
    "Lambda doesn't reuse version numbers. For example, if you delete version 2 and publish a new version, "
    "Lambda creates version 3 instead of reusing version 2.")
_CREATE_ALIAS = Citation(
    "https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html",
    "ResourceConflictException: The resource already exists, or another operation is in progress.")
_NOT_FOUND = Citation(
    "https://docs.aws.amazon.com/lambda/latest/api/API_GetAlias.html",
    "ResourceNotFoundException: The resource specified in the request does not exist.")
_STATES = Citation(
    "https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html",
    "While the update is in progress, you can't modify the function. If you attempt to modify the function, "
    "Lambda returns a ResourceConflictException.")
_UPDATE_ALIAS = Citation(
    "https://docs.aws.amazon.com/lambda/latest/api/API_UpdateAlias.html",
    "Updates the configuration of a Lambda function alias.")
_ROUTING = Citation(
    "https://docs.aws.amazon.com/lambda/latest/api/API_AliasRoutingConfiguration.html",
    "The traffic-shifting configuration of a Lambda function alias.")
_DELETE_ALIAS = Citation(
    "https://docs.aws.amazon.com/lambda/latest/api/API_DeleteAlias.html",
    "Deletes a Lambda function alias.")
_WEIGHTED = Citation(
    "https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html",
    "Lambda uses a simple probabilistic model to distribute the traffic between the two function versions.")
_INVOKE = Citation(
    "https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html",
    "If the function returns an error, Lambda returns a FunctionError header and the response body contains the "
    "error details.")
_WEIGHT_RANGE = Citation(
    "https://docs.aws.amazon.com/lambda/latest/api/API_AliasRoutingConfiguration.html",
    "AdditionalVersionWeights: The second version, and the percentage of traffic that's routed to it. "
    "Valid Range: Minimum value of 0.0. Maximum value of 1.0.")
_ONE_EXTRA_VERSION = Citation(
    "https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html",
    "You can point an alias to a maximum of two Lambda function versions.")
_DELETE_FUNCTION = Citation(
    "https://docs.aws.amazon.com/lambda/latest/api/API_DeleteFunction.html",
    "Deletes a Lambda function. To delete a specific function version, use the Qualifier parameter. Otherwise, "
    "all versions and aliases are deleted.")

#: Configuration fields a published version snapshots (what ``PublishVersion`` compares besides the code).
_CONFIG_FIELDS = ("Runtime", "Handler", "Role", "MemorySize", "Timeout", "Environment", "Layers", "Architectures",
                  "Description", "TracingConfig", "VpcConfig", "DeadLetterConfig", "EphemeralStorage",
                  "LoggingConfig", "KmsKeyArn", "FileSystemConfigs", "ImageConfig", "SnapStart")


@dataclass
class _Version:
    number: str
    code_sha: str
    config: dict[str, Any]
    ready_at: float = 0.0
    code: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Function:
    name: str
    arn: str
    code_sha: str
    config: dict[str, Any]
    code: dict[str, Any] = field(default_factory=dict)
    versions: list[_Version] = field(default_factory=list)
    last_number: int = 0
    aliases: dict[str, dict[str, Any]] = field(default_factory=dict)
    created_at: float = 0.0
    busy_until: float = 0.0


@dataclass(frozen=True)
class Served:
    """Requests one version served in one minute (ground truth): through `alias`, or by version when empty."""

    minute: int
    account: str
    region: str
    function: str
    alias: str
    version: str
    requests: int
    errors: int


class FunctionError(Exception):
    """A function's invocation failed: Lambda's ``FunctionError`` with the runtime's error type and message."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type, self.message = error_type, message


@dataclass(frozen=True)
class AliasEvent:
    """One change of an alias, as the simulation's ground truth records it."""

    account: str
    region: str
    function: str
    alias: str
    operation: str
    version: str | None
    routing: Mapping[str, float]
    #: When (simulated seconds) and by whom: the world's attribution (a release execution, a CodeDeploy
    #: deployment, CloudFormation), else the calling principal's ARN.
    at: float = 0.0
    by: str = ""


def _qualifier_of(name: str) -> str | None:
    """The version or alias appended to a function name or ARN ("You can append a version number or alias to
    any of the formats", API_Invoke.html, ``FunctionName``), or None."""
    parts = name.split(":")
    if name.startswith("arn:"):
        return parts[7] if len(parts) == 8 else None
    return parts[-1] if len(parts) in (2, 4) else None


def code_sha(code: Mapping[str, Any]) -> str:
    """A stable stand-in for ``CodeSha256``: a hash of the template's ``Code`` property."""
    return hashlib.sha256(json.dumps(code, sort_keys=True, default=str).encode()).hexdigest()


class FakeLambda:
    """Lambda for every account and region of a simulated world, on a simulated clock (seconds).

    Parameters (what AWS does not promise a number for):

    update_seconds:
        How long a create or update of a function stays ``Pending`` / ``InProgress``.
    publish_seconds:
        How long a newly published version stays ``Pending`` (SnapStart takes a snapshot first).
    deny_until:
        Until this moment every call answers ``AccessDeniedException``: a new IAM grant still propagating.
    """

    def __init__(self, *, update_seconds: float = 0.0, publish_seconds: float = 0.0,
                 deny_until: float = 0.0, clock: Clock | None = None, aws: FakeAws | None = None,
                 assets: Mapping[str, Path] | None = None, seed: int = 0) -> None:
        self._functions: dict[tuple[str, str, str], _Function] = {}
        #: The world whose sessions the handlers of Seawall's own functions call through (None: none can run).
        self.aws = aws
        #: Code assets of the cloud assembly, by S3 object key: a function whose code is one of them runs it.
        self.assets: dict[str, Path] = dict(assets or {})
        #: Whether one request to a version of a service's function fails: (account, region, function, version)
        #: -> an error type or None.  The traffic model sets it; by default nothing fails.
        self.outcome: Callable[[str, str, str, str], str | None] = lambda *_: None
        #: Every request served, per minute and version (invocations through the API; the traffic model adds its own).
        self.served: list[Served] = []
        self.rng = random.Random(seed)
        #: Who is acting now, for the ground truth of alias changes ("" when unknown); the world sets it.
        self.attribution: Callable[[], str] = lambda: ""
        self._instances: dict[tuple[str, str, str, str], FunctionInstance] = {}
        #: Every create, update and delete of an alias, in order.
        self.alias_events: list[AliasEvent] = []
        self.update_seconds, self.publish_seconds, self.deny_until = update_seconds, publish_seconds, deny_until
        #: The world's clock (seconds since the scenario's start).
        self.clock = clock or Clock()

    @property
    def now(self) -> float:
        """The simulated time, in seconds since the start."""
        return self.clock.seconds

    def advance(self, seconds: float) -> None:
        """Let `seconds` of simulated time pass."""
        self.clock.advance(seconds)

    # ---------------------------------------------------------------- what CloudFormation does to functions

    def put_function(self, *, account: str, region: str, name: str, code: Mapping[str, Any],
                     config: Mapping[str, Any]) -> _Function:
        """Create the function, or update its code and configuration (``$LATEST``)."""
        key = (account, region, name)
        snapshot = {k: config[k] for k in _CONFIG_FIELDS if k in config}
        fn = self._functions.get(key)
        if fn is None:
            fn = _Function(name=name, arn=f"arn:aws:lambda:{region}:{account}:function:{name}",
                           code_sha=code_sha(code), config=snapshot, code=dict(code), created_at=self.now)
            self._functions[key] = fn
        else:
            fn.code_sha, fn.config, fn.code = code_sha(code), snapshot, dict(code)
        fn.busy_until = self.now + self.update_seconds
        return fn

    @cites(_DELETE_FUNCTION)
    def delete_function(self, *, account: str, region: str, name: str) -> None:
        fn = self._functions.pop((account, region, name), None)
        if fn is not None:
            for alias in sorted(fn.aliases):
                self._record(account, region, fn, alias, "DeleteFunction", None, {})

    def function(self, account: str, region: str, name: str) -> _Function | None:
        return self._functions.get((account, region, name))

    def alias_version(self, account: str, region: str, name: str, alias: str) -> str | None:
        fn = self.function(account, region, name)
        entry = fn.aliases.get(alias) if fn else None
        return entry["FunctionVersion"] if entry else None

    def versions(self, account: str, region: str, name: str) -> list[str]:
        fn = self.function(account, region, name)
        return [v.number for v in fn.versions] if fn else []

    # ---------------------------------------------------------------- the API

    def handle(self, operation: str, params: Mapping[str, Any], *, account: str, region: str) -> dict[str, Any]:
        if self.now < self.deny_until and hasattr(self, f"_op_{operation}"):
            raise AwsError("AccessDeniedException", f"not authorized to perform lambda:{operation} (yet)", 403)
        return dispatch(self, "Lambda", operation, params, account, region)

    def publish(self, account: str, region: str, name: str) -> tuple[str, bool]:
        """Publish ``$LATEST`` as Lambda does; return (version, whether it is new)."""
        fn = self._get(account, region, name)
        return self._publish(fn)

    @cites(_PUBLISH, _VERSION_NUMBERS, _STATES)
    def _publish(self, fn: _Function) -> tuple[str, bool]:
        if self.now < fn.busy_until:
            raise AwsError("ResourceConflictException", f"The operation cannot be performed at this time. An update "
                                                        f"is in progress for resource: {fn.arn}", 409)
        latest = fn.versions[-1] if fn.versions else None
        if latest is not None and latest.code_sha == fn.code_sha and latest.config == fn.config:
            return latest.number, False
        fn.last_number += 1
        fn.versions.append(_Version(str(fn.last_number), fn.code_sha, dict(fn.config),
                                    ready_at=self.now + self.publish_seconds, code=dict(fn.code)))
        return str(fn.last_number), True

    def _get(self, account: str, region: str, name: str) -> _Function:
        """The function `name` names: a name, or a full or partial ARN in this account and region."""
        short = name
        if name.startswith("arn:"):
            parts = name.split(":")
            if len(parts) < 7 or parts[3] != region or parts[4] != account or parts[5] != "function":
                raise AwsError("ResourceNotFoundException", f"Function not found: {name}", 404)
            short = parts[6]
        elif ":function:" in name:
            other, _, short = name.partition(":function:")
            if other != account:
                raise AwsError("ResourceNotFoundException", f"Function not found: {name}", 404)
        fn = self._functions.get((account, region, short.split(":")[0]))
        if fn is None:
            raise AwsError("ResourceNotFoundException", f"Function not found: {name}", 404)
        return fn

    def _configuration(self, fn: _Function, version: str = "$LATEST") -> dict[str, Any]:
        if version == "$LATEST":
            sha, config = fn.code_sha, fn.config
            busy = self.now < fn.busy_until
            new = fn.created_at + self.update_seconds > self.now
            state, update = ("Pending", "Successful") if new else ("Active", "InProgress" if busy else "Successful")
        else:
            found = next((v for v in fn.versions if v.number == version), None)
            if found is None:
                raise AwsError("ResourceNotFoundException", f"Function not found: {fn.arn}:{version}", 404)
            sha, config = found.code_sha, found.config
            state, update = ("Pending" if self.now < found.ready_at else "Active"), "Successful"
        out: dict[str, Any] = {"FunctionName": fn.name, "FunctionArn": fn.arn if version == "$LATEST"
                               else f"{fn.arn}:{version}", "Version": version, "CodeSha256": sha,
                               "State": state, "LastUpdateStatus": update}
        for k in ("Runtime", "Handler", "Role", "MemorySize", "Timeout", "Description"):
            if k in config:
                out[k] = config[k]
        return out

    @cites(_STATES)
    def _op_GetFunctionConfiguration(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        return self._configuration(self._get(account, region, p["FunctionName"]), p.get("Qualifier", "$LATEST"))

    @cites(_PUBLISH)
    def _op_PublishVersion(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        fn = self._get(account, region, p["FunctionName"])
        number, _ = self._publish(fn)
        return self._configuration(fn, number)

    def _alias_body(self, fn: _Function, name: str) -> dict[str, Any]:
        entry = fn.aliases[name]
        body: dict[str, Any] = {"AliasArn": f"{fn.arn}:{name}", "Name": name,
                                "FunctionVersion": entry["FunctionVersion"], "RevisionId": str(entry["Revision"])}
        if entry.get("Routing"):
            body["RoutingConfig"] = {"AdditionalVersionWeights": dict(entry["Routing"])}
        return body

    @cites(_NOT_FOUND)
    def _op_GetAlias(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        fn = self._get(account, region, p["FunctionName"])
        if p["Name"] not in fn.aliases:
            raise AwsError("ResourceNotFoundException", f"Alias not found: {fn.arn}:{p['Name']}", 404)
        return self._alias_body(fn, p["Name"])

    def _check_version(self, fn: _Function, version: str) -> None:
        if version != "$LATEST" and version not in {v.number for v in fn.versions}:
            raise AwsError("ResourceNotFoundException", f"Function not found: {fn.arn}:{version}", 404)

    @cites(_CREATE_ALIAS)
    def _op_CreateAlias(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        fn = self._get(account, region, p["FunctionName"])
        if p["Name"] in fn.aliases:
            raise AwsError("ResourceConflictException", f"Alias already exists: {fn.arn}:{p['Name']}", 409)
        self._check_version(fn, p["FunctionVersion"])
        routing = self._check_routing(fn, p["FunctionVersion"],
                                      dict((p.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}))
        fn.aliases[p["Name"]] = {"FunctionVersion": p["FunctionVersion"], "Routing": routing, "Revision": 1}
        self._record(account, region, fn, p["Name"], "CreateAlias", p["FunctionVersion"], routing)
        return self._alias_body(fn, p["Name"])

    @cites(_WEIGHT_RANGE, _ONE_EXTRA_VERSION)
    def _check_routing(self, fn: _Function, primary: str, routing: Mapping[str, float]) -> dict[str, float]:
        if len(routing) > 1:
            raise AwsError("InvalidParameterValueException", f"an alias routes to at most two versions; "
                                                             f"AdditionalVersionWeights has {len(routing)}", 400)
        for version, weight in routing.items():
            if not 0.0 <= float(weight) <= 1.0:
                raise AwsError("ValidationException",
                               f"1 validation error detected: Value {weight} at 'routingConfig."
                               f"additionalVersionWeights' failed to satisfy constraint: Member must have value "
                               f"less than or equal to 1", 400)
            if version == primary:
                raise AwsError("InvalidParameterValueException",
                               f"the additional version {version} must differ from the alias's version", 400)
            if version == "$LATEST":
                raise AwsError("InvalidParameterValueException", "$LATEST is not supported in a routing config", 400)
            self._check_version(fn, version)
        return {k: float(v) for k, v in routing.items()}

    @cites(_UPDATE_ALIAS, _ROUTING)
    def _op_UpdateAlias(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        fn = self._get(account, region, p["FunctionName"])
        if p["Name"] not in fn.aliases:
            raise AwsError("ResourceNotFoundException", f"Alias not found: {fn.arn}:{p['Name']}", 404)
        entry = fn.aliases[p["Name"]]
        version = p.get("FunctionVersion", entry["FunctionVersion"])
        self._check_version(fn, version)
        routing = entry["Routing"]
        if "RoutingConfig" in p:
            routing = dict((p["RoutingConfig"] or {}).get("AdditionalVersionWeights") or {})
        entry["Routing"] = self._check_routing(fn, version, routing)
        entry["FunctionVersion"] = version
        entry["Revision"] += 1
        self._record(account, region, fn, p["Name"], "UpdateAlias", entry["FunctionVersion"], entry["Routing"])
        return self._alias_body(fn, p["Name"])

    @cites(_DELETE_ALIAS)
    def _op_DeleteAlias(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        fn = self._get(account, region, p["FunctionName"])
        if fn.aliases.pop(p["Name"], None) is not None:
            self._record(account, region, fn, p["Name"], "DeleteAlias", None, {})
        return {}

    # ---------------------------------------------------------------- invocations

    @cites(_WEIGHTED)
    def route(self, fn: _Function, qualifier: str) -> tuple[str, str]:
        """(alias or "", version) that serves one request to `qualifier`; an alias with routing picks by weight."""
        if qualifier in fn.aliases:
            entry = fn.aliases[qualifier]
            version = entry["FunctionVersion"]
            for extra, weight in sorted(entry["Routing"].items()):
                if self.rng.random() < weight:
                    version = extra
            return qualifier, version
        if qualifier != "$LATEST" and qualifier not in {v.number for v in fn.versions}:
            raise AwsError("ResourceNotFoundException", f"Function not found: {fn.arn}:{qualifier}", 404)
        return "", qualifier

    def invoke_function(self, account: str, region: str, name: str, payload: Any, *,
                        qualifier: str = "$LATEST") -> Any:
        """Run one request as Lambda would (service side: Step Functions, CodeDeploy); FunctionError on failure."""
        fn = self._get(account, region, name)
        qualifier = _qualifier_of(name) or qualifier
        alias, version = self.route(fn, qualifier)
        minute = int(self.now // 60)
        runner = self._runner(account, region, fn, version)
        if runner is None:
            error = self.outcome(account, region, fn.name, version)
            self.served.append(Served(minute, account, region, fn.name, alias, version, 1, int(error is not None)))
            if error is not None:
                raise FunctionError(error, f"simulated failure of {fn.name}:{version}")
            return {"statusCode": 200}
        try:
            result = runner.invoke(payload)
        except Unmodelled:
            raise
        except Exception as e:  # the runtime reports any exception as the function's error
            self.served.append(Served(minute, account, region, fn.name, alias, version, 1, 1))
            raise FunctionError(type(e).__name__, str(e)) from e
        self.served.append(Served(minute, account, region, fn.name, alias, version, 1, 0))
        return result

    def _runner(self, account: str, region: str, fn: _Function, version: str) -> FunctionInstance | None:
        """The execution environment of Seawall's own function at `version`; None for a service's function."""
        if version == "$LATEST":
            code, config, sha = fn.code, fn.config, fn.code_sha
        else:
            found = next(v for v in fn.versions if v.number == version)
            code, config, sha = found.code, found.config, found.code_sha
        asset = self.assets.get(str(code.get("S3Key", "")))
        if asset is None or self.aws is None:
            return None
        key = (account, region, fn.name, hashlib.sha256((sha + json.dumps(config, sort_keys=True, default=str))
                                                        .encode()).hexdigest())
        instance = self._instances.get(key)
        if instance is None:
            variables = (config.get("Environment") or {}).get("Variables") or {}
            instance = FunctionInstance(self.aws, account=account, region=region, function_name=fn.name,
                                        asset=asset, handler=str(config.get("Handler", "")),
                                        environment={k: str(v) for k, v in variables.items()},
                                        role_arn=str(config.get("Role", "")), timeout=int(config.get("Timeout", 3)),
                                        memory=int(config.get("MemorySize", 128)))
            self._instances[key] = instance
        return instance

    @cites(_INVOKE)
    def _op_Invoke(self, p: Mapping[str, Any], account: str, region: str) -> dict[str, Any]:
        if p.get("InvocationType", "RequestResponse") != "RequestResponse":
            raise Unmodelled(f"the simulated Lambda models only RequestResponse invocations through the API, "
                             f"not {p.get('InvocationType')}")
        raw = p.get("Payload", b"{}")
        payload = json.loads(raw.read() if hasattr(raw, "read") else raw or b"{}")
        body: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": "$LATEST"}
        try:
            out = self.invoke_function(account, region, p["FunctionName"], payload,
                                       qualifier=p.get("Qualifier", "$LATEST"))
            data = json.dumps(out).encode()
        except FunctionError as e:
            body["FunctionError"] = "Unhandled"
            data = json.dumps({"errorType": e.error_type, "errorMessage": e.message}).encode()
        body["Payload"] = StreamingBody(io.BytesIO(data), len(data))
        return body

    def _record(self, account: str, region: str, fn: _Function, alias: str, operation: str, version: str | None,
                routing: Mapping[str, float]) -> None:
        by = self.attribution()
        if not by and self.aws is not None and self.aws.caller is not None:
            by = self.aws.caller.arn or f"account {self.aws.caller.account}"
        self.alias_events.append(AliasEvent(account, region, fn.name, alias, operation, version, dict(routing),
                                            self.now, by))

