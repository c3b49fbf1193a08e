"""OkHttp's ``CertificatePinner``: read, write, lint and model it (lesson 08).

An Android (or JVM) app that uses OkHttp pins in code, not in a file::

    val certificatePinner = CertificatePinner.Builder()
        .add("**.yourapp.com", "sha256/…leaf key…", "sha256/…backup key…")
        .build()

What OkHttp does with it (square/okhttp ``CertificatePinner.kt`` for 4.x/5.x, ``CertificatePinner.java``
for 3.x; see docs/platform-rules.md):

* **Pins** are ``sha256/BASE64`` (or ``sha1/BASE64``) of a certificate's SubjectPublicKeyInfo. Any other
  prefix makes ``add()`` throw "pins must start with 'sha256/' or 'sha1/'"; base64 that okio cannot
  decode throws "Invalid pin hash" (3.x: "pins must be base64"). The length is **not** checked: a
  sha256 pin that is not 32 bytes is accepted and silently never matches.
* **Patterns**: ``api.example.com`` exactly; ``*.example.com`` exactly one more label (not the apex);
  ``**.example.com`` the apex and any depth, **OkHttp 4+ only**. A ``*`` anywhere else makes 4.x
  throw "Unexpected pattern". Tried with the real OkHttp 3.13 (Debian's libokhttp-java,
  tests/test_okhttp_real.py): 3.13 accepts ``**.`` (and any stray ``*``) at ``add()``, and the
  pattern then never matches, so pinning is silently off. Pins of **all** matching patterns are
  unioned (:func:`matching`). ``match``, ``matching`` and ``model`` take ``version=4`` (4.x and
  5.x) or ``version=3``.
* **Checking**: a host no pattern matches is not pinned. Otherwise, after the TLS handshake has
  validated the chain, the pins are compared with the **cleaned** chain (CertificateChainCleaner: the
  path from the leaf to the trusted root, root included), never with what the server sent, which is
  the fix for chain stuffing (CVE-2016-2402). One match anywhere passes. Failure throws
  ``SSLPeerUnverifiedException`` with the message :func:`failure_message` reproduces line for line.
* **No expiry, no report-only mode**: pins apply until an app update replaces them. :func:`generate`
  writes a policy's date as a comment (``// expires YYYY-MM-DD``) that :func:`parse` reads back.

Trust: on the JVM, OkHttp validates with the JDK's trust store (here: ``roots``); on Android the
platform trust manager decides, so whether user-installed CAs count is the Network Security
Config's business, not OkHttp's. :func:`model` validates against ``roots`` only.

Reading source is best effort: :func:`parse` follows ``CertificatePinner.Builder()`` chains and
``builder.add(...)`` on a variable holding a builder, with string literals (joined with ``+``
across lines). Arguments that are not literals (a variable, Kotlin's ``add(host, *pins)``, a
template) are out of scope: they are reported (``OkHttpUnreadable``), not guessed.
"""

from __future__ import annotations

import base64
import bisect
import datetime as _dt
import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from cryptography import x509
from cryptography.x509.oid import NameOID

from .. import clock
from ..pem import short_name
from ..pinning.pins import Pin, spki_der
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

NAME = "okhttp"

RULES: dict[str, str] = {
    "OkHttpPinFormat": "a pin add() rejects (prefix, base64), or accepts but can never match (length)",
    "OkHttpPattern": "a pattern OkHttp rejects or never matches (a stray '*', no host); '**.' needs 4.x",
    "OkHttpSha1Pin": "a sha1/ pin: SHA-1 is a weak hash; pin the sha256/ of the same key",
    "MissingBackupPin": "a pattern with one pin: when that key changes, every user is locked out",
    "OkHttpNoPins": "a CertificatePinner.Builder (or an add() call) that pins nothing",
    "OkHttpNoExpiry": "a pin set with an expiry date, which OkHttp does not have",
    "OkHttpUnreadable": "an add() argument that is not a string literal, which this linter cannot check",
    "OkHttpSource": "source that does not compile as written (an unterminated string, comment or call)",
    "DuplicatePin": "the same pin twice for one pattern: the backup is no backup",
    "NoPinMatchesChain": "no pin matches the chain the server serves today",
    "PinMatches": "which certificate of the served chain each pin matches",
    "PinOnPooledIntermediate": "a pin on an intermediate of a CA that rotates among several",
}

_SHOWN = 60            # characters of a pattern or pin quoted in a message
_MAX_TOKENS = 200_000  # a real source file has far fewer; past this, reading stops (and says so)
_MAX_CALLS = 1_000     # add() calls read: real pinners have a handful
_MAX_OVERLAP = 200     # patterns compared with each other for MissingBackupPin's note on the union


def looks_like(text: str | bytes) -> bool:
    """True for Kotlin or Java that mentions ``CertificatePinner``."""
    try:
        needle = b"CertificatePinner" if isinstance(text, bytes | bytearray) else "CertificatePinner"
        return needle in text
    except TypeError:
        return False


# --- reading Kotlin or Java: tokens ----------------------------------------------------------------------

