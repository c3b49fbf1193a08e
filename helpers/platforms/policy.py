"""What every platform module shares: a pinning ``Policy``, lint ``Finding``s and a model ``Decision``.

Each platform (Android, iOS, TrustKit, OkHttp, Dart) reads its own file format into the same
:class:`Policy`: a list of :class:`DomainRule` (a host name or pattern, whether subdomains are
covered, the pins with the line each was written on, an optional expiry) plus the platform's own
options. ``lint`` turns a policy into :class:`Finding` s, and ``model`` turns a policy, a host and a
served chain into a :class:`Decision`. The checks that are the same on every platform live here:
a pin written twice, no pin matching the chain served today, which certificate each pin matches,
and a pin on an intermediate of a CA that issues from a pool of intermediates.
"""

from __future__ import annotations

import datetime as _dt
import enum
import functools
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509 import verification
from cryptography.x509.oid import NameOID

from .. import der
from ..errors import BadInputError
from ..pem import CertificateFileError, host_general_name, read_regular_file, short_name
from ..pinning.pins import Pin, PinError, cert_pin, parse_pin, spki_pin
from ..show import Shown, Table, printable
from ..validation.names import is_dns_name

__all__ = [
    "MAX_CONFIG_BYTES", "POOLED_ISSUERS", "PLATFORM_NAMES", "STAGES",
    "ConfigError", "Decision", "DomainRule", "Finding", "PinEntry", "Policy", "PolicyFileError", "Severity",
    "chain_findings", "complete_chain", "duplicate_findings", "pooled_issuer", "findings_table", "label_of", "pin_positions", "policy_from_json", "read_config", "too_big",
    "validate_chain",
]

#: The platforms, in the order the lesson shows them.
PLATFORM_NAMES = ("android", "ios", "trustkit", "okhttp", "dart")

#: Larger files are refused before parsing: no real pinning configuration comes near this.
MAX_CONFIG_BYTES = 1024 * 1024


class ConfigError(BadInputError):
    """A file that cannot be read as the platform's configuration at all (not XML, not a plist...)."""


class PolicyFileError(BadInputError):
    """A POLICY.json for ``config`` that is not the documented shape."""


class Severity(enum.StrEnum):
    """How bad a finding is. ``fatal`` and ``error`` fail ``lint``; the others inform."""

    FATAL = "fatal"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def fails(self) -> bool:
        return self in (Severity.FATAL, Severity.ERROR)


@dataclass(frozen=True)
class Finding:
    """One lint finding: a rule id, a severity, the line it points at, and one sentence with the fix."""

    rule: str
    severity: Severity
    line: int | None
    message: str

    def text(self, file: str = "<config>") -> str:
        """The compiler-style line: ``FILE:LINE: severity: message [Id]``."""
        return f"{file}:{self.line or 0}: {self.severity}: {self.message} [{self.rule}]"

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": str(self.severity), "line": self.line, "message": self.message}


@dataclass(frozen=True)
class PinEntry:
    """One pin as written in a file: its text, the line, and what the platform says it hashes.

    ``algorithm`` is ``sha256`` unless the file says otherwise (Android's ``digest``, OkHttp's
    ``sha1/``); ``category`` is ``ca`` or ``leaf`` on iOS and empty elsewhere. :attr:`pin` is the
    decoded SPKI pin, or ``None`` when the text is not a valid SHA-256 pin (lint reports it).
    """

    text: str
    line: int | None = None
    algorithm: str = "sha256"
    category: str = ""

    @property
    def pin(self) -> Pin | None:
        if self.algorithm.lower().replace("-", "") != "sha256":
            return None
        try:
            return parse_pin(self.text)
        except PinError:
            return None


