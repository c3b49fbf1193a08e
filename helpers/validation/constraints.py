"""Name constraints (RFC 5280 §4.2.1.10): a CA limited to the names it may vouch for.

A CA certificate may carry a nameConstraints extension: **permitted** subtrees (the only names
it may certify) and **excluded** subtrees (names it never may). A company's own CA limited to
``yourapp.com`` cannot then issue a certificate for ``bank.com`` that anyone would accept.
The rules below are the ones cryptography's verifier (version 50) applies, so that our verdict
equals its verdict (``tests/test_name_constraints.py`` compares the two on generated chains):

* The names checked are the subjectAltName entries of every certificate below the CA on the
  path: the leaf's, and those of the intermediates in between. cryptography also checks the
  CA's *own* SAN against its constraints (RFC 5280 only looks below the CA). The SANs of a
  self-issued intermediate (subject = issuer, as in a key rollover) are skipped, as RFC 5280
  §6.1.3 says. The subject's common name is never checked: the verifier never uses it as a
  host name either.
* A name meets only the constraints of its own type (DNS with DNS, IP with IP, e-mail with
  e-mail). If the CA permits some names of that type, the name must lie in one of them; a type
  the CA says nothing about is unrestricted. Then the name must lie in no excluded subtree.
* DNS: the constraint ``example.com`` covers ``example.com`` and every name made by adding
  labels on the left (``www.example.com``), never ``badexample.com``; case does not matter. The
  constraint must itself be a host name: ``.example.com`` (a leading dot, borrowed from e-mail
  constraints) is malformed, and a chain whose DNS names must be checked against it is refused.
* A wildcard SAN ``*.example.com`` stands for every name one label below ``example.com``. It is
  permitted only if all of them are (the constraint covers ``example.com``), and excluded if any
  of them is (the constraint covers ``example.com`` or is one label below it, like
  ``www.example.com``): otherwise a CA that excludes one host could still issue a wildcard for it.
* IP: a constraint is an address and a mask, ``10.0.0.0/255.0.0.0``. The mask must be ones then
  zeros (else the constraint is malformed), the address is masked before comparing, and an IPv4
  name never meets an IPv6 constraint (``::ffff:10.0.0.1`` is not in ``10.0.0.0/8``).
* E-mail: ``user@example.com`` exactly, ``example.com`` (any mailbox there) or ``.example.com``
  (any mailbox in a subdomain).
* Other types (URI, directoryName, otherName, registeredID, …) are not supported: a SAN of the
  same type as such a constraint is refused, and a *critical* extension with a directoryName
  constraint is refused outright. An extension with neither subtree is malformed.

The two extensions are read from the certificate's bytes (with :mod:`.der`), not through
cryptography's Python objects, because those refuse encodings its verifier accepts:
``10.1.2.3/255.0.0.0`` has host bits set, the verifier masks it to ``10.0.0.0/8``, and the Python
object raises ``ValueError``.

Sources: RFC 5280 §4.2.1.10 and §6.1.3; cryptography's ``NameChain::evaluate_constraints`` in
``src/rust/cryptography-x509-verification/src/lib.rs`` and ``DNSConstraint``/``IPConstraint`` in
``types.rs``. The wildcard rules are recent: cryptography 46.0.6 fixed CVE-2026-34073 for
excluded subtrees (pyca/cryptography#14542) and #14888 did the same for permitted ones. Older
versions judge wildcard SANs differently (pyca/cryptography#12250 shows one refusing them all as
malformed), so the comparison in the test holds for the installed version, 50.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from cryptography import x509

from ..der import OID, SEQUENCE, DERError, elements, raw_name, tbs_fields
from ..show import printable
from .paths import Path, role
from .report import Status, Step

_SAN_OID, _NC_OID = b"\x55\x1d\x11", b"\x55\x1d\x1e"  # 2.5.29.17 and 2.5.29.30, as DER content
BOOLEAN, OCTET_STRING, PERMITTED, EXCLUDED = 0x01, 0x04, 0xA0, 0xA1
# GeneralName's context tags (RFC 5280 §4.2.1.6); directoryName is explicit, so constructed.
_KINDS = {0xA0: "otherName", 0x81: "e-mail", 0x82: "DNS", 0xA3: "x400Address", 0xA4: "directoryName",
          0xA5: "ediPartyName", 0x86: "URI", 0x87: "IP", 0x88: "registeredID"}
_SUPPORTED = {"DNS", "IP", "e-mail"}
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+")
CHECK_LIMIT = 1 << 20  # name-versus-constraint comparisons per path, cryptography's budget


class Refusal(Exception):
    """Why a chain is refused: the sentence for the report, and the short reason."""

    def __init__(self, text: str, reason: str, holder: int):
        super().__init__(text)
        self.text, self.reason, self.holder = text, reason, holder


@dataclass(frozen=True)
class Name:
    """One GeneralName: its type (``"DNS"``, ``"IP"``, …) and its raw value."""

    kind: str
    value: bytes

    def __str__(self) -> str:
        if self.kind == "IP" and len(self.value) in (4, 16):
            return str(ipaddress.ip_address(self.value))
        if self.kind in ("DNS", "e-mail", "URI"):
            return printable(self.value.decode("latin-1"))
        return f"<{self.kind} {self.value.hex()}>"


@dataclass(frozen=True)
class Constraints:
    """One CA's nameConstraints extension."""

    permitted: tuple[Name, ...]
    excluded: tuple[Name, ...]
    critical: bool

    def summary(self) -> str:
        parts = [f"{label} {listing([show_constraint(n) for n in names])}"
                 for label, names in (("permitted", self.permitted), ("excluded", self.excluded)) if names]
        return "; ".join(parts)


