"""Android's Network Security Config: read, write, lint and model its pin-sets (lesson 08).

An app names the file in its manifest (``android:networkSecurityConfig="@xml/network_security_config"``)::

    <network-security-config>
        <domain-config>
            <domain includeSubdomains="true">yourapp.com</domain>
            <pin-set expiration="2027-06-01">
                <pin digest="SHA-256">base64 SHA-256 of a key's SPKI</pin>
                <pin digest="SHA-256">the backup key's pin</pin>
            </pin-set>
        </domain-config>
    </network-security-config>

The rules this module follows (sources: the official page, aosp-mirror/platform_frameworks_base
``docs/html/training/articles/security-config.jd``, and ``core/java/android/security/net/config/``
``XmlConfigSource.java``, ``ApplicationConfig.java``, ``NetworkSecurityConfig.java`` and
``NetworkSecurityTrustManager.java``; lint ids and thresholds from Android Lint's
``NetworkSecurityConfigDetector.java``):

* **Which rule**: lowercase the host and strip one trailing dot; an exact ``<domain>`` wins, otherwise
  the longest ``includeSubdomains`` suffix on a label boundary, at any depth; otherwise ``<base-config>``.
* **Inheritance**: a nested ``<domain-config>`` keeps its parent's pin-set, trust anchors and cleartext
  setting unless it sets its own; then ``<base-config>``; then the platform default (system CAs, plus
  user-installed CAs for apps targeting API 23 or lower).
* **Trust, then pins**: the chain is validated first; the pins are compared with the *built* chain, so
  certificates an attacker stuffs into the sent chain never count (CVE-2016-2402). One match passes.
  A chain that ends at an anchor with ``overridePins="true"`` skips the pins (the default inside
  ``<debug-overrides>``, which counts only in debuggable builds).
* **Expiry**: after ``expiration`` the pins are off and the trust anchors alone decide. The date is
  midnight at its start in the device's time zone; the check is ``now > expiration``.
* **A malformed file** is not caught at build time: Android throws "Failed to parse XML configuration"
  at the first connection. ``parse`` records why in ``options["runtime_errors"]`` and ``model`` refuses.

``lint`` uses Android Lint's ids and thresholds, adds ``UserCaOverridesPins`` (ours) and the shared
checks, and reports an unknown element at any depth (Android Lint flags only likely typos below the top).

*Inferred* from the code, not documented: Android reads the date with a non-lenient
``SimpleDateFormat("yyyy-MM-dd")``, which accepts ``2027-6-1`` and ignores text after the date, while
Android Lint wants strict ISO (so lint calls ``2027-6-1`` fatal though the device reads it); elements
Android does not know are skipped at run time, while lint reports them.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import re
import xml.sax
import xml.sax.handler
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import defusedxml.sax
from cryptography import x509
from defusedxml import DefusedXmlException

from .. import clock
from ..pem import short_name
from ..pinning.pins import spki_pin
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
    label_of,
    too_big,
    validate_chain,
)

__all__ = ["NAME", "RULES", "generate", "lint", "looks_like", "match", "model", "parse"]

NAME = "android"

#: Every lint rule id this module emits: Android Lint's own ids verbatim, ours, and the shared ones.
RULES: dict[str, str] = {
    "NetworkSecurityConfig": "the file breaks the format (Android Lint, fatal): most of these crash the app "
                             "at its first connection",
    "PinSetExpiry": "a pin-set that has expired, or expires within 10 days, so pinning is (soon) off",
    "MissingBackupPin": "a pin-set with exactly one <pin>: the next key change locks every user out",
    "InsecureBaseConfiguration": 'cleartextTrafficPermitted="true" on <base-config>',
    "AcceptsUserCertificates": 'user-installed CAs trusted in <base-config> (src="user")',
    "UserCaOverridesPins": 'a user CA with overridePins="true" outside <debug-overrides>: any installed '
                           "CA (a corporate proxy) bypasses the pins",
    "DuplicatePin": "the same pin twice in one pin-set (Android Lint misses this)",
    "NoPinMatchesChain": "no pin matches the chain the server serves today",
    "PinMatches": "which certificate of today's chain each pin matches",
    "PinOnPooledIntermediate": "a pin on an intermediate of a CA that rotates among a pool of them",
}

_ROOT = "network-security-config"
_BASE, _DOMAIN, _DEBUG = "base-config", "domain-config", "debug-overrides"
_EXPIRY_WARNING_DAYS = 10  # Android Lint: "is expiring soon" when the date is less than 10 days away
_MAX_DEPTH = 64            # elements nested deeper than this are refused (no real file comes near)
_MAX_ELEMENTS = 50_000
_ALLOWED = {_ROOT: (_BASE, _DOMAIN, _DEBUG),
            _BASE: ("trust-anchors",), _DEBUG: ("trust-anchors",),
            _DOMAIN: ("domain", "trust-anchors", "pin-set", _DOMAIN),
            "trust-anchors": ("certificates",), "pin-set": ("pin",)}
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_DEVICE_DATE = re.compile(r"(\d+)-(\d+)-(\d+)", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)

_Anchor = tuple[str, bool, int | None]  # (src, overridePins, line)


# --- reading the XML, with line numbers, defused ---------------------------------------------------

@dataclass
class _Element:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[_Element] = field(default_factory=list)
    chars: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.chars).strip()


class _TreeBuilder(xml.sax.handler.ContentHandler):
    """Builds a small element tree from SAX events, noting the line of every start tag."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[_Element] = []
        self.root: _Element | None = None
        self.count = 0
        self._locator: Any = None

    def setDocumentLocator(self, locator: Any) -> None:  # SAX's names
        self._locator = locator

    def startElement(self, name: str, attrs: Any) -> None:
        self.count += 1
        if len(self.stack) >= _MAX_DEPTH:
            raise ConfigError(f"the file nests elements more than {_MAX_DEPTH} deep, which no network "
                              "security config needs; check that it is the right file")
        if self.count > _MAX_ELEMENTS:
            raise ConfigError(f"the file has more than {_MAX_ELEMENTS:,} elements, which no network security "
                              "config needs; check that it is the right file")
        element = _Element(name, dict(attrs.items()), self._locator.getLineNumber() if self._locator else 0)
        if self.stack:
            self.stack[-1].children.append(element)
        else:
            self.root = element
        self.stack.append(element)

    def endElement(self, name: str) -> None:
        self.stack.pop()

    def characters(self, content: str) -> None:
        if self.stack:
            self.stack[-1].chars.append(content)


