"""``python -m helpers doctor``: check that this machine is ready for the course."""

from __future__ import annotations


def add(sub) -> None:
    p = sub.add_parser("doctor", help="check that this machine is ready for the course")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..doctor import report

    return 0 if report() else 1