@dataclass(frozen=True)
class DomainRule:
    """One pinned domain (or pattern) and its pins.

    ``name`` is as written (OkHttp's ``*.example.com`` keeps its star). ``expiration`` is the date
    written in the file, ``expiration_text`` the raw text when it does not parse. ``options`` holds
    what only one platform has (Android's trust anchors, TrustKit's report URIs...).
    """

    name: str
    pins: tuple[PinEntry, ...] = ()
    include_subdomains: bool = False
    expiration: _dt.date | None = None
    expiration_text: str | None = None
    enforce: bool = True
    line: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pins", tuple(self.pins))
        object.__setattr__(self, "options", dict(self.options))

    @property
    def label(self) -> str:
        """The name for messages: Dart's ``"*"`` (one HttpClient for every host) reads "all hosts"."""
        return "all hosts" if self.name == "*" else self.name

    def valid_pins(self) -> list[Pin]:
        return [entry.pin for entry in self.pins if entry.pin is not None]


@dataclass(frozen=True)
class Policy:
    """A pinning configuration, whatever platform it came from.

    ``problems`` are findings that parsing itself found (an unexpected element, a domain written
    twice); ``lint`` reports them with the rest. ``options`` holds the platform's file-wide settings.
    """

    platform: str
    domains: tuple[DomainRule, ...] = ()
    enforce: bool = True
    problems: tuple[Finding, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "domains", tuple(self.domains))
        object.__setattr__(self, "problems", tuple(self.problems))
        object.__setattr__(self, "options", dict(self.options))


@dataclass(frozen=True)
class Decision(Shown):
    """What a platform's model says about one connection, and why."""

    platform: str
    host: str
    rule: str | None             # the domain rule that matched, or None
    pinning_applied: bool
    connects: bool
    reason: str
    rule_line: int | None = None
    chain: tuple[str, ...] = ()  # the built chain, leaf first, by short name ('' when none was built)
    stage: str = ""              # where it was decided: one of STAGES ('' lets the reason decide)

    def __post_init__(self) -> None:
        if not self.stage:
            object.__setattr__(self, "stage", _stage_of(self))

    @property
    def verdict(self) -> str:
        return "connects" if self.connects else "refuses"

    def table(self) -> Table:
        rule = self.rule if self.rule is not None else "(no rule: platform defaults)"
        rows = [["platform", self.platform], ["host", self.host], ["matched rule", rule],
                ["pinning applied", "yes" if self.pinning_applied else "no"],
                ["verdict", self.verdict], ["reason", self.reason]]
        if self.chain:
            rows.insert(4, ["built chain", " → ".join(self.chain)])
        return Table(["", ""], rows, caption=f"{self.platform}: {self.host}", row_headers=True)

    def __repr__(self) -> str:
        return self.text()

    def as_json(self) -> dict[str, Any]:
        return {"platform": self.platform, "host": self.host, "rule": self.rule, "rule_line": self.rule_line,
                "pinning_applied": self.pinning_applied, "connects": self.connects,
                "verdict": self.verdict, "stage": self.stage, "reason": self.reason, "chain": list(self.chain)}


def read_config(path: str | os.PathLike) -> bytes:
    """The bytes of a configuration file, refused with one sentence when it cannot be a configuration.

    At most :data:`MAX_CONFIG_BYTES` are read, so ``/dev/zero`` or a 10 GB file is refused at once
    instead of filling memory.
    """
    try:
        return read_regular_file(Path(path), MAX_CONFIG_BYTES, kind="configuration file")
    except CertificateFileError as exc:  # the same sentence, as the error a configuration reader raises
        raise ConfigError(str(exc).rstrip(".")) from None


def too_big(text: str | bytes) -> None:
    """Raise :class:`ConfigError` for text over :data:`MAX_CONFIG_BYTES`, before anything parses it."""
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"the configuration is larger than {MAX_CONFIG_BYTES // 1_000_000} MB, far more than "
                          "any pinning configuration; pass the configuration file itself")


#: Where a model decides: the configuration itself, chain validation, an override that skips pins,
#: pin-set expiry, the pin check, or a callback in the app's code.
STAGES = ("config", "validation", "override", "expiry", "pins", "callback", "no rule")


def _stage_of(decision: Decision) -> str:
    """The stage, when a model did not name it: validation failures say so in their reason."""
    reason = decision.reason.lower()
    if "does not validate" in reason or "no trust anchor" in reason or "sent no certificate" in reason:
        return "validation"
    if decision.rule is None:
        return "no rule"
    return "pins" if decision.pinning_applied else "validation" if not decision.connects else "no rule"


