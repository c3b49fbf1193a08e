"""``python -m helpers plan``: a rotation calendar from a named scenario or a PLAN.json file.

Usage::

    python -m helpers plan --list
    python -m helpers plan --scenario rekey-no-backup [--target 0.005]
    python -m helpers plan data/plans/example.json

The PLAN.json format is described in :mod:`helpers.rotation.planfile`. Exit status: 0 the
target is met, 1 it is impossible (the reasons are printed), 2 a bad plan (one sentence).
"""

from __future__ import annotations

from ..errors import BadInputError


class UsageError(BadInputError):
    """The command line names neither a plan file nor a scenario, or both."""


def add(sub) -> None:
    p = sub.add_parser("plan", help="plan a pin rotation: a calendar, its lockout and warnings",
                       description="Plan a pin rotation from a named scenario or a PLAN.json file.")
    p.add_argument("plan", nargs="?", help="a PLAN.json file (format: see helpers/rotation/planfile.py)")
    p.add_argument("--scenario", help="a named scenario instead of a file")
    p.add_argument("--target", type=float, default=0.005, help="the lockout target for --scenario (0.005)")
    p.add_argument("--list", action="store_true", help="list the named scenarios")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..rotation.planfile import plan_report
    from ..rotation.scenarios import catalogue_table

    if args.list:
        print(catalogue_table(figures=False))
        return 0
    if bool(args.scenario) == bool(args.plan):
        raise UsageError("give either a PLAN.json file or --scenario NAME (or --list), not both or neither.")
    text, status = plan_report(args.plan, scenario=args.scenario, target=args.target)
    print(text)
    return status