def _as_bytes(text: str | bytes) -> bytes:
    if isinstance(text, str):
        return text.encode("utf-8", "surrogatepass")  # a lone surrogate then fails as invalid UTF-8
    if isinstance(text, bytes | bytearray | memoryview):
        return bytes(text)
    raise ConfigError(f"parse takes the file's text (str or bytes), not a {type(text).__name__}; read the "
                      "file first")


def _read_xml(text: str | bytes) -> _Element:
    data = _as_bytes(text)
    too_big(data)
    if not data.strip():
        raise ConfigError("the file is empty; an Android network security config starts with "
                          "<network-security-config>")
    builder = _TreeBuilder()
    try:
        defusedxml.sax.parseString(data, builder, forbid_dtd=True)
    except ConfigError:
        raise
    except DefusedXmlException:
        raise ConfigError("the file declares a DTD or entities (<!DOCTYPE ...>), which a network security "
                          "config never needs and which can hide entity bombs; remove the DOCTYPE") from None
    except xml.sax.SAXParseException as exc:
        raise ConfigError(f"the file is not well-formed XML (line {exc.getLineNumber()}: "
                          f"{exc.getMessage()}); check that it is UTF-8 and that every tag is "
                          "closed") from None
    except (xml.sax.SAXException, ValueError, UnicodeError, RecursionError) as exc:
        raise ConfigError(f"the file cannot be read as XML ({exc}); check that it is a UTF-8 XML "
                          "file") from None
    if builder.root is None or builder.root.tag != _ROOT:
        tag = builder.root.tag if builder.root else "nothing"
        raise ConfigError(f"the root element is <{tag}>, not <{_ROOT}>; give the file that the manifest's "
                          "android:networkSecurityConfig names")
    return builder.root


