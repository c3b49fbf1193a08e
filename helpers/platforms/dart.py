"""Dart and Flutter (``dart:io``, Dio): trust-anchor pinning, and two callbacks that only look like pinning.

``dart:io`` does its own TLS with BoringSSL inside the app, so Android's ``<pin-set>`` and TrustKit
do not apply to it (whether iOS ``NSPinnedDomains`` does is *unconfirmed*). What holds at the
handshake is **trust-anchor pinning**: ``SecurityContext(withTrustedRoots: false)`` starts empty,
``setTrustedCertificatesBytes`` adds your own CA (or intermediate), and ``HttpClient(context: ...)``
trusts nothing else. An intermediate anchor works on BoringSSL builds: ``SSLFilter::Connect`` sets
``X509_V_FLAG_PARTIAL_CHAIN`` (dart-lang/sdk ``runtime/bin/secure_socket_filter.cc``); on Apple
platforms ``dart:io`` asks SecTrust with the anchors instead (``security_context_macos.cc``), where
a non-root anchor is *unconfirmed*. Two look-alikes do not pin:

* ``badCertificateCallback`` runs **only when validation has already failed**
  (``CertificateCallback`` returns early when ``preverify_ok``), so a pin check in it never sees a
  publicly trusted mis-issued certificate, and ``=> true`` turns validation off;
* Dio's ``validateCertificate`` runs after ``await request.close()``: the request, bearer token
  and body included, has been sent (cfug/dio ``dio/lib/src/adapters/io_adapter.dart``,
  cfug/dio#2418), and it sees only the leaf. Dio's example pins ``sha256(cert.der)``, a
  certificate pin that breaks at every renewal (``X509Certificate`` has no SPKI: dart-lang/sdk#35981).

:func:`parse` reads Dart source with line numbers: contexts, ``setTrustedCertificates*`` calls,
PEM certificates in string literals (the anchors), both callbacks (and the constants or functions
they use, one level deep), pin-looking literals (44-character base64 or a 64-digit hex
fingerprint) and ``sha256.convert(cert.der)``. The policy has one rule, ``"*"`` (an HttpClient
applies its context to every host), unless ``// host: NAME`` comments split the file into one rule
per host, as :func:`generate` writes. Sources: docs/platform-rules.md "Dart and Flutter"; api.dart.dev
(SecurityContext, HttpClient.badCertificateCallback, X509Certificate); flutter/flutter#95632;
OWASP MASTG-KNOW-0015.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import datetime as _dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from .. import clock
from ..errors import BadInputError
from ..pem import as_certificates, cert_pem, is_ca, load_certificates, short_name
from ..pinning.pins import Pin, spki_pin
from .policy import (
    MAX_CONFIG_BYTES,
    ConfigError,
    Decision,
    DomainRule,
    Finding,
    PinEntry,
    Policy,
    Severity,
    chain_findings,
    complete_chain,
    duplicate_findings,
    label_of,
    pin_positions,
    validate_chain,
)

__all__ = [
    "ANCHORS_ASSET", "NAME", "RULES", "Check",
    "anchor_pins", "generate", "generate_with_anchors", "lint", "looks_like", "match", "model", "parse",
]

NAME = "dart"

RULES: dict[str, str] = {
    "DartPinInBadCertificateCallback": "a pin or hash compared in badCertificateCallback (runs only after "
                                       "validation failed)",
    "DartCallbackAcceptsAll": "a badCertificateCallback that returns true unconditionally: validation is off",
    "DioValidateAfterSend": "Dio validateCertificate runs after the request, bearer token included, was sent",
    "DartTrustsLeafOnly": "the only trusted certificates are leaves, which break at the next renewal",
    "DartCertificatePin": "sha256 of cert.der (or cert.sha1): a certificate pin, broken at every renewal",
    "DartBrokenCertificate": "an embedded PEM certificate that does not decode",
    "DartAnchorsNotLoaded": "SecurityContext(withTrustedRoots: false) with no setTrustedCertificates call",
    "DartAnchorsWithSystemRoots": "certificates added to a context that also trusts the platform's roots",
    "DartAnchorExpired": "an embedded anchor certificate that has expired",
    "DuplicatePin": "the same pin written twice in one set",
    "NoPinMatchesChain": "no pin matches the chain the server serves today",
    "PinMatches": "which certificate of the served chain each pin matches",
    "PinOnPooledIntermediate": "a pin on an intermediate of a CA that rotates among several",
}

#: Where the code :func:`generate` writes loads its anchors from (a Flutter asset).
ANCHORS_ASSET = "assets/pinning/anchors.pem"

_PARTIAL_CHAIN_NOTE = ("a non-root anchor ends the chain on BoringSSL builds (X509_V_FLAG_PARTIAL_CHAIN, "
                       "secure_socket_filter.cc), but on iOS and macOS dart:io asks SecTrust, where this is "
                       "unconfirmed")
_MAX_TOKENS = 50_000      # string literals and comment markers: a real 1 MB Dart file has far fewer
_MAX_BRACKETS = 300_000   # ( ) [ ] { } ; , in the file
_MAX_HOSTS = 1_000        # // host: rules
_MAX_CHECKS = 50          # callbacks or validators examined per file: real files have one or two
_MAX_STEPS = 5_000        # bracket jumps when looking for the end of an expression
_MAX_LOOKUPS = 200        # names resolved to a constant or function, per file
_MAX_BODY = 50_000        # a callback body longer than this is not searched for the names it uses
_MAX_CERTIFICATES = 500   # embedded PEM certificates (Mozilla's whole bundle is about 150)


# --- reading Dart source: string literals, comments, brackets -------------------------------------------

@dataclass(frozen=True)
class _Literal:
    start: int
    end: int
    line: int
    value: str


@dataclass
class _Source:
    """The text, the same text with comments and strings blanked (``code``), literals and comments."""

    text: str
    code: str = ""
    literals: list[_Literal] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)                 # literal start positions, sorted
    comments: list[tuple[int, str]] = field(default_factory=list)   # (position, text) of // comments
    line_starts: list[int] = field(default_factory=list)
    tokens: list[int] | None = None                                 # positions of ( ) [ ] { } ; ,
    match: dict[int, int] | None = None                             # opening bracket -> closing bracket
    declarations: dict[str, int] | None = None                      # name -> end of its first "name ="
    lookups: int = 0                                                # names resolved so far
    checks: int = 0                                                 # callbacks analysed so far
    seen: int = 0                                                   # literals and comment markers so far
    certificates: int = 0                                           # PEM blocks read so far

    def brackets(self) -> tuple[list[int], dict[int, int]]:
        """The bracket tokens, and the closing bracket of each opening one (computed once, when needed)."""
        if self.tokens is None:
            self.tokens, self.match = _brackets(self.code)
        return self.tokens, self.match

    def line(self, pos: int) -> int:
        return bisect.bisect_right(self.line_starts, pos)

    def literals_in(self, start: int, end: int) -> list[_Literal]:
        return self.literals[bisect.bisect_left(self.starts, start):bisect.bisect_left(self.starts, end)]

    def comments_in(self, start: int, end: int) -> list[tuple[int, str]]:
        positions = [pos for pos, _ in self.comments]
        return self.comments[bisect.bisect_left(positions, start):bisect.bisect_left(positions, end)]


_OPEN = re.compile(r"""//|/\*|(?<![\w$])r(?:'''|\"\"\"|'|")|'''|\"\"\"|'|\"""")
_BLOCK = re.compile(r"/\*|\*/")
_STRING_END = {  # possessive and unambiguous: a failed match costs one pass over the text, never more
    ("'", False): re.compile(r"(?:[^'\\\n]++|\\.)*+'"),
    ('"', False): re.compile(r'(?:[^"\\\n]++|\\.)*+"'),
    ("'''", False): re.compile(r"(?:[^\\']++|\\.|'(?!''))*+'''", re.S),
    ('"""', False): re.compile(r'(?:[^\\"]++|\\.|"(?!""))*+"""', re.S),
    ("'", True): re.compile(r"[^'\n]*+'"),
    ('"', True): re.compile(r'[^"\n]*+"'),
    ("'''", True): re.compile(r"(?:[^']++|'(?!''))*+'''"),
    ('"""', True): re.compile(r'(?:[^"]++|"(?!""))*+"""'),
}
_ESCAPES = (("\\n", "\n"), ("\\r", "\r"), ("\\t", "\t"), ("\\b", "\b"), ("\\f", "\f"), ("\\v", "\v"))