_TOKEN = re.compile(r'''
    (?P<nl>\n)
  | (?P<space>[ \t\r\f\v]+)
  | (?P<comment>//[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)
  | (?P<open_comment>/\*[\s\S]*)
  | (?P<raw>"""[\s\S]*?""")
  | (?P<open_raw>"""[\s\S]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<open_string>"(?:[^"\\\n]|\\.)*)
  | (?P<char>'(?:[^'\\\n]|\\.){1,6}')
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>[(){}\[\].,=+*$])
  | (?P<other>[^\n"'/A-Za-z_(){}\[\].,=+*$ \t\r\f\v]+|.)
''', re.VERBOSE)

_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}


class _Token(NamedTuple):
    kind: str     # word, punct, string, raw, char, other (or comment)
    text: str
    line: int
    at: int = 0   # for a comment: how many code tokens come before it


def _tokens(text: str) -> tuple[list[_Token], list[_Token], list[Finding]]:
    """Code tokens, comments, and the problems met (unterminated strings and comments)."""
    tokens: list[_Token] = []
    comments: list[_Token] = []
    problems: list[Finding] = []
    line = 1
    for m in _TOKEN.finditer(text):
        kind, value = m.lastgroup, m.group()
        if kind == "nl":
            line += 1
        elif kind == "space":
            continue
        elif kind in ("word", "punct", "string", "char", "other"):
            tokens.append(_Token(kind, value, line))
            if len(tokens) + len(comments) >= _MAX_TOKENS:
                problems.append(Finding("OkHttpSource", Severity.WARNING, line,
                                        f"the file has more than {_MAX_TOKENS:,} tokens, far more than any "
                                        "real source file, so reading stopped here; lint the file that "
                                        "builds the CertificatePinner"))
                break
        else:                                   # comments and raw strings may span lines
            if kind.startswith("open_"):
                problems.append(Finding("OkHttpSource", Severity.ERROR, line, _UNCLOSED[kind]))
            if kind in ("comment", "open_comment"):
                comments.append(_Token("comment", value, line, len(tokens)))
            elif kind in ("raw", "open_raw", "open_string"):
                tokens.append(_Token("raw" if "raw" in kind else "string", value, line))
            line += value.count("\n")
    return tokens, comments, problems


_UNCLOSED = {
    "open_comment": "a /* comment is never closed, so the rest of the file is a comment and the file does "
                    "not compile; close it with */",
    "open_raw": 'a """ string is never closed, so the rest of the file is a string and the file does not '
                'compile; close it with """',
    "open_string": 'a string literal is not closed before the end of its line, so the file does not compile; '
                   'close it with "',
}


def _partners(tokens: Sequence[_Token]) -> list[int]:
    """For each bracket, the index of its partner (-1 when unbalanced); -1 for every other token."""
    partner = [-1] * len(tokens)
    stack: list[int] = []
    for i, token in enumerate(tokens):
        if token.kind != "punct":
            continue
        if token.text in _OPENERS:
            stack.append(i)
        elif token.text in _CLOSERS and stack and tokens[stack[-1]].text == _CLOSERS[token.text]:
            j = stack.pop()
            partner[i], partner[j] = j, i
    return partner


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "0": "\0", "$": "$"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)")
_TEMPLATE = re.compile(r"(?<!\\)\$[A-Za-z_{]")


def _literal(token: _Token) -> str | None:
    """The value of a string token, or None for a Kotlin template (``"$pin"``), which is not a literal."""
    if token.kind == "raw":
        body = token.text[3:-3] if token.text.endswith('"""') and len(token.text) >= 6 else token.text[3:]
        return None if _TEMPLATE.search(body) else body
    body = token.text[1:-1] if len(token.text) > 1 and token.text.endswith('"') else token.text[1:]
    if _TEMPLATE.search(body):
        return None

    def unescape(m: re.Match) -> str:
        code = m.group(1)
        return chr(int(code[1:], 16)) if len(code) == 5 else _ESCAPES.get(code, code)

    return _ESCAPE.sub(unescape, body)


# --- reading Kotlin or Java: CertificatePinner.Builder() chains -----------------------------------------

@dataclass
class _Call:
    """One ``add(pattern, pins...)`` call as read: each argument is (value or None, line)."""

    args: list[tuple[str | None, int]]
    line: int
    expiration: str | None


