"""``python -m helpers plan``: a rotation calendar from a named scenario or a PLAN.json file.

Usage::

    python -m helpers plan --list
    python -m helpers plan --scenario rekey-no-backup [--target 0.005]
    python -m helpers plan data/plans/example.json [--adoption data/adoption/ios-illustrative.csv]

The PLAN.json format is described in :mod:`helpers.rotation.planfile`. Exit status: 0 the
target is met, 1 it is impossible (the reasons are printed), 2 a bad plan (one sentence).
A stdout that cannot encode a character of the report (``PYTHONIOENCODING=cp1252``, a Windows
console) gets it as a ``\\uXXXX`` escape instead of a crash.
"""

from __future__ import annotations

import sys

from ..errors import BadInputError


class UsageError(BadInputError):
    """The command line names neither a plan file nor a scenario, or both, or gives an empty or misplaced value."""


def add(sub) -> None:
    p = sub.add_parser("plan", help="plan a pin rotation: a calendar, its lockout and warnings",
                       description="Plan a pin rotation from a named scenario or a PLAN.json file. Exit status: "
                                   "0 the lockout target is met, 1 it cannot be (the reasons are printed), 2 the "
                                   "plan or the command line cannot be used (one sentence on stderr).")
    p.add_argument("plan", nargs="?", help="a PLAN.json file (format: see helpers/rotation/planfile.py)")
    p.add_argument("--scenario", help="a named scenario instead of a file")
    p.add_argument("--target", type=float, help="the lockout target for --scenario (default 0.005; a plan file "
                                                "sets its own target_lockout)")
    p.add_argument("--adoption", help="an adoption CSV (days since release,share updated) that replaces the "
                                      "users' half-life and never-update share (examples: data/adoption/)")
    p.add_argument("--list", action="store_true", help="list the named scenarios")
    p.set_defaults(func=run)


def _check(args) -> None:
    if args.plan == "":
        raise UsageError("the plan file name is empty; give the path of a PLAN.json file.")
    if args.scenario == "":
        raise UsageError("--scenario is empty; give a scenario name (python -m helpers plan --list shows them).")
    if args.list:
        if args.plan is not None or args.scenario is not None or args.target is not None or args.adoption:
            raise UsageError("--list takes no plan file, --scenario or --target; run it on its own.")
        return
    if (args.scenario is None) == (args.plan is None):
        raise UsageError("give either a PLAN.json file or --scenario NAME (or --list), not both or neither.")
    if args.adoption == "":
        raise UsageError("--adoption is empty; give the path of an adoption CSV (see data/adoption/).")
    if args.plan is not None and args.target is not None:
        raise UsageError("--target applies only to --scenario; a plan file sets target_lockout instead.")


def _print(text: str) -> None:
    """Print ``text``, escaping the characters that stdout's encoding cannot show."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    print(text.encode(encoding, "backslashreplace").decode(encoding, "replace"))


def run(args) -> int:
    _check(args)
    from ..rotation.planfile import plan_report
    from ..rotation.scenarios import catalogue_table

    if args.list:
        _print(str(catalogue_table(figures=False)))
        return 0
    target = 0.005 if args.target is None else args.target
    text, status = plan_report(args.plan, scenario=args.scenario, target=target, adoption=args.adoption)
    _print(text)
    return status
