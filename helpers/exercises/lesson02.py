"""Lesson 02's exercises: count the real root store, pin a real root, and contain a compromise."""

from __future__ import annotations

from . import Question, Wrong, choice


def _check_ec_count(answer) -> str:
    from ..trust_store import root_stats

    stats = root_stats()
    if not isinstance(answer, int) or isinstance(answer, bool):
        raise Wrong("Answer with a whole number (an int), computed from root_stats().")
    if answer == stats.families["RSA"]:
        raise Wrong("That is the number of RSA roots; count the EC ones.")
    if answer == stats.count:
        raise Wrong("That is every root; count only those with EC keys.")
    if answer != stats.families["EC"]:
        raise Wrong("Not the number of EC roots in this certifi bundle; add up the EC key types.")
    return (f"{answer} of {stats.count} roots use elliptic-curve keys; the rest are RSA.")


q1 = Question(
    name="q1",
    prompt="How many roots in your certifi bundle have EC (elliptic-curve) keys? Answer with an int.",
    checker=_check_ec_count,
    hints=("stats = root_stats() counts the roots by family in stats.families.",
           "stats.families['EC']"),
    answer="root_stats().families['EC'] (the exact number depends on your certifi version).",
)


def _check_x2_pin(answer) -> str:
    from ..pinning.pins import Pin, PinError, parse_pin, spki_pin
    from ..trust_store import find_root

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