def _scan(text: str) -> _Source:
    """Find comments and string literals in one left-to-right pass, then blank them out of ``code``."""
    src = _Source(text)
    spans, pos = [], 0
    while (m := _OPEN.search(text, pos)) is not None:
        _count(src)
        token = m.group()
        if token == "//":
            end = text.find("\n", m.start())
            end = len(text) if end < 0 else end
            src.comments.append((m.start(), text[m.start():end]))
        elif token == "/*":
            end = _block_comment_end(src, m.end())
        else:
            end = _string(src, m.start(), token)
        spans.append((m.start(), end))
        pos = max(end, m.end())
    src.code = _blanked(text, spans)
    src.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    src.literals = _merged(src, src.literals)
    src.starts = [lit.start for lit in src.literals]
    return src


def _count(src: _Source) -> None:
    src.seen += 1
    if src.seen > _MAX_TOKENS:
        raise ConfigError(f"the file has over {_MAX_TOKENS:,} string literals and comment markers, far more "
                          "than any Dart source that configures an HttpClient; pass that file alone")


def _block_comment_end(src: _Source, pos: int) -> int:
    depth = 1  # Dart block comments nest
    while depth:
        m = _BLOCK.search(src.text, pos)
        _count(src)
        if m is None:
            return len(src.text)
        depth += 1 if m.group() == "/*" else -1
        pos = m.end()
    return pos


def _string(src: _Source, start: int, token: str) -> int:
    raw = token.startswith("r")
    quote = token[1:] if raw else token
    body = start + len(token)
    m = _STRING_END[quote, raw].match(src.text, body)
    if m is not None:
        end, value = m.end(), src.text[body:m.end() - len(quote)]
    else:  # unterminated: to the end of the line (of the file, for ''')
        newline = src.text.find("\n", body)
        end = len(src.text) if len(quote) == 3 or newline < 0 else newline
        value = src.text[body:end]
    if not raw:
        value = _unescape(value)
    src.literals.append(_Literal(start, end, 0, value))
    return end


def _unescape(value: str) -> str:
    """Dart escapes in a non-raw string: ``\\n`` and the like; any other ``\\c`` is ``c`` (not ``\\x41``)."""
    if "\\" not in value:
        return value
    parts = value.split("\\\\")  # an escaped backslash first, so it cannot start another escape
    for old, new in _ESCAPES:
        parts = [part.replace(old, new) for part in parts]
    return "\\".join(part.replace("\\", "") for part in parts)  # what is left escapes one character


def _blanked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each span's characters turned to spaces, its newlines kept (positions do not move)."""
    pieces, last = [], 0
    for start, end in spans:
        blank = "\n".join(" " * len(part) for part in text[start:end].split("\n"))
        pieces += [text[last:start], blank]
        last = end
    return "".join(pieces) + text[last:]


def _merged(src: _Source, literals: list[_Literal]) -> list[_Literal]:
    """Adjacent literals ('a' 'b', or 'a' + 'b') as one, the way a PEM is often split over lines."""
    merged: list[_Literal] = []
    for lit in literals:
        if merged and re.fullmatch(r"[\s+]*", src.code[merged[-1].end:lit.start]):
            last = merged[-1]
            merged[-1] = _Literal(last.start, lit.end, last.line, last.value + lit.value)
        else:
            merged.append(_Literal(lit.start, lit.end, src.line(lit.start), lit.value))
    return merged


def _brackets(code: str) -> tuple[list[int], dict[int, int]]:
    pairs, stack, tokens, match = {")": "(", "]": "[", "}": "{"}, [], [], {}
    for m in re.finditer(r"[(){}\[\];,]", code):
        if len(tokens) >= _MAX_BRACKETS:
            raise ConfigError(f"the file has over {_MAX_BRACKETS:,} brackets and separators, far more than "
                              "any Dart source that configures an HttpClient; pass that file alone")
        ch, pos = m.group(), m.start()
        tokens.append(pos)
        if ch in "([{":
            stack.append(pos)
        elif ch in pairs and stack and code[stack[-1]] == pairs[ch]:
            match[stack.pop()] = pos
    return tokens, match