def looks_like(text: str | bytes) -> bool:
    """True when the text opens a ``<network-security-config>`` element (a cheap sniff; never raises)."""
    try:
        head = text[:65536]
        if isinstance(head, bytes | bytearray):
            head = bytes(head).decode("latin-1")
        return isinstance(head, str) and f"<{_ROOT}" in head
    except Exception:  # a sniff must never raise
        return False


# --- the file's structure, as Android's XmlConfigSource reads it -----------------------------------

@dataclass
class _PinSet:
    line: int
    pins: list[PinEntry]
    expiration: _dt.date | None = None
    expiration_text: str | None = None


@dataclass
class _Config:
    kind: str
    line: int
    parent: _Config | None = None
    cleartext: bool | None = None
    domains: list[tuple[str, bool, int]] = field(default_factory=list)
    anchors: list[_Anchor] | None = None
    pin_set: _PinSet | None = None

    def effective(self, attribute: str) -> Any:
        """The value set here, else by the nearest ancestor (NetworkSecurityConfig.Builder)."""
        node: _Config | None = self
        while node is not None:
            if getattr(node, attribute) is not None:
                return getattr(node, attribute)
            node = node.parent
        return None


def _flag(value: str | None) -> bool | None:
    return None if value is None else value.strip().lower() == "true"


def _device_date(text: str) -> _dt.date | None:
    """The date Android reads from ``expiration`` (non-lenient ``yyyy-MM-dd``), or None if it throws."""
    found = _DEVICE_DATE.match(text)
    if not found:
        return None
    try:
        return _dt.date(*(int(part) for part in found.groups()))
    except ValueError:  # month 13, 31 June, year 0, or absurdly long digit strings
        return None


def _iso_date(text: str) -> bool:
    return bool(_ISO_DATE.fullmatch(text)) and _device_date(text) is not None


def _digest(text: str) -> bytes | None:
    """The bytes of a base64 pin, or None when it is not base64."""
    if not _BASE64.fullmatch(text):
        return None
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


