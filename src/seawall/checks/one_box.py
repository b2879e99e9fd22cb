"""I10 over the whole assembly: one-box alarms stay one-box.

How the rules recognise the parts in a template:

* a **one-box alarm** is an ``AWS::CloudWatch::Alarm`` on the new version only: its metric, or an input of
  its metric math, has the ``ExecutedVersion`` dimension (``FunctionName``, ``Resource``,
  ``ExecutedVersion``, as SafeLambdaDeployment's one-box rows measure).  Its function is its
  ``FunctionName`` dimension;
* a **one-box rollback composite** is an ``AWS::CloudWatch::CompositeAlarm`` whose ``AlarmName`` ends with
  :data:`seawall.model.naming.ONE_BOX_ROLLBACK_SUFFIX` (:func:`~seawall.model.naming.one_box_rollback_alarm_name`);
* a composite **names** an alarm through ``Ref`` / ``Fn::GetAtt`` in its ``AlarmRule`` (same template) or
  an ``ALARM("name")`` / ``ALARM("arn:...:alarm:name")`` term whose name is the literal ``AlarmName`` of
  an alarm anywhere in the assembly (the team aggregate names services' alarms across stacks).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model.naming import ONE_BOX_ROLLBACK_SUFFIX
from .core import Compliance, Finding, StackTemplate, flat_text, props, refs, strings
from .templates import ALARM, COMPOSITE, alarm_dimensions, rule_names

#: The dimension only an alarm on one version carries.
_ONE_BOX_DIMENSION = "ExecutedVersion"

Key = tuple[str, str]  # (template name, logical ID)


@dataclass(frozen=True)
class _Alarm:
    template: StackTemplate
    lid: str
    name: str
    #: For a one-box alarm, its function: the FunctionName dimension as written (a literal, or a logical ID).
    function: str | None
    composite: bool

    @property
    def key(self) -> Key:
        return self.template.name, self.lid

    @property
    def one_box(self) -> bool:
        return self.function is not None

    @property
    def rollback(self) -> bool:
        return self.composite and self.name.endswith(ONE_BOX_ROLLBACK_SUFFIX)

    def describe(self) -> str:
        return f"{self.lid} ({self.name})" if self.name and self.name != self.lid else self.lid


def _function_of(p: Mapping[str, Any], t: StackTemplate) -> str | None:
    """The function a one-box alarm watches, or None when `p` is not a one-box alarm."""
    dims = list(alarm_dimensions(p))
    if not any(d.get("Name") == _ONE_BOX_DIMENSION for d in dims):
        return None
    for d in dims:
        if d.get("Name") == "FunctionName":
            value = d.get("Value")
            if isinstance(value, str):
                return value
            found = sorted(refs(value))
            return f"{t.name}:{found[0]}" if found else flat_text(value) or "(unknown function)"
    return "(unknown function)"


class _Index:
    """Every alarm and composite of the assembly, by (template, logical ID) and by literal name."""

    def __init__(self, templates: Sequence[StackTemplate]) -> None:
        self.alarms: dict[Key, _Alarm] = {}
        self.by_name: dict[str, list[Key]] = {}
        for t in templates:
            for lid, res in t.of_type(ALARM, COMPOSITE):
                p = props(res)
                composite = res.get("Type") == COMPOSITE
                name = flat_text(p.get("AlarmName")) if p.get("AlarmName") is not None else ""
                alarm = _Alarm(t, lid, name, None if composite else _function_of(p, t), composite)
                self.alarms[alarm.key] = alarm
                if isinstance(p.get("AlarmName"), str):
                    self.by_name.setdefault(p["AlarmName"], []).append(alarm.key)

    def composites(self) -> list[_Alarm]:
        return [a for a in self.alarms.values() if a.composite]

    def children(self, composite: _Alarm) -> list[_Alarm]:
        """The alarms `composite`'s rule names, in the assembly."""
        rule = props(composite.template.resources[composite.lid]).get("AlarmRule")
        keys = [(composite.template.name, r) for r in sorted(refs(rule))]
        for text in strings(rule):
            for name in rule_names(text):
                keys += self.by_name.get(name.rsplit(":alarm:", 1)[-1], [])
        seen: dict[Key, _Alarm] = {}
        for k in keys:
            if k in self.alarms and k != composite.key:
                seen.setdefault(k, self.alarms[k])
        return list(seen.values())


