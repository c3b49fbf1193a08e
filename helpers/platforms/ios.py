"""iOS App Transport Security pinning: ``NSPinnedDomains`` in the app's Info.plist (iOS 14+, macOS 11+).

Shape: ``NSAppTransportSecurity → NSPinnedDomains → {domain: {NSIncludesSubdomains: Bool,
NSPinnedCAIdentities: [{SPKI-SHA256-BASE64: String}], NSPinnedLeafIdentities: [...]}}``; each value is
the base64 SHA-256 of a DER SubjectPublicKeyInfo. What the model follows:

* a domain needs CA identities, leaf identities or both, and **with both a match is required in each**;
  a CA identity must match a CA or sub-CA of the chain, a leaf identity the leaf (Apple advises more
  than one leaf identity);
* ``NSIncludesSubdomains`` (default NO) covers names with **one** more label: math.example.com yes,
  advanced.math.example.com no (Android and TrustKit reach any depth);
* there is no expiry, and pinning only tightens trust: the chain must first pass the system's
  evaluation (system roots, plus a profile root once the user enables full trust for it in
  Certificate Trust Settings); a pin failure is ``NSURLErrorSecureConnectionFailed`` (-1200);
* URLSession honours it; WKWebView and SFSafariViewController do not. Apple: "In most cases,
  pinning is not necessary and should be avoided."

A domain with no identity at all cannot be satisfied, so the model refuses it (*inferred*: Apple
only says one list is required). Pins are checked against the **built** chain, never the sent one.

Sources: developer.apple.com, Information Property List → NSAppTransportSecurity → NSPinnedDomains,
NSPinnedCAIdentities, NSPinnedLeafIdentities, NSIncludesSubdomains; Apple's "Identity Pinning"
article (developer.apple.com/news/?id=g9ejcf8y). The plist reader here is shared with TrustKit.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import difflib
import plistlib
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError
from xml.sax.saxutils import escape

import defusedxml.ElementTree as _defused
from cryptography import x509
from defusedxml import DefusedXmlException

from .. import clock
from ..pem import short_name
from ..pinning.pins import PinError, parse_pin, spki_pin
from .policy import (
    ConfigError,
    Decision,
    DomainRule,
    Finding,
    PinEntry,
    Policy,
    Severity,
    chain_findings,
    duplicate_findings,
    too_big,
    validate_chain,
)

NAME = "ios"

RULES: dict[str, str] = {
    "AtsNoDomains": "NSPinnedDomains names no domain, so nothing is pinned",
    "AtsInvalidStructure": "a value of the wrong type, or a domain written as a wildcard",
    "AtsUnknownKey": "a key iOS does not read in a pinned domain (often a typo), so it is silently ignored",
    "AtsNoIdentities": "a pinned domain with neither identity list, or with both empty",
    "AtsInvalidIdentity": "an identity that is not a dict with a SPKI-SHA256-BASE64 string of 32 bytes",
    "AtsSingleLeafIdentity": "one leaf identity: Apple advises more than one, or a new key locks users out",
    "DuplicatePin": "the same key pinned twice in one list, so the backup is no backup",
    "NoPinMatchesChain": "no pin matches the chain the server serves today",
    "PinMatches": "which certificate of today's chain each pin matches",
    "PinOnPooledIntermediate": "a pin on an intermediate of a CA that rotates among a pool of intermediates",
}

_SPKI_KEY = "SPKI-SHA256-BASE64"
_LISTS = {"ca": "NSPinnedCAIdentities", "leaf": "NSPinnedLeafIdentities"}
_DOMAIN_KEYS = ("NSIncludesSubdomains", *_LISTS.values())
#: More pins or domains than this is no real configuration (and a binary plist can repeat one list).
_MAX_ITEMS = 10_000
_DEPTH = 12  # plist paths deeper than this carry no line numbers (nothing we read sits that deep)
_PLIST_FAILURES = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError,
                   RecursionError, MemoryError, struct.error, ExpatError)


# --- reading a plist with line numbers (shared with trustkit) -----------------------------------------

@dataclass(frozen=True)
class _Plist:
    """A plist's values (by plistlib) and, for XML, the line of each key and value by path."""

    root: Any
    key_lines: dict[tuple, int] = field(default_factory=dict)
    value_lines: dict[tuple, int] = field(default_factory=dict)

    def key_line(self, path: tuple) -> int | None:
        return self.key_lines.get(path)

    def value_line(self, path: tuple) -> int | None:
        return self.value_lines.get(path, self.key_lines.get(path))


