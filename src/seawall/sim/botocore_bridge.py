"""Real boto3 clients answered by the fakes.

A client made from :meth:`FakeAws.session` goes through botocore as far as it
would against AWS: its parameters are validated against the service model
(``ParamValidationError`` for a request AWS would reject), then a
``before-call`` hook answers from the fake instead of the network.  The fake's
answer is validated against the operation's output shape, so a fake cannot
return what AWS never would.  Fakes are partitioned by account and region: a
call is made as the account whose credentials signed it (a session's own, or
ones the STS fake issued for an assumed role) in the region of the client.

Faults (:class:`Fault`) are injected here, per call: throttling, server
errors, AccessDenied, and timeouts (the request may or may not have taken
effect).  A fault answered from this hook skips botocore's own retries, so
more faults reach the handler's error handling than would against AWS (the
safe direction).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn, Protocol

import boto3
import botocore.session
from botocore.exceptions import ParamValidationError, ReadTimeoutError
from botocore.validate import ParamValidator

from .clock import Clock

#: Where the fake's answers are checked against botocore's model (output shapes as if they were input).
_VALIDATOR = ParamValidator()
_PARAMS = "seawall_sim_params"


class Unmodelled(NotImplementedError):
    """A request for something the simulation does not model: it fails loudly, naming it."""


class AwsError(Exception):
    """An error AWS answers with: its code (as botocore raises it), message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


class Service(Protocol):
    """A fake AWS service: answers one operation for one account and region."""

    def handle(self, operation: str, params: Mapping[str, Any], *, account: str, region: str) -> dict[str, Any]:
        ...


def dispatch(fake: object, name: str, operation: str, params: Mapping[str, Any], account: str,
             region: str) -> dict[str, Any]:
    """Answer `operation` with the fake's ``_op_<operation>`` method; an operation it has none for fails loudly."""
    method = getattr(fake, f"_op_{operation}", None)
    if method is None:
        raise Unmodelled(f"the simulated {name} does not model {operation}")
    result: dict[str, Any] = method(params, account, region)
    return result


@dataclass
class _Http:
    status_code: int
    headers: dict[str, str]
    content: bytes = b""
    text: str = ""


#: Fault kinds and what AWS answers for each (code, HTTP status); ``timeout`` raises botocore's read timeout.
FAULT_KINDS: dict[str, tuple[str, int]] = {
    "throttle": ("ThrottlingException", 400),
    "5xx": ("ServiceUnavailable", 503),
    "access-denied": ("AccessDeniedException", 403),
    "timeout": ("", 0),
}


@dataclass
class Fault:
    """Make matching calls fail: `times` calls (after skipping `skip` matching ones), between two moments.

    ``service`` and ``operation`` are botocore's names (``lambda``,
    ``UpdateAlias``); ``"*"`` matches any.  A ``timeout`` fault with
    ``applied=True`` lets the fake carry the request out and loses only the
    answer (a timeout says nothing about whether the request took effect).
    ``callers`` limits the fault to calls signed as one of these role ARNs
    (empty: any caller), say the release Lambdas' execution roles.
    """

    kind: str
    service: str = "*"
    operation: str = "*"
    times: int = 1
    skip: int = 0
    start: float = 0.0
    end: float = float("inf")
    applied: bool = False
    account: str = "*"
    region: str = "*"
    callers: tuple[str, ...] = ()
    #: How many calls this fault failed so far.
    fired: int = field(default=0, compare=False)
    _seen: int = field(default=0, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"Fault(kind={self.kind!r}) must be one of {sorted(FAULT_KINDS)}")
        if self.times < 0 or self.skip < 0:
            raise ValueError(f"Fault(times={self.times}, skip={self.skip}) must not be negative")
        if not isinstance(self.callers, tuple) or not all(isinstance(c, str) and c for c in self.callers):
            raise TypeError(f"Fault(callers={self.callers!r}) must be a tuple of role ARNs (a string is not read as "
                            f"its characters); pass () for any caller")

    def matches(self, service: str, operation: str, account: str, region: str, now: float,
                caller: str = "") -> bool:
        return (self.service in ("*", service) and self.operation in ("*", operation)
                and self.account in ("*", account) and self.region in ("*", region)
                and (not self.callers or caller in self.callers) and self.start <= now < self.end)

    def fire(self) -> bool:
        """Count one matching call; True when this one fails."""
        self._seen += 1
        if self._seen <= self.skip or self.fired >= self.times:
            return False
        self.fired += 1
        return True


@dataclass(frozen=True)
class Principal:
    """Who signs with a set of simulated credentials: the account, and the role's ARN (empty for a root session)."""

    account: str
    arn: str = ""