def _finding(check_id: str, status: Compliance, a: _Alarm, message: str) -> Finding:
    return Finding(check_id=check_id, status=status, resource=a.lid, template=a.template.name, message=message,
                   location="Properties/AlarmRule")


def check_one_box_alarm_in_other_composite(templates: Sequence[StackTemplate]) -> Iterator[Finding]:
    """SW020: no composite other than a one-box rollback composite names a one-box alarm (I10)."""
    index = _Index(templates)
    for c in index.composites():
        if c.rollback:
            continue  # SW022 judges what a rollback composite names
        one_box = [a for a in index.children(c) if a.one_box]
        if one_box:
            names = ", ".join(a.describe() for a in one_box)
            yield _finding(
                "SW020", Compliance.NON_COMPLIANT, c,
                f"composite {c.describe()} names one-box alarm(s) {names}: a one-box alarm watches one "
                f"function's new version, and in this composite it holds every gate and reverts every bake "
                f"that watches the composite (I10); name one-box alarms only in their function's own one-box "
                f"rollback composite (*{ONE_BOX_ROLLBACK_SUFFIX}) and deployment group")
        else:
            yield _finding("SW020", Compliance.COMPLIANT, c, f"composite {c.describe()} names no one-box alarm")


def check_rollback_composite_named_elsewhere(templates: Sequence[StackTemplate]) -> Iterator[Finding]:
    """SW021: no composite names a one-box rollback composite (only its function's shift and bake watch it)."""
    index = _Index(templates)
    parents: dict[Key, list[_Alarm]] = {}
    for c in index.composites():
        for child in index.children(c):
            if child.rollback:
                parents.setdefault(child.key, []).append(c)
    for r in index.composites():
        if not r.rollback:
            continue
        named_by = parents.get(r.key, [])
        if named_by:
            yield _finding(
                "SW021", Compliance.NON_COMPLIANT, r,
                f"one-box rollback composite {r.describe()} is named by composite(s) "
                f"{', '.join(f'{p.template.name}:{p.describe()}' for p in named_by)}: its function's one-box "
                f"then reaches whatever watches them (I10); remove it from their rules")
        else:
            yield _finding("SW021", Compliance.COMPLIANT, r,
                           f"one-box rollback composite {r.describe()} is named by no other composite")


def check_rollback_composite_mixes_functions(templates: Sequence[StackTemplate]) -> Iterator[Finding]:
    """SW022: a one-box rollback composite names the one-box alarms of one function only."""
    index = _Index(templates)
    for r in index.composites():
        if not r.rollback:
            continue
        by_function: dict[str, list[_Alarm]] = {}
        for a in index.children(r):
            if a.function is not None:
                by_function.setdefault(a.function, []).append(a)
        if len(by_function) > 1:
            parts = "; ".join(f"{fn.rsplit(':', 1)[-1]}: {', '.join(a.describe() for a in alarms)}"
                              for fn, alarms in sorted(by_function.items()))
            yield _finding(
                "SW022", Compliance.NON_COMPLIANT, r,
                f"one-box rollback composite {r.describe()} names the one-box alarms of {len(by_function)} "
                f"functions ({parts}): one function's canary would revert the others (I10); give each function "
                f"its own rollback composite")
        else:
            yield _finding("SW022", Compliance.COMPLIANT, r,
                           f"one-box rollback composite {r.describe()} names one function's one-box alarms")