class _LineTarget:
    """Receives the defused XML parser's events and records the line of every key and value by path."""

    def __init__(self) -> None:
        self.parser: Any = None
        self.stack: list[list] = []  # [tag, path, next array index, last key]
        self.key: list[str] | None = None
        self.key_start = 0
        self.key_lines: dict[tuple, int] = {}
        self.value_lines: dict[tuple, int] = {}

    def start(self, tag: str, attrib: dict) -> None:
        line = self.parser.parser.CurrentLineNumber
        if tag == "key":
            self.key, self.key_start = [], line
            return
        path = self._child_path()
        if path is not None and tag != "plist":
            self.value_lines[path] = line
        self.stack.append([tag, path if tag in ("plist", "dict", "array") else None, 0, None])

    def _child_path(self) -> tuple | None:
        if not self.stack:
            return ()
        frame = self.stack[-1]
        if frame[1] is None or len(frame[1]) >= _DEPTH:
            return None
        if frame[0] == "array":
            frame[2] += 1
            return (*frame[1], frame[2] - 1)
        return (*frame[1], frame[3]) if frame[0] == "dict" else frame[1]

    def data(self, text: str) -> None:
        if self.key is not None:
            self.key.append(text)

    def end(self, tag: str) -> None:
        if tag == "key" and self.key is not None:
            name, self.key = "".join(self.key), None
            if self.stack and self.stack[-1][1] is not None:
                self.stack[-1][3] = name
                self.key_lines[(*self.stack[-1][1], name)] = self.key_start
        elif self.stack:
            self.stack.pop()

    def close(self) -> None:
        return None


def _as_bytes(text: str | bytes) -> bytes:
    if not isinstance(text, str | bytes | bytearray):
        raise ConfigError(f"a plist is text or bytes, not a {type(text).__name__}; pass the file's contents")
    too_big(text)
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    too_big(data)
    return data


def _read_plist(text: str | bytes) -> _Plist:
    """Read an XML or binary plist whose root is a dict; XML entities and external references are refused."""
    data = _as_bytes(text)
    target = _LineTarget()
    if not data.startswith(b"bplist"):
        parser = _defused.DefusedXMLParser(target=target, forbid_dtd=False, forbid_entities=True,
                                           forbid_external=True)
        target.parser = parser
        try:
            parser.feed(data)
            parser.close()
        except DefusedXmlException:
            raise ConfigError("the plist declares XML entities or external references, which property lists "
                              "never use (and which can be an entity-expansion attack); remove the <!ENTITY> "
                              "declarations") from None
        except (ParseError, *_PLIST_FAILURES) as exc:
            raise ConfigError(f"the file is not an XML or binary property list ({exc}); check that it is the "
                              "Info.plist, or convert it with `plutil -convert xml1 Info.plist`") from None
    try:
        root = plistlib.loads(data.lstrip())
    except (plistlib.InvalidFileException, *_PLIST_FAILURES) as exc:
        raise ConfigError(f"the file is not a valid property list ({type(exc).__name__}); check it with "
                          "`plutil -lint Info.plist`") from None
    if not isinstance(root, dict):
        raise ConfigError(f"the plist's root must be a dict, as in an Info.plist, but it is of type "
                          f"{type(root).__name__}; pass the Info.plist, or a fragment whose root <dict> "
                          "holds the configuration")
    return _Plist(root, target.key_lines, target.value_lines)


def _count(value: Any) -> int:
    return len(value) if isinstance(value, dict | list) else 0


def _check_size(domains: dict, list_keys: Iterable[str]) -> None:
    """Refuse absurd sizes before walking: a binary plist can point many domains at one huge list."""
    total = len(domains)
    for value in domains.values():
        if isinstance(value, dict):
            total += sum(_count(value.get(key)) for key in list_keys)
        if total > _MAX_ITEMS:
            raise ConfigError(f"the configuration holds more than {_MAX_ITEMS:,} domains and pins, which no "
                              "real app ships; pass the app's real Info.plist")


def _host(host: str) -> str:
    host = str(host).strip().lower()
    return host[:-1] if host.endswith(".") else host


def _digest(text: str) -> bytes | None:
    """The 32 bytes of a bare base64 SHA-256 pin, or None (no prefixes, no whitespace: as iOS decodes it)."""
    try:
        digest = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return None
    return digest if len(digest) == 32 else None