_SPACE = re.compile(r"\s*+(?:async\b\s*+)?")


def _expression_end(src: _Source, pos: int) -> int:
    """Where an expression starting at ``pos`` ends: the first ``;``, ``,`` or closing bracket at depth 0."""
    tokens, match = src.brackets()
    i = bisect.bisect_left(tokens, pos)
    for _ in range(_MAX_STEPS):
        if i >= len(tokens):
            return len(src.code)
        at = tokens[i]
        if src.code[at] in ";,)]}" or at not in match:
            return at
        i = bisect.bisect_right(tokens, match[at])
    return len(src.code)


# --- functions (the callbacks) and what they compare ----------------------------------------------------

@dataclass(frozen=True)
class Check:
    """A ``badCertificateCallback`` or ``validateCertificate`` function found in the source.

    ``accepts_all``: every ``return`` is ``true`` (or the arrow body is ``true``); ``hashes_der``: it
    hashes ``cert.der`` (or reads ``cert.sha1``), a certificate pin; ``pins``: the pin-looking
    literals it compares, directly or through a constant or function it names.
    """

    kind: str            # "callback" or "validate"
    line: int
    accepts_all: bool
    hashes_der: bool
    pins: tuple[PinEntry, ...] = ()


@dataclass(frozen=True)
class _Function:
    start: int
    end: int
    body_start: int
    params: str
    arrow: bool


_IDENT = re.compile(r"[A-Za-z_$][\w$]*+")
_ASSIGNED = re.compile(r"(?<![\w$])([A-Za-z_$][\w$]*+)\s*+=(?![=>])")
_DER_HASH = re.compile(r"(?:sha256|sha1|sha512|md5)\s*\.\s*convert\s*\(\s*[\w$.!?]*\.der\b")
_SHA1_PROPERTY = re.compile(r"\.\s*sha1\b")
_NOT_NAMES = frozenset("return true false null if else final var const new await async is as in for while "
                       "cert certificate host port sha256 sha1 convert toString der pem contains any "
                       "base64 base64Encode encode bytes String int bool List X509Certificate".split())


def _hash_sites(src: _Source, start: int, end: int) -> list[int]:
    """Where ``sha256.convert(cert.der)`` or ``cert.sha1`` appear: a certificate, not a key, is hashed."""
    code, sites = src.code, []
    if code.find("convert", start, end) >= 0:
        sites += [m.start() for m in _DER_HASH.finditer(code, start, end)]
    if code.find("sha1", start, end) >= 0:
        sites += [m.start() for m in _SHA1_PROPERTY.finditer(code, start, end)]
    return sorted(sites)


def _function_at(src: _Source, pos: int, depth: int = 0) -> _Function | None:
    """The function literal (or the named function) that an assignment at ``pos`` refers to."""
    (_, match), code = src.brackets(), src.code
    i = _SPACE.match(code, pos).end()
    if code.startswith("(", i) and i in match:
        close = match[i]
        j = _SPACE.match(code, close + 1).end()
        if code.startswith("=>", j):
            return _Function(i, _expression_end(src, j + 2), j + 2, code[i + 1:close], True)
        if code.startswith("{", j) and j in match:
            return _Function(i, match[j] + 1, j, code[i + 1:close], False)
        return _function_at(src, i + 1, depth + 1) if depth < 3 else None
    name = _IDENT.match(code, i)
    return _named_function(src, name.group()) if name and depth < 3 else None


def _named_function(src: _Source, name: str) -> _Function | None:
    """The definition ``name(...) {`` or ``name(...) =>`` (at most 50 occurrences of the name are tried)."""
    src.lookups += 1
    if src.lookups > _MAX_LOOKUPS:
        return None
    for k, m in enumerate(re.finditer(re.escape(name) + r"\s*\(", src.code)):
        if k >= 50:
            break
        before = src.code[m.start() - 1:m.start()]
        if not (before.isalnum() or before in ("_", "$", ".")):  # a whole name, not a method
            found = _function_at(src, m.end() - 1, depth=3)
            if found is not None:
                return found
    return None


def _declaration(src: _Source, name: str) -> tuple[int, int] | None:
    """The initializer of ``name = ...`` (a constant list of pins, typically), or a function's span."""
    if src.declarations is None:  # one pass over the file, the first time a name is looked up
        src.declarations = {}
        for m in _ASSIGNED.finditer(src.code):
            src.declarations.setdefault(m.group(1), m.end())
    if name in src.declarations:
        return src.declarations[name], _expression_end(src, src.declarations[name])
    function = _named_function(src, name)
    return (function.start, function.end) if function else None


def _spans_used(src: _Source, function: _Function) -> list[tuple[int, int]]:
    """The function's own span plus those of the constants and functions it names (one level)."""
    spans = [(function.start, function.end)]
    if function.end - function.body_start > _MAX_BODY:
        return spans
    params = set(_IDENT.findall(function.params)) | _NOT_NAMES
    names = dict.fromkeys(_IDENT.findall(src.code, function.body_start, function.end))
    for name in [n for n in names if n not in params][:40]:
        span = _declaration(src, name)
        if span is not None and not (function.start <= span[0] < function.end):
            spans.append(span)
    return spans


def _accepts_all(src: _Source, function: _Function) -> bool:
    body = src.code[function.body_start:function.end].strip()
    if function.arrow:
        return body == "true"
    returns = [value.strip() for value in re.findall(r"\breturn\b([^;]*);", body)]
    return bool(returns) and all(value == "true" for value in returns) and "throw" not in body


_B64_PIN = re.compile(r"(?:sha256/)?[A-Za-z0-9+/]{43}=")
_HEX_PIN = re.compile(r"[0-9a-fA-F]{64}|(?:[0-9a-fA-F]{2}:){31}[0-9a-fA-F]{2}")


