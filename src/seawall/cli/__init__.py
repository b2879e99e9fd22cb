"""The ``seawall`` command.

Each subcommand is one ``add_*_command(subparsers)`` function that declares
its arguments and sets ``func`` to the function that runs it; :data:`COMMANDS`
lists them.  To add a command, write its module here with an
``add_x_command`` and append that to :data:`COMMANDS`.  A command's function
takes the parsed arguments and returns the exit code; a :class:`ValueError`
it raises (bad input) becomes exit code 2 with the message and no traceback.
Every ``--plan`` goes through :func:`seawall.cli.loading.load_plan`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .. import __version__
from .bootstrap import add_bootstrap_command
from .check import add_check_command
from .plan import add_plan_command
from .rehearse import add_rehearse_command

__all__ = ["COMMANDS", "EXIT_BAD_INPUT", "build_parser", "main"]

EXIT_BAD_INPUT = 2

#: One function per subcommand.
COMMANDS: list[Callable[[Any], None]] = [add_plan_command, add_check_command, add_bootstrap_command,
                                          add_rehearse_command]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seawall", description="Safe, hands-off Lambda deployments.")
    parser.add_argument("--version", action="version", version=f"seawall {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``seawall``; returns the exit code (0 ok, 1 findings, 2 bad input, 3 ``rehearse``: not modelled)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except ValueError as e:
        print(f"seawall {args.command}: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return code
