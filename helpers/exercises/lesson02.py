"""Lesson 02's exercises: explore the real root store, pin a real root, and contain a compromise."""

from __future__ import annotations

from ..pinning.pins import Pin, PinError, parse_pin, spki_pin
from ..trust_store import find_root, load_roots
from . import Question, Wrong, choice, whole_number


def _expiry_counts() -> dict[str, int]:
    """The right count, and the counts that plausible mistakes produce."""

    roots = load_roots()
    deadline = find_root("ISRG Root X1").not_valid_after_utc
    return {
        "before": sum(r.not_valid_after_utc < deadline for r in roots),
        "before or same": sum(r.not_valid_after_utc <= deadline for r in roots),
        "after": sum(r.not_valid_after_utc > deadline for r in roots),
        "earlier years": sum(r.not_valid_after_utc.year < deadline.year for r in roots),
        "all": len(roots),
        "year": deadline.year,
    }


def _check_expire_before_x1(answer) -> str:
    answer = whole_number(answer)
    if answer is None:
        raise Wrong("Answer with a whole number (an int) that you compute from the roots' not_valid_after_utc.")
    counts = _expiry_counts()
    if answer == counts["before"]:
        return (f"{answer} of {counts['all']} roots expire before ISRG Root X1 ({counts['year']}). Roots last "
                "for decades, yet they do run out, and a successor must reach every trust store first.")
    if answer == counts["before or same"]:
        raise Wrong("You counted ISRG Root X1 itself; use < rather than <=, so only earlier roots count.")
    if answer in (counts["after"], counts["after"] + 1):
        raise Wrong("That counts the roots that expire after ISRG Root X1; count those that expire before it.")
    if answer == counts["earlier years"]:
        raise Wrong(f"That counts roots expiring in years before {counts['year']}; compare the full "
                    "not_valid_after_utc datetimes, since some roots expire earlier in the same year.")
    if answer == counts["all"]:
        raise Wrong("That is every root in the bundle; keep only those that expire before ISRG Root X1.")
    raise Wrong("Not the number this bundle gives; compare each root's not_valid_after_utc with "
                "find_root('ISRG Root X1').not_valid_after_utc.")


q1 = Question(
    name="q1",
    prompt="How many roots in your certifi bundle expire before ISRG Root X1 does? Answer with an int "
           "that you compute.",
    checker=_check_expire_before_x1,
    hints=("find_root('ISRG Root X1').not_valid_after_utc is its expiry; every root has the same property.",
           "deadline = isrg.not_valid_after_utc; then sum(r.not_valid_after_utc < deadline for r in roots)"),
    answer="sum(r.not_valid_after_utc < isrg.not_valid_after_utc for r in roots)  (the number depends on "
           "your certifi version)",
)


def _check_x2_pin(answer) -> str:
    root = find_root("ISRG Root X2")
    try:
        given = parse_pin(str(answer))
    except PinError as why:
        raise Wrong(f"That is not a pin: {why}") from None
    if given.digest == Pin.of_cert(root).digest:
        raise Wrong("That hashes the whole certificate (a certificate pin); hash the SPKI instead.")
    if given.base64 == spki_pin(find_root("ISRG Root X1")):
        raise Wrong("That is ISRG Root X1's pin; the question asks for X2, the EC root.")
    if given.base64 != spki_pin(root):
        raise Wrong("That is not ISRG Root X2's SPKI pin; use find_root('ISRG Root X2') and spki_pin.")
    return "ISRG Root X2 (EC P-384) is Let's Encrypt's second root; its pin is as stable as its key."


q2 = Question(
    name="q2",
    prompt="What is the SPKI pin of 'ISRG Root X2' in your root store? Answer with the base64 text.",
    checker=_check_x2_pin,
    hints=("find_root('ISRG Root X2') returns the certificate.", "spki_pin(find_root('ISRG Root X2'))"),
    answer="spki_pin(find_root('ISRG Root X2'))",
)

q3 = Question(
    name="q3",
    prompt="The private key of an intermediate CA leaks. What is the least disruptive fix? 'A': replace "
           "the root in every device's trust store; 'B': revoke that intermediate, have the offline root "
           "sign a new one, and re-issue its leaves; 'C': do nothing, the root is still safe.",
    checker=choice("B", {
        "A": "The root's key did not leak, so devices can keep trusting it; changing every device's trust "
             "store takes years. That is exactly what intermediates spare us.",
        "C": "Whoever holds the leaked key can issue certificates for any name that chain to the trusted "
             "root; the intermediate must be revoked.",
    }, success="Only the intermediate and its leaves change; the root, and every device's trust store, stay."),
    hints=("Which key leaked, and which certificate do devices store?",
           "Devices store roots; servers send intermediates."),
    answer="'B'. Revoke the intermediate, sign a replacement with the offline root, re-issue the leaves; "
           "no device's trust store changes.",
)
