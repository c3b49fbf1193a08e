"""``python -m helpers solutions LESSON``: every exercise's reference answer, checked, for instructors.

For each question of ``helpers.exercises.lessonNN`` it prints the prompt, the reference answer
as code, what the question's own checker says about that answer, and the worked solution text.
Lessons are found at run time (every ``lessonNN`` module in :mod:`helpers.exercises`), so a new
lesson appears here as soon as its module exists.

The reference answer is the first of these candidates that passes the question's check (when
none does, the first one is shown with its failing check):

1. the lesson module's ``REFERENCES``, a dict {question name: code}, if it defines one (the
   convention for new lessons: code a learner could type, the last line or assignment the answer;
   or a function of no arguments that returns the answer, for a lesson whose checks need state);
2. the code at the start of the solution text (``'B'. Because ...`` gives ``'B'``;
   ``x = f(); g(x)`` runs both and answers ``g(x)``), longest readable prefix first;
3. any Python literal inside the solution text (``... for the default seed it is ('a', 'b')``);
4. :data:`REFERENCES` below, for the lessons 00-08 questions whose solution text is prose.

Code runs as in the notebook: with ``pki`` (the course PKI, and also the ``helpers.pki`` module's
functions), ``ex`` (the lesson's module), the variables the prompt defines (``recorded =
ex.recorded()``) and the helpers in :data:`NAMES`.

Exit codes: 0 every question's reference answer passed its check; 1 one did not (a bug in the
course, or a question with no runnable reference: the output says which); 2 no such lesson.
"""

from __future__ import annotations

import argparse
import ast
import re

from ..errors import BadInputError


class UnknownLessonError(BadInputError):
    """A LESSON that names no lesson with exercises."""


#: Reference answers for lessons 00-08 whose solution text is prose, as code a learner could type.
REFERENCES: dict[str, dict[str, str]] = {
    "00": {"q2": "'2026-01-15'"},
    "01": {"q2": "start, end = spki_span(pki.rsa_leaf.cert)\nend - start", "q3": "pki.intermediate2.cert"},
    "02": {"q1": "isrg = find_root('ISRG Root X1')\n"
                 "sum(r.not_valid_after_utc < isrg.not_valid_after_utc for r in load_roots())"},
    "04": {"q1": "overheard.client_hello.server_name"},
    "07": {"q3": "90"},
    "08": {"q1": "android.generate(course_policy())"},
}

#: Names reference code may use, imported only when the code uses them: name -> (module, attribute).
NAMES = {
    "base64": ("base64", None), "hashlib": ("hashlib", None),
    "Encoding": ("cryptography.hazmat.primitives.serialization", "Encoding"),
    "PublicFormat": ("cryptography.hazmat.primitives.serialization", "PublicFormat"),
    "spki_span": ("helpers.anatomy", "spki_span"), "spki_pin": ("helpers.pinning.pins", "spki_pin"),
    "find_root": ("helpers.trust_store", "find_root"), "load_roots": ("helpers.trust_store", "load_roots"),
    "scenario": ("helpers.rotation", "scenario"), "android": ("helpers.platforms", "android"),
    "dart": ("helpers.platforms", "dart"), "course_policy": ("helpers.platforms.gallery", "course_policy"),
    "gallery": ("helpers.platforms", "gallery"), "rotation": ("helpers", "rotation"), "hmac": ("hmac", None),
    "hkdf_expand_label": ("helpers.tls.keyschedule", "hkdf_expand_label"), "roots": ("helpers.trust_store", None),
}

#: Where a solution text's code may end: before prose (". Because", ": both", "  (the number ...").
_CUT = re.compile(r"[.:;]\s|\s+\(|\s+#|,\s+[a-z]+\s|\s+-\s")
#: Python literals anywhere in a solution text: a tuple or list, or a quoted string.
_LITERALS = (re.compile(r"[(\[][^()\[\]\n]{1,300}[)\]]"),                # tuples and lists first: an
              re.compile(r"""(?<!\w)'[^'\n]{1,200}'|"[^"\n]{1,200}"""""))  # apostrophe is no quote
#: The variables a prompt defines for the learner: ``recorded = ex.recorded()``.
_GIVEN = re.compile(r"\b(\w+(?:,\s*\w+)*)\s*=\s*(ex\.\w+\(\))")

EPILOG = """\
LESSON: a lesson number (5, 05), its module name (lesson05), or `all`.

Exit status:
  0 every reference answer passed its check
  1 a reference answer failed its check (a bug in the course; the output says which)
  2 no such lesson (one sentence)"""