class _Reader:
    """Walks the element tree once, collecting configs, lint problems and the errors Android throws."""

    def __init__(self) -> None:
        self.problems: list[Finding] = []
        self.runtime_errors: list[tuple[int, str, bool]] = []  # (line, Android's message, debug only)
        self.domain_configs: list[_Config] = []
        self.seen_domains: dict[str, int] = {}
        self.in_debug = False

    def fatal(self, line: int, message: str, android: str | None = None) -> None:
        """A NetworkSecurityConfig finding; ``android`` is what Android throws, if it throws at all."""
        self.problems.append(Finding("NetworkSecurityConfig", Severity.FATAL, line, message))
        if android:
            self.runtime_errors.append((line, android, self.in_debug))

    def unexpected(self, element: _Element, parent: str) -> None:
        allowed = ", ".join(f"<{tag}>" for tag in _ALLOWED[parent])
        self.fatal(element.line, f"Unexpected element <{element.tag}> in <{parent}>; remove it or fix its "
                                 f"spelling (allowed there: {allowed})")

    def read(self, root: _Element) -> tuple[_Config | None, _Config | None]:
        base = debug = None
        for child in root.children:
            if child.tag == _BASE:
                if base is not None:
                    self.fatal(child.line, f"Expecting at most 1 <{_BASE}> (the first is on line "
                                           f"{base.line}); merge them into one",
                               "Only one base-config allowed")
                else:
                    base = self.config(child, _BASE, None)
            elif child.tag == _DEBUG:
                if debug is not None:
                    self.fatal(child.line, f"Expecting at most 1 <{_DEBUG}> (the first is on line "
                                           f"{debug.line}); merge them into one",
                               "Only one debug-overrides allowed")
                else:
                    self.in_debug = True
                    debug = self.config(child, _DEBUG, None)
                    self.in_debug = False
            elif child.tag == _DOMAIN:
                self.config(child, _DOMAIN, None)
            else:
                self.unexpected(child, _ROOT)
        for config in self.domain_configs:  # base-config may come after the domain-configs
            if config.parent is None:
                config.parent = base
        return base, debug

    def config(self, element: _Element, kind: str, parent: _Config | None) -> _Config:
        config = _Config(kind, element.line, parent, _flag(element.attrs.get("cleartextTrafficPermitted")))
        if kind == _DOMAIN:
            self.domain_configs.append(config)
        for child in element.children:
            if child.tag == "domain":
                self.domain(child, config)
            elif child.tag == "trust-anchors":
                self.trust_anchors(child, config)
            elif child.tag == "pin-set":
                self.pin_set(child, config)
            elif child.tag == _DOMAIN and kind == _DOMAIN:
                self.config(child, _DOMAIN, config)
            elif child.tag == _DOMAIN:
                self.fatal(child.line, f"Nested <{_DOMAIN}> elements are not allowed in <{kind}>; move it to "
                                       f"the top level", f"Nested domain-config not allowed in {kind}")
            else:
                self.unexpected(child, kind)
        if kind == _DOMAIN and not config.domains:
            self.fatal(element.line, f"No <domain> elements in <{_DOMAIN}>; add the host names it applies to",
                       "No domain elements in domain-config")
        return config

    def domain(self, element: _Element, config: _Config) -> None:
        if config.kind != _DOMAIN:
            self.fatal(element.line, f"<domain> is not allowed in <{config.kind}>; move it into a "
                                     f"<{_DOMAIN}>", f"domain element not allowed in {config.kind}")
            return
        name = element.text.lower()
        if element.children:
            self.fatal(element.line, "<domain> must hold only the host name; remove the elements inside it",
                       "domain contains additional elements")
        elif not name:
            self.fatal(element.line, "<domain> is empty; write the host name inside it",
                       "Domain name missing")
        elif name in self.seen_domains:
            self.fatal(element.line, f"Duplicate domain names are not allowed: {name} is already on line "
                                     f"{self.seen_domains[name]}; keep one <domain> for it",
                       f"{name} has already been specified")
        else:
            self.seen_domains[name] = element.line
        if name and not element.children:
            config.domains.append((name, bool(_flag(element.attrs.get("includeSubdomains"))), element.line))

    def trust_anchors(self, element: _Element, config: _Config) -> None:
        if config.anchors is not None:
            self.fatal(element.line, f"Multiple <trust-anchors> elements are not allowed in one "
                                     f"<{config.kind}>; merge them into one",
                       "Multiple trust-anchor elements not allowed")
            return
        config.anchors = []
        for child in element.children:
            if child.tag != "certificates":
                self.unexpected(child, "trust-anchors")
                continue
            src = child.attrs.get("src")
            if src is None:
                self.fatal(child.line, 'Missing src attribute on <certificates>; write src="system", '
                                       '"user" or a resource such as "@raw/my_ca"',
                           "certificates element missing src attribute")
                continue
            if src not in ("system", "user") and not src.startswith("@"):
                self.fatal(child.line, f'Unknown certificates src "{src}"; expecting system, user or an '
                                       '@resource value such as @raw/my_ca',
                           "Unknown certificates src. Should be one of system|user|@resourceVal")
            override = _flag(child.attrs.get("overridePins"))
            config.anchors.append((src, self.in_debug if override is None else override, child.line))

    def pin_set(self, element: _Element, config: _Config) -> None:
        if config.kind != _DOMAIN:
            self.fatal(element.line, f"<pin-set> is not allowed in <{config.kind}>: pins apply only to the "
                                     f"domains of a <{_DOMAIN}>, so move it into one",
                       f"pin-set element not allowed in {config.kind}")
            return
        if config.pin_set is not None:
            self.fatal(element.line, f"Multiple <pin-set> elements are not allowed in one <{_DOMAIN}> (the "
                                     f"first is on line {config.pin_set.line}); merge them into one",
                       "Multiple pin-set elements not allowed")
            return
        pin_set = config.pin_set = _PinSet(element.line, [])
        self.expiration(element, pin_set)
        for child in element.children:
            if child.tag == "pin":
                pin_set.pins.append(self.pin(child))
            else:
                self.unexpected(child, "pin-set")
        if not pin_set.pins:
            self.fatal(element.line, "Missing <pin> element(s) in <pin-set>, so it pins nothing; add the pin "
                                     "of your key and of a backup key")

    def expiration(self, element: _Element, pin_set: _PinSet) -> None:
        text = element.attrs.get("expiration")
        if text is None:
            return
        pin_set.expiration = _device_date(text)
        if _iso_date(text):
            return
        pin_set.expiration_text = text
        self.fatal(element.line, f'Invalid expiration "{text}" in <pin-set>; write the date as yyyy-MM-dd, '
                                 "such as 2027-06-01",
                   None if pin_set.expiration else "Invalid expiration date in pin-set")

    def pin(self, element: _Element) -> PinEntry:
        algorithm, text = element.attrs.get("digest"), element.text
        entry = PinEntry(text, element.line, algorithm or "")
        if algorithm is None:
            self.fatal(element.line, 'Missing digest attribute on <pin>; add digest="SHA-256"',
                       "Unsupported pin digest algorithm: null")
        elif algorithm.upper() != "SHA-256":
            self.fatal(element.line, f'Invalid digest algorithm "{algorithm}"; Android supports only '
                                     'SHA-256, so write digest="SHA-256" and a SHA-256 SPKI pin',
                       f"Unsupported pin digest algorithm: {algorithm}")
        if element.children:
            self.fatal(element.line, "<pin> must hold only the base64 digest; remove the elements inside it",
                       "pin contains additional elements")
            return entry
        digest = _digest(text)
        if not text:
            self.fatal(element.line, "Missing pin digest; write the base64 SHA-256 of the key's SPKI inside "
                                     "<pin>", "Missing pin digest")
        elif digest is None:
            self.fatal(element.line, f'Invalid pin digest "{text[:20]}": it is not base64; paste the pin '
                                     "exactly as computed", "Invalid pin digest")
        elif len(digest) != 32:
            message = f"digest length {len(digest)} does not match expected length for SHA-256 of 32"
            self.fatal(element.line, f"Pin {message}, so it is no SHA-256 pin; recompute it from the key's "
                                     "SPKI", message)
        else:  # Android accepts unpadded base64: store the usual spelling
            entry = PinEntry(base64.b64encode(digest).decode(), element.line, algorithm or "")
        return entry