class _Reader:
    """Walks the token list: builder chains, and ``name.add(...)`` on a variable holding a builder."""

    def __init__(self, tokens: list[_Token], comments: list[_Token]):
        self.tokens, self.partner = tokens, _partners(tokens)
        self.comments, self.comment_at = comments, [c.at for c in comments]
        self.calls: list[_Call] = []
        self.problems: list[Finding] = []
        self.builders: list[int] = []   # the line of each CertificatePinner.Builder()
        self.seen: set[int] = set()       # the add() calls read (by the index of their '.')
        self.full = False                 # True once _MAX_CALLS calls have been read

    def _is(self, i: int, text: str) -> bool:
        if not 0 <= i < len(self.tokens):
            return False
        token = self.tokens[i]
        return token.text == text and token.kind in ("word", "punct")

    def read(self) -> None:
        variables: set[str] = set()
        for i, token in enumerate(self.tokens):
            if token.text == "CertificatePinner" and token.kind == "word" and self._is(i + 1, ".") \
                    and self._is(i + 2, "Builder") and self._is(i + 3, "(") and self._is(i + 4, ")"):
                self.builders.append(token.line)
                variables.update(self._assigned_to(i))
                self._chain(i + 5)
        if variables:
            for i, token in enumerate(self.tokens):
                if token.text in variables and token.kind == "word" and self._is(i + 1, ".") \
                        and self._is(i + 2, "add"):
                    self._chain(i + 1)

    def _assigned_to(self, i: int) -> list[str]:
        """``val b = CertificatePinner.Builder()`` or ``Builder b = new okhttp3.CertificatePinner.Builder()``.

        Returns the variable's name, if the builder at token ``i`` is assigned to one.
        """
        j = i - 1
        while j >= 1 and self._is(j, ".") and self.tokens[j - 1].kind == "word":   # okhttp3.CertificatePinner
            j -= 2
        if self._is(j, "new"):
            j -= 1
        if self._is(j, "=") and j >= 1 and self.tokens[j - 1].kind == "word" and not self._is(j - 2, "="):
            return [self.tokens[j - 1].text]
        return []

    def _chain(self, j: int) -> None:
        """Follow ``.name(...)`` links from token ``j``: read each ``add``, stop after ``build``."""
        tokens, previous = self.tokens, j - 1
        if self.full:
            return
        while self._is(j, ".") and j + 2 < len(tokens) and tokens[j + 1].kind == "word" \
                and self._is(j + 2, "("):
            name, close = tokens[j + 1].text, self.partner[j + 2]
            if close < 0:
                self.problems.append(Finding("OkHttpSource", Severity.ERROR, tokens[j + 2].line,
                                             f".{_shown(name)}( is never closed, so this file does not "
                                             "compile; add the missing ')'"))
                return
            if name == "add" and j not in self.seen:
                if len(self.calls) >= _MAX_CALLS:
                    self.full = True
                    self.problems.append(Finding(
                        "OkHttpSource", Severity.WARNING, tokens[j].line,
                        f"more than {_MAX_CALLS:,} add() calls, far more than any real pinner, so reading "
                        "stopped here; lint a real configuration"))
                    return
                self.seen.add(j)
                args = [self._argument(a, b) for a, b in self._split(j + 3, close)]
                self.calls.append(_Call(args, tokens[j + 2].line, self._expiration(previous, j)))
                previous = close
            if name == "build":
                return
            j = close + 1

    def _split(self, start: int, stop: int) -> list[tuple[int, int]]:
        """The top-level comma-separated ranges of tokens in ``[start, stop)`` (empty ones dropped)."""
        parts, begin, k = [], start, start
        while k < stop:
            if self.partner[k] > k:
                k = self.partner[k]
            elif self._is(k, ","):
                parts.append((begin, k))
                begin = k + 1
            k += 1
        parts.append((begin, stop))
        return [(a, b) for a, b in parts if a < b]

    def _argument(self, start: int, stop: int) -> tuple[str | None, int]:
        """A string literal (or literals joined with ``+``) and its line; (None, line) for anything else."""
        if stop - start > 2 and self.tokens[start].kind == "word" and self._is(start + 1, "="):
            start += 2                                     # Kotlin's named argument: pattern = "..."
        line, parts = self.tokens[start].line, []
        for offset, token in enumerate(self.tokens[start:stop]):
            if offset % 2 == 1:
                if not (token.kind == "punct" and token.text == "+"):
                    return None, line
            elif token.kind not in ("string", "raw") or (value := _literal(token)) is None:
                return None, line
            else:
                parts.append(value)
        return ("".join(parts), line) if (stop - start) % 2 == 1 else (None, line)

    def _expiration(self, after: int, before: int) -> str | None:
        """The date of an ``// expires YYYY-MM-DD`` comment between the previous call and this one."""
        lo, hi = bisect.bisect_right(self.comment_at, after), bisect.bisect_right(self.comment_at, before)
        for comment in self.comments[lo:hi]:
            if "expir" in comment.text.lower():
                date = _DATE.search(comment.text)
                if date:
                    return date.group(0)
        return None


_DATE = re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b")


def _text_of(text: str | bytes) -> str:
    if isinstance(text, bytearray | memoryview):
        text = bytes(text)
    if not isinstance(text, str | bytes):
        raise ConfigError(f"OkHttp source must be text or bytes, not {type(text).__name__}; pass the Kotlin "
                          "or Java file's contents")
    too_big(text)
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ConfigError("this file is not UTF-8 text, so it is no Kotlin or Java source; pass the "
                              "source file that builds the CertificatePinner") from None
    return text


