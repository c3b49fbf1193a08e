"""Lesson 02's exercises: explore the real root store, find whose key a pin names, and contain a compromise."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography import x509

from ..pem import short_name
from ..pinning.pins import Pin, spki_der
from ..pki import course_pki
from ..trust_store import RootNotFoundError, find_root, load_roots, organisation, owner
from . import Question, Uncheckable, Wrong, echo, kind_of, labelled_choice, whole_number


def _expiry_counts() -> dict[str, int]:
    """The right count, and the counts that plausible mistakes produce."""

    roots = load_roots()
    x1 = find_root("ISRG Root X1")
    deadline = x1.not_valid_after_utc
    return {
        "before": sum(r.not_valid_after_utc < deadline for r in roots),
        "before or same": sum(r.not_valid_after_utc <= deadline for r in roots),
        "after": sum(r.not_valid_after_utc > deadline for r in roots),
        "earlier years": sum(r.not_valid_after_utc.year < deadline.year for r in roots),
        "issued before": sum(r.not_valid_before_utc < x1.not_valid_before_utc for r in roots),
        "before X2": sum(r.not_valid_after_utc < find_root("ISRG Root X2").not_valid_after_utc for r in roots),
        "all": len(roots),
        "year": deadline.year,
    }


def _count_mistakes(counts: dict[str, int]) -> dict[int, str]:
    """What each plausible wrong count measured instead; the right count is never among them."""
    mistakes = {  # later entries win where two mistakes give the same number
        counts["year"]: f"{counts['year']} is the year ISRG Root X1 expires; count the roots that expire "
                        "before it.",
        counts["issued before"]: "That counts the roots issued before ISRG Root X1 (not_valid_before_utc); "
                                 "compare the dates they expire, not_valid_after_utc.",
        counts["before X2"]: "That counts the roots that expire before ISRG Root X2; the question is about X1, "
                             "the RSA root.",
        counts["earlier years"]: f"That counts roots expiring in years before {counts['year']}; compare the "
                                 "full not_valid_after_utc datetimes, since some roots expire earlier in the "
                                 "same year.",
        counts["after"]: "That counts the roots that expire after ISRG Root X1; count those that expire "
                         "before it.",
        counts["after"] + 1: "That counts the roots that do not expire before ISRG Root X1 (itself included, "
                             "so after ISRG Root X1 or with it); count those that expire before it.",
        counts["before or same"]: "You counted ISRG Root X1 itself; use < rather than <=, so only earlier "
                                  "roots count.",
        counts["all"]: "That is every root in the bundle; keep only those that expire before ISRG Root X1.",
    }
    mistakes.pop(counts["before"], None)
    return mistakes


def _check_expire_before_x1(answer) -> str:
    number = whole_number(answer)
    counts = _expiry_counts()
    if number is None:
        if isinstance(answer, str) and answer.strip().isdigit():
            raise Wrong("That is text; answer with the whole number itself, without quotes.")
        if isinstance(answer, list | tuple | set | frozenset) and answer and all(
                isinstance(r, x509.Certificate) for r in answer):
            right = {r for r in load_roots() if r.not_valid_after_utc < find_root("ISRG Root X1").not_valid_after_utc}
            which = " They are the right roots." if set(answer) == right else ""
            raise Wrong(f"That is a collection of certificates.{which} Answer with how many: a whole number "
                        "(len(...) or sum(...)).")
        given = f"{echo(answer)} is" if isinstance(answer, str) else f"That is {kind_of(answer)},"
        raise Wrong(f"{given} not a whole number; answer with an int that you compute from the roots' "
                    "not_valid_after_utc.")
    if number == counts["before"]:
        return (f"{number} of {counts['all']} roots expire before ISRG Root X1 ({counts['year']}). Roots last "
                "for decades, yet they do run out, and a successor must reach every trust store first.")
    if number < 0:
        raise Wrong("A count of roots cannot be negative.")
    mistakes = _count_mistakes(counts)
    if number in mistakes:
        raise Wrong(mistakes[number])
    shown = number if number < 10**12 else "That number"
    raise Wrong(f"{shown} is not the number this bundle gives; compare each root's not_valid_after_utc with "
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


# --- q2: whose key does an app pin? ---------------------------------------------------------------
# The cell above q2 prints ISRG Root X1's pin; q2 runs the other way: from a pin an app ships, find
# the root in the store whose SPKI hashes to it. The checker hashes the learner's root itself.

#: The SPKI pin an app's config ships in q2 (the learner finds the root it belongs to).
MYSTERY_PIN = "i7WTqTvh0OioIruIfFR4kMPnBqrS2rdiVPl/s2uC/CY="

_LONGEST_NAME = 300  # characters: no root's name or subject is longer


def _pin_of(cert: x509.Certificate) -> str:
    return base64.b64encode(hashlib.sha256(spki_der(cert)).digest()).decode()


def _pinned_root() -> x509.Certificate | None:
    return next((r for r in load_roots() if _pin_of(r) == MYSTERY_PIN), None)


def _named_root(text: str) -> x509.Certificate:
    """The root a learner names: its CN (any case, a unique part), 'CN=…', or its whole subject."""
    said = " ".join(text.strip().strip("'\"`").split())
    if said.casefold() in {_pin_of(r).casefold() for r in load_roots()} or said == MYSTERY_PIN \
            or said.removeprefix("sha256/") == MYSTERY_PIN:
        raise Wrong("That is a pin; the question gives you the pin and asks whose key it is. Answer with "
                    "that root's name, or the certificate.")
    for root in load_roots():
        if said.casefold() == root.subject.rfc4514_string().casefold():
            return root
    owners = {owner(r).casefold() for r in load_roots()} | {organisation(r).casefold() for r in load_roots()}
    if said.casefold() in owners:
        raise Wrong(f"{echo(said)} names an owner, which can hold several roots; name the one root whose key "
                    "is pinned.")
    try:
        return find_root(said.removeprefix("CN=").removeprefix("cn=").split(",")[0])
    except RootNotFoundError as why:
        if "roots match" in str(why):
            raise Wrong(f"Several roots have names containing {echo(said)}; give the full common name.") from None
        raise Wrong(f"No root in your store is named {echo(said)}; list them with "
                    "[short_name(r) for r in roots].") from None


def _as_root(answer: Any) -> x509.Certificate:
    if isinstance(answer, list | tuple) and len(answer) == 1:
        answer = answer[0]
    answer = getattr(answer, "cert", answer)
    if isinstance(answer, bytes | bytearray) and len(answer) <= _LONGEST_NAME:
        answer = bytes(answer).decode("utf-8", "replace")
    if isinstance(answer, x509.Certificate):
        return answer
    if isinstance(answer, Pin):
        raise Wrong("That is a pin; answer with the root whose key it pins, by name or as the certificate.")
    if not isinstance(answer, str):
        raise Uncheckable(f"That is {kind_of(answer)}; answer with a root's name (text) or its certificate.")
    if len(answer) > _LONGEST_NAME:
        raise Uncheckable(f"That text is {len(answer):,} characters long; no root's name is. Answer with "
                          "the root's common name.")
    if not answer.strip():
        raise Uncheckable("That is empty; answer with a root's name (text) or its certificate.")
    return _named_root(answer)


def _check_pinned_root(answer: Any) -> str:
    pinned = _pinned_root()
    if pinned is None:
        raise Uncheckable("Your certifi bundle no longer holds the pinned root, so this question cannot be "
                          "checked here; an app pinning it would now fail everywhere.")
    root = _as_root(answer)
    if root == pinned:
        return (f"{short_name(root)} (owner: {owner(root)}). Its SPKI hashes to the pin, so an app that ships "
                "this pin accepts any chain that reaches this root's key, and breaks the day its servers "
                "move to another root.")
    if root not in load_roots():
        where = ("the course's own root, which is in no real store" if root == course_pki().root.cert
                 else f"{short_name(root)}, which is not a root in your store")
        raise Wrong(f"That is {where}; the pinned key belongs to a root in certifi's bundle.")
    if _pin_of(root) == MYSTERY_PIN:  # another certificate for the same key: also right
        return f"{short_name(root)} carries the pinned key."
    sibling = " It belongs to the same owner, but has a key of its own." if owner(root) == owner(pinned) else ""
    raise Wrong(f"{short_name(root)}'s SPKI hashes to a different pin.{sibling} Compute the pin of every "
                "root and keep the one that matches.")


q2 = Question(
    name="q2",
    prompt=f"An app's config pins the SPKI hash {MYSTERY_PIN}. Which root in your store is it? Answer "
           "with the root's common name, or the certificate.",
    checker=_check_pinned_root,
    hints=("spki_pin(root) gives a root's pin; compute it for every root in roots.",
           "[short_name(r) for r in roots if spki_pin(r) == ex.MYSTERY_PIN]"),
    answer="next(r for r in roots if spki_pin(r) == ex.MYSTERY_PIN), whose common name is DigiCert Global "
           "Root G2",
)


# --- q3: contain a leaked intermediate key ---------------------------------------------------------

_Q3_B = "issue a replacement intermediate under the same root and move the servers to it"
_Q3_D = ("B, and also wait until the old intermediate expires (or ship a blocklist), because apps check no "
         "revocation")

q3 = Question(
    name="q3",
    prompt="The private key of an intermediate CA leaks. Which response keeps every device's trust store and "
           "still deals with the leaked key? 'A': replace the root in every device's trust store; 'B': "
           f"{_Q3_B}; 'C': do nothing, the root is still safe; 'D': {_Q3_D}.",
    checker=labelled_choice("D", {
        "A": ("replace the root in every device's trust store", "replace the root",
              "replace the root in every device trust store", "new root"),
        "B": (_Q3_B, "issue a replacement intermediate", "replacement intermediate",
              "move the servers to a new intermediate"),
        "C": ("do nothing", "nothing", "do nothing, the root is still safe",
              "do nothing, because the root is still safe"),
        "D": (_Q3_D, "B and wait until the old intermediate expires", "B and ship a blocklist",
              "B, and also wait until the old intermediate expires (or ship a blocklist)"),
    }, {
        "A": "The root's key did not leak, so devices can keep trusting it; changing every device's trust "
             "store takes years. That is exactly what intermediates spare us.",
        "B": "Your own servers now use a clean key, but the leaked intermediate certificate is still valid: "
             "whoever holds its key can keep signing leaves for any name that chain to the root. What did "
             "the device in the lesson say about the leaked intermediate's chain?",
        "C": "Whoever holds the leaked key can issue certificates for any name, and they chain to the "
             "trusted root: the root being safe does not make them untrusted.",
    }, success="Only the intermediate and its leaves change; the root, and every device's trust store, stay. "
               "Revoking the old intermediate publishes the fact, but clients that check no revocation (most "
               "app TLS stacks) keep accepting it until it expires or they ship a blocklist (lesson 03).",
        near={
        "revoke the root": "Revoking the root means every device loses it, and the root's key did not leak.",
        "revoke the intermediate": "Revoking publishes that the CA no longer vouches for it; the lesson "
                                   "showed what a device that checks no revocation does with that.",
        "re-issue the leaves": "New leaves alone change nothing: whoever holds the leaked key can still sign "
                               "leaves of their own for any name.",
        "rotate the leaf keys": "The leaves' keys did not leak; whoever holds the leaked key can still sign "
                                "leaves of their own for any name.",
    }),
    hints=("Which key leaked, and which certificate do devices store?",
           "Devices store roots; servers send intermediates. And after the CA revoked the leaked "
           "intermediate, what did the lesson's device say about a leaf it signed?"),
    answer="'D'. Issue a replacement intermediate under the same root and move the servers to it; no "
           "device's trust store changes. But apps check no revocation, so the old intermediate stays usable "
           "for whoever holds its key until it expires, unless apps ship a blocklist.",
)