# --- the platform-neutral POLICY.json -----------------------------------------------------------------

def policy_from_json(data: Any, platform: str = "neutral") -> Policy:
    """Read the neutral policy ``config`` takes (a parsed JSON value, or its text).

    ``{"domains": [{"name": str, "include_subdomains": bool, "pins": [base64, ...],
    "expiration": "YYYY-MM-DD"}], "enforce": bool}``; ``expiration`` and ``enforce`` are optional.
    A pin may also be ``{"pin": base64, "role": "ca"}`` (or ``"leaf"``): iOS pins CA and leaf keys
    in separate lists, and a pin without a role is written as a leaf identity there.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise PolicyFileError("the policy is not UTF-8 text; save it as UTF-8 JSON") from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except (ValueError, RecursionError):
            raise PolicyFileError("the policy is not valid JSON; see `python -m helpers config --help` "
                                  "for its shape") from None
    if not isinstance(data, dict) or not isinstance(data.get("domains"), list) or not data["domains"]:
        raise PolicyFileError('the policy must be a JSON object with a non-empty "domains" list; see '
                              "`python -m helpers config --help`")
    enforce = data.get("enforce", True)
    if not isinstance(enforce, bool):
        raise PolicyFileError('"enforce" must be true or false')
    return Policy(platform, tuple(_neutral_domain(d, i) for i, d in enumerate(data["domains"], 1)), enforce)


def _neutral_domain(item: Any, number: int) -> DomainRule:
    where = f"domain {number}"
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
        raise PolicyFileError(f'{where} needs a "name" that is a host name, such as "api.example.com"')
    name = item["name"].strip().lower().removesuffix(".")
    if not is_dns_name(name):
        raise PolicyFileError(f"{where}: {printable(name)!r} is not a host name (letters, digits and hyphens in "
                              'dot-separated labels, no wildcard: use "include_subdomains"); write one such as '
                              '"api.example.com"')
    subdomains = item.get("include_subdomains", False)
    pins = item.get("pins")
    if not isinstance(subdomains, bool):
        raise PolicyFileError(f'{where} ({name}): "include_subdomains" must be true or false')
    if not isinstance(pins, list) or not pins:
        raise PolicyFileError(f'{where} ({name}): "pins" must be a non-empty list of base64 SPKI SHA-256 pins')
    entries = [_neutral_pin(pin, f"{where} ({name})") for pin in pins]
    expiration = item.get("expiration")
    if expiration is not None:
        try:
            expiration = _dt.date.fromisoformat(expiration) if isinstance(expiration, str) else None
        except ValueError:
            expiration = None
        if expiration is None:
            raise PolicyFileError(f'{where} ({name}): "expiration" must be a date written YYYY-MM-DD')
    return DomainRule(name, tuple(entries), subdomains, expiration)


def _neutral_pin(item: Any, where: str) -> PinEntry:
    """A pin is a base64 string, or ``{"pin": base64, "role": "ca" | "leaf"}`` (the role matters on iOS)."""
    text, role = (item, "") if isinstance(item, str) else (None, None)
    if isinstance(item, dict) and isinstance(item.get("pin"), str) and item.get("role", "") in ("", "ca", "leaf"):
        text, role = item["pin"], item.get("role", "")
    if text is None:
        raise PolicyFileError(f'{where}: each pin must be a base64 string, or {{"pin": ..., "role": "ca" or '
                              '"leaf"}')
    try:
        return PinEntry(parse_pin(text).base64, category=role)
    except PinError as exc:
        raise PolicyFileError(f"{where}: {exc}") from None


# --- chains: which certificate a pin matches, and validation ------------------------------------------

def label_of(index: int, chain: Sequence[x509.Certificate]) -> str:
    """``leaf``, ``intermediate`` or ``root`` for position ``index`` of a leaf-first chain."""
    if index == 0:
        return "leaf"
    return "root" if _self_issued(chain[index]) else "intermediate"


def _raw_name(cert: x509.Certificate, which: str) -> bytes:
    """A name as signed, compared byte for byte (cryptography raises on names that do not decode)."""
    try:
        return der.raw_name(cert, which)
    except der.DERError:
        return b""


def _self_issued(cert: x509.Certificate) -> bool:
    return _raw_name(cert, "subject") == _raw_name(cert, "issuer") != b""


def pin_positions(pin: Pin, chain: Sequence[x509.Certificate]) -> list[int]:
    """Positions in ``chain`` whose SPKI has this pin."""
    return [i for i, cert in enumerate(chain) if spki_pin(cert) == pin.base64]


def complete_chain(chain: Sequence[x509.Certificate],
                   anchors: Iterable[x509.Certificate] | None = None) -> list[x509.Certificate]:
    """The served chain plus the root that signed its last certificate, when servers leave it out.

    Servers rarely send their root, yet the root is what many teams pin. ``anchors`` defaults to
    the certifi bundle and the course's own roots. The match is by name and signature; a chain
    whose root is not among them is returned as served.
    """
    chain = list(chain)
    if not chain or _self_issued(chain[-1]):
        return chain
    wanted = _raw_name(chain[-1], "issuer")
    for root in _known_roots() if anchors is None else anchors:
        if _raw_name(root, "subject") == wanted:
            try:
                chain[-1].verify_directly_issued_by(root)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return [*chain, root]
    return chain


@functools.cache
def _known_roots() -> tuple[x509.Certificate, ...]:
    from ..pki.catalogue import course_pki  # only lint --chain needs them: keep `lint FILE` fast
    from ..trust_store import load_roots

    pki = course_pki()
    return (*load_roots(), pki.root.cert, pki.root2.cert, pki.other_ca.cert)


def validate_chain(chain: Sequence[x509.Certificate], host: str, roots: Iterable[x509.Certificate],
                   at: _dt.datetime) -> tuple[list[x509.Certificate] | None, str]:
    """Validate a served chain (leaf first) for ``host`` against ``roots`` with cryptography's verifier.

    Returns ``(built chain, "")`` on success, or ``(None, reason)``.
    """
    roots = list(roots)
    if not chain:
        return None, "the server sent no certificate"
    unreadable = _unreadable(chain)
    if unreadable:
        return None, unreadable
    if not roots:
        return None, "no trust anchor is trusted here, so no chain can validate"
    builder = verification.PolicyBuilder().store(verification.Store(roots)).time(at)
    try:
        verifier = builder.build_server_verifier(host_general_name(host))
    except ValueError:
        return None, f"{host!r} is not a host name a certificate can name"
    try:
        return list(verifier.verify(chain[0], list(chain[1:]))), ""
    except verification.VerificationError as exc:
        return None, f"the chain does not validate for {host}: {_plain(str(exc))}"


def _unreadable(chain: Sequence[x509.Certificate]) -> str:
    """Why the course cannot read a certificate's names, or '' (cryptography decodes them lazily)."""
    for position, cert in enumerate(chain, 1):
        for which in ("subject", "issuer"):
            try:
                getattr(cert, which).rfc4514_string()
            except ValueError:
                return (f"certificate {position} of the chain has a {which} name that does not decode (not valid "
                        "UTF-8, say); the model cannot read it, so it refuses rather than guess")
    return ""


