"""Findings, the check catalogue and the template view every rule reads.

Nothing here imports ``aws_cdk``: the checks run over plain CloudFormation
JSON and the plan, so ``seawall check`` and users' tests stay fast.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any


class Compliance(Enum):
    """What a rule concluded about one resource or one step (cdk-nag's three outcomes)."""

    COMPLIANT = "compliant"
    NON_COMPLIANT = "non-compliant"
    NOT_APPLICABLE = "not-applicable"


@dataclass(frozen=True, kw_only=True)
class Check:
    """One safety check: a stable ID, what it looks for, why it matters and how to fix it."""

    id: str
    title: str
    why: str
    fix: str
    reads: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "title": self.title, "why": self.why, "fix": self.fix, "reads": list(self.reads)}


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One rule's verdict on one resource (in a template) or one step (in the plan).

    Attributes
    ----------
    check_id:
        The check's stable ID, e.g. ``SW001``.
    status:
        Compliant, non-compliant or not applicable.
    message:
        Names the resource and, when non-compliant, says the fix.
    resource:
        A template's logical ID, or ``step <name>`` / ``wave <name>`` for the plan.
    template:
        The template's file path or stack name; ``None`` for plan findings.
    location:
        Where in the resource, e.g. ``UpdatePolicy/CodeDeployLambdaAliasUpdate``.
    suppressed_by:
        The reason of the suppression that silenced this finding, if any.
    warning:
        Set for a warning rule's finding (:mod:`seawall.checks.registry`): shown, never a failure.
    """

    check_id: str
    status: Compliance
    message: str
    resource: str
    template: str | None = None
    location: str | None = None
    suppressed_by: str | None = None
    warning: bool = False

    @property
    def is_failure(self) -> bool:
        """Non-compliant, not suppressed and not a warning: this fails ``seawall check`` and the synth."""
        return self.status is Compliance.NON_COMPLIANT and self.suppressed_by is None and not self.warning

    @property
    def is_warning(self) -> bool:
        """Non-compliant and not suppressed, from a warning rule: shown, but fails nothing."""
        return self.status is Compliance.NON_COMPLIANT and self.suppressed_by is None and self.warning

    def suppressed(self, reason: str) -> Finding:
        return replace(self, suppressed_by=reason)

    def describe(self) -> str:
        where = f"{self.template}: " if self.template else ""
        tail = f" (suppressed: {self.suppressed_by})" if self.suppressed_by else ""
        return f"{self.check_id} {where}{self.message}{tail}"

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.check_id, "status": self.status.value, "message": self.message,
            "resource": self.resource, "template": self.template, "location": self.location,
            "suppressed": self.suppressed_by is not None, "suppressionReason": self.suppressed_by,
            "warning": self.warning,
        }


# --------------------------------------------------------------------------------------------------
# The template view.
# --------------------------------------------------------------------------------------------------

class TemplateError(ValueError):
    """A template (or the assembly around it) that cannot be read as CloudFormation: names the file and the problem."""


def template_problem(body: object) -> str | None:
    """What makes `body` unreadable as a CloudFormation template, or None.

    A template is a JSON object; its ``Resources``, when present, map logical IDs to objects with a string
    ``Type``, and a resource's ``Properties``, ``Metadata`` and ``UpdatePolicy`` are objects.
    """
    if not isinstance(body, Mapping):
        return f"is a JSON {_json_kind(body)}, not an object; a CloudFormation template is an object with Resources"
    resources = body.get("Resources")
    if resources is None:
        return None
    if not isinstance(resources, Mapping):
        return f"Resources is a JSON {_json_kind(resources)}, not an object mapping logical IDs to resources"
    for lid, res in resources.items():
        if not isinstance(res, Mapping):
            return f"resource {lid!r} is a JSON {_json_kind(res)}, not an object with Type and Properties"
        if not isinstance(res.get("Type"), str) or not res.get("Type"):
            return f"resource {lid!r} has no Type string (Type={res.get('Type')!r})"
        for key in ("Properties", "Metadata", "UpdatePolicy"):
            if key in res and res[key] is not None and not isinstance(res[key], Mapping):
                return f"resource {lid!r} has {key} that is a JSON {_json_kind(res[key])}, not an object"
    return None


def _json_kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "null" if value is None else type(value).__name__


@dataclass(frozen=True)
class StackTemplate:
    """A synthesized CloudFormation template and where it came from.

    ``name`` is what findings show (the template path, or a stack name).  Read
    from a cloud assembly, a template also knows its stack's environment
    (``account`` and ``region``; ``None`` when environment-agnostic), its
    construct path, and the CDK acknowledgments recorded on its constructs.

    Raises
    ------
    TemplateError
        When `body` is not a CloudFormation template (:func:`template_problem`), naming `name`.
    """

    name: str
    body: Mapping[str, Any] = field(repr=False)
    account: str | None = None
    region: str | None = None
    #: The stack's construct path (``Stage/Stack``), when read from an assembly.
    stack_path: str | None = None
    #: Logical ID -> construct path (CDK's ``aws:cdk:logicalId`` metadata).
    construct_paths: Mapping[str, str] = field(default_factory=dict, repr=False)
    #: Construct path -> {rule ID as acknowledged: reason} (CDK's ``aws:cdk:acknowledged-rules`` metadata).
    acknowledgments: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        problem = template_problem(self.body)
        if problem:
            raise TemplateError(f"template {self.name!r} {problem}")

    @classmethod
    def from_file(cls, path: str, **where: Any) -> StackTemplate:
        """Read a template file; `where` sets the other fields (environment, paths, acknowledgments)."""
        return cls(path, read_json(path, "template"), **where)

    @property
    def environment(self) -> tuple[str | None, str | None]:
        return self.account, self.region

    @property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        res = self.body.get("Resources") or {}
        return res if isinstance(res, Mapping) else {}

    def of_type(self, *types: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for lid, res in self.resources.items():
            if isinstance(res, Mapping) and res.get("Type") in types:
                yield lid, res

    def type_of(self, logical_id: str) -> str | None:
        res = self.resources.get(logical_id)
        return res.get("Type") if isinstance(res, Mapping) else None


def read_json(path: Any, what: str) -> Any:
    """The JSON in `path`, or a :class:`TemplateError` naming the file and what is wrong with it."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise TemplateError(f"{what} {str(path)!r} does not exist; run `cdk synth` again") from None
    except UnicodeDecodeError as e:
        raise TemplateError(f"{what} {str(path)!r} is not UTF-8 text: {e.reason} at byte {e.start}") from None
    except json.JSONDecodeError as e:
        raise TemplateError(f"{what} {str(path)!r} is not valid JSON: {e.msg} at line {e.lineno} column "
                            f"{e.colno}") from None
    except OSError as e:
        raise TemplateError(f"{what} {str(path)!r} cannot be read: {e.strerror or e}") from None


def props(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    p = resource.get("Properties") or {}
    return p if isinstance(p, Mapping) else {}


_SUB_REF = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def refs(value: Any) -> set[str]:
    """Logical IDs that `value` references through Ref, Fn::GetAtt or Fn::Sub."""
    out: set[str] = set()
    if isinstance(value, Mapping):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                if not v.startswith("AWS::"):
                    out.add(v)
            elif k == "Fn::GetAtt":
                if isinstance(v, list) and v and isinstance(v[0], str):
                    out.add(v[0])
                elif isinstance(v, str):
                    out.add(v.split(".", 1)[0])
            elif k == "Fn::Sub":
                text = v[0] if isinstance(v, list) and v else v
                if isinstance(text, str):
                    out.update(_SUB_REF.findall(text))
                if isinstance(v, list) and len(v) > 1:
                    out |= refs(v[1])
            else:
                out |= refs(v)
    elif isinstance(value, list):
        for v in value:
            out |= refs(v)
    return out


def strings(value: Any) -> Iterator[str]:
    """Every literal string inside `value` (to find alarm names in rules, ARNs in joins)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def flat_text(value: Any) -> str:
    """Literal strings of `value` joined: good enough to search an ARN built with Fn::Join."""
    return "".join(strings(value))
