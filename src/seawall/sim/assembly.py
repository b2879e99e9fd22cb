"""A synthesized cloud assembly as the simulation reads it: stacks, templates, assets, pipelines.

Reads ``manifest.json`` (and every nested stage assembly CDK Pipelines
writes), never ``aws_cdk``.  A pipeline is a *service pipeline* when it
invokes Seawall's release state machines (Step Functions invoke actions on
``seawall-<team>-gate|shift|bake``), otherwise a *foundation pipeline* (the
team's runtime and monitoring).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .botocore_bridge import Unmodelled

#: CDK Pipelines names the synth step's output artifact this; a CloudFormation action's ``TemplatePath``
#: is ``<artifact>::<path in the cloud assembly>``.
SYNTH_OUTPUT = "Synth_Output"


class AssemblyError(ValueError):
    """The directory is not a cloud assembly the simulation can read (the message says why and what to do)."""


@dataclass(frozen=True)
class StackArtifact:
    """One stack of the assembly: where it deploys and its template."""

    artifact_id: str
    stack_name: str
    account: str
    region: str
    #: The template's path relative to the root of the assembly (what ``TemplatePath`` names).
    path: str
    root: Path = field(repr=False, compare=False)
    dependencies: tuple[str, ...] = ()

    @cached_property
    def template(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / self.path).read_text(encoding="utf-8"))
        return data

    def resources_of(self, rtype: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(logical ID, resource) of every resource of type `rtype`, in logical-ID order."""
        resources = self.template.get("Resources", {})
        for lid in sorted(resources):
            if resources[lid].get("Type") == rtype:
                yield lid, resources[lid]


@dataclass(frozen=True)
class PipelineArtifact:
    """A CodePipeline the assembly defines."""

    name: str
    kind: str  # "service" or "foundation"
    stack: StackArtifact
    logical_id: str

    @property
    def definition(self) -> Mapping[str, Any]:
        props: Mapping[str, Any] = self.stack.template["Resources"][self.logical_id]["Properties"]
        return props


class Assembly:
    """The cloud assembly in `root` (``cdk.out``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        if not (self.root / "manifest.json").is_file():
            raise AssemblyError(f"{root} is not a cloud assembly (it has no manifest.json): run `cdk synth` first, "
                                f"or name the assembly directory")
        self.stacks: dict[str, StackArtifact] = {}
        self._asset_manifests: list[Path] = []
        self._read(self.root, "")

    def _read(self, directory: Path, prefix: str) -> None:
        try:
            manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as e:
            raise AssemblyError(f"{directory / 'manifest.json'} cannot be read: {e}") from e
        artifacts = manifest.get("artifacts", {})
        for artifact_id in sorted(artifacts):
            artifact = artifacts[artifact_id]
            props = artifact.get("properties", {})
            kind = artifact.get("type")
            if kind == "cdk:cloud-assembly":
                nested = props["directoryName"]
                self._read(directory / nested, f"{prefix}{nested}/")
            elif kind == "cdk:asset-manifest":
                self._asset_manifests.append(directory / props["file"])
            elif kind == "aws:cloudformation:stack":
                env = str(artifact.get("environment", ""))
                account, region = _environment(env, artifact_id)
                stack = StackArtifact(artifact_id=artifact_id, stack_name=props.get("stackName", artifact_id),
                                      account=account, region=region, path=prefix + props["templateFile"],
                                      root=self.root, dependencies=tuple(sorted(artifact.get("dependencies", []))))
                self.stacks[stack.path] = stack

    @cached_property
    def assets(self) -> dict[str, Path]:
        """Every file asset, by the S3 object key a template's ``Code.S3Key`` names."""
        out: dict[str, Path] = {}
        for manifest in sorted(self._asset_manifests):
            data = json.loads(manifest.read_text(encoding="utf-8"))
            for entry in data.get("files", {}).values():
                source = manifest.parent / entry["source"]["path"]
                for dest in entry.get("destinations", {}).values():
                    out[dest["objectKey"]] = source
        return out

    def top_level(self) -> list[StackArtifact]:
        """Stacks the CDK CLI deploys (not the ones a pipeline deploys), in path order."""
        return [s for p, s in sorted(self.stacks.items()) if "/" not in p]

    def stack_at(self, template_path: str) -> StackArtifact:
        """The stack a CloudFormation action's ``TemplatePath`` (``Synth_Output::<path>``) names."""
        artifact, _, path = template_path.partition("::")
        if artifact != SYNTH_OUTPUT or path not in self.stacks:
            raise Unmodelled(f"TemplatePath {template_path!r} names no template of the synth output")
        return self.stacks[path]

    @cached_property
    def pipelines(self) -> list[PipelineArtifact]:
        """Every pipeline of the top-level stacks: foundation pipelines first, then by name."""
        found: list[PipelineArtifact] = []
        for stack in self.top_level():
            for lid, resource in stack.resources_of("AWS::CodePipeline::Pipeline"):
                props = resource.get("Properties", {})
                name = props.get("Name")
                if not isinstance(name, str):
                    raise Unmodelled(f"pipeline {lid} in {stack.stack_name} has no literal Name")
                kind = "service" if _invokes_release_machines(props) else "foundation"
                found.append(PipelineArtifact(name, kind, stack, lid))
        return sorted(found, key=lambda p: (p.kind != "foundation", p.name))

    def service_pipelines(self) -> list[PipelineArtifact]:
        return [p for p in self.pipelines if p.kind == "service"]

    def foundation_pipelines(self) -> list[PipelineArtifact]:
        return [p for p in self.pipelines if p.kind == "foundation"]


def choose_service_pipeline(names: Sequence[str], wanted: str | None, where: str) -> str:
    """The service pipeline to rehearse: `wanted`, or the only one of `names`; a clear error otherwise."""
    names = sorted(names)
    if not names:
        raise AssemblyError(f"ASSEMBLY={where!r} has no service pipeline (a pipeline whose steps invoke "
                            f"Seawall's gate, shift and bake); synthesize an app with a WavePipeline")
    if wanted is None:
        if len(names) > 1:
            raise AssemblyError(f"ASSEMBLY={where!r} has {len(names)} service pipelines: {', '.join(names)}; "
                                f"choose one with --pipeline NAME")
        return names[0]
    if wanted not in names:
        raise AssemblyError(f"--pipeline={wanted!r} is not a service pipeline of {where!r}; "
                            f"it has: {', '.join(names)}")
    return wanted


def _environment(env: str, artifact_id: str) -> tuple[str, str]:
    account, _, region = env.removeprefix("aws://").partition("/")
    if not (len(account) == 12 and account.isascii() and account.isdigit()) or not region or "unknown" in region:
        raise AssemblyError(f"stack {artifact_id} has environment {env!r}: the simulation needs every stack's "
                            f"account and region (give the stack an explicit env=)")
    return account, region


def _invokes_release_machines(props: Mapping[str, Any]) -> bool:
    for stage in props.get("Stages", []):
        for action in stage.get("Actions", []):
            type_id = action.get("ActionTypeId", {})
            if type_id.get("Provider") == "StepFunctions":
                input_text = str(action.get("Configuration", {}).get("Input", ""))
                if '"kind":"seawall.' in input_text.replace(" ", ""):
                    return True
    return False
