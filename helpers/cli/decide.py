"""``python -m helpers decide ANSWERS.json``: when to pin, with a reason and a source for every line.

Usage::

    python -m helpers decide data/decide/bank.json
    python -m helpers decide --profile social
    python -m helpers decide --questions

The answer sheet is one JSON object with the fields listed by ``--questions`` (examples in
``data/decide/``). Exit status: 0 advice given, 1 the answers contradict each other (the advice
is still printed, with the contradictions), 2 a sheet that cannot be read (one sentence).
"""

from __future__ import annotations

from ..errors import BadInputError


class DecideUsageError(BadInputError):
    """Neither or both of a sheet and --profile, or an empty name."""


def add(sub) -> None:
    p = sub.add_parser("decide", help="when to pin: a recommendation, its reasons and their sources",
                       description="Decide whether and what to pin from a threat-model answer sheet. Exit status: "
                                   "0 advice given, 1 the answers contradict each other (listed), 2 the sheet "
                                   "cannot be used (one sentence on stderr).")
    p.add_argument("answers", nargs="?", help="an ANSWERS.json file (see --questions; examples in data/decide/)")
    p.add_argument("--profile", help="one of the lesson's reference profiles instead of a file")
    p.add_argument("--questions", action="store_true", help="list the questions and the fields that answer them")
    p.set_defaults(func=run)


def run(args) -> int:
    from .. import decide

    if args.questions:
        for name, question in decide.QUESTIONS.items():
            print(f"{name:16} {question}")
        return 0
    if args.answers == "" or args.profile == "":
        raise DecideUsageError("the answer sheet or profile name is empty; give a path or a profile name.")
    if (args.answers is None) == (args.profile is None):
        raise DecideUsageError("give either an ANSWERS.json file or --profile NAME, not both or neither.")
    if args.profile is not None:
        if args.profile not in decide.PROFILES:
            raise DecideUsageError(f"there is no profile {args.profile[:40]!r}; use one of "
                                   f"{', '.join(decide.PROFILES)}.")
        sheet = decide.PROFILES[args.profile][1]
    else:
        sheet = decide.read_sheet(args.answers)
    advice = decide.decide(sheet)
    print(advice.text())
    return 1 if advice.contradictions else 0