def _domain_rules(configs: Iterable[_Config]) -> Iterator[DomainRule]:
    """One rule per ``<domain>``, carrying its config's EFFECTIVE pin-set, anchors and cleartext setting."""
    for config in configs:
        pin_set: _PinSet | None = config.effective("pin_set")
        options = {"trust_anchors": config.effective("anchors"), "cleartext": config.effective("cleartext"),
                   "config_line": config.line, "pin_set_line": pin_set.line if pin_set else None}
        for name, subdomains, line in config.domains:
            yield DomainRule(name, tuple(pin_set.pins) if pin_set else (), subdomains,
                             pin_set.expiration if pin_set else None,
                             pin_set.expiration_text if pin_set else None, line=line, options=options)


def parse(text: str | bytes) -> Policy:
    """Read a network security config: one :class:`DomainRule` per ``<domain>``, with line numbers.

    Rule options: ``trust_anchors`` (``[(src, overridePins, line)]`` after inheritance, or None for
    the platform default), ``cleartext`` (None: platform default), ``config_line``, ``pin_set_line``.
    Policy options: ``base`` (``{"trust_anchors", "cleartext", "line"}`` or None), ``debug_overrides``
    (its trust anchors, or None) and ``runtime_errors`` (``[(line, Android's message, debug only)]``).
    Format problems are ``NetworkSecurityConfig`` findings in ``problems``; a file that is not a
    network security config at all raises :class:`ConfigError`.
    """
    reader = _Reader()
    base, debug = reader.read(_read_xml(text))
    options = {
        "base": None if base is None else {"trust_anchors": base.anchors, "cleartext": base.cleartext,
                                           "line": base.line},
        "debug_overrides": None if debug is None else debug.anchors,
        "runtime_errors": reader.runtime_errors,
    }
    return Policy(NAME, tuple(_domain_rules(reader.domain_configs)), True, reader.problems, options)


# --- generate ----------------------------------------------------------------------------------------

