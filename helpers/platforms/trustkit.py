"""TrustKit (datatheorem/TrustKit 3.0): pinning for NSURLSession from ``TSKConfiguration`` in Info.plist.

Keys: ``TSKSwizzleNetworkDelegates`` (default NO) and ``TSKPinnedDomains``; per domain
``TSKPublicKeyHashes``, ``TSKEnforcePinning`` (default YES), ``TSKIncludeSubdomains`` (default NO),
``TSKExpirationDate`` (yyyy-MM-dd, UTC), ``TSKReportUris``, ``TSKDisableDefaultReportUri`` (default NO:
reports also go to the vendor's URI) and ``kSKExcludeSubdomainFromParentPolicy`` (that literal string).

* TrustKit **refuses the whole configuration at start-up** ("TrustKit configuration invalid", an
  exception that crashes the app) for: no pinned domain, an invalid domain, includeSubdomains on a
  public suffix, a pin that is not base64 of 32 bytes, **fewer distinct pins than 2 when enforcing
  (1 when not)**, an invalid report URI, an excluded subdomain without a parent policy. TrustKit asks
  the full Public Suffix List; this module checks a short built-in list of common suffixes, and calls
  a domain invalid when it is not a host name of two or more labels.
* Matching: an exact domain wins, else the longest includeSubdomains parent at any depth.
  (TrustKit's code takes the first parent it meets in its dictionary; the longest is docs/platform-rules.md's
  rule and the only one that is deterministic.)
* Verification: the system evaluates the chain first (SecTrust, SSL policy for the host, iOS trust
  store plus user roots with full trust); then the **evaluated** chain is walked and any SPKI match
  passes. After midnight UTC at the start of the expiration date the domain is "not pinned". An
  unparseable date silently means no expiry (*inferred*: the date formatter returns nil).
  ``TSKEnforcePinning`` NO only reports a pin failure. The model assumes the app's NSURLSession
  delegates reach TrustKit (swizzled, or calling its validator), and is iOS: on macOS, TrustKit also
  skips pins for chains that end at a user-added anchor.
* TrustKit's guide: start with enforcement off, always ship a backup pin (the Barclays outage).

Sources: datatheorem/TrustKit ``TrustKit/parse_configuration.m``, ``TSKTrustKitConfig.m``,
``configuration_utils.m``, ``Pinning/ssl_pin_verifier.m``, ``TSKPinningValidator.m``,
``docs/getting-started.md``. The plist reader is iOS's (:mod:`.ios`).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography import x509

from .. import clock
from ..pem import short_name
from ..pinning.pins import spki_pin
from .ios import (  # the plist reader and pin helpers are shared with iOS
    _anchor_note,
    _check_size,
    _digest,
    _digest_problem,
    _host,
    _Plist,
    _plist_text,
    _read_plist,
    _short,
    _strict,
)
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
    validate_chain,
)

NAME = "trustkit"

RULES: dict[str, str] = {
    "TrustKitInvalidConfig": "a value TrustKit refuses at start-up: a wrong type, an invalid domain or "
                             "report URI, an excluded subdomain with other keys or without a parent policy",
    "TrustKitNoDomains": "no pinned domain: TrustKit refuses the configuration at start-up",
    "TrustKitInvalidPin": "a pin that is not base64 of 32 bytes: TrustKit refuses the configuration",
    "TrustKitTooFewPins": "fewer than 2 distinct valid pins when enforcing (1 when not): TrustKit refuses it",
    "TrustKitPublicSuffix": "TSKIncludeSubdomains on a public suffix: TrustKit refuses the configuration",
    "TrustKitExpired": "the expiration date has passed, so the domain is no longer pinned",
    "TrustKitBadExpiration": "an expiration date that is not yyyy-MM-dd, which (inferred) means no expiry",
    "TrustKitNotEnforcing": "TSKEnforcePinning NO: pin failures are only reported, never blocked",
    "TrustKitDefaultReportUri": "reports also go to the vendor unless TSKDisableDefaultReportUri is YES",
    "TrustKitUnknownKey": "a key TrustKit does not read (often a typo), so it is silently ignored",
    "DuplicatePin": "the same key pinned twice in one domain, so the backup is no backup",
    "NoPinMatchesChain": "no pin matches the chain the server serves today",
    "PinMatches": "which certificate of today's chain each pin matches",
    "PinOnPooledIntermediate": "a pin on an intermediate of a CA that rotates among a pool of intermediates",
}

_EXCLUDE = "kSKExcludeSubdomainFromParentPolicy"
_DEFAULT_REPORT_URI = "https://overmind.datatheorem.com/trustkit/report"
_CONFIG_KEYS = ("TSKSwizzleNetworkDelegates", "TSKPinnedDomains",
                "TSKIgnorePinningForUserDefinedTrustAnchors")
_DOMAIN_KEYS = ("TSKPublicKeyHashes", "TSKEnforcePinning", "TSKIncludeSubdomains", "TSKExpirationDate",
               "TSKReportUris", "TSKDisableDefaultReportUri", _EXCLUDE, "TSKPublicKeyAlgorithms",
               "TSKAdditionalTrustAnchors")
#: Common public suffixes (ICANN and private); TrustKit itself uses the full Public Suffix List.
_PUBLIC_SUFFIXES = frozenset("""
    com net org edu gov mil int info biz io co app dev me tv eu us uk de fr jp cn in br au ca ru nl it es
    ch se
    co.uk org.uk ac.uk gov.uk me.uk com.au net.au org.au co.jp ne.jp or.jp com.br com.cn co.in co.nz co.za
    appspot.com herokuapp.com github.io cloudfront.net azurewebsites.net firebaseapp.com web.app
    blogspot.com netlify.app vercel.app pages.dev workers.dev s3.amazonaws.com
