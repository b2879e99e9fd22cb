"""The uv that `make install` bootstraps, for tests that build or install the package as users do."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def uv_binary() -> Path:
    """`.tools/uv-<version>/bin/uv`, the version pyproject requires (the venv itself has no pip)."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        required = tomllib.load(f)["tool"]["uv"]["required-version"]
    uv = ROOT / ".tools" / f"uv-{required.removeprefix('==')}" / "bin" / "uv"
    assert uv.is_file(), f"{uv} not found: run `make install` (it bootstraps uv {required} with pip)"
    return uv