# --- the step --------------------------------------------------------------------------------------

def name_constraints_step(path: Path) -> Step:
    """Every CA's name constraints, applied to the SAN names below it (and its own) on ``path``."""
    try:
        constrained = [(i, c) for i in range(1, len(path.certs)) if (c := constraints_of(path.certs[i], i))]
        if not constrained:
            return Step("name constraints", "whole chain", Status.PASSED, "No CA on this path carries "
                        "name constraints, so no name on it is restricted.")
        budget, sentences = Budget(), []
        for i, nc in constrained:
            checked = enforce(path, i, nc, budget)
            sentences.append(f"The name constraints of {role(path, i)} ({nc.summary()}) "
                             + (f"allow every name they apply to: {listing(checked)}." if checked else
                                "apply to none of the names below it, so nothing is restricted."))
        return Step("name constraints", ", ".join(role(path, i) for i, _ in constrained), Status.PASSED,
                    " ".join(sentences))
    except Refusal as refusal:
        return Step("name constraints", role(path, refusal.holder), Status.FAILED, refusal.text, refusal.reason)


@dataclass
class Budget:
    """Name-versus-constraint comparisons left for one path (cryptography allows 2^20)."""

    left: int = CHECK_LIMIT


@dataclass(frozen=True)
class Where:
    """Which CA's constraint meets which certificate's name: for the messages."""

    ca_index: int
    ca: str
    holder_index: int
    holder: str


def enforce(path: Path, ca_index: int, nc: Constraints, budget: Budget) -> list[str]:
    """Check the names of certificates 0..``ca_index`` against one CA's constraints, leaf first."""
    if nc.critical and any(n.kind == "directoryName" for n in (*nc.permitted, *nc.excluded)):
        raise Refusal("Its critical name constraints include a directoryName constraint, which this "
                      "validator (like cryptography) does not support, so it refuses the chain.",
                      "unsupported name constraint", ca_index)
    checked = []
    for j in range(ca_index + 1):
        cert = path.certs[j]
        if j > 0 and self_issued(cert):
            continue  # RFC 5280 §6.1.3 (b): a self-issued intermediate's names are not constrained
        where = Where(ca_index, role(path, ca_index), j, role(path, j))
        for name in san_of(cert, j):
            if judge_name(name, nc, budget, where):
                checked.append(str(name))
    return checked


