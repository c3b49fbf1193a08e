"""``python -m helpers attacks``: run the four attacks on loopback and print the scoreboard."""

from __future__ import annotations


def add(sub) -> None:
    p = sub.add_parser("attacks", help="run the four attacks on loopback and print the scoreboard")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..attacks import scoreboard

    print(scoreboard().text())
    return 0