_HEADER = ('<?xml version="1.0" encoding="utf-8"?>\n'
           "<!-- Generated by `python -m helpers config android`. From the start of a pin-set's\n"
           "     expiration date (in the device's time zone) Android stops enforcing its pins and\n"
           "     trusts the CAs alone: ship an update with new pins before then. -->\n")
_NO_REPORT_ONLY = ("    <!-- The policy asks for report-only pinning, which Android cannot express: "
                   "these pins are enforced. -->\n")


def _pin_text(entry: PinEntry) -> str:
    return entry.pin.base64 if entry.pin is not None else entry.text.strip()


def _domain_config(rule: DomainRule) -> str:
    subdomains = "true" if rule.include_subdomains else "false"
    lines = ['    <domain-config cleartextTrafficPermitted="false">',
             f'        <domain includeSubdomains="{subdomains}">{escape(rule.name)}</domain>',
             "        <trust-anchors>", '            <certificates src="system"/>',
             "        </trust-anchors>"]
    if rule.pins:
        expiry = f" expiration={quoteattr(rule.expiration.isoformat())}" if rule.expiration else ""
        lines.append(f"        <pin-set{expiry}>")
        lines += [f'            <pin digest="SHA-256">{escape(_pin_text(e))}</pin>' for e in rule.pins]
        lines.append("        </pin-set>")
    lines.append("    </domain-config>")
    return "\n".join(lines) + "\n"


def generate(policy: Policy) -> str:
    """The network security config of a neutral policy: a ``<domain-config>`` per domain, system CAs only."""
    body = "".join(_domain_config(rule) for rule in policy.domains)
    return f"{_HEADER}<{_ROOT}>\n{'' if policy.enforce else _NO_REPORT_ONLY}{body}</{_ROOT}>\n"


# --- lint ------------------------------------------------------------------------------------------

def _pin_sets(policy: Policy) -> list[DomainRule]:
    """One rule per pin-set (its first domain): a pin-set shared by domains is reported once."""
    first: dict[Any, DomainRule] = {}
    for index, rule in enumerate(policy.domains):
        if rule.pins:
            first.setdefault(rule.options.get("pin_set_line") or ("rule", index), rule)
    return list(first.values())


def _pin_set_line(rule: DomainRule) -> int | None:
    return rule.options.get("pin_set_line") or rule.line


def _pin_set_findings(rules: Sequence[DomainRule], today: _dt.date) -> Iterator[Finding]:
    for rule in rules:
        line = _pin_set_line(rule)
        if len(rule.pins) == 1:
            yield Finding("MissingBackupPin", Severity.WARNING, line,
                          f"{rule.name}: a backup <pin> declaration is highly recommended: with one pin, "
                          "the next key change locks every user out until they update; add the pin of a "
                          "backup key")
        if rule.expiration is None or rule.expiration_text is not None:
            continue
        if rule.expiration < today:
            yield Finding("PinSetExpiry", Severity.WARNING, line,
                          f"{rule.name}: the pin-set has already expired ({rule.expiration}), so Android no "
                          "longer checks these pins; set a later expiration and ship an update")
        elif rule.expiration < today + _dt.timedelta(days=_EXPIRY_WARNING_DAYS):
            yield Finding("PinSetExpiry", Severity.WARNING, line,
                          f"{rule.name}: the pin-set is expiring soon ({rule.expiration}): from the start "
                          "of that day, in the device's time zone, Android stops checking its pins; set a "
                          "later expiration and ship an update")


def _anchor_findings(policy: Policy) -> Iterator[Finding]:
    base = policy.options.get("base") or {}
    if base.get("cleartext"):
        yield Finding("InsecureBaseConfiguration", Severity.WARNING, base.get("line"),
                      'Setting cleartextTrafficPermitted to "true" in <base-config> lets every host without '
                      'its own domain-config use plain HTTP; set it to "false"')
    for src, _override, line in base.get("trust_anchors") or ():
        if src == "user":
            yield Finding("AcceptsUserCertificates", Severity.WARNING, line,
                          "<base-config> trusts user-installed CAs in release builds, so anyone who gets a "
                          "CA onto the device can read the traffic; move it into <debug-overrides>")
    anchors = {a[2]: a for rule in policy.domains for a in rule.options.get("trust_anchors") or ()}
    anchors.update((a[2], a) for a in base.get("trust_anchors") or ())
    for src, override, line in sorted(anchors.values(), key=lambda a: a[2] or 0):
        if src == "user" and override:
            yield Finding("UserCaOverridesPins", Severity.ERROR, line,
                          '<certificates src="user" overridePins="true"> lets any user-installed CA (a '
                          "corporate TLS proxy, or one a user was talked into installing) bypass the pins; "
                          "remove overridePins, or move it into <debug-overrides>")