def _pin_entry(lit: _Literal, category: str, certificate_hash: bool) -> PinEntry | None:
    """A pin-looking literal as a PinEntry; hex fingerprints and hashes of cert.der are certificate pins."""
    text = lit.value.strip()
    if _HEX_PIN.fullmatch(text):
        return PinEntry(text, lit.line, "sha256-cert", category)
    if _B64_PIN.fullmatch(text):
        return PinEntry(text, lit.line, "sha256-cert" if certificate_hash else "sha256", category)
    return None


def _check(src: _Source, kind: str, function: _Function, line: int, claimed: set[int]) -> Check:
    spans = _spans_used(src, function)
    hashes = any(_hash_sites(src, start, end) for start, end in spans)
    pins = []
    for start, end in spans:
        for lit in src.literals_in(start, end):
            entry = _pin_entry(lit, kind, hashes)
            if entry is not None and lit.start not in claimed:
                claimed.add(lit.start)
                pins.append(entry)
    return Check(kind, line, _accepts_all(src, function), hashes, tuple(pins))


# --- parse ------------------------------------------------------------------------------------------------

_DART = re.compile(r"dart:io|package:dio|\bHttpClient\b|\bSecurityContext\b")
_LOOKS = re.compile(r"""import\s+['"](?:dart:io|package:dio/)|\bSecurityContext\s*[(.]"""
                    r"|\bbadCertificateCallback\b|\bwithTrustedRoots\b")
_CONTEXT = re.compile(r"\bSecurityContext\s*(?:\(([^()]{0,200})\)|\.\s*defaultContext\b)")
_SET_TRUSTED = re.compile(r"\bsetTrustedCertificates(?:Bytes)?\s*\(")
_CALLBACK = re.compile(r"\b(?:badCertificateCallback\s*=(?![=>])|onBadCertificate\s*:)")
_VALIDATE = re.compile(r"\bvalidateCertificate\s*(?:=(?![=>])|:)")
_HOST_COMMENT = re.compile(r"//\s*host:\s*([^\s(]+)\s*(\(and subdomains\))?")
_EXPIRY_COMMENT = re.compile(r"//\s*expiration:\s*(\S+)")
_PEM_BEGIN, _PEM_END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"


def looks_like(text: str | bytes) -> bool:
    """True if ``text`` looks like Dart code that makes HTTPS requests (dart:io, Dio, SecurityContext)."""
    try:
        if isinstance(text, bytes | bytearray):
            text = bytes(text[:MAX_CONFIG_BYTES]).decode("utf-8", "replace")
        return isinstance(text, str) and _LOOKS.search(text[:MAX_CONFIG_BYTES]) is not None
    except Exception:  # a sniff never raises
        return False


def _decode(text: str | bytes) -> str:
    limit = (f"over the {MAX_CONFIG_BYTES:,}-byte limit for a configuration; pass the Dart file that builds "
             "your HttpClient")
    if isinstance(text, bytes | bytearray):
        if len(text) > MAX_CONFIG_BYTES:
            raise ConfigError(f"the file is {len(text):,} bytes, {limit}")
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError("the file is not UTF-8 text, so it is not Dart source; pass the .dart file "
                              "that builds your HttpClient") from None
    if not isinstance(text, str):
        raise ConfigError(f"parse takes the Dart source as str or bytes, not {type(text).__name__}; read the "
                          ".dart file first")
    if len(text) > MAX_CONFIG_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_CONFIG_BYTES:
        raise ConfigError(f"the source is {limit}")
    return text.removeprefix("\ufeff")


def parse(text: str | bytes) -> Policy:
    """Read Dart source into a Policy: one rule ``"*"``, or one per ``// host:`` comment (see the module doc).

    Each rule's ``options``: ``context`` (``pinned`` for ``withTrustedRoots: false``, the
    constructor's default; ``roots`` for ``true`` or ``defaultContext``; ``none`` when no
    SecurityContext appears, so HttpClient() uses the default), ``context_line``,
    ``trusted_lines`` (setTrustedCertificates* calls), ``anchors`` and ``anchor_lines`` (embedded
    certificates), ``callbacks`` and ``validators`` (:class:`Check`), ``cert_hash_lines``.
    Pin categories: ``anchor`` (an embedded certificate's SPKI), ``callback``, ``validate``, and
    ``other`` (a literal no callback uses: taken as the SPKI pins of anchors loaded from an asset).
    """
    text = _decode(text)
    if _DART.search(text) is None:
        raise ConfigError("this is not Dart code that makes HTTPS requests (no dart:io, package:dio, "
                          "HttpClient or SecurityContext); pass the .dart file that builds your HttpClient")
    src = _scan(text)
    problems: list[Finding] = []
    regions = _regions(src)
    claimed: set[int] = set()
    checks = [_checks_in(src, start, end, claimed) for _, start, end, _ in regions]
    rules = [_rule(src, region, found, claimed, problems)
             for region, found in zip(regions, checks, strict=True)]
    options = {"dio": "package:dio" in text, "flutter": "package:flutter" in text}
    return Policy(NAME, tuple(rules), True, tuple(problems), options)


def _regions(src: _Source) -> list[tuple[str, int, int, tuple[bool, int]]]:
    """(host, start, end, (include_subdomains, line)): the whole file as "*", or one per // host: comment."""
    heads = []
    for pos, comment in src.comments:
        m = _HOST_COMMENT.match(comment)
        if m:
            host = m.group(1).lower().removesuffix(".")
            heads.append((host, pos, (bool(m.group(2)), src.line(pos))))
    if len(heads) > _MAX_HOSTS:
        raise ConfigError(f"the file has {len(heads):,} '// host:' comments; a Dart pinning file has one per "
                          "pinned HttpClient, so split the file or remove the stray comments")
    if not heads:
        return [("*", 0, len(src.text), (False, 1))]
    starts = [0] + [pos for _, pos, _ in heads[1:]] + [len(src.text)]
    return [(host, starts[i], starts[i + 1], extra) for i, (host, _, extra) in enumerate(heads)]


def _checks_in(src: _Source, start: int, end: int, claimed: set[int]) -> list[Check]:
    found = []
    for pattern, kind in ((_CALLBACK, "callback"), (_VALIDATE, "validate")):
        for m in pattern.finditer(src.code, start, end):
            src.checks += 1
            function = _function_at(src, m.end()) if src.checks <= _MAX_CHECKS else None
            if function is not None:
                found.append(_check(src, kind, function, src.line(m.start()), claimed))
    return sorted(found, key=lambda c: c.line)