""".split())
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[!#$%&'()*+,\-./0-9:;=?@A-Z\[\]_a-z~]+")


def looks_like(text: str | bytes) -> bool:
    """Whether this looks like a TrustKit configuration (a cheap sniff, never raises)."""
    if isinstance(text, str):
        return "TSKPinnedDomains" in text or "TSKConfiguration" in text
    if not isinstance(text, bytes | bytearray):
        return False
    return b"TSKPinnedDomains" in text or b"TSKConfiguration" in text


# --- parse ------------------------------------------------------------------------------------------

def _invalid(line: int | None, message: str) -> Finding:
    return Finding("TrustKitInvalidConfig", Severity.FATAL, line, message)


def parse(text: str | bytes) -> Policy:
    """Read an Info.plist with ``TSKConfiguration`` (XML or binary), or a fragment whose root dict is it."""
    plist = _read_plist(text)
    base = ("TSKConfiguration",) if "TSKConfiguration" in plist.root else ()
    if not base and not {"TSKPinnedDomains", "TSKSwizzleNetworkDelegates"} & set(plist.root):
        raise ConfigError("this plist has no TSKConfiguration, so it configures no TrustKit pinning; add "
                          "TSKConfiguration → TSKPinnedDomains, or use --platform ios for NSPinnedDomains")
    config = plist.root[base[0]] if base else plist.root
    if not isinstance(config, dict):
        return Policy(NAME, problems=[_invalid(plist.key_line(base), "TSKConfiguration must be a <dict> "
                                               "holding TSKPinnedDomains")])
    problems = _unknown(plist, base, config, _CONFIG_KEYS, "TSKConfiguration")
    swizzle = _typed(plist, base, config, "TSKSwizzleNetworkDelegates", bool, False, problems)
    path = (*base, "TSKPinnedDomains")
    domains = _typed(plist, base, config, "TSKPinnedDomains", dict, {}, problems)
    _check_size(domains, ("TSKPublicKeyHashes",))
    rules = []
    for name, value in domains.items():
        rule = _domain(plist, (*path, name), name, value, problems)
        if rule is not None:
            rules.append(rule)
    options = {"swizzle": swizzle, "line": plist.key_line(path) or plist.key_line(base)}
    return Policy(NAME, rules, all(r.enforce for r in rules), problems, options)


def _typed(plist: _Plist, path: tuple, where: dict, key: str, kind: type, default: Any,
           problems: list[Finding]) -> Any:
    """``where[key]`` when it has the right type, ``default`` when absent, else ``default`` and a finding."""
    value = where.get(key, default)
    if key not in where or isinstance(value, kind):
        return value
    noun = {bool: "<true/> or <false/>", dict: "a <dict>", list: "an <array>", str: "a <string>"}[kind]
    owner = path[-1] if path else "the configuration"
    problems.append(_invalid(plist.key_line((*path, key)), f"{owner}: {key} must be {noun} (found "
                             f"{type(value).__name__}), or TrustKit cannot read the configuration"))
    return default


def _unknown(plist: _Plist, path: tuple, where: dict, known: Sequence[str], owner: str) -> list[Finding]:
    found = []
    for key in where:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean {close[0]}?" if close else "remove it, or check TrustKit's documentation"
            found.append(Finding("TrustKitUnknownKey", Severity.WARNING, plist.key_line((*path, key)),
                                 f"{owner}: TrustKit ignores the key {key!r}; {hint}"))
    return found


def _domain(plist: _Plist, path: tuple, name: str, value: Any, problems: list[Finding]) -> DomainRule | None:
    line = plist.key_line(path)
    if not isinstance(name, str):
        problems.append(_invalid(line, f"the domain name {name!r} is not a string (found "
                                       f"{type(name).__name__}); write the host name as the key"))
        return None
    if not isinstance(value, dict):
        problems.append(_invalid(line, f"{name}: the value of a pinned domain must be a <dict> with "
                                       "TSKPublicKeyHashes, or TrustKit refuses the configuration"))
        return None
    problems += _unknown(plist, path, value, _DOMAIN_KEYS, name)
    if _typed(plist, path, value, _EXCLUDE, bool, False, problems):
        if len(value) > 1:
            problems.append(_invalid(line, f"{name}: {_EXCLUDE} must be the only key of its domain; remove "
                                           "the others (this domain is simply not pinned)"))
        return DomainRule(_host(name), (), line=line, options={"exclude": True})
    hashes = _typed(plist, path, value, "TSKPublicKeyHashes", list, [], problems)
    pins = []
    for i, item in enumerate(hashes):
        if isinstance(item, str):
            pins.append(PinEntry(item, plist.value_line((*path, "TSKPublicKeyHashes", i))))
        else:
            problems.append(Finding("TrustKitInvalidPin", Severity.FATAL,
                                    plist.value_line((*path, "TSKPublicKeyHashes", i)),
                                    f"{name}: pin {i + 1} is not a <string> (found {type(item).__name__}); "
                                    "TrustKit reads base64(SHA-256(SPKI)) strings and refuses anything else"))
    expiration_text = _typed(plist, path, value, "TSKExpirationDate", str, None, problems)
    uris = _typed(plist, path, value, "TSKReportUris", list, [], problems)
    for uri in uris:
        if not isinstance(uri, str) or not _URI.fullmatch(uri):
            problems.append(_invalid(plist.key_line((*path, "TSKReportUris")), f"{name}: the report URI "
                                     f"{str(uri)[:40]!r} is not a valid URL; write it like https://host/path"))
    options = {"report_uris": tuple(u for u in uris if isinstance(u, str)),
               "disable_default_report_uri": _typed(plist, path, value, "TSKDisableDefaultReportUri", bool,
                                                    False, problems)}
    return DomainRule(_host(name), tuple(pins),
                      _typed(plist, path, value, "TSKIncludeSubdomains", bool, False, problems),
                      _expiration(expiration_text), expiration_text,
                      _typed(plist, path, value, "TSKEnforcePinning", bool, True, problems), line, options)


def _expiration(text: str | None) -> _dt.date | None:
    """``yyyy-MM-dd`` as a date, or None (TrustKit's formatter returns nil: *inferred* to mean no expiry)."""
    if text is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None


# --- generate ---------------------------------------------------------------------------------------

def generate(policy: Policy) -> str:
    """An Info.plist fragment with ``TSKConfiguration`` for ``policy`` (reports to the vendor disabled)."""
    domains = {}
    for rule in policy.domains:
        if rule.options.get("exclude"):
            domains[rule.name] = {_EXCLUDE: True}
            continue
        entry: dict[str, Any] = {
            "TSKEnforcePinning": policy.enforce and rule.enforce,
            "TSKIncludeSubdomains": rule.include_subdomains,
            "TSKPublicKeyHashes": [e.pin.base64 if e.pin else e.text for e in rule.pins],
            "TSKDisableDefaultReportUri": True,
        }
        if rule.expiration is not None:
            entry["TSKExpirationDate"] = rule.expiration.isoformat()
        if rule.options.get("report_uris"):
            entry["TSKReportUris"] = list(rule.options["report_uris"])
        domains[rule.name] = entry
    config = {"TSKConfiguration": {"TSKSwizzleNetworkDelegates": False, "TSKPinnedDomains": domains}}
    return _plist_text(config, {"\t\t<key>TSKSwizzleNetworkDelegates</key>": _SWIZZLE_NOTE})


#: Why the generated file leaves swizzling off, and what the app must then do itself.
_SWIZZLE_NOTE = ("Swizzling is off: TrustKit checks nothing until your URLSession delegate calls "
                 "TSKPinningValidator, or you set TSKSwizzleNetworkDelegates to YES")


# --- lint -------------------------------------------------------------------------------------------

def lint(policy: Policy, today: _dt.date | None = None,
         chain: Sequence[x509.Certificate] | None = None) -> list[Finding]:
    """Problems from parsing, TrustKit's start-up checks and warnings, duplicates, and the chain checks.

    ``TrustKitExpired`` fires on the expiration date itself: the deadline is 00:00 UTC as that day starts.
    """
    today = today or clock.today()
    found = list(policy.problems)
    if not policy.domains:
        found.append(Finding("TrustKitNoDomains", Severity.FATAL, policy.options.get("line"),
                             "TSKPinnedDomains names no domain, so TrustKit refuses the configuration at "
                             "start-up; add the domains to pin, each with at least two pins"))
    for rule in policy.domains:
        if rule.options.get("exclude"):
            found += _exclusion_findings(policy, rule)
        else:
            found += _start_up_findings(rule, policy.enforce and rule.enforce) + _rule_warnings(rule, today)
    pinned = [r for r in _strict(policy.domains) if not r.options.get("exclude")]
    found += duplicate_findings(pinned)
    if chain is not None:
        found += chain_findings(pinned, chain)
    return sorted(found, key=lambda f: f.line or 0)


def _exclusion_findings(policy: Policy, rule: DomainRule) -> list[Finding]:
    if _parent(policy, rule.name) is not None:
        return []
    return [_invalid(rule.line, f"{rule.name}: {_EXCLUDE} needs a parent domain with TSKIncludeSubdomains "
                                "to exclude it from, and there is none; add the parent policy or drop this "
                                "entry")]


def _start_up_findings(rule: DomainRule, enforce: bool) -> list[Finding]:
    """What makes TrustKit refuse the whole configuration ("TrustKit configuration invalid")."""
    found = []
    labels = rule.name.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(x) for x in labels) or labels[-1].isdigit():
        found.append(_invalid(rule.line, f"{rule.name!r} is not a valid domain name, so TrustKit refuses the "
                                         "configuration; write a host name such as api.example.com"))
    if rule.include_subdomains and rule.name in _PUBLIC_SUFFIXES:
        found.append(Finding("TrustKitPublicSuffix", Severity.FATAL, rule.line,
                             f"{rule.name} is a public suffix, so TSKIncludeSubdomains would pin every site "
                             "under it and TrustKit refuses the configuration; pin your own domain instead"))
    for entry in rule.pins:
        if _digest(entry.text) is None:
            found.append(Finding("TrustKitInvalidPin", Severity.FATAL, entry.line or rule.line,
                                 f"{rule.name}: the pin {entry.text[:20]!r} {_digest_problem(entry.text)}, "
                                 "so TrustKit refuses the configuration; write base64(SHA-256(DER SPKI)), 44 "
                                 "characters"))
    distinct, needed = len({e.text for e in rule.pins if _digest(e.text)}), 2 if enforce else 1
    if distinct < needed:
        found.append(Finding("TrustKitTooFewPins", Severity.FATAL, rule.line,
                             f"{rule.name}: {distinct} distinct valid pin{'' if distinct == 1 else 's'}, but "
                             f"TrustKit requires {needed} "
                             f"{'while enforcing' if enforce else 'even when not enforcing'} and refuses the "
                             "whole configuration at start-up; add the pin of a backup key"))
    return found


