"""``python -m helpers``: the course's command line, for instructors at a terminal and for teams
trying the tools on their own certificates and configs.

argparse lives only in this package, one small module per command. Each module defines
``add(subparsers)``, which adds its command and sets ``func``, and imports what its command
needs inside ``run`` so that ``pin``, ``verify`` and ``inspect`` never load numpy, matplotlib or
the TLS stack.

Exit codes: 0 success, 1 a negative verdict (a chain that does not validate, a refused
connection, a certificate the course cannot read, an infeasible plan), 2 the command could not
run (bad input, reported as one sentence; a server that cannot be reached), 70 a bug in the course
(one sentence; ``python -X dev -m helpers ...`` shows the traceback), 141 the reader of the output
went away (``| head``), as for any Unix tool.

:func:`main` is also the one print boundary: everything a command writes goes through
:func:`helpers.show.printable`, so a control character from a certificate, a server or a file
name reaches the terminal escaped (``\\x1b``), and a character the output's encoding cannot
spell (``✓`` on a cp1252 console) is written as ``\\u2713`` instead of crashing the command.
"""

from __future__ import annotations

import argparse
import io
import os
import sys

from .. import clock
from ..errors import CourseError
from ..show import printable
from . import (
    attacks,
    client,
    config,
    connect,
    decide,
    doctor,
    drill,
    handshake,
    inspect,
    lint,
    make_certs,
    mitm,
    model,
    pin,
    plan,
    serve,
    solutions,
    verify,
)

#: The commands, in lesson order (the order ``--help`` lists them).
COMMANDS = (doctor, make_certs, inspect, pin, verify, handshake, connect, attacks, plan, config, lint, model,
            serve, mitm, client, solutions, decide, drill)

#: Exit codes beyond 0, 1 and 2 (see the module's docstring).
INTERNAL_ERROR, CLOSED_PIPE = 70, 141

#: Options that take a time, by argparse ``dest``: checked once here for every command that has them.
TIME_OPTIONS = {"at": "--at", "today": "--today"}


class Parser(argparse.ArgumentParser):
    """argparse, with its complaints as one sentence: ``error: <what>; see `<prog> --help`.``"""

    def error(self, message: str):
        self.exit(2, f"error: {message}; see `{self.prog} --help`.\n")


class _Printable(io.TextIOBase):
    """A text stream that escapes control characters (not newlines or tabs) before they reach ``stream``."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write("\n".join(printable(line) for line in text.split("\n")))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.stream.isatty()

    @property
    def encoding(self):
        return getattr(self.stream, "encoding", "utf-8")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m helpers",
        description="Tools behind the HTTPS trust and certificate pinning course.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        command.add(sub)
    return parser


def _check_times(args) -> None:
    """``--at ''`` is an error, not "the course clock"; any other time must parse (one sentence if not)."""
    for dest, option in TIME_OPTIONS.items():
        value = getattr(args, dest, None)
        if not isinstance(value, str):
            continue
        if not value.strip():
            raise clock.ClockError(f"{option} is empty; give an ISO 8601 time such as 2030-01-02T15:04:05Z, "
                                   f"or leave {option} out to use the course clock.")
        clock.parse_when(value)  # a ClockError, also for a time past year 9999 once converted to UTC


def _tolerant(stream):
    """``stream`` set to write an unencodable character as an escape (``\\u2713``) instead of failing."""
    if isinstance(stream, io.TextIOWrapper):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (ValueError, io.UnsupportedOperation):
            pass
    return stream


def _quiet_stdout() -> None:
    """After a closed pipe: point stdout at /dev/null, so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, getattr(sys.stdout, "stream", sys.stdout).fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def main(argv: list[str] | None = None) -> int:
    streams = sys.stdout, sys.stderr
    if sys.stdout is not None:
        sys.stdout = _Printable(_tolerant(sys.stdout))
    if sys.stderr is not None:
        sys.stderr = _Printable(_tolerant(sys.stderr))
    try:
        try:
            return _run(argv)
        finally:  # also after --help: a closed pipe shows here, not in the interpreter's last flush
            if sys.stdout is not None:
                sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as Unix tools do
        _quiet_stdout()
        return CLOSED_PIPE
    finally:
        sys.stdout, sys.stderr = streams


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_usage(sys.stderr)
        print(f"error: give a command, such as doctor; `{parser.prog} --help` lists them all.",
              file=sys.stderr)
        return 2
    try:
        _check_times(args)
        return int(args.func(args) or 0)
    except BrokenPipeError:
        raise  # not a file the user named: main() ends quietly
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a missing or unreadable file named on the command line
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        why = exc.strerror or "it could not be read"
        print(f"error: cannot use{where}: {why}; check the path and try again.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: say so in one sentence, with an exit code no verdict uses
        if sys.flags.dev_mode:
            raise
        print(f"error: the command stopped on an internal error ({type(exc).__name__}), a bug in the course; "
              "run it again with `python -X dev -m helpers ...` to see where, and report it.",
              file=sys.stderr)
        return INTERNAL_ERROR