def _plain(message: str) -> str:
    """cryptography's verifier says 'candidates exhausted' when no path reaches a trusted root."""
    if "candidates exhausted" in message and "no interior errors" in message:
        return "no path leads from the leaf to a trusted root (an unknown CA, or a missing intermediate)"
    return message


# --- the checks every platform shares -----------------------------------------------------------------

def duplicate_findings(rules: Iterable[DomainRule]) -> list[Finding]:
    """``DuplicatePin``: the same key pinned twice in one set, so the 'backup' is no backup."""
    found = []
    for rule in rules:
        seen: dict[tuple[str, str], PinEntry] = {}
        for entry in rule.pins:
            pin = entry.pin
            if pin is None:
                continue
            key = (entry.category, pin.base64)
            if key in seen:
                found.append(Finding("DuplicatePin", Severity.WARNING, entry.line or rule.line,
                                     f"{rule.label}: pin {pin.base64[:12]}… is written twice, so the set has one "
                                     "key fewer than it looks and the backup is no backup; replace one copy "
                                     "with the pin of a different key"))
            else:
                seen[key] = entry
    return found


#: CAs known to issue leaf certificates from a pool of intermediates, which they rotate among:
#: a pin on one of those intermediates breaks when the next certificate comes from another.
POOLED_ISSUERS: dict[str, str] = {
    "Let's Encrypt": "Let's Encrypt rotates among several intermediates and says this discourages key "
                     "pinning (announcement of March 2024)",
    "Google Trust Services": "Google Trust Services says pinning its intermediates is discouraged and will "
                             "become increasingly problematic",
    "YourApp Inc. (course toy PKI)": "the course CA issues from YourApp Issuing CA 1 and 2, lesson 07",
}