def judge_name(name: Name, nc: Constraints, budget: Budget, where: Where) -> bool:
    """Raise a Refusal when ``name`` breaks ``nc``; True when a constraint of its type applied."""
    applied, permitted = False, True
    for constraint in nc.permitted:  # in order, stopping at the first match, as cryptography does
        outcome = compare(constraint, name, budget, where, excluded=False)
        if outcome is not None:
            applied, permitted = True, outcome
            if permitted:
                break
    if not permitted:
        listed = ", ".join(show_constraint(c) for c in nc.permitted if c.kind == name.kind)
        raise Refusal(f"Its SAN {name.kind} name {name} is outside every permitted {name.kind} subtree "
                      f"of {where.ca} ({listed}), so that CA may not vouch for it.", "name not permitted",
                      where.holder_index)
    for constraint in nc.excluded:
        outcome = compare(constraint, name, budget, where, excluded=True)
        applied = applied or outcome is not None
        if outcome:
            how = "could expand to a name in" if name.value.startswith(b"*.") else "is inside"
            raise Refusal(f"Its SAN {name.kind} name {name} {how} the excluded subtree "
                          f"{show_constraint(constraint)} of {where.ca}, so that CA may not vouch for it.",
                          "name excluded", where.holder_index)
    return applied


def compare(constraint: Name, name: Name, budget: Budget, where: Where, *, excluded: bool) -> bool | None:
    """True/False when ``constraint`` covers ``name`` or not; None when their types differ."""
    budget.left -= 1
    if budget.left < 0:
        raise Refusal("Checking the names below it took more than 2^20 comparisons, the limit "
                      "cryptography also sets, so the chain is refused.", "name constraint limit",
                      where.ca_index)
    if constraint.kind != name.kind:
        return None
    if name.kind not in _SUPPORTED:
        raise Refusal(f"Its SAN carries {name.kind} names and {where.ca} constrains {name.kind} names, a "
                      "type this validator (like cryptography) cannot check, so it refuses the chain.",
                      "unsupported name constraint", where.holder_index)
    parse_name, parse_constraint, covers = RULES[name.kind]
    subject, rule = parse_name(name.value), parse_constraint(constraint.value)
    if subject is None:
        raise Refusal(f"Its SAN {name.kind} entry {name} is not a well-formed {name.kind} name, so it "
                      f"cannot be checked against the name constraints of {where.ca}.", "malformed SAN",
                      where.holder_index)
    if rule is None:
        raise Refusal(f"Its {name.kind} name constraint {show_constraint(constraint)} is malformed"
                      f"{HINTS.get(name.kind, '')}, so the SAN {name} of {where.holder} cannot be "
                      "checked against it.", "malformed name constraint", where.ca_index)
    return covers(rule, subject, excluded)


def listing(items: list[str], most: int = 8) -> str:
    """"a, b, c", or "a, …, h and 12 more" for a long list."""
    shown = ", ".join(items[:most])
    return shown if len(items) <= most else f"{shown} and {len(items) - most} more"


# --- DNS -------------------------------------------------------------------------------------------

def dns_name(text: str) -> str | None:
    """``text`` lower-cased if it is a host name (RFC 1034 labels; ``xn--`` allowed), else None."""
    ok = 0 < len(text) <= 253 and all(_LABEL.fullmatch(label) for label in text.split("."))
    return text.lower() if ok else None


def dns_pattern(raw: bytes) -> tuple[bool, str] | None:
    """A DNS SAN as (is_wildcard, base name): ``*.example.com`` is (True, "example.com")."""
    text = ascii_text(raw)
    if text is None:
        return None
    wildcard = text.startswith("*.")
    base = dns_name(text[2:] if wildcard else text)
    return None if base is None else (wildcard, base)