def _rule_warnings(rule: DomainRule, today: _dt.date) -> list[Finding]:
    found = []
    if rule.expiration is not None and rule.expiration <= today:
        found.append(Finding("TrustKitExpired", Severity.WARNING, rule.line,
                             f"{rule.name}: the pins expired at 00:00 UTC on {rule.expiration.isoformat()}, "
                             "so TrustKit no longer pins this domain; ship fresh pins with a later date"))
    if rule.expiration is None and rule.expiration_text is not None:
        found.append(Finding("TrustKitBadExpiration", Severity.WARNING, rule.line,
                             f"{rule.name}: TSKExpirationDate {rule.expiration_text[:20]!r} is not "
                             "yyyy-MM-dd, so (inferred) TrustKit reads no date and the pins never expire; "
                             "write it like 2027-01-31"))
    if not rule.enforce:
        found.append(Finding("TrustKitNotEnforcing", Severity.WARNING, rule.line,
                             f"{rule.name}: TSKEnforcePinning is NO, so a pin failure is only reported and "
                             "the connection proceeds; set it to YES once reports show no false failures"))
    if not rule.options.get("disable_default_report_uri", False):
        found.append(Finding("TrustKitDefaultReportUri", Severity.INFO, rule.line,
                             f"{rule.name}: pin failure reports also go to TrustKit's default URI "
                             f"({_DEFAULT_REPORT_URI}); set TSKDisableDefaultReportUri to YES to keep them"))
    return found