class FakeAws:
    """The fakes of one simulated world, on one clock, reachable through real boto3 sessions."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.services: dict[str, Service] = {}
        #: Every call answered, in order: (account, region, service, operation, params).
        self.calls: list[tuple[str, str, str, str, dict[str, Any]]] = []
        self.faults: list[Fault] = []
        self._principals: dict[str, Principal] = {}
        self._botocore: botocore.session.Session | None = None
        #: Everything a call asked for that the simulation does not model, in order (a run with any fails loudly).
        self.unmodelled: list[Unmodelled] = []
        #: Who makes the call being answered (for a fake that checks the caller, such as STS's AssumeRole).
        self.caller: Principal | None = None

    def _unmodelled(self, error: Unmodelled) -> NoReturn:
        """Remember and raise: a handler that catches every exception must not hide what is not modelled."""
        self.unmodelled.append(error)
        raise error

    def register(self, service_name: str, service: Service) -> None:
        """Answer `service_name` (botocore's name, e.g. ``lambda``) from `service`."""
        self.services[service_name] = service

    def credentials(self, account: str, role_arn: str = "") -> dict[str, str]:
        """New simulated credentials for `account` (as `role_arn`, when given): what a call is made as."""
        if not (len(account) == 12 and account.isascii() and account.isdigit()):
            raise ValueError(f"account={account!r} must be 12 ASCII digits")
        key = f"ASIA{account}{len(self._principals):08d}"
        self._principals[key] = Principal(account, role_arn)
        return {"AccessKeyId": key, "SecretAccessKey": "simulated-secret", "SessionToken": f"simulated-{key}"}

    def principal(self, access_key: str) -> Principal:
        """Who signs with `access_key`; unknown keys are refused as AWS refuses them."""
        found = self._principals.get(access_key)
        if found is None:
            raise AwsError("UnrecognizedClientException", "The security token included in the request is invalid.",
                           403)
        return found

    def session(self, *, account: str, region: str, role_arn: str = "") -> boto3.session.Session:
        """A boto3 session whose clients are answered by the fakes, as `account` in `region`."""
        creds = self.credentials(account, role_arn)
        session = boto3.session.Session(aws_access_key_id=creds["AccessKeyId"],
                                        aws_secret_access_key=creds["SecretAccessKey"],
                                        aws_session_token=creds["SessionToken"], region_name=region,
                                        botocore_session=self._new_botocore_session())
        return session

    def _new_botocore_session(self) -> botocore.session.Session:
        """A botocore session sharing one model loader (loading service models is the slow part of a client)."""
        if self._botocore is None:
            self._botocore = botocore.session.Session()
        fresh = botocore.session.Session()
        fresh.register_component("data_loader", self._botocore.get_component("data_loader"))
        events = fresh.get_component("event_emitter")
        events.register_last("before-parameter-build.*.*", _remember_params)
        events.register("before-call.*.*", self._answer)
        return fresh

    def _answer(self, model: Any, context: dict[str, Any], request_signer: Any = None,
                **_: Any) -> tuple[_Http, dict[str, Any]]:
        service_name = model.service_model.service_name
        operation = model.name
        params = context.get(_PARAMS, {})
        service = self.services.get(service_name)
        if service is None:
            self._unmodelled(Unmodelled(f"the simulation has no {service_name} service (called {operation})"))
        region = request_signer.region_name
        try:
            # botocore keeps the signing credentials on the signer; the access key says who signs
            principal = self.principal(request_signer._credentials.access_key)
        except AwsError as e:
            return _Http(e.status, {}), {"Error": {"Code": e.code, "Message": e.message},
                                         "ResponseMetadata": {"HTTPStatusCode": e.status}}
        account = principal.account
        now = self.clock.seconds
        fault = next((f for f in self.faults
                      if f.matches(service_name, operation, account, region, now, principal.arn) and f.fire()),
                     None)
        self.calls.append((account, region, service_name, operation, dict(params)))
        if fault is not None and not (fault.kind == "timeout" and fault.applied):
            return _fault_answer(fault, service_name, operation)
        self.caller = principal
        try:
            body = service.handle(operation, params, account=account, region=region)
        except Unmodelled as e:
            self._unmodelled(e)
        except AwsError as e:
            return _Http(e.status, {}), {"Error": {"Code": e.code, "Message": e.message},
                                         "ResponseMetadata": {"HTTPStatusCode": e.status}}
        finally:
            self.caller = None
        if model.output_shape is not None:
            report = _VALIDATOR.validate(body, model.output_shape)
            if report.has_errors():
                raise ParamValidationError(report=f"the fake's {service_name} {operation} answer is not what "
                                                  f"AWS returns: {report.generate_report()}")
        if fault is not None:  # a timeout after the request took effect
            return _fault_answer(fault, service_name, operation)
        return _Http(200, {}), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}


def _fault_answer(fault: Fault, service: str, operation: str) -> tuple[_Http, dict[str, Any]]:
    if fault.kind == "timeout":
        raise ReadTimeoutError(endpoint_url=f"https://{service}.simulated/{operation}")
    code, status = FAULT_KINDS[fault.kind]
    return _Http(status, {}), {"Error": {"Code": code, "Message": f"simulated {fault.kind} on {service} {operation}"},
                               "ResponseMetadata": {"HTTPStatusCode": status}}


def _remember_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context[_PARAMS] = params