def parse(text: str | bytes) -> Policy:
    """Read Kotlin or Java source: one :class:`DomainRule` per pattern as written, with line numbers.

    ``add()`` calls for the same pattern are merged into one rule (OkHttp's own example adds one pin
    per call). ``name`` is the pattern as written; ``include_subdomains`` is true for ``**.``;
    ``options["kind"]`` is :func:`pattern_kind`'s answer and ``options["order"]`` the place of each
    pin in the source (OkHttp lists pins in that order). Raises :class:`ConfigError` when the text
    has no ``CertificatePinner.Builder()``.
    """
    text = _text_of(text)
    if "CertificatePinner" not in text:
        raise ConfigError("this source never mentions CertificatePinner, so it pins nothing with OkHttp; "
                          "pass the Kotlin or Java file that builds the CertificatePinner")
    tokens, comments, problems = _tokens(text)
    reader = _Reader(tokens, comments)
    reader.read()
    if not reader.builders:
        raise ConfigError("this source mentions CertificatePinner but never calls "
                          "CertificatePinner.Builder(), so there is no pin to read; pass the file that "
                          "builds the pinner")
    problems += reader.problems
    rules: dict[str, dict] = {}
    calls, order = sorted(reader.calls, key=lambda call: call.line), itertools.count()
    for call in calls:
        problems += _read_call(call, rules, order)
    if not calls:
        problems.append(Finding("OkHttpNoPins", Severity.WARNING, reader.builders[0],
                                "this CertificatePinner.Builder() has no add() call, so it pins nothing; add "
                                '.add("host", "sha256/…", "sha256/…")'))
    domains = [_rule(name, fields) for name, fields in rules.items()]
    return Policy(NAME, domains, problems=problems, options={"builders": tuple(reader.builders)})


def _read_call(call: _Call, rules: dict[str, dict], order: Iterator[int]) -> list[Finding]:
    """Add one ``add()`` call to ``rules`` (by the pattern as written); findings for what is unreadable."""
    if not call.args or call.args[0][0] is None:
        return [Finding("OkHttpUnreadable", Severity.INFO, call.line,
                        "this add() call's pattern is not a string literal, so its pins are not checked "
                        "here; write the host pattern as a literal to have it linted")]
    (pattern, line), pins = call.args[0], call.args[1:]
    fields = rules.setdefault(pattern, {"line": line, "pins": [], "order": [], "expiration": None})
    fields["expiration"] = fields["expiration"] or call.expiration
    found = []
    for value, pin_line in pins:
        if value is None:
            found.append(Finding("OkHttpUnreadable", Severity.INFO, pin_line,
                                 f"{_shown(pattern)}: a pin argument is not a string literal (a variable, or "
                                 "Kotlin's *pins), so it is not checked here; write the pins as literals to "
                                 "have them linted"))
        else:
            fields["pins"].append(PinEntry(value, pin_line, _algorithm(value)))
            fields["order"].append(next(order))
    if not pins:
        found.append(Finding("OkHttpNoPins", Severity.WARNING, line,
                             f"{_shown(pattern)}: add() with a pattern and no pin pins nothing; add the "
                             "sha256/ pins of your key and a backup key"))
    return found


def _rule(pattern: str, fields: dict) -> DomainRule:
    expiration, expiration_text = None, fields["expiration"]
    if expiration_text:
        try:
            expiration, expiration_text = _dt.date.fromisoformat(expiration_text), None
        except ValueError:
            pass
    return DomainRule(pattern, fields["pins"], pattern_kind(pattern) == "any depth", expiration,
                      expiration_text, line=fields["line"],
                      options={"kind": pattern_kind(pattern), "order": tuple(fields["order"])})


def _algorithm(pin: str) -> str:
    return "sha256" if pin.startswith("sha256/") else "sha1" if pin.startswith("sha1/") else "invalid"


def _shown(value: str) -> str:
    """A value quoted in a message: printable, and short."""
    clean = "".join(c if c.isprintable() else "?" for c in value[:_SHOWN + 1])
    return repr(clean if len(clean) <= _SHOWN else clean[:_SHOWN] + "…")


# --- pins and patterns, as OkHttp reads them --------------------------------------------------------------

_BASE64_BODY = re.compile(r"[A-Za-z0-9+/_-]*")
_WHITESPACE = str.maketrans("", "", " \t\r\n")
_URL_SAFE = str.maketrans("-_", "+/")


def okio_base64(text: str) -> bytes | None:
    """Decode base64 the way okio's ``decodeBase64`` does, which OkHttp uses for pins; None if it refuses.

    More lenient than Python's: padding is optional, spaces, tabs and newlines are skipped, and the
    URL-safe ``-`` and ``_`` are accepted. A ``=`` before the end, or one stray trailing character, fails.
    """
    body = text.rstrip("= \t\r\n").translate(_WHITESPACE)
    if not _BASE64_BODY.fullmatch(body) or len(body) % 4 == 1:
        return None
    return base64.b64decode(body.translate(_URL_SAFE) + "=" * (-len(body) % 4))


@dataclass(frozen=True)
class _OkPin:
    """One (pattern, pin) pair as OkHttp holds it after ``add()``."""

    pattern: str
    algorithm: str
    digest: bytes
    line: int | None

    def __str__(self) -> str:
        return f"{self.algorithm}/{base64.b64encode(self.digest).decode('ascii')}"


_NOT_IN_HOST = re.compile(r"[\s#%/:?@\[\\\]]")


def pattern_kind(pattern: str) -> str:
    """``exact``, ``one label`` (``*.x``), ``any depth`` (``**.x``) or ``invalid`` (OkHttp 4's rules)."""
    star = "**." if pattern.startswith("**.") else "*." if pattern.startswith("*.") else ""
    host = pattern[len(star):]
    if "*" in host or not _is_host(host):
        return "invalid"
    return {"**.": "any depth", "*.": "one label", "": "exact"}[star]


def _is_host(host: str) -> bool:
    return bool(host) and host.isprintable() and not _NOT_IN_HOST.search(host)