# --- match and model --------------------------------------------------------------------------------

def _parent(policy: Policy, host: str) -> DomainRule | None:
    """The longest domain with TSKIncludeSubdomains that ``host`` is a subdomain of (any depth)."""
    parents = [r for r in policy.domains if r.include_subdomains and host.endswith("." + r.name)]
    return max(parents, key=lambda r: len(r.name), default=None)


def match(policy: Policy, host: str) -> DomainRule | None:
    """The exact domain (an excluded subdomain included), else the longest includeSubdomains parent."""
    host = _host(host)
    for rule in policy.domains:
        if rule.name == host:
            return rule
    return _parent(policy, host)


def model(policy: Policy, host: str, chain: Sequence[x509.Certificate], roots: Iterable[x509.Certificate],
          user_roots: Iterable[x509.Certificate] = (), at: _dt.datetime | None = None) -> Decision:
    """Would the app connect? Start-up checks, system trust, expiry, then pins against the built chain."""
    at, host, roots, user_roots = at or clock.now(), _host(host), list(roots), list(user_roots)
    rule = match(policy, host)
    name, line = (rule.name, rule.line) if rule else (None, None)
    fatal = [f for f in lint(policy, at.date()) if f.severity is Severity.FATAL]
    if fatal:
        where = f"{fatal[0].rule}, line {fatal[0].line or '?'}"
        return Decision(NAME, host, name, False, False, "TrustKit raises 'TrustKit configuration invalid' "
                        f"at initialisation ({where}), so the app crashes at start-up and never connects",
                        line, stage="config")
    built, why = validate_chain(chain, host, [*roots, *user_roots], at)
    if built is None:
        return Decision(NAME, host, name, False, False, f"the system evaluation (SecTrust, SSL policy for "
                        f"{host}) fails before TrustKit checks pins ({why}), so the connection is blocked",
                        line, stage="validation")
    names, note = tuple(short_name(c) for c in built), _anchor_note(built, roots, user_roots)
    unpinned = _not_pinned(rule, host, at)
    if unpinned:
        return Decision(NAME, host, name, False, True, f"{unpinned}, so the system-validated chain is "
                        f"accepted without pinning{note}", line, names, stage=_stage(rule))
    return _pin_decision(rule, policy.enforce and rule.enforce, host, built, names, note)