def _rule(src: _Source, region, checks: list[Check], claimed: set[int],
          problems: list[Finding]) -> DomainRule:
    host, start, end, (subdomains, line) = region
    context, context_line = _context(src, start, end)
    trusted = [src.line(m.start()) for m in _SET_TRUSTED.finditer(src.code, start, end)]
    anchors, anchor_pins = _anchors(src, start, end, problems)
    others = [entry for lit in src.literals_in(start, end) if lit.start not in claimed
              for entry in [_pin_entry(lit, "other", False)] if entry is not None]
    pins = sorted([*anchor_pins, *others, *(p for c in checks for p in c.pins)], key=lambda p: p.line or 0)
    expiration, expiration_text = _expiration(src, start, end)
    options = {
        "context": context, "context_line": context_line, "trusted_lines": tuple(trusted),
        "anchors": tuple(cert for cert, _ in anchors), "anchor_lines": tuple(n for _, n in anchors),
        "callbacks": tuple(c for c in checks if c.kind == "callback"),
        "validators": tuple(c for c in checks if c.kind == "validate"),
        "cert_hash_lines": tuple(src.line(pos) for pos in _hash_sites(src, start, end)),
    }
    rule_line = line if host != "*" else (context_line or min([c.line for c in checks] or [1]))
    return DomainRule(host, tuple(pins), subdomains, expiration, expiration_text, True, rule_line, options)


def _context(src: _Source, start: int, end: int) -> tuple[str, int | None]:
    """``pinned`` (withTrustedRoots: false, the default), ``roots``, or ``none`` (a bare HttpClient())."""
    found = []
    for m in _CONTEXT.finditer(src.code, start, end):
        args = m.group(1)
        pinned = args is not None and re.fullmatch(r"\s*(?:withTrustedRoots\s*:\s*false\s*,?\s*)?", args)
        found.append(("pinned" if pinned else "roots", src.line(m.start())))
    for kind in ("pinned", "roots"):
        lines = [n for k, n in found if k == kind]
        if lines:
            return kind, lines[0]
    return "none", None


def _anchors(src: _Source, start: int, end: int, problems: list[Finding]):
    """The certificates in PEM blocks of the region's string literals, with their lines and SPKI pins."""
    anchors, pins = [], []
    for lit in src.literals_in(start, end):
        pos = 0
        while (begin := lit.value.find(_PEM_BEGIN, pos)) >= 0:
            src.certificates += 1
            if src.certificates > _MAX_CERTIFICATES:
                raise ConfigError(f"the file embeds over {_MAX_CERTIFICATES} PEM certificates; trust your "
                                  "own CA or intermediate only, a handful of certificates at most")
            stop = lit.value.find(_PEM_END, begin)
            line = lit.line + lit.value.count("\n", 0, begin)
            body = lit.value[begin + len(_PEM_BEGIN):stop] if stop >= 0 else None
            cert = _certificate(body, line, problems)
            if cert is not None:
                anchors.append((cert, line))
                pins.append(PinEntry(spki_pin(cert), line, "sha256", "anchor"))
            if stop < 0:
                break
            pos = stop + len(_PEM_END)
    return anchors, pins


def _certificate(body: str | None, line: int, problems: list[Finding]) -> x509.Certificate | None:
    """One PEM body (between BEGIN and END) as a certificate, or a DartBrokenCertificate problem."""
    if body is not None:
        data = re.sub(r"\s+|\\n", "", body)
        try:
            base64.b64decode(data, validate=True)
            lines = "\n".join(data[i:i + 64] for i in range(0, len(data), 64))
            pem = f"{_PEM_BEGIN}\n{lines}\n{_PEM_END}\n"
            return load_certificates(pem.encode("ascii"))[0]
        except (binascii.Error, ValueError, BadInputError):
            pass
    problems.append(Finding("DartBrokenCertificate", Severity.ERROR, line, _SAYS["DartBrokenCertificate"]))
    return None


def _expiration(src: _Source, start: int, end: int) -> tuple[_dt.date | None, str | None]:
    for _, comment in src.comments_in(start, end):
        m = _EXPIRY_COMMENT.match(comment)
        if m:
            try:
                return _dt.date.fromisoformat(m.group(1)), None
            except ValueError:
                return None, m.group(1)
    return None, None


def anchor_pins(policy: Policy) -> list[Pin]:
    """The SPKI pins of what the policy's pinned contexts trust: the embedded anchor certificates, or,
    for anchors loaded from an asset, the SPKI pins the source lists (as :func:`model` takes them)."""
    found: dict[str, Pin] = {}
    for rule in policy.domains:
        if rule.options.get("context") != "pinned" or not rule.options.get("trusted_lines"):
            continue
        wanted = "anchor" if rule.options.get("anchors") else "other"
        found.update((p.pin.base64, p.pin) for p in rule.pins if p.category == wanted and p.pin is not None)
    return list(found.values())


# --- generate ---------------------------------------------------------------------------------------------

_WHY = """\
// SecurityContext(withTrustedRoots: false) trusts only the certificates loaded into it, so a chain
// from any other CA fails the TLS handshake, before a byte of the request is sent.
// Not badCertificateCallback: it runs only AFTER validation has failed, so a pin check in it never
// sees a publicly trusted mis-issued certificate (and returning true turns validation off).
// Not Dio's validateCertificate: it runs after the request, bearer token and body included, has
// been sent (cfug/dio#2418), and it sees only the leaf."""
_HEAD = "// Trust-anchor pinning for dart:io (written by helpers.platforms.dart, lesson 08)."