def _digest_problem(text: str) -> str:
    """Why a pin string is not a bare base64 SHA-256 digest, as a clause: 'decodes to 20 bytes, not 32'."""
    try:
        return f"decodes to {len(base64.b64decode(text, validate=True))} bytes, not 32"
    except (binascii.Error, ValueError):
        pass
    try:
        parse_pin(text)
    except PinError:
        return "is not base64"
    return "has a prefix or spaces around the digest, but only the bare base64 is read"


def _strict(rules: Iterable[DomainRule]) -> list[DomainRule]:
    """The rules with only the pins the platform accepts, for the shared checks."""
    return [replace(rule, pins=tuple(e for e in rule.pins if _digest(e.text))) for rule in rules]


def _short(pins: Iterable[str]) -> str:
    return ", ".join(f"{p[:12]}…" for p in pins) or "none"


def _plist_text(value: dict, comments: dict[str, str]) -> str:
    """``plistlib.dumps`` in the dicts' own order, and an XML comment above each line in ``comments``."""
    lines = plistlib.dumps(value, sort_keys=False).decode("utf-8").splitlines()
    out = []
    for line in lines:
        if line in comments:
            indent = line[: len(line) - len(line.lstrip("\t"))]
            out.append(f"{indent}<!-- {comments[line].replace('--', '- -')} -->")
        out.append(line)
    return "\n".join(out) + "\n"


def _anchor_note(built: Sequence[x509.Certificate], roots: Sequence[x509.Certificate],
                 user_roots: Sequence[x509.Certificate]) -> str:
    """How the anchor is trusted, when it is a user-installed root rather than a system one."""
    anchor = built[-1]
    if anchor in user_roots and anchor not in roots:
        return (f", and the chain is trusted only because the user installed {short_name(anchor)} in a "
                "profile and enabled full trust for it in Certificate Trust Settings")
    return ""


# --- parse ------------------------------------------------------------------------------------------

def looks_like(text: str | bytes) -> bool:
    """Whether this looks like an Info.plist with ATS pinning (a cheap sniff, never raises)."""
    if isinstance(text, str):
        return "NSPinnedDomains" in text
    return isinstance(text, bytes | bytearray) and b"NSPinnedDomains" in text


def parse(text: str | bytes) -> Policy:
    """Read an Info.plist (XML or binary), or a fragment whose root dict is the ATS dict, with lines."""
    plist = _read_plist(text)
    base = ("NSAppTransportSecurity",) if "NSAppTransportSecurity" in plist.root else ()
    ats = plist.root.get(base[0]) if base else plist.root
    if not isinstance(ats, dict):
        return Policy(NAME, problems=[_structure(plist.key_line(base), "NSAppTransportSecurity must be a "
                                                 "<dict>; put NSPinnedDomains inside it")])
    if "NSPinnedDomains" not in ats:
        raise ConfigError("this plist has no NSAppTransportSecurity → NSPinnedDomains, so it pins nothing on "
                          "iOS; add NSPinnedDomains (iOS 14+), or use --platform trustkit for TrustKit")
    path = (*base, "NSPinnedDomains")
    pinned, rules, problems = ats["NSPinnedDomains"], [], []
    if isinstance(pinned, dict):
        _check_size(pinned, _LISTS.values())
        for name, value in pinned.items():
            rule, found = _domain(plist, (*path, name), name, value)
            problems += found
            rules += [rule] if rule is not None else []
    else:
        problems.append(_structure(plist.key_line(path), "NSPinnedDomains must be a <dict> from domain names "
                                                         "to their pinning dicts"))
    return Policy(NAME, rules, problems=problems, options={"line": plist.key_line(path)})


def _structure(line: int | None, message: str) -> Finding:
    return Finding("AtsInvalidStructure", Severity.ERROR, line, message)


