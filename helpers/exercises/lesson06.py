"""Lesson 06's exercises: compute a pin by hand, choose pins that survive a rotation, fix a pin check.

* q1: the rogue leaf's SPKI pin, as text, in any spelling the lesson shows (raw base64, ``sha256/…``,
  ``pin-sha256="…"``, Android's ``<pin>``, iOS's dictionary) or as a :class:`Pin`. The checker
  recognises the usual wrong bytes (the whole certificate, PEM, the bare EC point, hex, SHA-1, no hash)
  and says which ones the answer hashed.
* q2: a pin set (a list of pins in any spelling, a :class:`PinSet`, or one of the renewal matrix's
  :class:`Strategy` values or names). The checker runs the renewal matrix's intermediate rotation and
  planned rekey on it, and runs lesson 05's four attacks and chain stuffing against it.
* q3: fix a pin check that looks at the chain the server sent (a function ``pin_ok(sock, pins)``). The
  checker runs it on real TLS connections: the genuine server, a rekey onto the backup key, the rogue
  CA, and chain stuffing (CVE-2016-2402).
* q4: the SPKI pins for a certificate made just now by :func:`new_server` (a random key, so it cannot be
  copied). The checker starts that server, connects a pinned client with the learner's pins over real
  TLS, checks a same-key renewal, runs lesson 05's attacks on the pins, and requires a backup pin (a key
  no CA holds) for the next rekey.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import itertools
import re
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ..attacks.scenarios import ATTACKS, CHAIN_STUFFING
from ..clock import utc
from ..course import HOST
from ..pem import is_ca, short_name
from ..pinning.client import CaClient, PinnedClient, Refused, fetch, rebuild_verified_chain
from ..pinning.client import unverified_chain as unverified_chain  # re-exported: ex.unverified_chain(sock)
from ..pinning.client import verified_chain as verified_chain  # re-exported: ex.verified_chain(sock)
from ..pinning.pins import Pin, PinError, PinKind, PinSet, cert_pin, parse_pin, spki_der, spki_pin
from ..pinning.renewal import Event, event_chain, strategies, survives
from ..pinning.strategy import Strategy
from ..pki import Issued, course_pki
from ..pki.ca import leaf_dates
from ..tls.api import API_TOKEN
from ..tls.servers import HTTPSServer
from . import Question, Uncheckable, Wrong, echo, kind_of

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
    if isinstance(item, bytes | bytearray) and len(item) <= 200:
        item = bytes(item).decode("utf-8", "replace")
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
    if isinstance(answer, bytes | bytearray) and len(answer) <= 200:
        answer = bytes(answer).decode("utf-8", "replace")
    strategy = _strategy(answer)
    if strategy is not None:
        return strategies()[strategy]
    if isinstance(answer, Mapping):
        raise Wrong("That is a dict; give a list of pins, e.g. [spki_pin(...), ...], or a PinSet.")
    if isinstance(answer, str | bytes | Pin | Issued | x509.Certificate) or not isinstance(answer, Iterable):
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
           "Which keys does no CA, not even yours, hold?"),
    answer="[spki_pin(pki.leaf.cert), spki_pin(pki.backup_key.public_key())]: the leaf key and the backup key.",
)

def _run_pin_ok(pin_ok, chain, key, roots) -> Any:
    """Serve ``chain`` on loopback, connect a CA-validating client that trusts ``roots``, and call the
    learner's ``pin_ok(sock, pins)`` on that connection with the app's pins (the leaf key and the backup)."""
    pki = course_pki()
    pins = {spki_pin(pki.leaf.cert), spki_pin(pki.backup_key.public_key())}
    with HTTPSServer(chain, key, token=API_TOKEN) as server:
        sock = CaClient(roots).connect(server.host, server.port)
        try:
            return pin_ok(sock, pins)
        finally:
            sock.close()


def _check_pin_ok(answer: Any) -> str:
    if isinstance(answer, str | bytes):
        raise Wrong(f"That is text ({echo(answer)}); give your fixed function itself: def pin_ok(sock, pins): "
                    "..., then answer = pin_ok.")
    if not callable(answer) or isinstance(answer, type):
        raise Wrong(f"That is {kind_of(answer)}; give your fixed function pin_ok(sock, pins).")
    pki, stuffing = course_pki(), CHAIN_STUFFING
    rogue = next(a for a in ATTACKS if a.attacker == stuffing.attacker)
    cases = (("the genuine server", pki.leaf.chain, pki.leaf.key, [pki.root.cert], True),
             ("your server after the planned rekey onto the backup key", pki.leaf_on_backup_key.chain,
              pki.leaf_on_backup_key.key, [pki.root.cert], True),
             (rogue.title, rogue.chain(), rogue.leaf().key, rogue.device_roots(), False),
             ("the rogue CA's certificate with your genuine leaf and intermediate appended (chain stuffing)",
              stuffing.chain(), stuffing.leaf().key, stuffing.device_roots(), False))
    for what, chain, key, roots, wanted in cases:
        try:
            said = _run_pin_ok(answer, chain, key, roots)
        except TypeError as why:
            raise Wrong(f"Calling your function as pin_ok(sock, pins) failed: TypeError: {echo(str(why))}") from None
        except Exception as why:  # the learner's code: report it, never crash
            if "get_verified_chain" in str(why) or "get_unverified_chain" in str(why):
                raise Wrong("Your pin_ok calls a method this Python does not have (it arrived in 3.13); use "
                            "ex.verified_chain(sock) or ex.unverified_chain(sock) instead.") from None
            raise Wrong(f"Your pin_ok raised {type(why).__name__}: {echo(str(why))}") from None
        if said is None:
            raise Wrong("Your pin_ok returned None: return True to let the request go, False to refuse.")
        if bool(said) != wanted:
            verdict = "accepted" if said else "refused"
            raise Wrong(f"The checker connected over TLS to {what}, and your pin_ok {verdict} it.")
    return ("Your pin_ok accepts the genuine server and the rekey onto the backup key, and refuses the rogue "
            "CA with and without your genuine certificates stuffed into its chain: the chain the server sends "
            "is the server's choice; the chain the client verified is not (CVE-2016-2402).")


q3 = Question(
    name="q3",
    prompt="Fix pin_ok(sock, pins) shown above, and give the fixed function (answer = pin_ok). The checker "
           "runs it on real TLS connections: your server, your server after a rekey onto the backup key, "
           "the rogue CA, and chain stuffing.",
    checker=_check_pin_ok,
    hints=("Who decides which certificates are in the chain that pin_ok looks at?",
           "Lesson 06's chain-stuffing scoreboard shows the two ways of choosing a chain."),
    answer="lambda sock, pins: any(spki_pin(cert) in pins for cert in ex.verified_chain(sock))  # check the pins "
           "against the chain the client verified, never the chain the server sent.",
)


# --- q4: pin a certificate made just now ---------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class FreshServer:
    """A server certificate for api.yourapp.com made just now, with a key nobody else has seen."""

    issued: Issued = dataclasses.field(repr=False)
    renewed: Issued = dataclasses.field(repr=False)  # the same key, renewed later: the pin must survive it

    @property
    def cert(self) -> x509.Certificate:
        return self.issued.cert

    @property
    def pem(self) -> str:
        """The certificate as PEM text, as a server operator would hand it to you."""
        return self.issued.pem.decode()

    def __repr__(self) -> str:  # no key, serial or pin: safe in compared outputs
        return "<FreshServer api.yourapp.com: a certificate made just now (.cert, .pem)>"


_FRESH: list[FreshServer] = []  # every fresh server of this kernel, newest last


def new_server() -> FreshServer:
    """Make a fresh server certificate (a random key from your CA's intermediate) for exercise 4."""
    pki = course_pki()
    label = f"fresh server {secrets.token_hex(8)}"
    serial = 20_000 + secrets.randbelow(10**9)
    issued = pki.intermediate.issue_leaf([HOST], key_label=label, serial=serial, name="fresh",
                                         **leaf_dates(utc(2026, 6, 1)))
    renewed = pki.intermediate.issue_leaf([HOST], key=issued.key, serial=serial + 1, name="fresh renewed",
                                          **leaf_dates(utc(2026, 8, 30)))
    _FRESH.append(FreshServer(issued, renewed))
    del _FRESH[:-20]
    return _FRESH[-1]


def _pins_for_fresh(answer: Any) -> PinSet:
    if isinstance(answer, FreshServer | Issued | x509.Certificate):
        raise Wrong("That is the certificate itself; the app ships its pin: compute it from the certificate.")
    return _as_pin_set(answer)


def _served_today(pins: PinSet, fresh: FreshServer) -> str | None:
    """Connect a pinned client to the fresh server over real TLS; the refusal reason, or None."""
    pki = course_pki()
    with HTTPSServer(fresh.issued, token=API_TOKEN) as server:
        try:
            fetch(PinnedClient(pins, [pki.root.cert]), server.host, server.port, token=API_TOKEN)
        except Refused as why:
            return why.reason
    return None


def _check_fresh_pin(answer: Any) -> str:
    if not _FRESH:
        raise Uncheckable("There is no fresh server yet: run server = ex.new_server() first, then pin "
                          "server.cert.")
    fresh = _FRESH[-1]
    pins = _pins_for_fresh(answer)
    if _served_today(pins, fresh) is not None:
        if any(pins.matches([old.cert]) for old in _FRESH[:-1]):
            raise Wrong("Your pin matches an earlier fresh server: ex.new_server() made a new key since. "
                        "Pin the newest server.cert.")
        whole = _sha256(fresh.cert.public_bytes(serialization.Encoding.DER))
        if any(pin.digest == whole for pin in pins.all_pins):
            raise Wrong("That hashes the whole certificate: a certificate pin, which breaks at the next "
                        "renewal. Hash only the SubjectPublicKeyInfo.")
        if pins.matches([course_pki().leaf.cert]):
            raise Wrong("Your pin is the course leaf's, copied from the lesson; the fresh server has a "
                        "key of its own.")
        raise Wrong("The checker started the fresh server and connected a client with your pins: it "
                    "refused the genuine server. Check which bytes you hashed.")
    if not survives(pins, fresh.renewed.chain):
        raise Wrong("Your pins work today, but the app is locked out at the server's next renewal with the "
                    "same key: a certificate pin hashes the whole certificate. Pin the key (SPKI).")
    leak = _attack_that_reads_the_token(pins)
    if leak:
        ca = _the_ca_that_let_it_in(pins, leak)
        raise Wrong(f"Your pins connect to the fresh server, but they also let an attack read the token: "
                    f"{leak}" + (f". {ca} is a CA: a pin on its key accepts whatever it signs." if ca else "."))
    spare = _spare_pins(pins, fresh)
    if not spare:
        raise Wrong("Your pin works today, survives a same-key renewal and refuses lesson 05's attacks. But "
                    "with one pin, the next rekey locks everyone out; ship a backup key's pin too.")
    cas = {Pin.of_spki(cert).digest: short_name(cert) for cert in _course_cas()}
    if all(pin.digest in cas for pin in spare):
        raise Wrong(f"Your other pin is the key of {cas[spare[0].digest]}, a CA: it accepts whatever that CA "
                    "signs. A backup pin names a key that no CA holds.")
    return ("The checker started the fresh server and your pinned client connected over TLS; the pins "
            "survived a same-key renewal, refused lesson 05's attacks, and include a backup key.")


def _spare_pins(pins: PinSet, fresh: FreshServer) -> list[Pin]:
    """The pins that name neither the fresh server's key nor one of its certificates: the backup candidates."""
    own = {Pin.of_spki(fresh.cert).digest,
           *(_sha256(c.public_bytes(serialization.Encoding.DER)) for c in (fresh.cert, fresh.renewed.cert))}
    return [pin for pin in pins.all_pins if pin.digest not in own]



q4 = Question(
    name="q4",
    prompt="Run server = ex.new_server(): a server certificate made just now, for you alone. Give the SPKI "
           "pins the app should ship for it (a list of pins, or a PinSet). The checker starts that server, "
           "connects a pinned client with your pins, renews the certificate, and runs lesson 05's attacks.",
    checker=_check_fresh_pin,
    hints=("Pin the server's key, not its certificate and not its CA; and think about its next rekey.",
           "spki_pin(server.cert), or by hand from server.pem with the pipeline of this lesson, plus the pin "
           "of a backup key you hold: spki_pin(pki.backup_key.public_key())."),
    answer="[spki_pin(server.cert), spki_pin(pki.backup_key.public_key())]: the server's key and a backup key.",
)

#: Reference answers as code a learner could type (``python -m helpers solutions 06`` runs them).
REFERENCES = {"q3": "def pin_ok(sock, pins):\n    return any(spki_pin(cert) in pins for cert in "
                      "ex.verified_chain(sock))\npin_ok",
              "q4": "server = ex.new_server()\n[spki_pin(server.cert), spki_pin(pki.backup_key.public_key())]"}