def lint(policy: Policy, today: _dt.date | None = None,
         chain: Sequence[x509.Certificate] | None = None) -> list[Finding]:
    """Android Lint's checks (same ids and thresholds), ours, and the shared ones, sorted by line."""
    today = today or clock.today()
    rules = _pin_sets(policy)
    found = [*policy.problems, *_pin_set_findings(rules, today), *_anchor_findings(policy),
             *duplicate_findings(rules)]
    if chain is not None:
        found += chain_findings(rules, chain)
    return sorted(found, key=lambda f: f.line or 0)


# --- match and model -------------------------------------------------------------------------------

def _normal(host: str) -> str:
    host = host.lower()
    return host[:-1] if host.endswith(".") else host


def match(policy: Policy, host: str) -> DomainRule | None:
    """ApplicationConfig.getConfigForHostname: an exact ``<domain>``, else the longest subdomain suffix."""
    host = _normal(host)
    best = None
    for rule in policy.domains:
        if rule.name == host:
            return rule
        if rule.include_subdomains and host.endswith("." + rule.name):
            if best is None or len(rule.name) > len(best.name):
                best = rule
    return best


def _crash(policy: Policy, rule: DomainRule | None, debuggable: bool) -> str | None:
    """Why Android would throw "Failed to parse XML configuration", or None."""
    errors = [(line, why) for line, why, debug_only in policy.options.get("runtime_errors", ())
              if debuggable or not debug_only]
    if not errors and rule is not None and rule.expiration is None and rule.expiration_text:
        errors = [(rule.options.get("pin_set_line"), "Invalid expiration date in pin-set")]
    if not errors:
        return None
    line, why = errors[0]
    return (f"the app crashes at its first connection: Android throws \"Failed to parse XML configuration\" "
            f"({why}, line {line}), so nothing connects until the file is fixed")


def _trust_anchors(policy: Policy, rule: DomainRule | None, target_sdk: int,
                   debuggable: bool) -> tuple[list[_Anchor], str]:
    """The anchors in force for a rule, and where they come from (rule, base-config, platform default)."""
    base = policy.options.get("base") or {}
    anchors = rule.options.get("trust_anchors") if rule is not None else None
    if anchors is None:
        anchors = base.get("trust_anchors")
    if anchors is not None:
        where = f"the <trust-anchors> on line {anchors[0][2]}" if anchors else "an empty <trust-anchors>"
    else:
        anchors = [("system", False, None)] + ([("user", False, None)] if target_sdk <= 23 else [])
        where = f"the platform default for targetSdkVersion {target_sdk}"
    debug = policy.options.get("debug_overrides")
    if debuggable and debug:
        anchors, where = [*anchors, *debug], f"{where} plus <debug-overrides>"
    return list(anchors), where


_Store = tuple[list[x509.Certificate], dict[x509.Certificate, str]]


def _store(anchors: Sequence[_Anchor], roots: Sequence[x509.Certificate],
           user_roots: Sequence[x509.Certificate]) -> _Store:
    """The trusted certificates, and those whose source has overridePins (cert -> its src)."""
    store: dict[x509.Certificate, None] = {}
    overriding: dict[x509.Certificate, str] = {}
    for src, override, _line in anchors:
        for cert in roots if src == "system" else user_roots if src == "user" else ():
            store[cert] = None
            if override:
                overriding.setdefault(cert, src)
    return list(store), overriding


def _sources(anchors: Sequence[_Anchor]) -> str:
    names = [src if src in ("system", "user") else f"{src}, not modelled: trusts nothing here"
             for src, _o, _l in anchors]
    return ", ".join(dict.fromkeys(names)) or "none"