def _domain(plist: _Plist, path: tuple, name: str, value: Any) -> tuple[DomainRule | None, list[Finding]]:
    line = plist.key_line(path)
    if not isinstance(name, str):
        return None, [_structure(line, f"the domain name {name!r} is not a string (found "
                                       f"{type(name).__name__}); write the host name as the key")]
    if not isinstance(value, dict):
        return None, [_structure(line, f"{name}: the value of a pinned domain must be a <dict> with "
                                       "NSPinnedCAIdentities or NSPinnedLeafIdentities, or iOS cannot use "
                                       "it")]
    found = []
    if "*" in name:
        found.append(_structure(line, f"{name}: ATS domain names are literal, so a wildcard never matches; "
                                      "write the parent domain with NSIncludesSubdomains instead"))
    for key in value:
        if key not in _DOMAIN_KEYS:
            close = difflib.get_close_matches(str(key), _DOMAIN_KEYS, n=1)
            hint = f"did you mean {close[0]}?" if close else f"use only {', '.join(_DOMAIN_KEYS)}"
            found.append(Finding("AtsUnknownKey", Severity.WARNING, plist.key_line((*path, key)),
                                 f"{name}: iOS ignores the key {key!r} in a pinned domain; {hint}"))
    subdomains = value.get("NSIncludesSubdomains", False)
    if not isinstance(subdomains, bool):
        found.append(_structure(plist.key_line((*path, "NSIncludesSubdomains")),
                                f"{name}: NSIncludesSubdomains must be <true/> or <false/>"))
        subdomains = False
    pins, lists, written = [], [], 0
    for key in value:  # in the file's order
        category = next((c for c, k in _LISTS.items() if k == key), None)
        if category is None:
            continue
        lists.append(category)
        items = value[key]
        if not isinstance(items, list):
            found.append(_structure(plist.key_line((*path, key)), f"{name}: {key} must be an <array> of "
                                    f"dicts, each with a {_SPKI_KEY} string"))
            continue
        written += len(items)
        for i, item in enumerate(items):
            where = (*path, key, i)
            if isinstance(item, dict) and isinstance(item.get(_SPKI_KEY), str):
                line_of = plist.value_line((*where, _SPKI_KEY))
                pins.append(PinEntry(item[_SPKI_KEY], line_of, category=category))
            else:
                found.append(Finding("AtsInvalidIdentity", Severity.ERROR, plist.value_line(where),
                                     f"{name}: identity {i + 1} of {key} must be a <dict> with a {_SPKI_KEY} "
                                     "<string>, the base64 SHA-256 of the key's SPKI"))
    options = {"lists": tuple(sorted(lists)), "identities": written}
    return DomainRule(_host(name), tuple(pins), subdomains, line=line, options=options), found


# --- generate ---------------------------------------------------------------------------------------

def _category(entry: PinEntry) -> str:
    """``ca`` or ``leaf``: a pin without a role is written (and checked) as a leaf identity."""
    return "ca" if entry.category == "ca" else "leaf"


def _pin_text(entry: PinEntry) -> str:
    pin = entry.pin
    return pin.base64 if pin is not None else entry.text


def generate(policy: Policy) -> str:
    """An Info.plist fragment with NSAppTransportSecurity → NSPinnedDomains for ``policy``."""
    domains, comments = {}, {}
    for rule in policy.domains:
        entry: dict[str, Any] = {"NSIncludesSubdomains": rule.include_subdomains}
        for category, key in _LISTS.items():
            pins = [{_SPKI_KEY: _pin_text(e)} for e in rule.pins if _category(e) == category]
            if pins:
                entry[key] = pins
        domains[rule.name] = entry
        if rule.expiration is not None:
            comments[f"\t\t\t<key>{escape(rule.name)}</key>"] = (
                f"iOS has no pin expiry: the policy's expiration {rule.expiration.isoformat()} is ignored "
                "here")
    if not policy.enforce:
        comments["\t\t<key>NSPinnedDomains</key>"] = ("iOS has no report-only mode: these pins are enforced "
                                                      "although the policy asks not to enforce")
    return _plist_text({"NSAppTransportSecurity": {"NSPinnedDomains": domains}}, comments)


# --- lint -------------------------------------------------------------------------------------------

def lint(policy: Policy, today: _dt.date | None = None,
         chain: Sequence[x509.Certificate] | None = None) -> list[Finding]:
    """Problems from parsing, the ATS rules, duplicate pins, and (given today's chain) the chain checks.

    ``today`` is unused: iOS pins never expire.
    """
    found = list(policy.problems)
    if not policy.domains:
        found.append(Finding("AtsNoDomains", Severity.ERROR, policy.options.get("line"), "NSPinnedDomains "
                             "names no domain, so ATS pins nothing; add each domain to pin with its "
                             "identities"))
    for rule in policy.domains:
        found += _rule_findings(rule)
    strict = _strict(policy.domains)
    found += duplicate_findings(strict)
    if chain is not None:
        found += chain_findings(strict, chain)
    return sorted(found, key=lambda f: f.line or 0)