def dns_constraint(raw: bytes) -> str | None:
    text = ascii_text(raw)
    return None if text is None else dns_name(text)


def within(name: str, domain: str) -> bool:
    """``name`` is ``domain`` or ends with ``.domain`` (whole labels, so not ``badexample.com``)."""
    return name == domain or name.endswith("." + domain)


def dns_covers(constraint: str, pattern: tuple[bool, str], excluded: bool) -> bool:
    wildcard, base = pattern
    if not wildcard:
        return within(base, constraint)
    # A wildcard is permitted only if all its expansions are, and excluded if any of them is.
    one_below = "." in constraint and constraint.split(".", 1)[1] == base
    return within(base, constraint) or (excluded and one_below)


# --- IP --------------------------------------------------------------------------------------------

def ip_name(raw: bytes) -> tuple[int, int] | None:
    """An IP SAN as (size in bytes, integer)."""
    return (len(raw), int.from_bytes(raw, "big")) if len(raw) in (4, 16) else None


def ip_constraint(raw: bytes) -> tuple[int, int, int] | None:
    """An IP constraint as (size, masked address, mask); None unless the mask is ones then zeros."""
    size = len(raw) // 2
    if len(raw) not in (8, 32):
        return None
    address, mask = int.from_bytes(raw[:size], "big"), int.from_bytes(raw[size:], "big")
    zeros = (~mask) & ((1 << 8 * size) - 1)
    if zeros & (zeros + 1):  # the host part must be a run of ones: 0…011…1
        return None
    return size, address & mask, mask


def ip_covers(constraint: tuple[int, int, int], name: tuple[int, int], excluded: bool) -> bool:
    size, network, mask = constraint
    return name[0] == size and name[1] & mask == network


# --- e-mail ----------------------------------------------------------------------------------------

def mailbox(raw: bytes) -> tuple[str, str] | None:
    """An e-mail SAN as (local part, lower-case domain); quoted local parts are not supported."""
    text = ascii_text(raw)
    if text is None or "@" not in text:
        return None
    local, domain = text.split("@", 1)
    if not all(_ATEXT.fullmatch(part) for part in local.split(".")) or dns_name(domain) is None:
        return None
    return local, domain.lower()


def mail_constraint(raw: bytes) -> tuple[str, object] | None:
    text = ascii_text(raw)
    if text is None:
        return None
    if text.startswith("."):
        return None if dns_name(text[1:]) is None else ("in domain", dns_name(text[1:]))
    if (exact := mailbox(raw)) is not None:
        return "exact", exact
    return None if dns_name(text) is None else ("on domain", dns_name(text))


def mail_covers(constraint: tuple[str, object], address: tuple[str, str], excluded: bool) -> bool:
    kind, value = constraint
    if kind == "exact":
        return value == address
    if kind == "on domain":
        return address[1] == value
    return address[1].endswith("." + str(value))


RULES = {"DNS": (dns_pattern, dns_constraint, dns_covers), "IP": (ip_name, ip_constraint, ip_covers),
         "e-mail": (mailbox, mail_constraint, mail_covers)}
HINTS = {"DNS": " (it must be a host name such as example.com, without a leading dot or a wildcard)",
         "IP": " (it must be an address and a mask of ones then zeros, 8 or 32 bytes)"}


def ascii_text(raw: bytes) -> str | None:
    return raw.decode("ascii") if raw.isascii() else None


def show_constraint(constraint: Name) -> str:
    """A constraint as people write it: ``example.com``, ``10.0.0.0/8``, ``10.0.0.0/255.0.255.0``."""
    raw = constraint.value
    if constraint.kind != "IP":
        return str(constraint)
    if len(raw) not in (8, 32):
        return f"IP {raw.hex()}"
    size = len(raw) // 2
    address = ipaddress.ip_address(raw[:size])
    rule = ip_constraint(raw)
    if rule is None:
        return f"{address}/{ipaddress.ip_address(raw[size:])}"
    return f"{address}/{bin(rule[2]).count('1')}"


