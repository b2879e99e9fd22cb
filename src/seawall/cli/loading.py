"""The one ``--plan`` loader every subcommand uses, and the parsers of other command-line values.

``--plan`` (and ``--window``) name a Python object as ``path/to/file.py:NAME``
or ``package.module:NAME`` (NAME may be dotted), importable from the current
directory.  The object may be a WavePlan, an object with a ``.plan``
WavePlan and an optional ``.window`` TimeWindow (such as
:class:`seawall.model.ReleasePolicy`), or a function taking no arguments that
returns one of those.  Whatever goes wrong while loading it - a missing file,
a ``NameError`` in the file, a factory that raises - is a :class:`ValueError`
with one line that names the file, which the CLI turns into exit code 2.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..model import TimeWindow, WavePlan

__all__ = ["PlanSource", "load_object", "load_plan", "load_window", "parse_start", "parse_zone"]


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0]}" if text else type(e).__name__


@contextmanager
def _on_path(folder: str) -> Iterator[None]:
    """`folder` first on ``sys.path`` while a user module imports (so it finds its siblings)."""
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        yield
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)


def _import_target(where: str, parameter: str) -> ModuleType:
    if where.endswith(".py") or "/" in where or "\\" in where:
        path = Path(where)
        if not path.is_file():
            raise ValueError(f"{parameter}: file {where!r} does not exist")
        name = f"_seawall_user_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ValueError(f"{parameter}: cannot load {where!r} as a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        with _on_path(str(path.resolve().parent)):
            try:
                spec.loader.exec_module(module)
            except Exception as e:  # the user's file: whatever it raises is bad input, named in one line
                sys.modules.pop(name, None)
                raise ValueError(f"{parameter}: loading {where!r} failed: {_one_line(e)}") from None
        return module
    with _on_path(os.getcwd()):  # `package.module` imports from where the user runs the command
        try:
            return importlib.import_module(where)
        except ModuleNotFoundError as e:
            if e.name is not None and (where == e.name or where.startswith(f"{e.name}.")):
                raise ValueError(
                    f"{parameter}: cannot import module {where!r} from {os.getcwd()!r}: {e}; give a path "
                    f"ending in .py, or run seawall from the folder that holds the package"
                ) from None
            raise ValueError(f"{parameter}: importing module {where!r} failed: {_one_line(e)}") from None
        except Exception as e:
            raise ValueError(f"{parameter}: importing module {where!r} failed: {_one_line(e)}") from None


def load_object(spec: str, parameter: str = "--plan") -> tuple[object, ModuleType]:
    """``path/to/file.py:NAME`` or ``package.module:NAME`` (NAME may be dotted) -> (object, module)."""
    if not isinstance(spec, str):
        raise TypeError(f"{parameter}={spec!r} must be a str such as 'policy.py:TEAM'")
    where, sep, attr = spec.rpartition(":")
    if not sep or not where or not attr:
        raise ValueError(
            f"{parameter}={spec!r} must be PATH_OR_MODULE:ATTR, e.g. examples/sample_service/policy.py:TEAM "
            f"or mypackage.policy:TEAM"
        )
    module = _import_target(where, parameter)
    obj: object = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = ", ".join(n for n in dir(module) if n.isupper()) or "none"
            raise ValueError(f"{parameter}: {where!r} has no attribute {attr!r} (upper-case names there: {names})")
        obj = getattr(obj, part)
    return obj, module


def _is_factory(obj: object) -> bool:
    """Something to call: callable, and neither a WavePlan, a TimeWindow nor an object with ``.plan``."""
    return callable(obj) and not isinstance(obj, (WavePlan, TimeWindow)) and not hasattr(obj, "plan")


def _call_factory(obj: object, spec: str, parameter: str) -> object:
    """`obj()` when `obj` is a function of no arguments; `obj` itself otherwise."""
    if not _is_factory(obj):
        return obj
    assert callable(obj)
    try:
        inspect.signature(obj).bind()
    except TypeError:
        raise ValueError(
            f"{parameter}={spec!r} names a function that needs arguments; name a WavePlan, an object with "
            f".plan, or a function taking no arguments"
        ) from None
    except ValueError:  # no signature to inspect (some builtins): let the call say
        pass
    try:
        return obj()
    except Exception as e:  # the user's factory: bad input, named in one line
        raise ValueError(f"{parameter}: calling {spec!r} failed: {_one_line(e)}") from None


class PlanSource:
    """What ``--plan`` named: the WavePlan, the TimeWindow beside it (if any) and the module it came from."""

    def __init__(self, plan: WavePlan, window: TimeWindow | None, module: ModuleType) -> None:
        self.plan = plan
        self.window = window
        self.module = module


def load_plan(spec: str, parameter: str = "--plan") -> PlanSource:
    """Load what `spec` names (see the module docstring) as a :class:`PlanSource`."""
    obj, module = load_object(spec, parameter)
    obj = _call_factory(obj, spec, parameter)
    if isinstance(obj, WavePlan):
        return PlanSource(obj, None, module)
    plan = getattr(obj, "plan", None)
    if not isinstance(plan, WavePlan):
        raise ValueError(
            f"{parameter} names {type(obj).__name__}, which is neither a WavePlan nor an object with a .plan "
            f"WavePlan (such as seawall.model.ReleasePolicy), nor a function returning one"
        )
    window = getattr(obj, "window", None)
    if window is not None and not isinstance(window, TimeWindow):
        raise ValueError(f"{parameter}: .window is a {type(window).__name__}, not a TimeWindow")
    return PlanSource(plan, window, module)


def load_window(spec: str, parameter: str = "--window") -> TimeWindow:
    """A TimeWindow (or a function of no arguments returning one) named like ``--plan``."""
    obj, _ = load_object(spec, parameter)
    obj = _call_factory(obj, spec, parameter)
    if not isinstance(obj, TimeWindow):
        raise ValueError(f"{parameter} names a {type(obj).__name__}, not a TimeWindow")
    return obj


def parse_zone(value: str, parameter: str = "--timezone") -> ZoneInfo:
    """An IANA time zone, or a ValueError naming `parameter`."""
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{parameter}={value!r} is not a known IANA time zone; use a name such as 'America/New_York'"
        ) from None


def parse_start(value: str | None, zone: ZoneInfo) -> datetime:
    """ISO 8601; a value without an offset is read in `zone`; None means now."""
    if value is None:
        return datetime.now(UTC)
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"--start={value!r} is not an ISO 8601 date-time; use e.g. 2026-11-30T09:00 (read in the window's "
            f"time zone, or --timezone) or 2026-11-30T09:00-05:00"
        ) from None
    return t if t.tzinfo is not None else t.replace(tzinfo=zone)
