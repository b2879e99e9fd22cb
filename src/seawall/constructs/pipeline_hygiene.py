"""Template hygiene for the generated pipeline, so it passes cfn-lint with no ignores.

CDK Pipelines builds role ARNs of the target accounts with ``Fn::Join`` and an
empty delimiter (cfn-lint E3703 prefers ``Fn::Sub``), and the pipeline depends
explicitly on its role although ``RoleArn`` already references it (W3005).
Both are rewritten on the generated ``AWS::CodePipeline::Pipeline`` only;
the values are unchanged.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_codepipeline as codepipeline


def join_to_sub(value: Any) -> Any | None:
    """``{"Fn::Join": ["", parts]}`` as an equivalent ``{"Fn::Sub": ...}``, or None when it is not one."""
    if not isinstance(value, dict) or set(value) != {"Fn::Join"}:
        return None
    delimiter, parts = value["Fn::Join"]
    if delimiter != "" or not isinstance(parts, list):
        return None
    out = []
    for part in parts:
        if isinstance(part, str):
            if "${" in part:
                return None
            out.append(part)
        elif isinstance(part, dict) and set(part) == {"Ref"} and isinstance(part["Ref"], str):
            out.append("${" + part["Ref"] + "}")
        elif isinstance(part, dict) and set(part) == {"Fn::GetAtt"} and len(part["Fn::GetAtt"]) == 2:
            out.append("${" + ".".join(part["Fn::GetAtt"]) + "}")
        else:
            return None
    return {"Fn::Sub": "".join(out)}


def _pascal(key: str) -> str:
    return key[:1].upper() + key[1:]


def _joins(value: Any, path: list[str]) -> list[tuple[str, dict[str, str]]]:
    found: list[tuple[str, dict[str, str]]] = []
    sub = join_to_sub(value)
    if sub is not None:
        return [(".".join(path), sub)]
    if isinstance(value, dict):
        for k, v in value.items():
            # Action configuration keys are CloudFormation's already; declaration keys are camelCase.
            key = k if path and path[-1] == "Configuration" else _pascal(k)
            found += _joins(v, [*path, key])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _joins(v, [*path, str(i)])
    return found


def tidy_pipeline(pipeline: codepipeline.Pipeline) -> int:
    """Rewrite empty-delimiter joins in the stages as Fn::Sub; drop the redundant DependsOn on the role.

    Returns the size in bytes of the stages as the template will hold them (about).
    """
    cfn = pipeline.node.default_child
    assert isinstance(cfn, codepipeline.CfnPipeline)
    stack = cdk.Stack.of(pipeline)
    stages = stack.resolve(cfn.stages)
    for path, sub in _joins(stages, ["Stages"]):
        cfn.add_property_override(path, sub)
    role = pipeline.role.node.default_child
    role_path = role.node.path if role is not None else None
    keep = []
    for dep in [*cfn.node.dependencies, *pipeline.node.dependencies]:
        for child in dep.node.find_all():
            if isinstance(child, cdk.CfnResource) and child.node.path != role_path:
                keep.append(stack.resolve(stack.get_logical_id(child)))
    if keep:
        cfn.add_override("DependsOn", sorted(set(keep)))
    return len(json.dumps(stages, indent=1).encode("utf-8"))