def add(sub) -> None:
    p = sub.add_parser("solutions", help="print every exercise's reference answer with its check (instructors)",
                       description="Print every exercise of a lesson with its reference answer and what the\n"
                                   "question's own check says about it.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("lesson", metavar="LESSON", help="e.g. 05, lesson05 or all")
    p.set_defaults(func=run)


def lessons() -> dict[str, str]:
    """Every lesson with exercises: number ('05') -> module name, found in helpers.exercises."""
    import pkgutil

    from .. import exercises

    found = sorted(m.name for m in pkgutil.iter_modules(exercises.__path__) if re.fullmatch(r"lesson\d\d", m.name))
    return {name[-2:]: name for name in found}


def pick(text: str) -> list[str]:
    """The lesson numbers ``text`` names; :class:`UnknownLessonError` if none."""
    known = lessons()
    wanted = str(text).strip().lower().removesuffix(".ipynb")
    if wanted == "all":
        return list(known)
    match = re.fullmatch(r"(?:lesson)?\s*0*(\d{1,2})(?:[-_].*)?", wanted)
    number = f"{int(match.group(1)):02d}" if match else None
    if number not in known:
        shown = text if len(text) <= 30 else text[:27] + "..."
        raise UnknownLessonError(f"there is no lesson {shown!r} with exercises; use one of: "
                                 f"{', '.join(known)}, or all.")
    return [number]


def candidates(number: str, module, name: str, question) -> list[str]:
    """The reference answer's possible codes for one question, in the order they are tried."""
    found = []
    own = getattr(module, "REFERENCES", None)
    if isinstance(own, dict) and (isinstance(own.get(name), str) or callable(own.get(name))):
        found.append(own[name])
    text = question.answer.strip()
    for end in sorted({len(text), *(m.start() for m in _CUT.finditer(text))}, reverse=True):
        code = text[:end].strip().rstrip(";")
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError):
            continue
        if tree.body and isinstance(tree.body[-1], ast.Expr | ast.Assign):
            found.append(code)
    for literal in [found for pattern in _LITERALS for found in pattern.findall(text)]:  # "For the default seed it is ('validity window', 'leaf')"
        try:
            if ast.literal_eval(literal) is not ...:  # "(...)" is the placeholder, not an answer
                found.append(literal)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
    if name in REFERENCES.get(number, {}):
        found.append(REFERENCES[number][name])
    return list(dict.fromkeys(found))


def _shown(function) -> str:
    """A callable reference as the code a reader can follow: its source, or its name."""
    import inspect

    try:
        return inspect.getsource(function).strip()
    except (OSError, TypeError):
        return f"{getattr(function, '__qualname__', 'reference')}()"


class _Pki:
    """``pki`` as the notebooks have it: the course PKI's certificates, and the helpers.pki module's names."""

    def __init__(self):
        from .. import pki

        self._sources = (pki.course_pki(), pki)

    def __getattr__(self, name: str):
        for source in self._sources:
            if hasattr(source, name):
                return getattr(source, name)
        raise AttributeError(name)


def evaluate(code: str, module, prompt: str = ""):
    """Run reference ``code`` as in the notebook; the last expression (or assignment) is the answer."""
    import importlib

    given = "\n".join(f"{names} = {call}" for names, call in _GIVEN.findall(prompt))
    tree = ast.parse(f"{given}\n{code}")
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    scope = {"pki": _Pki(), "ex": module}
    for name in used & NAMES.keys():
        where, attribute = NAMES[name]
        imported = importlib.import_module(where)
        scope[name] = getattr(imported, attribute) if attribute else imported
    if "roots" in used:
        scope["roots"] = scope["roots"].load_roots()
    *body, last = tree.body
    if isinstance(last, ast.Assign):
        target = last.targets[0]
        body, last = [*body, last], ast.Expr(ast.Name(target.id, ast.Load()) if isinstance(target, ast.Name)
                                             else target)
        ast.fix_missing_locations(last)
    exec(compile(ast.Module(body=body, type_ignores=[]), "<reference>", "exec"), scope)  # noqa: S102
    return eval(compile(ast.Expression(last.value), "<reference>", "eval"), scope)  # noqa: S307


def reference(number: str, module, name: str, question) -> tuple[str | None, str]:
    """(the reference answer's code, the check's output on it): the first candidate that passes."""
    tried = []
    for code in candidates(number, module, name, question):
        try:
            answer = code() if callable(code) else evaluate(code, module, question.prompt)
            code = _shown(code) if callable(code) else code
            result = question.evaluate(answer)
        except Exception as exc:  # a candidate that does not run: try the next one
            tried.append((code, f"the reference answer could not be computed ({type(exc).__name__}: "
                                f"{str(exc)[:160]})", False))
            continue
        if result.correct:
            return code, result.text
        tried.append((code, result.text, False))
    if tried:
        return tried[0][0], tried[0][1]
    return None, "no runnable reference answer (see the solution text); check not run"


def run(args) -> int:
    import importlib

    from ..exercises import Question

    failed = 0
    for number in pick(args.lesson):
        module = importlib.import_module(f"helpers.exercises.{lessons()[number]}")
        questions = [(name, q) for name, q in vars(module).items() if isinstance(q, Question)]
        print(f"== lesson {number}: {len(questions)} exercise(s) ==")
        for name, question in questions:
            print(f"\n-- {name}: {question.prompt}")
            code, check = reference(number, module, name, question)
            if code is not None:
                print("   reference answer:")
                print("\n".join(f"     {line}" for line in code.splitlines()))
            print(f"   check: {check}")
            failed += not check.startswith("\u2713")
            print(f"   solution text: {question.answer}")
        print()
    if failed:
        print(f"{failed} question(s) without a reference answer that passes its check: a bug in the course "
              "(the answer, its checker, or a solution text with no runnable code); please report it.")
    return 1 if failed else 0