# --- reading the two extensions from the certificate's bytes ----------------------------------

def extension(cert: x509.Certificate, oid: bytes) -> tuple[bool, bytes] | None:
    """(critical, value) of the extension ``oid`` (its OID's content bytes), or None when absent."""
    found = []
    field = tbs_fields(cert).get("extensions")
    sequence = elements(field[1]) if field else [(SEQUENCE, b"")]
    if len(sequence) != 1 or sequence[0][0] != SEQUENCE:
        raise DERError("an extensions field that is not one SEQUENCE")
    for tag, content in elements(sequence[0][1]):
        parts = elements(content)
        if (tag != SEQUENCE or len(parts) not in (2, 3) or parts[0][0] != OID or parts[-1][0] != OCTET_STRING
                or (len(parts) == 3 and parts[1][0] != BOOLEAN)):
            raise DERError("an extension that is not (OID, critical, value)")
        if parts[0][1] == oid:
            found.append((len(parts) == 3 and parts[1][1] == b"\xff", parts[-1][1]))
    if len(found) > 1:
        raise DERError("a duplicated extension")
    return found[0] if found else None


def general_name(tag: int, content: bytes) -> Name:
    if tag not in _KINDS:
        raise DERError("an unknown GeneralName type")
    return Name(_KINDS[tag], content)


def self_issued(cert: x509.Certificate) -> bool:
    """Issuer and subject are the same name, byte for byte (a CA certifying its own new key)."""
    return raw_name(cert, "issuer") == raw_name(cert, "subject")


def san_of(cert: x509.Certificate, index: int) -> tuple[Name, ...]:
    try:
        found = extension(cert, _SAN_OID)
        return () if found is None else tuple(general_name(*item) for item in sequence_of(found[1]))
    except DERError:
        raise Refusal("Its subjectAltName extension is malformed, so its names cannot be checked against "
                      "the name constraints above it.", "malformed", index) from None


def constraints_of(cert: x509.Certificate, index: int) -> Constraints | None:
    """The CA's nameConstraints, or None; a Refusal when they cannot be read or are empty."""
    try:
        found = extension(cert, _NC_OID)
        if found is None:
            return None
        trees: dict[int, tuple[Name, ...]] = {}
        for tag, subtrees in sequence_of(found[1]):
            if tag not in (PERMITTED, EXCLUDED) or tag in trees:
                raise DERError("a nameConstraints field that is not [0] permitted or [1] excluded")
            trees[tag] = subtree_bases(subtrees)
    except DERError:
        raise Refusal("Its nameConstraints extension is malformed, so the names below it cannot be "
                      "checked.", "malformed name constraint", index) from None
    if not (trees.get(PERMITTED) or trees.get(EXCLUDED)):
        raise Refusal("Its nameConstraints extension lists no permitted and no excluded subtree, which "
                      "RFC 5280 forbids.", "malformed name constraint", index)
    return Constraints(trees.get(PERMITTED, ()), trees.get(EXCLUDED, ()), found[0])


def sequence_of(value: bytes) -> list[tuple[int, bytes]]:
    """The elements of an extension value that must be one SEQUENCE."""
    outer = elements(value)
    if len(outer) != 1 or outer[0][0] != SEQUENCE:
        raise DERError("an extension value that is not one SEQUENCE")
    return elements(outer[0][1])


def subtree_bases(data: bytes) -> tuple[Name, ...]:
    """The base name of each GeneralSubtree (its minimum and maximum, which RFC 5280 says to leave
    out, are ignored, as cryptography ignores them)."""
    bases = []
    for tag, subtree in elements(data):
        parts = elements(subtree)
        if tag != SEQUENCE or not parts:
            raise DERError("a GeneralSubtree without a base name")
        bases.append(general_name(*parts[0]))
    return tuple(bases)
