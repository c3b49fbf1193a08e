"""Lesson 02's exercises: explore the real root store, pin a real root, and contain a compromise."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..pem import short_name
from ..pinning.pins import Pin, PinError, PinKind, parse_pin, spki_der
from ..pki import course_pki
from ..trust_store import find_root, load_roots
from . import Question, Wrong, echo, kind_of, labelled_choice, whole_number


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


# --- q2: ISRG Root X2's SPKI pin ------------------------------------------------------------------

_LONGEST_PIN = 400  # characters: the iOS spelling with generous spacing is well under this


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _unpinnable_text(text: str, x2: x509.Certificate) -> str | None:
    """Why text that is no pin is what it is, when it is a plausible near miss (else None)."""
    bare = text.strip().replace(":", "").replace(" ", "")
    if len(bare) == 64 and all(c in "0123456789abcdefABCDEF" for c in bare):
        digest = bytes.fromhex(bare)
        if digest == _sha(x2.public_bytes(serialization.Encoding.DER)):
            return ("That is the certificate's SHA-256 fingerprint in hex: it hashes the whole certificate (a "
                    "certificate pin) and is written in hex; an SPKI pin hashes the SPKI and is base64.")
        if digest == _sha(spki_der(x2)):
            return ("That digest is written in hex, but pins are base64; convert it with "
                    "base64.b64encode(bytes.fromhex(text)).")
    try:
        decoded = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    if decoded == spki_der(x2):
        return "That is X2's SPKI itself, in base64; a pin is the SHA-256 digest of those bytes, in base64."
    return None


def _as_pin(answer: Any, x2: x509.Certificate) -> Pin:
    """The pin a learner's answer spells, in any of the course's formats, or Wrong saying why not."""
    if isinstance(answer, Pin):
        return answer
    if isinstance(answer, x509.Certificate):
        raise Wrong(f"That is a certificate ({short_name(answer)}); answer with an SPKI pin, the base64 text.")
    if isinstance(answer, bytes | bytearray | memoryview):
        answer = bytes(answer)
        if len(answer) == 32:  # the digest itself, before base64
            return Pin(answer, PinKind.SPKI)
        if len(answer) > _LONGEST_PIN:
            raise Wrong(f"Those {len(answer)} bytes are far too many for a pin; a pin is a 32-byte digest, "
                        "written as 44 characters of base64.")
        answer = answer.decode("ascii", "replace")
    if not isinstance(answer, str):
        raise Wrong(f"That is {kind_of(answer)}; answer with the pin as text, such as the 44-character base64 "
                    "digest or 'sha256/…'.")
    if len(answer) > _LONGEST_PIN:
        raise Wrong(f"That text is {len(answer):,} characters long; a pin is 44 characters of base64 "
                    "(with a prefix such as 'sha256/' at most).")
    near = _unpinnable_text(answer, x2)
    if near:
        raise Wrong(near)
    text = answer.strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"`":
        text = text[1:-1]  # a pin pasted with its quotes
    try:
        return parse_pin(text)
    except PinError as why:
        raise Wrong(f"That is not a pin: {why}") from None


def _pin_owners() -> dict[bytes, str]:
    """SPKI digests of every root in the store (and the course root), with a name for each."""
    owners = {_sha(spki_der(r)): f"the SPKI pin of {short_name(r)}, another root in your store"
              for r in load_roots()}
    owners[_sha(spki_der(course_pki().root.cert))] = ("the course's own root's pin (YourApp Root CA), which is "
                                                      "not in your store at all")
    return owners


def _check_x2_pin(answer) -> str:
    x2 = find_root("ISRG Root X2")
    given = _as_pin(answer, x2)
    right = _sha(spki_der(x2))
    if given.digest == right:
        return "ISRG Root X2 (EC P-384) is Let's Encrypt's second root; its pin is as stable as its key."
    point = x2.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    pem = x2.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    misses = {
        _sha(x2.public_bytes(serialization.Encoding.DER)): "That hashes the whole certificate (a certificate "
                                                           "pin); hash the SPKI instead.",
        _sha(x2.public_bytes(serialization.Encoding.PEM)): "That hashes the certificate's PEM text; an SPKI pin "
                                                           "hashes the DER bytes of the SPKI.",
        _sha(point): "That hashes the bare EC point; an SPKI pin hashes the whole SubjectPublicKeyInfo, "
                     "algorithm identifier included.",
        _sha(pem): "That hashes the key's PEM text; an SPKI pin hashes the DER bytes of the SPKI.",
        _sha(spki_der(find_root("ISRG Root X1"))): "That is ISRG Root X1's pin; the question asks for X2, "
                                                   "the EC root.",
    }
    if given.digest in misses:
        raise Wrong(misses[given.digest])
    owner = _pin_owners().get(given.digest)
    if owner:
        raise Wrong(f"That is {owner}; find the root named 'ISRG Root X2' and pin its SPKI.")
    raise Wrong("That pin is well formed, but it matches no root in your store; compute it from "
                "find_root('ISRG Root X2') with spki_pin.")


q2 = Question(
    name="q2",
    prompt="What is the SPKI pin of 'ISRG Root X2' in your root store? Answer with the base64 text.",
    checker=_check_x2_pin,
    hints=("find_root('ISRG Root X2') returns the certificate.", "spki_pin(find_root('ISRG Root X2'))"),
    answer="spki_pin(find_root('ISRG Root X2'))",
)


# --- q3: contain a leaked intermediate key ---------------------------------------------------------

q3 = Question(
    name="q3",
    prompt="The private key of an intermediate CA leaks. What is the least disruptive fix? 'A': replace "
           "the root in every device's trust store; 'B': revoke that intermediate, have the offline root "
           "sign a new one, and re-issue its leaves; 'C': do nothing, the root is still safe.",
    checker=labelled_choice("B", {
        "A": ("replace the root", "replace the root in every device's trust store",
              "replace the root in every device trust store", "new root"),
        "B": ("revoke that intermediate, have the offline root sign a new one, and re-issue its leaves",
              "revoke the intermediate, have the offline root sign a new one, and re-issue its leaves",
              "revoke that intermediate", "revoke the intermediate", "revoke"),
        "C": ("do nothing", "nothing", "do nothing, the root is still safe",
              "do nothing, because the root is still safe"),
    }, {
        "A": "The root's key did not leak, so devices can keep trusting it; changing every device's trust "
             "store takes years. That is exactly what intermediates spare us.",
        "C": "Whoever holds the leaked key can issue certificates for any name, and they chain to the "
             "trusted root: the root being safe does not make them untrusted.",
    }, success="Only the intermediate and its leaves change; the root, and every device's trust store, stay.",
        near={
        "revoke the root": "Revoking the root means every device loses it, and the root's key did not leak.",
        "re-issue the leaves": "New leaves alone change nothing: whoever holds the leaked key can still sign "
                               "leaves of their own for any name.",
        "rotate the leaf keys": "The leaves' keys did not leak; whoever holds the leaked key can still sign "
                                "leaves of their own for any name.",
    }),
    hints=("Which key leaked, and which certificate do devices store?",
           "Devices store roots; servers send intermediates."),
    answer="'B'. Revoke the intermediate, sign a replacement with the offline root, re-issue the leaves; "
           "no device's trust store changes.",
)
