"""Lesson 06's exercises: compute a pin by hand, choose pins that survive a rotation, find the bug.

* q1: the rogue leaf's SPKI pin, as text, in any spelling the lesson shows (raw base64, ``sha256/…``,
  ``pin-sha256="…"``, Android's ``<pin>``, iOS's dictionary) or as a :class:`Pin`. The checker
  recognises the usual wrong bytes (the whole certificate, PEM, the bare EC point, hex, SHA-1, no hash)
  and says which ones the answer hashed.
* q2: a pin set (a list of pins in any spelling, a :class:`PinSet`, or one of the renewal matrix's
  :class:`Strategy` values or names). The checker runs the renewal matrix's intermediate rotation and
  planned rekey on it, and runs lesson 05's four attacks and chain stuffing against it.
* q3: multiple choice.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import itertools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ..attacks.scenarios import ATTACKS, CHAIN_STUFFING
from ..course import HOST
from ..pem import is_ca, short_name
from ..pinning.client import Refused, rebuild_verified_chain
from ..pinning.pins import Pin, PinError, PinKind, PinSet, cert_pin, parse_pin, spki_der, spki_pin
from ..pinning.renewal import Event, event_chain, strategies, survives
from ..pinning.strategy import Strategy
from ..pki import Issued, course_pki
from . import Question, Wrong, choice, echo

# --- q1: a pin by hand -------------------------------------------------------------------------


def _expected_pin() -> str:
    return spki_pin(course_pki().rogue_leaf.cert)


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _wrong_digests() -> dict[bytes, str]:
    """SHA-256 digests of the bytes a learner plausibly hashes instead, each with what it is."""
    pki = course_pki()
    cert = pki.rogue_leaf.cert
    key = cert.public_key()
    wrong = {
        _sha256(cert.public_bytes(serialization.Encoding.DER)):
            "That hashes the whole certificate: a certificate pin, which changes at every renewal. Hash only "
            "the SubjectPublicKeyInfo (cert.public_key().public_bytes(Encoding.DER, PublicFormat."
            "SubjectPublicKeyInfo)).",
        _sha256(cert.public_bytes(serialization.Encoding.PEM)):
            "That hashes the whole certificate as PEM text; hash the DER bytes of the SubjectPublicKeyInfo only.",
        _sha256(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)):
            "Right structure, but you hashed its PEM text (Encoding.PEM); a pin hashes the DER bytes.",
        _sha256(cert.tbs_certificate_bytes):
            "That hashes the certificate's to-be-signed part; hash only the SubjectPublicKeyInfo.",
    }
    if isinstance(key, ec.EllipticCurvePublicKey):
        wrong[_sha256(key.public_bytes(serialization.Encoding.X962,
                                       serialization.PublicFormat.UncompressedPoint))] = (
            "That hashes the bare EC point, without the algorithm that says which curve it is on; hash the "
            "whole SubjectPublicKeyInfo (PublicFormat.SubjectPublicKeyInfo).")
    for name, issued in (("today's genuine leaf", pki.leaf), ("the course intermediate", pki.intermediate),
                         ("the course root", pki.root)):
        wrong[Pin.of_spki(issued.cert).digest] = (
            f"That is the SPKI pin of {name}, a genuine course certificate; the exercise asks for "
            "pki.rogue_leaf.cert.")
    return wrong


def _text_of_pin(answer: Any) -> tuple[str, str]:
    """The answer as text, with a note to add on success; Wrong for what cannot be a pin at all."""
    if isinstance(answer, list | tuple) and len(answer) == 1:  # [pin]: the pin itself
        answer = answer[0]
    if isinstance(answer, Pin):
        if answer.kind == PinKind.CERT:
            raise Wrong("That is a certificate pin (Pin.of_cert): it hashes the whole certificate and changes "
                        "at every renewal. Hash only the SubjectPublicKeyInfo.")
        return answer.base64, ""
    if isinstance(answer, bytes | bytearray | memoryview):
        data = bytes(answer)
        if len(data) == 32:
            if data == Pin.of_spki(course_pki().rogue_leaf.cert).digest:
                raise Wrong("Those are the right 32 digest bytes, but a pin is their base64 text: "
                            "base64.b64encode(digest).decode().")
            raise Wrong("That is a raw 32-byte digest; a pin is base64 text. Encode it with "
                        "base64.b64encode(...).decode(), and check which bytes you hashed.")
        try:
            return data.decode("ascii"), " (You gave bytes; .decode() at the end turns them into text.)"
        except UnicodeDecodeError:
            raise Wrong("That is binary bytes, not a pin; a pin is base64 text: "
                        "base64.b64encode(hashlib.sha256(spki_bytes).digest()).decode().") from None
    if not isinstance(answer, str):
        raise Wrong(f"Your answer is of type {type(answer).__name__}; give the pin as text (a str), the "
                    "output of base64.b64encode(...).decode().")
    text = answer.strip()
    if re.fullmatch(r"""b(['"]).*\1""", text, re.DOTALL):
        raise Wrong("That is the printed form of a bytes value (b'...'); use .decode() instead of str().")
    return text, ""


def _check_hand_pin(answer: Any) -> str:
    text, note = _text_of_pin(answer)
    cert = course_pki().rogue_leaf.cert
    spki = spki_der(cert)
    near_misses = {
        hashlib.sha256(spki).hexdigest(): "Right bytes and the right hash, but written in hex "
                                          "(.hexdigest()); a pin is base64 of the raw digest (.digest()).",
        base64.b64encode(hashlib.sha256(spki).hexdigest().encode()).decode():
            "That is base64 of the hex text (.hexdigest()); encode the raw digest (.digest()) instead.",
        base64.b64encode(spki).decode(): "That is the SubjectPublicKeyInfo itself in base64; hash it with "
                                         "SHA-256 first.",
        base64.b64encode(hashlib.sha1(spki).digest()).decode(): "Right bytes, but hashed with SHA-1; pins "
                                                                "use SHA-256.",
        base64.urlsafe_b64encode(_sha256(spki)).decode(): "Right digest, but in URL-safe base64 ('-' and "
                                                          "'_'); pins use standard base64 (b64encode).",
    }
    body = re.sub(r"^sha256/", "", text)
    if body in near_misses and body != _expected_pin():
        raise Wrong(near_misses[body])
    try:
        pin = parse_pin(text)
    except PinError as why:
        raise Wrong(f"That is not a pin: {why}") from None
    if pin.digest == Pin.of_spki(cert).digest:
        return "That is base64(SHA-256(DER SubjectPublicKeyInfo)): the SPKI pin." + note
    reason = _wrong_digests().get(pin.digest)
    if reason:
        raise Wrong(reason)
    raise Wrong("That is a well-formed SHA-256 pin, but not of the rogue leaf's SubjectPublicKeyInfo; check "
                "which bytes you hashed.")


q1 = Question(
    name="q1",
    prompt="Compute the SPKI pin of pki.rogue_leaf.cert with hashlib and base64 (not spki_pin), as text.",
    checker=_check_hand_pin,
    hints=("The bytes are cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo).",
           "base64.b64encode(hashlib.sha256(those_bytes).digest()).decode()"),
    answer="base64.b64encode(hashlib.sha256(pki.rogue_leaf.cert.public_key().public_bytes("
           "Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).digest()).decode()",
)


# --- q2: pins that survive a rotation --------------------------------------------------------------

_MAX_PINS = 50


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9+]", "", text.lower())


def _strategy(answer: Any) -> Strategy | None:
    """A renewal-matrix strategy given as a Strategy, its value ('leaf-spki+backup') or label."""
    if isinstance(answer, Strategy):
        return answer
    if isinstance(answer, str) and len(answer) < 40:
        for strategy in Strategy:
            if _squash(answer) in {_squash(strategy.value), _squash(strategy.label)}:
                return strategy
    return None


def _one_pin(item: Any, position: int | None) -> Pin:
    where = "Your answer" if position is None else f"Item {position} of your list"
    if isinstance(item, Pin):
        return item
    if isinstance(item, str):
        try:
            return parse_pin(item)
        except PinError as why:
            raise Wrong(f"{where} ({echo(item, 40)}) is not a pin: {why}") from None
    if isinstance(item, Issued):
        item = item.cert
    if isinstance(item, x509.Certificate):
        raise Wrong(f"{where} is a certificate ({short_name(item)}), not a pin; spki_pin(cert) gives the pin "
                    "of its key.")
    if hasattr(item, "public_bytes") or hasattr(item, "public_key"):
        raise Wrong(f"{where} is a key, not a pin; spki_pin(public_key) gives its pin.")
    raise Wrong(f"{where} ({echo(item, 40)}) is of type {type(item).__name__}, not a pin; give pins as "
                "text, e.g. spki_pin(...).")


def _as_pin_set(answer: Any) -> PinSet:
    """A PinSet, a Strategy (or its name), a list of pins (text in any spelling, or Pin), or one pin."""
    if isinstance(answer, PinSet):
        if answer.expired():
            raise Wrong("Your PinSet has already expired, so the app enforces no pins at all and every "
                        "attack connects; drop the expiry or move it well into the future.")
        return answer
    strategy = _strategy(answer)
    if strategy is not None:
        return strategies()[strategy]
    if isinstance(answer, Mapping):
        raise Wrong("That is a dict; give a list of pins, e.g. [spki_pin(...), ...], or a PinSet.")
    if isinstance(answer, str | Pin | Issued | x509.Certificate) or not isinstance(answer, Iterable):
        return PinSet(pins=(_one_pin(answer, None),))
    else:
        items = list(itertools.islice(iter(answer), _MAX_PINS + 1))
        if len(items) > _MAX_PINS:
            raise Wrong(f"That holds more than {_MAX_PINS} items; an app ships a handful of pins.")
    pins = [_one_pin(item, n) for n, item in enumerate(items, 1)]
    if not pins:
        raise Wrong("Your pin set is empty: an app with no pins trusts every CA in the store, so every "
                    "attack of lesson 05 connects.")
    return PinSet(pins=tuple(pins))


def _course_cas() -> list[x509.Certificate]:
    """Every CA certificate of the course PKI: roots, intermediates, the attackers' and the other public CA's."""
    pki = course_pki()
    found: dict[bytes, x509.Certificate] = {}
    for item in [*(getattr(pki, f.name) for f in dataclasses.fields(pki)), *(e for e in pki.entries)]:
        certs = [getattr(item, "cert", None), *getattr(item, "intermediates", ()), getattr(item, "root", None)]
        for cert in certs:
            if isinstance(cert, x509.Certificate) and is_ca(cert):
                found.setdefault(cert.fingerprint(hashes.SHA256()), cert)
    return list(found.values())


def _a_ca_key(pins: PinSet) -> str | None:
    """The name of a course CA whose key is among the pins, if any."""
    for cert in _course_cas():
        if Pin.of_spki(cert) in pins:
            return short_name(cert)
    return None



def _attack_that_reads_the_token(pins: PinSet) -> str | None:
    """The first of lesson 05's attacks (and chain stuffing) that these pins let through, if any."""
    for item in (*ATTACKS, CHAIN_STUFFING):
        try:
            built = rebuild_verified_chain(item.chain(), item.device_roots(), HOST)
        except Refused:
            continue  # the device refuses this chain before any pin is checked
        if pins.matches(built):
            return item.title
    return None


def _the_ca_that_let_it_in(pins: PinSet, title: str) -> str | None:
    """The CA in the attack's verified chain whose key the pins hold, if the leak came through one."""
    item = next(a for a in (*ATTACKS, CHAIN_STUFFING) if a.title == title)
    built = rebuild_verified_chain(item.chain(), item.device_roots(), HOST)
    return next((short_name(cert) for cert in built if is_ca(cert) and Pin.of_spki(cert) in pins), None)


def _are_cert_pins(pins: PinSet) -> bool:
    pki = course_pki()
    genuine = {cert_pin(c) for c in (pki.leaf.cert, pki.intermediate.cert, pki.root.cert)}
    return any(pin.base64 in genuine for pin in pins.all_pins)


def _check_rotation_pins(answer: Any) -> str:
    pki = course_pki()
    pins = _as_pin_set(answer)
    if not survives(pins, pki.leaf.chain):
        kinds = " They look like certificate pins; use spki_pin(...)." if _are_cert_pins(pins) else ""
        raise Wrong(f"Your pins do not match even today's chain, so the app is locked out now.{kinds}")
    for label, chain in (("the intermediate rotation", event_chain(Event.INTERMEDIATE_ROTATION)),
                         ("the planned rekey onto the backup key", event_chain(Event.PLANNED_REKEY))):
        if not survives(pins, chain):
            kinds = (" A certificate pin changes with every new certificate; pin keys (SPKI)."
                     if any(pin.kind == PinKind.CERT for pin in pins.all_pins) else "")
            raise Wrong(f"Your pins lock the app out after {label}: no key in the new chain is pinned.{kinds}")
    leak = _attack_that_reads_the_token(pins)
    ca = (leak and _the_ca_that_let_it_in(pins, leak)) or _a_ca_key(pins)
    owner = (f"one of them is the key of {ca}, a CA: a pin on a CA's key trusts everything that CA signs, so "
             "a certificate mis-issued under it for your name passes. Pin keys only you hold.") if ca else ""
    if leak:
        raise Wrong(f"Your pins survive both changes, but they let an attack read the token: {leak}. "
                    + (owner[0].upper() + owner[1:] if ca else "Pin keys only you hold."))
    if ca:
        raise Wrong(f"Your pins survive both changes and refuse lesson 05's attacks today, but {owner}")
    return "Your own current key plus a backup key you generated in advance survive both changes."


q2 = Question(
    name="q2",
    prompt="Next month the CA moves you to its second intermediate; in spring you rekey onto the backup "
           "key. Give the list of SPKI pins (text) that survives both and still refuses the mis-issued "
           "certificate.",
    checker=_check_rotation_pins,
    hints=("A pin on the intermediate dies with the intermediate rotation; a pin on a CA accepts "
           "whatever that CA issues.",
           "spki_pin(pki.leaf.cert) and spki_pin(pki.backup_key.public_key())"),
    answer="[spki_pin(pki.leaf.cert), spki_pin(pki.backup_key.public_key())]: the leaf key and the backup key.",
)

q3 = Question(
    name="q3",
    prompt="Find the bug in `pin_ok` shown above. Answer 'A' (it should use SHA-1), 'B' (it checks the "
           "chain the server sent, not the verified chain) or 'C' (any() should be all()).",
    checker=choice("B", {
        "A": "SHA-1 pins are obsolete; SHA-256 is right. The problem is which certificates get hashed.",
        "C": "One match is the rule (Android's pin-set and OkHttp's CertificatePinner both accept any one "
             "pin), so that a backup pin can match alone. Look at where the certificates come from.",
    }, success="get_unverified_chain() is whatever the server chose to send: an attacker stuffs your "
               "genuine certificate in it (CVE-2016-2402)."),
    hints=("Who decides which certificates are in sock.get_unverified_chain()?",),
    answer="'B'. Check the pins against the verified chain (get_verified_chain), never the sent one.",
)