def generate(policy: Policy) -> str:
    """Dart code that pins each domain of ``policy`` by trust anchor, its anchors loaded from a Flutter asset.

    A neutral policy holds the anchors' SPKI pins, not the certificates: the code lists the pins in
    a constant (which :func:`parse` reads back as the rule's pins, with ``// host:`` and
    ``// expiration:`` comments for the rest) and loads the certificates from
    :data:`ANCHORS_ASSET` (one asset per domain when there are several).
    """
    if not policy.domains:
        raise ConfigError("the policy has no domains; give at least one domain with its pins")
    lines = [_HEAD, "//", *_WHY.splitlines(), "//",
             "// Ship your CA (or intermediate) certificates as the asset below (list it under",
             "// flutter: assets: in pubspec.yaml); their SPKI pins must be the ones listed. Check them",
             "// with `python -m helpers pin <asset>`.",
             "import 'dart:io';", "", "import 'package:flutter/services.dart' show rootBundle;"]
    several = len(policy.domains) > 1
    for rule in policy.domains:
        lines += ["", *_generated_domain(rule, several)]
    return "\n".join(lines) + "\n"


def _generated_domain(rule: DomainRule, several: bool) -> list[str]:
    suffix = _camel(rule.name) if several else ""
    asset = f"assets/pinning/{rule.name}.pem" if several else ANCHORS_ASSET
    out = []
    if rule.name != "*":
        out.append(f"// host: {rule.name}" + (" (and subdomains)" if rule.include_subdomains else ""))
    if rule.expiration is not None:
        out.append(f"// expiration: {rule.expiration.isoformat()} (dart:io has no pin expiry: ship new "
                   "anchors before then)")
    pins = [entry.pin.base64 if entry.pin else entry.text for entry in rule.pins]
    if not any(entry.category == "ca" for entry in rule.pins):
        out += ["// WARNING: no pin here is marked as a CA's (\"role\": \"ca\" in POLICY.json). A trust anchor is",
                "// a certificate, so these would have to be leaf certificates, which change at every renewal",
                "// (and a backup key kept offline has no certificate at all). Pin your CA's certificate."]
    out.append("// Not checked at run time: documents which certificates the asset must hold (lint checks it).")
    return [*out, f"const List<String> anchorSpkiPins{suffix} = <String>[", *(f"  '{pin}'," for pin in pins),
            "];", "", f"Future<HttpClient> pinnedClient{suffix}() async {{",
            f"  final pem = await rootBundle.load('{asset}');",
            "  final context = SecurityContext(withTrustedRoots: false)",
            "    ..setTrustedCertificatesBytes(pem.buffer.asUint8List());",
            "  return HttpClient(context: context);", "}"]


def _camel(host: str) -> str:
    return "For" + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", host) if part)


def generate_with_anchors(certs: Iterable[x509.Certificate], host: str | None = None) -> str:
    """Dart code whose SecurityContext trusts exactly ``certs`` (your CA or intermediate), embedded as PEM.

    ``certs`` may be certificates or course objects (``pki.intermediate``); ``host`` adds a
    ``// host:`` comment. :func:`parse` reads the anchors back, with their SPKI pins as the pins.
    """
    certs = as_certificates(certs, "the anchor certificates")
    if not certs:
        raise ConfigError("give at least one anchor certificate, such as course_pki().intermediate")
    pem = "".join(cert_pem(cert).decode("ascii") for cert in certs)
    pins = [f"//   {spki_pin(cert)}  {short_name(cert)}" for cert in certs]
    head = [f"// host: {host.lower().removesuffix('.')}"] if host else []
    return "\n".join([
        _HEAD, "//", *_WHY.splitlines(), "//", "// The anchors and their SPKI pins:", *pins,
        "import 'dart:convert';", "import 'dart:io';", "", *head,
        "const String anchorsPem = r'''", pem.rstrip("\n"), "''';", "",
        "HttpClient pinnedClient() {",
        "  final context = SecurityContext(withTrustedRoots: false)",
        "    ..setTrustedCertificatesBytes(utf8.encode(anchorsPem));",
        "  return HttpClient(context: context);", "}", ""])


# --- lint ---------------------------------------------------------------------------------------------------

def lint(policy: Policy, today: _dt.date | None = None,
         chain: Sequence[x509.Certificate] | None = None) -> list[Finding]:
    """Parse problems, the Dart rules of :data:`RULES`, duplicate pins and (given a chain) chain findings."""
    today = today or clock.today()
    found = list(policy.problems)
    for rule in policy.domains:
        found += _callback_findings(rule) + _anchor_findings(rule, today) + _context_findings(rule)
    found += duplicate_findings(policy.domains)
    if chain is not None:
        found += _chain_findings(policy.domains, list(chain))
        found += _asset_leaf_findings(policy.domains, complete_chain(chain))
    return sorted(found, key=lambda f: f.line or 0)


def _asset_leaf_findings(rules: Sequence[DomainRule], chain: list[x509.Certificate]) -> list[Finding]:
    """``DartTrustsLeafOnly`` for anchors loaded from an asset whose listed pins match only the served leaf."""
    found = []
    for rule in rules:
        if rule.options.get("anchors") or rule.options.get("context") != "pinned":
            continue
        listed = [p for p in rule.pins if p.category == "other" and p.pin is not None]
        hits = {i for p in listed for i in pin_positions(p.pin, chain)}
        if hits == {0}:
            found.append(Finding("DartTrustsLeafOnly", Severity.WARNING, listed[0].line or rule.line,
                                 "the anchors the asset must hold match only the server's leaf, so the app "
                                 "trusts a leaf certificate and breaks at the next renewal; list your CA's "
                                 "certificate instead"))
    return found


#: The sentence (problem and fix) of each Dart rule whose text does not depend on the file.
_SAYS = {
    "DartCallbackAcceptsAll": (
        "this badCertificateCallback returns true whatever the certificate, which turns certificate "
        "validation off (any proxy can read the traffic); delete it and trust your own CA with "
        "SecurityContext(withTrustedRoots: false)"),
    "DartPinInBadCertificateCallback": (
        "this pin check sits in badCertificateCallback, which runs only after validation has failed, so it "
        "never sees a publicly trusted mis-issued certificate; load your CA with setTrustedCertificatesBytes "
        "on SecurityContext(withTrustedRoots: false) instead"),
    "DioValidateAfterSend": (
        "Dio calls validateCertificate after the request, headers with the bearer token and body, has been "
        "sent (cfug/dio#2418), so its refusal comes too late; pin at the handshake with "
        "SecurityContext(withTrustedRoots: false) in createHttpClient"),
    "DartCertificatePin": (
        "this hashes the whole certificate (cert.der or cert.sha1), a certificate pin that breaks at every "
        "renewal; trust your CA's certificate as an anchor instead"),
    "DartTrustsLeafOnly": (
        "the only trusted certificate is a leaf (not a CA), so the app breaks at the server's next renewal; "
        "trust your CA or intermediate certificate instead"),
    "DartAnchorsNotLoaded": (
        "SecurityContext(withTrustedRoots: false) trusts nothing until setTrustedCertificatesBytes is "
        "called, so every connection fails; load your CA certificate into it"),
    "DartAnchorsWithSystemRoots": (
        "these certificates are added to a context that also trusts the platform's roots, which adds a CA "
        "but pins nothing; use SecurityContext(withTrustedRoots: false)"),
    "DartBrokenCertificate": (
        "this embedded PEM certificate does not decode (cut short, or damaged base64), so "
        "setTrustedCertificatesBytes throws a TlsException at run time; paste the whole certificate again "
        "from `openssl x509 -in ca.pem`"),
}