def _rule_findings(rule: DomainRule) -> list[Finding]:
    found = []
    if rule.options.get("identities", len(rule.pins)) == 0:
        found.append(Finding("AtsNoIdentities", Severity.ERROR, rule.line,
                             f"{rule.name}: a pinned domain needs NSPinnedCAIdentities or "
                             "NSPinnedLeafIdentities with at least one identity; add the SPKI pins of your "
                             "CA or your keys"))
    for entry in rule.pins:
        if _digest(entry.text) is None:
            found.append(Finding("AtsInvalidIdentity", Severity.ERROR, entry.line or rule.line,
                                 f"{rule.name}: the {_SPKI_KEY} value {entry.text[:20]!r} "
                                 f"{_digest_problem(entry.text)}; write base64(SHA-256(DER SPKI)), 44 "
                                 "characters"))
    leaves = {e.text for e in rule.pins if _category(e) == "leaf" and _digest(e.text)}
    if len(leaves) == 1:
        found.append(Finding("AtsSingleLeafIdentity", Severity.WARNING, rule.line,
                             f"{rule.name}: only one leaf identity, so the next server key locks every user "
                             "out until an app update; add the pin of a backup key (Apple advises more than "
                             "one)"))
    return found


# --- match and model --------------------------------------------------------------------------------

def match(policy: Policy, host: str) -> DomainRule | None:
    """The exact domain, else the domain one label up if it has NSIncludesSubdomains (one label only)."""
    host = _host(host)
    for rule in policy.domains:
        if rule.name == host:
            return rule
    parent = host.partition(".")[2]
    for rule in policy.domains:
        if rule.include_subdomains and rule.name == parent:
            return rule
    return None


def model(policy: Policy, host: str, chain: Sequence[x509.Certificate], roots: Iterable[x509.Certificate],
          user_roots: Iterable[x509.Certificate] = (), at: _dt.datetime | None = None) -> Decision:
    """Would URLSession connect? System trust first, then the ATS pins against the built chain."""
    host, roots, user_roots = _host(host), list(roots), list(user_roots)
    rule = match(policy, host)
    name, line = (rule.name, rule.line) if rule else (None, None)
    built, why = validate_chain(chain, host, [*roots, *user_roots], at or clock.now())
    if built is None:
        return Decision(NAME, host, name, False, False, f"the system trust evaluation fails before ATS looks "
                        f"at any pin ({why}), so URLSession refuses the connection", line, stage="validation")
    names = tuple(short_name(c) for c in built)
    note = _anchor_note(built, roots, user_roots)
    if rule is None:
        return Decision(NAME, host, None, False, True, f"no NSPinnedDomains entry covers {host} "
                        "(NSIncludesSubdomains reaches one label only), so the system-validated chain is "
                        f"accepted without pinning{note}", None, names, stage="no rule")
    failure, success = _pin_check(rule, built)
    if failure:
        return Decision(NAME, host, name, True, False, f"{failure}, so ATS blocks the connection with "
                        f"NSURLErrorSecureConnectionFailed (-1200){note}", line, names, stage="pins")
    return Decision(NAME, host, name, True, True, f"the chain passes system trust and {success}{note}",
                    line, names, stage="pins")


def _pin_check(rule: DomainRule, built: Sequence[x509.Certificate]) -> tuple[str, str]:
    """(failure, "") or ("", success): with both lists, each needs a match in its part of the chain."""
    required = [c for c in _LISTS if c in rule.options.get("lists", ()) or
                any(_category(e) == c for e in rule.pins)]
    if not required:
        return (f"{rule.name} has no identity at all, which (inferred) no chain can match", "")
    matched = []
    for category in required:
        pins = list(dict.fromkeys(e.text for e in rule.pins if _category(e) == category and _digest(e.text)))
        certs = built[1:] if category == "ca" else built[:1]
        hits = [short_name(c) for c in certs if spki_pin(c) in pins]
        part = "a CA of the built chain" if category == "ca" else "the leaf's key"
        if not hits:
            keys = _short(spki_pin(c) for c in certs)
            return (f"none of the {_LISTS[category]} pins ({_short(pins)}) matches {part} ({keys})", "")
        matched.append(f"a pin in {_LISTS[category]} matches {hits[0]}")
    return "", " and ".join(matched)
