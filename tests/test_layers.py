"""Layers import one way (DESIGN.md "Layout"): every import in src/seawall, at any depth, against the table.

Module-level, function-level and ``TYPE_CHECKING`` imports all count: a
function-level import that dodges a cycle is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "seawall"

#: DESIGN.md "Layout": which Seawall layers each layer may import (its own always).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "model": frozenset(),
    "lambdas": frozenset({"model"}),
    "checks": frozenset({"model"}),
    "sim": frozenset({"model", "lambdas", "checks"}),
    "report": frozenset({"model"}),
    "constructs": frozenset({"model", "checks"}),
    "stacks": frozenset({"constructs", "checks", "model"}),
    "cli": frozenset({"model", "lambdas", "checks", "sim", "report", "constructs", "stacks", "testing"}),
    "testing": frozenset({"checks", "sim", "model"}),
}
#: Top-level modules outside a package, and the layer they belong to. ``demo`` is the CLI's demo.
MODULE_LAYER = {"testing": "testing", "demo": "cli"}
#: Third-party packages a layer must never import ("model: no aws_cdk, no boto3"; "lambdas never imports
#: aws_cdk"; "sim: never aws_cdk"; "checks: only checks/plugin.py may import aws_cdk").
CDK = frozenset({"aws_cdk", "constructs", "jsii", "cdk_nag"})
FORBIDDEN_THIRD_PARTY: dict[str, frozenset[str]] = {
    "model": CDK | {"boto3", "botocore"},
    "lambdas": CDK,
    "sim": CDK,
    "checks": CDK,
    "report": CDK,
}
#: The one file of a layer that may import what the layer otherwise may not.
THIRD_PARTY_EXCEPTIONS = {Path("checks/plugin.py")}


def module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str | None:
    """``seawall.x.y`` -> ``x`` (or the layer of a top-level module); None for the root ``seawall``."""
    parts = module.split(".")
    if parts[0] != "seawall" or len(parts) == 1:
        return None
    return MODULE_LAYER.get(parts[1], parts[1])


def imports(path: Path, src: Path = SRC) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path, src)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from . import x` / `from seawall import cli` import submodules: count each name too.
            found.append((node.lineno, target))
            found += [(node.lineno, f"{target}.{a.name}") for a in node.names if a.name != "*"]
    return found


def sources(src: Path = SRC) -> list[Path]:
    return sorted((src / "seawall").rglob("*.py"))


def test_every_module_belongs_to_a_layer_of_the_table() -> None:
    unknown = {module_name(p) for p in sources()
               if module_name(p) != "seawall" and layer_of(module_name(p)) not in MAY_IMPORT}
    assert not unknown, f"modules outside DESIGN.md's layer table: {sorted(unknown)}; add them to a layer"


def violations(src: Path = SRC) -> list[str]:
    bad: list[str] = []
    known = {module_name(p, src) for p in sources(src)}
    for path in sources(src):
        layer = layer_of(module_name(path, src))
        rel = path.relative_to(src / "seawall")
        for line, target in imports(path, src):
            top = target.split(".")[0]
            where = f"{rel}:{line} imports {target}"
            if top == "seawall":
                # `from seawall.x import name` also lists seawall.x.name: only real modules count.
                if target not in known and target.rpartition(".")[0] in known:
                    continue
                other = layer_of(target)
                if other is None:
                    continue  # the root package: __version__ only (checked below)
                if layer is not None and other != layer and other not in MAY_IMPORT[layer]:
                    bad.append(f"{where}: layer {layer!r} may not import {other!r}")
            elif layer in FORBIDDEN_THIRD_PARTY and top in FORBIDDEN_THIRD_PARTY[layer] \
                    and rel not in THIRD_PARTY_EXCEPTIONS:
                bad.append(f"{where}: layer {layer!r} may not import {top!r}")
    return bad


def test_imports_follow_the_layer_table() -> None:
    assert violations() == []


def test_the_root_package_imports_no_subpackage() -> None:
    root = PACKAGE / "__init__.py"
    targets = [t for _, t in imports(root)]
    assert not [t for t in targets if t.startswith("seawall")], targets


@pytest.mark.parametrize(("layer", "target", "ok"), [
    ("model", "seawall.checks", False),
    ("constructs", "seawall.stacks.team_runtime", False),
    ("checks", "seawall.cli", False),
    ("stacks", "seawall.constructs.release", True),
    ("cli", "seawall.sim", True),
])
def test_the_table_reads_as_designed(layer: str, target: str, ok: bool) -> None:
    other = layer_of(target)
    assert (other == layer or other in MAY_IMPORT[layer]) is ok


def test_function_level_and_type_checking_imports_are_found(tmp_path: Path) -> None:
    pkg = tmp_path / "seawall"
    for sub in ("", "constructs", "stacks", "checks", "model"):
        (pkg / sub).mkdir(parents=True, exist_ok=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "stacks" / "team_runtime.py").write_text("X = 1\n")
    (pkg / "constructs" / "steps.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ..stacks import team_runtime\n"
        "def f():\n    from ..stacks.team_runtime import X\n")
    (pkg / "checks" / "rule.py").write_text("def f():\n    import aws_cdk\n")
    (pkg / "checks" / "plugin.py").write_text("import aws_cdk\n")
    (pkg / "model" / "plan.py").write_text("from seawall.checks import rule\n")
    assert sorted(violations(tmp_path)) == sorted([
        "checks/rule.py:2 imports aws_cdk: layer 'checks' may not import 'aws_cdk'",
        "constructs/steps.py:3 imports seawall.stacks: layer 'constructs' may not import 'stacks'",
        "constructs/steps.py:3 imports seawall.stacks.team_runtime: layer 'constructs' may not import 'stacks'",
        "constructs/steps.py:5 imports seawall.stacks.team_runtime: layer 'constructs' may not import 'stacks'",
        "model/plan.py:1 imports seawall.checks: layer 'model' may not import 'checks'",
        "model/plan.py:1 imports seawall.checks.rule: layer 'model' may not import 'checks'",
    ])
