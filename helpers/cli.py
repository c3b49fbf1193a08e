"""``python -m helpers``: the course's command line, for instructors at a terminal and for
teams trying the tools on their own certificates.

Each feature module that offers commands defines ``add_cli(subparsers)``, which adds its
subcommands and sets ``func`` on each. Listing the module in ``COMMAND_MODULES`` is all
it takes to add it here. Exit codes: 0 success, 1 a negative verdict (a chain that
does not validate, a refused connection), 2 bad input, reported as one sentence.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .errors import CourseError

#: Modules that contribute subcommands, in lesson order (the order ``--help`` lists them).
COMMAND_MODULES = (
    "helpers.doctor",
    "helpers.pki",
    "helpers.anatomy",
    "helpers.pinning.pins",
    "helpers.validation",
    "helpers.tls.handshake",
    "helpers.pinning.client",
    "helpers.attacks",
    "helpers.rotation.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers",
        description="Tools behind the HTTPS trust and certificate pinning course.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_cli(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a missing or unreadable file named on the command line
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        print(f"error: cannot use{where}: {exc.strerror or exc}; check the path and try again.",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