def _not_pinned(rule: DomainRule | None, host: str, at: _dt.datetime) -> str:
    """Why TrustKit treats the host as not pinned ('' when it is pinned)."""
    if rule is None:
        return f"no TSKPinnedDomains entry covers {host}"
    if rule.options.get("exclude"):
        return f"{rule.name} is excluded from its parent's policy ({_EXCLUDE})"
    if rule.expiration is not None:
        deadline = _dt.datetime.combine(rule.expiration, _dt.time(), _dt.UTC)
        if at > deadline:
            return (f"the policy for {rule.name} expired at {deadline:%Y-%m-%d %H:%M} UTC, and TrustKit "
                    "treats an expired policy as 'domain not pinned'")
    return ""


def _stage(rule: DomainRule | None) -> str:
    if rule is None:
        return "no rule"
    return "override" if rule.options.get("exclude") else "expiry"


def _pin_decision(rule: DomainRule, enforce: bool, host: str, built: Sequence[x509.Certificate],
                  names: tuple[str, ...], note: str) -> Decision:
    pins = list(dict.fromkeys(e.text for e in rule.pins if _digest(e.text)))
    hits = [short_name(c) for c in built if spki_pin(c) in pins]
    undated = ""
    if rule.expiration is None and rule.expiration_text is not None:
        undated = (f" (TSKExpirationDate {rule.expiration_text[:20]!r} does not parse: inferred to mean no "
                   "expiry)")
    if hits:
        return Decision(NAME, host, rule.name, True, True, f"the chain passes the system evaluation and a "
                        f"pin matches {hits[0]} in the evaluated chain{undated}{note}", rule.line, names,
                        stage="pins")
    compared = f"none of the pins ({_short(pins)}) matches a key of the evaluated chain ({', '.join(names)})"
    if not enforce:
        uris = [*rule.options.get("report_uris", ())]
        if not rule.options.get("disable_default_report_uri", False):
            uris.append(_DEFAULT_REPORT_URI)
        return Decision(NAME, host, rule.name, True, True, f"{compared}, but TSKEnforcePinning is NO, so the "
                        f"failure would only be reported (to {', '.join(uris) or 'no report URI'}) and the "
                        f"connection proceeds{undated}{note}", rule.line, names, stage="pins")
    return Decision(NAME, host, rule.name, True, False, f"{compared}, so TrustKit blocks the connection"
                    f"{undated}{note}", rule.line, names, stage="pins")