def _add_error(pattern: str, pin: str, version: int) -> str | None:
    """The IllegalArgumentException ``CertificatePinner.Builder.add(pattern, pin)`` throws, if any.

    OkHttp 4 refuses a stray ``*`` ("Unexpected pattern") and a non-host ("Invalid pattern"). 3.x
    accepts any ``*`` (such a pattern then never matches) and refuses only what its URL parser
    cannot read as a host, modelled here as an empty host or a character no host holds (an
    approximation: 3.x's parser would, for instance, read ``host:443`` as a host and a port).
    """
    if version >= 4:
        star = "**." if pattern.startswith("**.") else "*." if pattern.startswith("*.") else ""
        if "*" in pattern[len(star):]:
            return f"Unexpected pattern: {pattern}"
        if not _is_host(pattern[len(star):]):
            return f"Invalid pattern: {pattern}"
    else:
        host = pattern[2:] if pattern.startswith("*.") else pattern
        if not _is_host(host):
            return f'Invalid URL host: "{host}"'
    algorithm = _algorithm(pin)
    if algorithm == "invalid":
        return f"pins must start with 'sha256/' or 'sha1/': {pin}"
    if okio_base64(pin[len(algorithm) + 1:]) is None:
        return f"pins must be base64: {pin}" if version < 4 else f"Invalid pin hash: {pin}"
    return None


def _canonical(pattern: str) -> str:
    return pattern.lower()


def _matches(pattern: str, host: str, version: int) -> bool:
    """Does OkHttp ``version`` apply ``pattern`` to ``host`` (already lower-case, no trailing dot)?"""
    pattern = _canonical(pattern)
    if version < 4:                        # CertificatePinner.Pin.matches in 3.x: only "*." is special
        if not pattern.startswith("*."):
            return host == pattern         # so "**.x" and "a*.x" never match a real host
        return host[host.find(".") + 1:] == pattern[2:]
    kind = pattern_kind(pattern)
    if kind == "any depth":                # "**.x": x itself, or anything ending in ".x"
        return host == pattern[3:] or host.endswith(pattern[2:])
    if kind == "one label":                # "*.x": one label, then ".x"
        suffix = pattern[1:]
        prefix = host[:-len(suffix)]
        return host.endswith(suffix) and prefix != "" and "." not in prefix
    return kind == "exact" and host == pattern


def _as_okhttp(policy: Policy) -> Policy:
    """A policy from another platform (or the neutral POLICY.json) as OkHttp would ship it."""
    return policy if policy.platform == NAME else parse(generate(policy))


def _host(host: str) -> str:
    host = str(host).strip().lower()
    return host[:-1] if host.endswith(".") else host


# --- lint ---------------------------------------------------------------------------------------------------

def lint(policy: Policy, today: _dt.date | None = None,
         chain: Sequence[x509.Certificate] | None = None) -> list[Finding]:
    """Everything wrong with a CertificatePinner, sorted by line; with ``chain``, the served-chain checks."""
    today, policy = today or clock.today(), _as_okhttp(policy)
    found = list(policy.problems)
    shapes = _shapes(policy)
    for rule in policy.domains:
        found += _pattern_findings(rule)
        found += _pin_findings(rule)
        found += _backup_findings(rule, shapes)
        found += _expiry_findings(rule, today)
    found += duplicate_findings(policy.domains)
    if chain is not None:
        found += chain_findings(policy.domains, chain)
    return sorted(found, key=lambda f: f.line or 0)


def _pattern_findings(rule: DomainRule) -> list[Finding]:
    name, line = rule.name, rule.line
    if not rule.pins:
        return []                      # add(pattern) with no pin never builds a Pin: nothing is checked
    if pattern_kind(name) == "invalid":
        star = "**." if name.startswith("**.") else "*." if name.startswith("*.") else ""
        if "*" in name[len(star):]:
            why = ("OkHttp 4+ throws 'Unexpected pattern' at add(), and 3.x accepts it but never matches it, "
                   "because '*' is allowed only as a leading '*.' or '**.'")
        else:
            why = "it is not a host name, so add() throws 'Invalid pattern' (3.x: 'Invalid URL host')"
        return [Finding("OkHttpPattern", Severity.ERROR, line,
                        f"{_shown(name)}: {why}; write a host such as api.example.com, *.example.com or "
                        "**.example.com")]
    found = []
    if name.startswith("**."):
        found.append(Finding("OkHttpPattern", Severity.WARNING, line,
                             f"{_shown(name)}: '**.' needs OkHttp 4 or later, since OkHttp 3.x accepts it "
                             "but never matches it, so pinning is silently off there; check the app's "
                             "OkHttp version (or list the hosts exactly for 3.x)"))
    if name.endswith("."):
        found.append(Finding("OkHttpPattern", Severity.WARNING, line,
                             f"{_shown(name)}: a pattern ending in '.' matches only a URL written with that "
                             "dot, so requests to the host without it are not pinned; drop the trailing dot"))
    return found