def _callback_findings(rule: DomainRule) -> list[Finding]:
    found = []
    for check in rule.options.get("callbacks", ()):
        if check.accepts_all:
            found.append(Finding("DartCallbackAcceptsAll", Severity.FATAL, check.line,
                                 _SAYS["DartCallbackAcceptsAll"]))
        elif check.pins or check.hashes_der:
            found.append(Finding("DartPinInBadCertificateCallback", Severity.ERROR, check.line,
                                 _SAYS["DartPinInBadCertificateCallback"]))
    for check in rule.options.get("validators", ()):
        found.append(Finding("DioValidateAfterSend", Severity.ERROR, check.line,
                             _SAYS["DioValidateAfterSend"]))
    for line in rule.options.get("cert_hash_lines", ()):
        found.append(Finding("DartCertificatePin", Severity.WARNING, line, _SAYS["DartCertificatePin"]))
    return found


def _anchor_findings(rule: DomainRule, today: _dt.date) -> list[Finding]:
    anchors, lines = rule.options.get("anchors", ()), rule.options.get("anchor_lines", ())
    found = []
    if anchors and not any(is_ca(cert) for cert in anchors):
        found.append(Finding("DartTrustsLeafOnly", Severity.WARNING, lines[0], _SAYS["DartTrustsLeafOnly"]))
    for cert, line in zip(anchors, lines, strict=True):
        expired = cert.not_valid_after_utc.date()
        if expired < today:
            found.append(Finding("DartAnchorExpired", Severity.ERROR, line,
                                 f"the anchor {short_name(cert)} expired on {expired}, so no chain through "
                                 "it validates; embed its renewed certificate"))
    return found


def _context_findings(rule: DomainRule) -> list[Finding]:
    options = rule.options
    context, trusted = options.get("context"), options.get("trusted_lines", ())
    if context == "pinned" and not trusted and not options.get("callbacks"):
        return [Finding("DartAnchorsNotLoaded", Severity.ERROR, options.get("context_line"),
                        _SAYS["DartAnchorsNotLoaded"])]
    if context in ("roots", "none") and trusted:
        return [Finding("DartAnchorsWithSystemRoots", Severity.WARNING, trusted[0],
                        _SAYS["DartAnchorsWithSystemRoots"])]
    return []



def _chain_findings(rules: Sequence[DomainRule], chain: list[x509.Certificate]) -> list[Finding]:
    """The shared chain findings for SPKI pins, plus PinMatches / NoPinMatchesChain for certificate pins."""
    spki_rules = [DomainRule(r.name, tuple(p for p in r.pins if p.pin is not None), line=r.line)
                  for r in rules]
    found = chain_findings(spki_rules, chain)
    for rule in rules:
        cert_pins = [p for p in rule.pins if p.algorithm == "sha256-cert"]
        matched = False
        for entry in cert_pins:
            hits = [i for i, cert in enumerate(chain) if _cert_hash_matches(entry.text, cert)]
            matched = matched or bool(hits)
            where = ", ".join(f"the {label_of(i, chain)} ({short_name(chain[i])})" for i in hits)
            found.append(Finding("PinMatches", Severity.INFO, entry.line or rule.line,
                                 f"{rule.name}: certificate pin {entry.text[:12]}… matches "
                                 f"{where or 'no certificate of the chain'}"))
        if cert_pins and not matched and not any(p.pin for p in rule.pins):
            found.append(Finding("NoPinMatchesChain", Severity.ERROR, rule.line,
                                 f"{rule.name}: no certificate pin matches the chain the server serves "
                                 "today, so every user would be refused; pin a certificate of that chain"))
    return found


def _cert_hash_matches(text: str, cert: x509.Certificate) -> bool:
    """A hex fingerprint or base64 digest compared with sha256 of the certificate's DER."""
    digest = hashlib.sha256(cert.public_bytes(Encoding.DER)).digest()
    text = text.strip().removeprefix("sha256/")
    return text.replace(":", "").lower() == digest.hex() or text == base64.b64encode(digest).decode()


def _leaf_matches(pins: Sequence[PinEntry], leaf: x509.Certificate) -> PinEntry | None:
    """The first pin matching the leaf as an SPKI pin or as a certificate hash (Dart code may do either)."""
    spki = spki_pin(leaf)
    for entry in pins:
        if _cert_hash_matches(entry.text, leaf) or (entry.pin is not None and entry.pin.base64 == spki):
            return entry
    return None


# --- match and model --------------------------------------------------------------------------------------

def _host(host: str) -> str:
    host = str(host).strip().lower()
    return host[:-1] if host.endswith(".") else host


def match(policy: Policy, host: str) -> DomainRule | None:
    """The rule for ``host``: ``"*"`` covers every host (one HttpClient, one context). With ``// host:``
    rules, an exact name wins, then the longest one covering it ``(and subdomains)``, then ``"*"``."""
    host = _host(host)
    exact = [r for r in policy.domains if r.name == host]
    if exact:
        return exact[0]
    parents = [r for r in policy.domains if r.include_subdomains and host.endswith("." + r.name)]
    if parents:
        return max(parents, key=lambda r: len(r.name))
    return next((r for r in policy.domains if r.name == "*"), None)


