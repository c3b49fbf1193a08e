"""``python -m helpers drill``: the capstone drill's checks, for instructors (see helpers.capstone)."""

from __future__ import annotations


def add(sub) -> None:
    p = sub.add_parser("drill", help="run the capstone drill's graded checks on the reference solution")
    p.add_argument("--variant", choices=("compromise", "distrust"), default="compromise")
    p.set_defaults(func=run)


def run(args) -> int:
    from .. import capstone

    report = capstone.reference_report(args.variant)
    print(report.text())
    return 0 if report.passed else 1
