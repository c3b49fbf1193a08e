"""``python -m helpers``: the course's command line, for instructors at a terminal and for teams
trying the tools on their own certificates and configs.

argparse lives only in this package, one small module per command. Each module defines
``add(subparsers)``, which adds its command and sets ``func``, and imports what its command
needs inside ``run`` so that ``pin``, ``verify`` and ``inspect`` never load numpy, matplotlib or
the TLS stack. Exit codes: 0 success, 1 a negative verdict (a chain that does not validate, a
refused connection, an infeasible plan), 2 bad input, reported as one sentence.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import CourseError
from . import attacks, config, connect, doctor, handshake, inspect, lint, make_certs, model, pin, plan, verify

#: The commands, in lesson order (the order ``--help`` lists them).
COMMANDS = (doctor, make_certs, inspect, pin, verify, handshake, connect, attacks, plan, config, lint, model)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers",
        description="Tools behind the HTTPS trust and certificate pinning course.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        command.add(sub)
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
