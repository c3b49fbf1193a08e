"""Lesson 06's exercises: compute a pin by hand, choose pins that survive a rotation, find the bug."""

from __future__ import annotations

import base64
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..attacks.scenarios import ATTACKS, CHAIN_STUFFING
from ..course import HOST
from ..pem import short_name
from ..pinning.client import Refused, rebuild_verified_chain
from ..pinning.pins import Pin, PinError, PinSet, cert_pin, spki_pin
from ..pinning.renewal import Event, event_chain, survives
from ..pki import course_pki
from . import Question, Wrong, choice


def _expected_pin() -> str:
    return spki_pin(course_pki().rogue_leaf.cert)


def _b64_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _check_hand_pin(answer) -> str:
    pki = course_pki()
    cert = pki.rogue_leaf.cert
    if isinstance(answer, bytes | bytearray):
        raise Wrong("That is bytes; turn the base64 into text with .decode() at the end.")
    text = str(answer).strip().removeprefix("sha256/")
    if text == _expected_pin():
        return "That is base64(SHA-256(DER SubjectPublicKeyInfo)): the SPKI pin."
    if text == _b64_sha256(cert.public_bytes(serialization.Encoding.DER)):
        raise Wrong("That hashes the whole certificate: a certificate pin. Hash only the "
                    "SubjectPublicKeyInfo (cert.public_key().public_bytes(DER, SubjectPublicKeyInfo)).")
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    if text == hashlib.sha256(spki).hexdigest():
        raise Wrong("Right bytes, but written in hex; pins are base64 of the raw digest (.digest()).")
    if text == base64.b64encode(spki).decode():
        raise Wrong("That is the SubjectPublicKeyInfo itself in base64; hash it with SHA-256 first.")
    if text in {spki_pin(pki.leaf.cert), spki_pin(pki.intermediate.cert), spki_pin(pki.root.cert)}:
        raise Wrong("That is the pin of one of the genuine course certificates; the exercise asks for "
                    "pki.rogue_leaf.cert.")
    raise Wrong("That is not the SPKI pin of pki.rogue_leaf.cert; check which bytes you hashed.")


q1 = Question(
    name="q1",
    prompt="Compute the SPKI pin of pki.rogue_leaf.cert with hashlib and base64 (not spki_pin), as text.",
    checker=_check_hand_pin,
    hints=("The bytes are cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo).",
           "base64.b64encode(hashlib.sha256(those_bytes).digest()).decode()"),
    answer="base64.b64encode(hashlib.sha256(pki.rogue_leaf.cert.public_key().public_bytes("
           "Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).digest()).decode()",
)


def _as_pin_set(answer) -> PinSet:
    """A PinSet, a list of pins (text or Pin) or one pin, as a PinSet."""
    if isinstance(answer, PinSet):
        return answer
    try:
        return PinSet(pins=tuple([answer] if isinstance(answer, str) else answer))
    except PinError as why:
        raise Wrong(f"One of those is not a pin: {why}") from None
    except TypeError:
        raise Wrong("Give a list of pins, e.g. [spki_pin(...), ...], or a PinSet.") from None


def _a_ca_key(pins: PinSet) -> str | None:
    """The name of a course CA whose key is among the pins, if any."""
    for entry in course_pki().entries:
        cert = entry.cert
        if cert is None or not _is_ca(cert):
            continue
        if Pin.of_spki(cert) in pins:
            return short_name(cert)
    return None


def _is_ca(cert) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except (x509.ExtensionNotFound, ValueError):
        return False


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


def _check_rotation_pins(answer) -> str:
    pki = course_pki()
    pins = _as_pin_set(answer)
    if not survives(pins, pki.leaf.chain):
        kinds = " They look like certificate pins; use spki_pin(...)." if _are_cert_pins(pins) else ""
        raise Wrong(f"These pins do not match even today's chain, so the app is locked out now.{kinds}")
    for label, chain in (("the intermediate rotation", event_chain(Event.INTERMEDIATE_ROTATION)),
                         ("the planned rekey onto the backup key", event_chain(Event.PLANNED_REKEY))):
        if not survives(pins, chain):
            raise Wrong(f"These pins lock the app out after {label}.")
    ca = _a_ca_key(pins)
    if ca:
        raise Wrong(f"These pins survive both changes, but one is the key of {ca}, a CA: a pin on a CA's key "
                    "trusts everything that CA signs, so a certificate mis-issued under it for your name would pass. "
                    "Pin keys only you hold.")
    leak = _attack_that_reads_the_token(pins)
    if leak:
        raise Wrong(f"These pins survive both changes, but they let an attack read the token: {leak}. A pin "
                    "on a CA's key trusts everything that CA signs; pin keys only you hold.")
    return "Your own current key plus a backup key you generated in advance survive both changes."


def _are_cert_pins(pins) -> bool:
    pki = course_pki()
    genuine = {cert_pin(c) for c in (pki.leaf.cert, pki.intermediate.cert, pki.root.cert)}
    return any(pin.base64 in genuine for pin in pins.all_pins)


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