def _pin_findings(rule: DomainRule) -> list[Finding]:
    found = []
    for entry in rule.pins:
        message, severity = _pin_problem(entry.text)
        where = entry.line or rule.line
        if message:
            found.append(Finding("OkHttpPinFormat", severity, where, f"{_shown(rule.name)}: {message}"))
        if entry.algorithm == "sha1":
            found.append(Finding("OkHttpSha1Pin", Severity.WARNING, where,
                                 f"{_shown(rule.name)}: {_shown(entry.text)} is a SHA-1 pin, a hash too weak "
                                 "to pin with; replace it with the sha256/ pin of the same key"))
    return found


def _pin_problem(text: str) -> tuple[str, Severity]:
    """What is wrong with one pin's text for OkHttp ('' when nothing), and how bad it is."""
    algorithm = _algorithm(text)
    if algorithm == "invalid":
        return (f"{_shown(text)} does not start with 'sha256/' or 'sha1/', so add() throws \"pins must start "
                "with 'sha256/' or 'sha1/'\" and the app never builds its client; write 'sha256/' and the "
                "base64 SPKI digest", Severity.ERROR)
    digest = okio_base64(text[len(algorithm) + 1:])
    if digest is None:
        return (f"{_shown(text)} is not base64, so add() throws 'Invalid pin hash' (3.x: 'pins must be "
                "base64') and the app never builds its client; paste the digest exactly as computed",
                Severity.ERROR)
    size = 32 if algorithm == "sha256" else 20
    if len(digest) != size:
        return (f"{_shown(text)} decodes to {len(digest)} bytes, not the {size} of {algorithm.upper()}, and "
                "OkHttp does not check the length, so this pin silently never matches; recompute it "
                "(a SHA-256 pin is 44 characters ending in '=')", Severity.ERROR)
    canonical = f"{algorithm}/{base64.b64encode(digest).decode('ascii')}"
    if canonical != text:
        return (f"{_shown(text)} is not standard base64 (okio accepts missing padding, spaces and '-' or "
                f"'_', but other tools do not); write it as {canonical}", Severity.WARNING)
    return "", Severity.INFO


def _distinct_digests(rule: DomainRule) -> set[tuple[str, bytes]]:
    """The different keys a rule's pins can match (a pin of the wrong length matches none)."""
    digests = set()
    for entry in rule.pins:
        if entry.algorithm != "invalid":
            digest = okio_base64(entry.text[len(entry.algorithm) + 1:])
            if digest is not None and len(digest) == (32 if entry.algorithm == "sha256" else 20):
                digests.add((entry.algorithm, digest))
    return digests


def _shapes(policy: Policy) -> dict[str, tuple[str, str]]:
    """Pattern -> (kind, host part), for MissingBackupPin's note on overlapping patterns.

    Only for policies of at most ``_MAX_OVERLAP`` patterns (real ones have a handful): comparing
    every pattern with every other grows with the square of their number.
    """
    if len(policy.domains) > _MAX_OVERLAP:
        return {}
    return {rule.name: (pattern_kind(rule.name), _canonical(rule.name).lstrip("*").lstrip("."))
            for rule in policy.domains}


def _backup_findings(rule: DomainRule, shapes: dict[str, tuple[str, str]]) -> list[Finding]:
    if len(_distinct_digests(rule)) != 1:
        return []
    others = [name for name in shapes if name != rule.name and _overlap(shapes[rule.name], shapes[name])]
    union = (f"; pins of all matching patterns are unioned, so hosts that {', '.join(map(_shown, others))} "
             "also matches get those pins too, but the others still have one") if others else ""
    return [Finding("MissingBackupPin", Severity.WARNING, rule.line,
                    f"{_shown(rule.name)} has one pin, so when that key changes every user is locked out "
                    f"until they update the app{union}; add the pin of a backup key")]