def pooled_issuer(cert: x509.Certificate) -> str | None:
    """The :data:`POOLED_ISSUERS` key whose name starts the certificate's organisation, if any."""
    org = _organisation(cert)
    return next((name for name in POOLED_ISSUERS if org.startswith(name)), None)


def _organisation(cert: x509.Certificate) -> str:
    try:
        values = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    except ValueError:  # a name that does not decode has no organisation we can read
        return ""
    return str(values[0].value) if values else ""


def chain_findings(rules: Iterable[DomainRule], chain: Sequence[x509.Certificate]) -> list[Finding]:
    """The checks against the chain the server serves today, completed with its root (:func:`complete_chain`).

    * ``NoPinMatchesChain`` (error): a pinned domain none of whose pins matches the chain;
    * ``PinMatches`` (info): which certificate each pin matches, or that it matches none;
    * ``PinOnPooledIntermediate`` (warning): a pin on an intermediate of a CA in :data:`POOLED_ISSUERS`.
    """
    found = []
    chain = complete_chain(chain)
    for rule in rules:
        pins = [(entry, entry.pin) for entry in rule.pins if entry.pin is not None]
        if not pins:
            continue
        matched = False
        for entry, pin in pins:
            positions = pin_positions(pin, chain)
            matched = matched or bool(positions)
            certificate = next((c for c in chain if cert_pin(c) == pin.base64), None)
            if not positions and certificate is not None:
                where = (f"no key in the chain: it is the SHA-256 of the whole certificate "
                         f"{short_name(certificate)} (a certificate pin, broken at every renewal); that "
                         f"key's SPKI pin is {spki_pin(certificate)}")
            elif not positions:
                where = "no certificate in the chain (a backup, or a mistake)"
            else:
                where = ", ".join(f"the {label_of(i, chain)} ({short_name(chain[i])})" for i in positions)
            found.append(Finding("PinMatches", Severity.INFO, entry.line or rule.line,
                                 f"{rule.label}: pin {pin.base64[:12]}… matches {where}"))
            for i in positions:
                org = pooled_issuer(chain[i])
                if label_of(i, chain) == "intermediate" and org:
                    found.append(Finding(
                        "PinOnPooledIntermediate", Severity.WARNING, entry.line or rule.line,
                        f"{rule.label}: pin {pin.base64[:12]}… is the key of an intermediate of {org}, which "
                        f"issues from several intermediates ({POOLED_ISSUERS[org]}), so the next certificate "
                        "may come from another; pin the root instead, or your own keys"))
        if not matched:
            found.append(Finding("NoPinMatchesChain", Severity.ERROR, rule.line,
                                 f"{rule.label}: no pin matches any certificate of the chain the server serves "
                                 "today, so every user would be locked out on release; add the pin of a key "
                                 "in that chain"))
    return found


def findings_table(findings: Sequence[Finding], caption: str = "") -> Table:
    """Findings as a table: line, severity, rule id and message."""
    rows = [[str(f.line or ""), str(f.severity), f.rule, f.message] for f in findings]
    return Table(["line", "severity", "rule", "message"], rows or [["", "", "", "no findings"]],
                 caption=caption, wrap=70)
