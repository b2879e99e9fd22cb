"""Real boto3 clients answered by the fakes.

A client made from :meth:`FakeAws.session` goes through botocore as far as it
would against AWS: its parameters are validated against the service model
(``ParamValidationError`` for a request AWS would reject), then a
``before-call`` hook answers from the fake instead of the network.  The fake's
answer is validated against the operation's output shape, so a fake cannot
return what AWS never would.  Fakes are partitioned by account and region: the
session's account and region go with every call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import boto3
from botocore.exceptions import ParamValidationError
from botocore.validate import ParamValidator

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


@dataclass
class _Http:
    status_code: int
    headers: dict[str, str]
    content: bytes = b""
    text: str = ""


class FakeAws:
    """The fakes of one simulated world, reachable through real boto3 sessions."""

    def __init__(self) -> None:
        self.services: dict[str, Service] = {}
        #: Every call answered, in order: (account, region, service, operation, params).
        self.calls: list[tuple[str, str, str, str, dict[str, Any]]] = []

    def register(self, service_name: str, service: Service) -> None:
        """Answer `service_name` (botocore's name, e.g. ``lambda``) from `service`."""
        self.services[service_name] = service

    def session(self, *, account: str, region: str) -> boto3.session.Session:
        """A boto3 session whose clients are answered by the fakes, as `account` in `region`."""
        session = boto3.session.Session(aws_access_key_id="ASIASIMULATED", aws_secret_access_key="simulated",
                                        aws_session_token="simulated", region_name=region)
        events = session._session.get_component("event_emitter")
        events.register_last("before-parameter-build.*.*", _remember_params)
        events.register("before-call.*.*", self._answerer(account, region))
        return session

    def _answerer(self, account: str, region: str) -> Callable[..., tuple[_Http, dict[str, Any]]]:
        def answer(model: Any, context: dict[str, Any], **_: Any) -> tuple[_Http, dict[str, Any]]:
            service_name = model.service_model.service_name
            operation = model.name
            params = context.get(_PARAMS, {})
            service = self.services.get(service_name)
            if service is None:
                raise Unmodelled(f"the simulation has no {service_name} service (called {operation})")
            self.calls.append((account, region, service_name, operation, dict(params)))
            try:
                body = service.handle(operation, params, account=account, region=region)
            except AwsError as e:
                return _Http(e.status, {}), {"Error": {"Code": e.code, "Message": e.message},
                                             "ResponseMetadata": {"HTTPStatusCode": e.status}}
            if model.output_shape is not None:
                report = _VALIDATOR.validate(body, model.output_shape)
                if report.has_errors():
                    raise ParamValidationError(report=f"the fake's {service_name} {operation} answer is not what "
                                                      f"AWS returns: {report.generate_report()}")
            return _Http(200, {}), {**body, "ResponseMetadata": {"HTTPStatusCode": 200}}

        return answer


def _remember_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context[_PARAMS] = params