def _overlap(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Could one host match both patterns, given as (kind, host part)? (OkHttp 4 rules.)"""
    (kind_a, base_a), (kind_b, base_b) = sorted([a, b])   # kinds sort: any depth, exact, invalid, one label
    if "invalid" in (kind_a, kind_b):
        return False
    under = base_a == base_b or base_b.endswith("." + base_a)   # base_b is base_a or below it
    parent_a = base_a.partition(".")[2]
    if kind_a == "any depth":                                     # **.a meets *.b at a when b is a's parent
        return under or (kind_b == "any depth" and base_a.endswith("." + base_b)) or \
            (kind_b == "one label" and parent_a == base_b)
    if kind_a == "exact":
        return base_a == base_b if kind_b == "exact" else parent_a == base_b
    return base_a == base_b                                       # both one label


def _expiry_findings(rule: DomainRule, today: _dt.date) -> list[Finding]:
    if rule.expiration is None and not rule.expiration_text:
        return []
    when = str(rule.expiration or rule.expiration_text)
    passed = rule.expiration is not None and rule.expiration < today
    severity = Severity.WARNING if passed else Severity.INFO
    state = ("has passed, but OkHttp has no pin expiry and still enforces these pins" if passed
             else "is a reminder only, because OkHttp has no pin expiry")
    return [Finding("OkHttpNoExpiry", severity, rule.line,
                    f"{_shown(rule.name)}: the expiration {_shown(when)} {state}; ship an app update that "
                    "replaces the pins before a pinned key is retired")]


# --- generate ---------------------------------------------------------------------------------------------

def generate(policy: Policy) -> str:
    """Kotlin that builds the policy's ``CertificatePinner`` and an ``OkHttpClient`` that uses it.

    A domain with ``include_subdomains`` becomes ``**.name`` (which covers the apex too; OkHttp 4+).
    A name that already is a pattern (``*.x``, ``**.x``) is written as it is. An expiry date is
    written as a comment, because OkHttp has none.
    """
    lines = ["// OkHttp certificate pinning, generated by the course helpers (lesson 08).",
             "// OkHttp has no pin expiry and no report-only mode: these pins are enforced until an app",
             "// update replaces them, so ship that update before a pinned key is retired."]
    if not policy.enforce:
        lines.append("// The policy asks for report-only pinning, which OkHttp cannot do: these pins are "
                     "enforced.")
    lines += ["import okhttp3.CertificatePinner", "import okhttp3.OkHttpClient", "",
              "val certificatePinner = CertificatePinner.Builder()"]
    for rule in policy.domains:
        lines += _generated_add(rule)
    lines += ["    .build()", "", "val client = OkHttpClient.Builder()",
              "    .certificatePinner(certificatePinner)", "    .build()", ""]
    return "\n".join(lines)


def _generated_add(rule: DomainRule) -> list[str]:
    pattern = rule.name if rule.name.startswith(("*.", "**.")) else \
        f"**.{rule.name}" if rule.include_subdomains else rule.name
    lines = []
    if pattern.startswith("**."):
        lines += [f"    // {_kotlin(pattern)} pins {_kotlin(pattern[3:])} and every subdomain at any depth.",
                  "    // It needs OkHttp 4 or later: OkHttp 3.x accepts it but never matches it (pinning",
                  "    // silently off)."]
    if rule.expiration is not None:
        lines.append(f"    // expires {rule.expiration.isoformat()}: OkHttp ignores this date; ship an "
                     "update that replaces these pins before it.")
    pins = [_generated_pin(entry) for entry in rule.pins]
    args = ",\n".join(f"        {_kotlin(value)}" for value in [pattern, *pins])
    return [*lines, "    .add(", args, "    )"]


def _generated_pin(entry: PinEntry) -> str:
    pin = entry.pin
    if pin is not None:
        return f"sha256/{pin.base64}"
    return entry.text


def _kotlin(value: str) -> str:
    """A Kotlin (and Java) string literal."""
    body = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("\n", "\\n")
    return f'"{body}"'


# --- match and model --------------------------------------------------------------------------------------

def matching(policy: Policy, host: str, *, version: int = 4) -> list[DomainRule]:
    """Every rule whose pattern applies to ``host``: OkHttp checks the union of their pins."""
    host = _host(host)
    return [rule for rule in _as_okhttp(policy).domains if _matches(rule.name, host, version)]


def match(policy: Policy, host: str, *, version: int = 4) -> DomainRule | None:
    """The first rule that applies to ``host`` (OkHttp unions the pins of all: see :func:`matching`)."""
    rules = matching(policy, host, version=version)
    return rules[0] if rules else None


def _pinner(policy: Policy, version: int) -> tuple[list[_OkPin], tuple[str, int | None] | None]:
    """OkHttp's pin set in the order ``add()`` saw the pins, or the first exception ``add()`` throws.

    The order is the source order :func:`parse` records (``options["order"]``), else rule by rule.
    OkHttp keeps a set: a (pattern, pin) pair added twice is held once (3.x compares the pattern as
    written, 4.x its lower-case form).
    """
    entries = [(rule, entry) for rule in policy.domains for entry in rule.pins]
    order = [place for rule in policy.domains for place in rule.options.get("order") or ()]
    if len(order) == len(entries):
        ranked = sorted(zip(order, entries, strict=True), key=lambda item: item[0])
        entries = [pair for _place, pair in ranked]
    pins: dict[tuple[str, str, bytes], _OkPin] = {}
    for rule, entry in entries:
        line = entry.line or rule.line
        error = _add_error(rule.name, entry.text, version)
        if error:
            return [], (error, line)
        algorithm = _algorithm(entry.text)
        digest = okio_base64(entry.text[len(algorithm) + 1:]) or b""
        key_pattern = rule.name if version < 4 else _canonical(rule.name)
        pins.setdefault((key_pattern, algorithm, digest), _OkPin(rule.name, algorithm, digest, line))
    return list(pins.values()), None


def _hashes(cert: x509.Certificate) -> dict[str, bytes]:
    der = spki_der(cert)
    return {"sha256": hashlib.sha256(der).digest(), "sha1": hashlib.sha1(der).digest()}


def model(policy: Policy, host: str, chain: Sequence[x509.Certificate], roots: Iterable[x509.Certificate],
          user_roots: Iterable[x509.Certificate] = (), at: _dt.datetime | None = None, *,
          version: int = 4) -> Decision:
    """Would an OkHttp ``version`` client with this pinner connect to ``host`` serving ``chain``?

    The steps, in OkHttp's order: ``add()`` must accept every pin (else the app never builds its
    client); the chain must validate against ``roots`` (the JDK's store on the JVM; ``user_roots``
    are ignored: on Android the platform trust manager decides about them); then, if a pattern
    matches, the **built** chain must hold one of the union of the matching patterns' pins. On a
    pin failure the reason is OkHttp's exact message (:func:`failure_message`). There is no expiry
    step: a date written in a comment changes nothing.
    """
    host, at, policy = _host(host), at or clock.now(), _as_okhttp(policy)
    pins, error = _pinner(policy, version)
    if error:
        message, line = error
        return Decision(NAME, host, None, False, False,
                        f"CertificatePinner.Builder.add() throws IllegalArgumentException \"{message}\" "
                        f"(line {line or '?'}), so the app never builds its OkHttpClient and makes no "
                        "request",
                        rule_line=line, stage="config")
    rules = matching(policy, host, version=version)
    first = rules[0] if rules else None
    name, line = (first.name, first.line) if first else (None, None)
    built, why = validate_chain(chain, host, roots, at)
    if built is None:
        return Decision(NAME, host, name, bool(rules), False,
                        f"TLS validation fails before any pin is checked: {why}", line, stage="validation")
    names = tuple(short_name(cert) for cert in built)
    if not rules:
        return Decision(NAME, host, None, False, True,
                        f"no pattern matches {host} (OkHttp {version}.x rules), so OkHttp checks no pin and "
                        "the chain that validated is enough", chain=names, stage="no rule")
    patterns = {rule.name for rule in rules}
    applied = [pin for pin in pins if pin.pattern in patterns]
    if not applied:
        return Decision(NAME, host, name, False, True,
                        f"pattern {_shown(name)} matches {host} but holds no pin this model could read "
                        "(add() without a pin pins nothing; pins that are not literals are not modelled), so "
                        "no pin is checked", line, names, stage="no rule")
    for index, cert in enumerate(built):
        hashes = _hashes(cert)
        for pin in applied:
            if hashes[pin.algorithm] == pin.digest:
                return Decision(NAME, host, name, True, True,
                                f"pin {str(pin)[:19]}… of pattern {_shown(pin.pattern)} matches the "
                                f"{label_of(index, built)} ({short_name(cert)}) of the built chain, and one "
                                "match is enough", line, names, stage="pins")
    return Decision(NAME, host, name, True, False, failure_message(host, built, applied), line, names,
                    stage="pins")


# --- OkHttp's failure message -----------------------------------------------------------------------------

def failure_message(host: str, built_chain: Sequence[x509.Certificate], pins: Iterable[object]) -> str:
    """OkHttp's ``SSLPeerUnverifiedException`` message, line for line.

    ``built_chain`` is the cleaned chain (leaf first, root last); ``pins`` are the pins of the
    matching patterns, as ``sha256/…`` text, :class:`~helpers.pinning.pins.Pin` values, or the pins
    :func:`model` collects. Each certificate is shown as ``sha256/<SPKI pin>: <subject>``, the subject
    written the way Java's ``getSubjectDN().getName()`` writes it (:func:`java_dn`).
    """
    lines = ["Certificate pinning failure!", "  Peer certificate chain:"]
    for cert in built_chain:
        digest = base64.b64encode(_hashes(cert)["sha256"]).decode("ascii")
        lines.append(f"    sha256/{digest}: {java_dn(cert.subject)}")
    lines.append(f"  Pinned certificates for {host}:")
    for pin in pins:
        lines.append(f"    {'sha256/' + pin.base64 if isinstance(pin, Pin) else pin}")
    return "\n".join(lines)


_JAVA_KEYWORDS = {
    NameOID.COMMON_NAME: "CN", NameOID.COUNTRY_NAME: "C", NameOID.LOCALITY_NAME: "L",
    NameOID.STATE_OR_PROVINCE_NAME: "ST", NameOID.ORGANIZATION_NAME: "O",
    NameOID.ORGANIZATIONAL_UNIT_NAME: "OU", NameOID.TITLE: "T", NameOID.STREET_ADDRESS: "STREET",
    NameOID.DOMAIN_COMPONENT: "DC", NameOID.DN_QUALIFIER: "DNQ", NameOID.SURNAME: "SURNAME",
    NameOID.GIVEN_NAME: "GIVENNAME", NameOID.INITIALS: "INITIALS", NameOID.GENERATION_QUALIFIER: "GENERATION",
    NameOID.EMAIL_ADDRESS: "EMAILADDRESS", NameOID.USER_ID: "UID", NameOID.SERIAL_NUMBER: "SERIALNUMBER",
}
_JAVA_SPECIAL = set(',+=\n<>#;\\"')


def java_dn(name: x509.Name) -> str:
    """A name as the JDK's ``X500Name.toString()`` writes it: most specific first, ``", "`` between.

    ``CN=YourApp Issuing CA 1, O=YourApp Inc. (course toy PKI)``; a value with ``, + = < > # ;`` or
    awkward spaces is quoted, as the JDK does.
    """
    parts = []
    for rdn in reversed(name.rdns):
        parts.append(" + ".join(f"{_JAVA_KEYWORDS.get(a.oid, 'OID.' + a.oid.dotted_string)}="
                                f"{_java_value(str(a.value))}" for a in rdn))
    return ", ".join(parts)


def _java_value(value: str) -> str:
    quote = (any(c in _JAVA_SPECIAL for c in value) or value[:1] in (" ", "\n")
             or value[-1:] in (" ", "\n") or "  " in value)
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"' if quote else escaped