def _pins_of(rule: DomainRule) -> dict[str, PinEntry]:
    return {entry.pin.base64: entry for entry in rule.pins if entry.pin is not None}


def _pin_verdict(rule: DomainRule, built: list[x509.Certificate], sent: Sequence[x509.Certificate],
                 path: str) -> tuple[bool, str]:
    pins = _pins_of(rule)
    for index in range(len(built) - 1, -1, -1):  # Android walks from the anchor down
        pin = spki_pin(built[index])
        if pin in pins:
            return True, (f"pin {pin[:12]}… of {rule.name} (line {pins[pin].line or rule.line}) matches the "
                          f"{label_of(index, built)} ({short_name(built[index])}) of the built chain {path}, "
                          "so Android connects")
    extra = [short_name(cert) for cert in sent if cert not in built]
    stuffed = (f"; the {len(extra)} other certificate(s) the server sent ({', '.join(extra)}) are not part "
               "of the built chain and are never compared") if extra else ""
    listed = ", ".join(f"{pin[:12]}…" for pin in pins)
    return False, (f"Pin verification failed: none of the {len(pins)} pin(s) of {rule.name} ({listed}) "
                   f"matches a key in the built chain {path}{stuffed}")


def model(policy: Policy, host: str, chain: Sequence[x509.Certificate], roots: Iterable[x509.Certificate],
          user_roots: Iterable[x509.Certificate] = (), at: _dt.datetime | None = None, *,
          target_sdk: int = 24, debuggable: bool = False, device_tz: _dt.tzinfo = _dt.UTC) -> Decision:
    """Would an Android app with this config connect to ``host`` when the server sends ``chain``?

    ``roots`` are the system CAs, ``user_roots`` the user-installed ones (a corporate proxy's CA).
    Trust anchors first, against the chain cryptography's verifier builds; then the pins against
    that built chain, unless the pin-set has expired (midnight at the start of its date in
    ``device_tz``) or the anchor has ``overridePins``.
    """
    at = at or clock.now()
    rule = match(policy, host)

    def decide(stage: str, connects: bool, pinned: bool, reason: str,
               built: Sequence[x509.Certificate] = ()) -> Decision:
        return Decision(NAME, host, rule.name if rule else None, pinned, connects, reason,
                        rule.line if rule else None, tuple(short_name(cert) for cert in built), stage)

    crash = _crash(policy, rule, debuggable)
    if crash:
        return decide("config", False, False, crash)
    anchors, where = _trust_anchors(policy, rule, target_sdk, debuggable)
    store, overriding = _store(anchors, list(roots), list(user_roots))
    built, why = validate_chain(chain, _normal(host), store, at)
    if built is None:
        return decide("validation", False, False, f"Android's trust check fails before any pin is looked at: "
                                                  f"with {where} ({_sources(anchors)}), {why}")
    path = " → ".join(short_name(cert) for cert in built)
    alone = f"the built chain {path} is accepted on the trust anchors alone"
    if rule is None:
        return decide("no rule", True, False, f"no <domain> matches {host}, so the base-config applies, "
                                              f"and it cannot hold pins: {alone}", built)
    if not _pins_of(rule):
        return decide("validation", True, False, f"{rule.name} (line {rule.line}) has no pins: {alone}",
                      built)
    if rule.expiration is not None and at > _dt.datetime.combine(rule.expiration, _dt.time(), device_tz):
        local = at.astimezone(device_tz).strftime("%Y-%m-%d %H:%M %z")
        return decide("expiry", True, False, f"the pin-set of {rule.name} expired at the start of "
                                             f"{rule.expiration} in the device's time zone (it is {local} "
                                             f"there), so pins are off and {alone}", built)
    if built[-1] in overriding:
        return decide("override", True, False, f"the built chain {path} ends at {short_name(built[-1])}, a "
                                               f'src="{overriding[built[-1]]}" anchor with overridePins='
                                               '"true", so Android skips the pin check and connects', built)
    connects, reason = _pin_verdict(rule, built, chain, path)
    return decide("pins", connects, True, reason, built)