def model(policy: Policy, host: str, chain: Sequence[x509.Certificate], roots: Sequence[x509.Certificate],
          user_roots: Sequence[x509.Certificate] = (), at: _dt.datetime | None = None, *,
          os: str = "android") -> Decision:
    """Would ``dart:io`` connect? The context's trust store, then badCertificateCallback, then Dio's check.

    The default context trusts ``roots``, and ``user_roots`` only with ``os="ios"`` (*inferred*: on
    Android dart:io reads /system/etc/security/cacerts alone, ``security_context_android.cc``; on
    Apple platforms SecTrust decides). Anchors are compared with the chain the verifier builds,
    never the one sent. A callback is modelled as seeing the leaf (*simplified*: dart:io passes the
    certificate at which verification failed). Dart has no pin expiry: ``// expiration:`` is a note.
    ``stage``: ``config`` (an empty context), ``validation`` (the context's trust store, anchors
    included), ``callback`` (badCertificateCallback or validateCertificate), or ``no rule``.
    """
    host, at, chain = _host(host), at or clock.now(), list(chain)
    rule = match(policy, host)
    if rule is None:
        built, why = validate_chain(chain, host, [*roots, *(user_roots if os == "ios" else ())], at)
        done = f"the chain validates ({_names(built)}) and no pin is checked" if built else why
        return Decision(NAME, host, None, False, built is not None,
                        f"no rule of this file covers the host, so a client with the platform's roots is "
                        f"assumed: {done}", None, _short(built), stage="no rule")
    store, where, pinned = _trust_store(rule, chain, roots, user_roots, os)
    built, why = validate_chain(chain, host, store, at)
    if built is None:
        return _after_failure(rule, host, chain, why, where)
    note = f"; {_PARTIAL_CHAIN_NOTE}" if pinned and built[-1].subject != built[-1].issuer else ""
    step = f"the chain validates against {where}, built as {_names(built)}{note}"
    return _after_handshake(rule, host, chain, built, step, pinned, "validation")


def _trust_store(rule: DomainRule, chain, roots, user_roots, os: str) -> tuple[list, str, bool]:
    """(certificates, description, pinned): what the rule's SecurityContext trusts."""
    options = rule.options
    anchors = list(options.get("anchors", ()))
    if options.get("context") != "pinned":
        extra = anchors if options.get("trusted_lines") else []
        return [*roots, *(user_roots if os == "ios" else ()), *extra], "the platform's roots", False
    if not options.get("trusted_lines"):
        return [], "an empty SecurityContext (setTrustedCertificatesBytes is never called)", True
    if anchors:
        return anchors, f"the embedded anchors only ({', '.join(short_name(c) for c in anchors)})", True
    declared = {p.pin.base64 for p in rule.pins if p.category == "other" and p.pin is not None}
    seen = {spki_pin(c): c for c in [*chain, *roots, *complete_chain(chain)[len(chain):]]}
    found = [cert for pin, cert in seen.items() if pin in declared]
    names = ", ".join(short_name(c) for c in found) or "none of them seen"
    return found, f"the asset's anchors only, taken as the certificates with the listed pins ({names})", True


def _after_failure(rule: DomainRule, host: str, chain, why: str, where: str) -> Decision:
    """Validation failed: the last badCertificateCallback decides (given the leaf), or the handshake fails."""
    callbacks = rule.options.get("callbacks", ())
    failed = f"validation against {where} failed ({why})"
    if not callbacks:
        stage = "config" if where.startswith("an empty") else "validation"
        return _decision(rule, host, False, False, f"{failed}, and no badCertificateCallback is set, so the "
                                                   "handshake fails", None, stage)
    callback = callbacks[-1]
    if callback.accepts_all:
        step = f"{failed}; badCertificateCallback then returned true unconditionally, accepting it unchecked"
        return _after_handshake(rule, host, chain, None, step, False, "callback")
    hit = _leaf_matches(callback.pins, chain[0]) if chain else None
    if hit is None:
        refused = f"{failed}; badCertificateCallback ran and the leaf matched none of "
        return _decision(rule, host, True, False, f"{refused}{_compared(callback.pins)}, so it refused",
                         None, "callback")
    step = (f"{failed}; badCertificateCallback ran and the leaf matched pin {hit.text[:12]}… (its host name "
            "and dates were never checked)")
    return _after_handshake(rule, host, chain, None, step, True, "callback")


def _after_handshake(rule: DomainRule, host: str, chain, built, step: str, pinned: bool,
                     stage: str) -> Decision:
    """The connection is up and the request goes out; only then does Dio's validateCertificate run."""
    validators = rule.options.get("validators", ())
    if not validators:
        if built is None:
            return _decision(rule, host, pinned, True, step, None, stage)
        what = "pinned by trust anchor" if pinned else "no pin is checked"
        return _decision(rule, host, pinned, True, f"{step}; {what}", built, stage)
    validator = validators[-1]
    if validator.accepts_all:
        return _decision(rule, host, pinned, True, f"{step}; validateCertificate returns true whatever the "
                                                   "leaf", built, "callback")
    sent = "the request, bearer token and body included, had already been sent (cfug/dio#2418)"
    hit = _leaf_matches(validator.pins, chain[0]) if chain else None
    if hit is None:
        refused = f"{step}; then {sent} when validateCertificate compared the leaf with "
        return _decision(rule, host, True, False, f"{refused}{_compared(validator.pins)}, and refused it",
                         built, "callback")
    return _decision(rule, host, True, True, f"{step}; validateCertificate matched the leaf with pin "
                                             f"{hit.text[:12]}…, but only after {sent}", built, "callback")


def _compared(pins: Sequence[PinEntry]) -> str:
    if not pins:
        return "no pin the model can read (its logic is assumed to reject)"
    return "the pins " + ", ".join(f"{p.text[:12]}…" for p in pins)


def _decision(rule: DomainRule, host: str, pinned: bool, connects: bool, reason: str, built,
              stage: str) -> Decision:
    return Decision(NAME, host, rule.name, pinned, connects, reason, rule.line, _short(built), stage)


def _short(built) -> tuple[str, ...]:
    return tuple(short_name(c) for c in built or ())


def _names(built) -> str:
    return " → ".join(_short(built))
