"""A toy CAA check (RFC 8659, with RFC 8657's ``accounturi`` and ``validationmethods``).

Before issuing, a CA looks up the CAA records of the name. ``issue`` records list the CAs that
may issue; RFC 8657 lets a record also bind issuance to one ACME account at that CA and to some
validation methods. The DV mis-issuance of lesson 05 happens at *your own* CA, so a plain
``issue "your CA"`` record lets it through; an ``accounturi`` (or a ``validationmethods`` the
attacker cannot pass) stops it, unless the attacker controls your DNS zone, where the records live, or
can forge your DNS answers to the CA (then it forges CAA too, unless the zone is DNSSEC-signed).

This is a model of the rules, not a resolver: records are text in presentation format
(``0 issue "issuing-ca.example; accounturi=…"``), optionally after ``name TTL IN CAA``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import BadInputError
from ..show import Shown, Table

#: The CA that issues your real certificate (YourApp Issuing CA 1), another public CA, and accounts.
YOUR_CA, OTHER_CA = "issuing-ca.example", "other-ca.example"
YOUR_ACCOUNT = "https://issuing-ca.example/acme/acct/1001"
ATTACKER_ACCOUNT = "https://issuing-ca.example/acme/acct/6666"
METHODS = ("http-01", "dns-01", "tls-alpn-01")


class CaaSyntaxError(BadInputError):
    """Text that is not a CAA record in presentation format."""


@dataclass(frozen=True)
class CaaRecord:
    """One CAA record: flags, tag (``issue``, ``issuewild``, ``iodef``) and value."""

    flags: int
    tag: str
    value: str

    def issuer(self) -> str:
        """The CA domain of an ``issue`` value ('' for ``";"``: nobody may issue)."""
        return self.value.split(";")[0].strip().lower()

    def parameters(self) -> dict[str, str]:
        """The ``key=value`` parameters after the CA domain (RFC 8659 §4.2, RFC 8657 §3-4)."""
        found = {}
        for part in self.value.split(";")[1:]:
            key, _, val = part.partition("=")
            if key.strip():
                found[key.strip().lower()] = val.strip()
        return found

    def permits(self, ca: str, account: str, method: str) -> bool:
        """True if this ``issue`` record lets ``ca`` issue to ``account`` validated by ``method``."""
        params = self.parameters()
        if not self.issuer() or self.issuer() != ca.lower():
            return False
        if "accounturi" in params and params["accounturi"] != account:
            return False
        methods = [m.strip().lower() for m in params.get("validationmethods", "").split(",") if m.strip()]
        return not methods or method in methods


_RECORD = re.compile(r"^(?:\S+\s+)?(?:\d+\s+)?(?:IN\s+)?(?:CAA\s+)?(\d{1,3})\s+([A-Za-z0-9]+)\s+(.*)$",
                     re.IGNORECASE)


def parse_record(text: str) -> CaaRecord:
    """One record, e.g. ``0 issue "issuing-ca.example"``; raise :class:`CaaSyntaxError` if it is none."""
    if not isinstance(text, str) or len(text) > 1000:
        raise CaaSyntaxError("a CAA record is one short line of text, like 0 issue \"ca.example\".")
    match = _RECORD.match(" ".join(text.split()))
    if not match or int(match.group(1)) > 255:
        shown = text.strip()[:50]
        raise CaaSyntaxError(f"{shown!r} is not a CAA record; write flags, tag and value, like 0 issue "
                             "\"ca.example\".")
    value = match.group(3).strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return CaaRecord(int(match.group(1)), match.group(2).lower(), value)


def parse_records(records: str | Iterable[str]) -> list[CaaRecord]:
    """Records given as one text (one record per line) or as a list of texts."""
    lines = records.splitlines() if isinstance(records, str) else list(records)
    return [parse_record(line) for line in lines if not isinstance(line, str) or line.strip()]


def permits(records: list[CaaRecord], ca: str, account: str, method: str) -> bool:
    """RFC 8659 §4: no ``issue`` record means any CA may issue; otherwise one record must permit it.

    A record with the critical flag (128) and a tag the CA does not know forbids issuance.
    """
    if any(r.flags & 128 and r.tag not in {"issue", "issuewild", "iodef"} for r in records):
        return False
    issue = [r for r in records if r.tag == "issue"]
    return not issue or any(r.permits(ca, account, method) for r in issue)


@dataclass(frozen=True)
class Request:
    """Someone asking a CA for a certificate for your name, with the validation methods they can pass."""

    who: str
    ca: str
    account: str
    methods: tuple[str, ...]
    rewrites_caa: bool = False  # the attacker controls your DNS zone, so it writes the CAA records too


REQUESTS = (
    Request("you, renewing (dns-01)", YOUR_CA, YOUR_ACCOUNT, ("dns-01",)),
    Request("hijacker of your web traffic, at your CA", YOUR_CA, ATTACKER_ACCOUNT, ("http-01", "tls-alpn-01")),
    Request("hijacker of your web traffic, at another CA", OTHER_CA, "https://other-ca.example/acct/9",
            ("http-01", "tls-alpn-01")),
    Request("attacker who took over your DNS zone", YOUR_CA, ATTACKER_ACCOUNT, METHODS, rewrites_caa=True),
)


def issued(records: list[CaaRecord], request: Request) -> bool:
    """Would the CA issue? It must pass some method the records allow (the attacker's own records, if it
    controls the zone)."""
    if request.rewrites_caa:
        records = [CaaRecord(0, "issue", f"{request.ca}; accounturi={request.account}")]
    return any(permits(records, request.ca, request.account, method) for method in request.methods)


@dataclass
class CaaCheck(Shown):
    """Each request of :data:`REQUESTS` against some CAA records: issued or refused."""

    records: list[CaaRecord]

    def verdicts(self) -> list[tuple[Request, bool]]:
        return [(request, issued(self.records, request)) for request in REQUESTS]

    def table(self) -> Table:
        rows = [(r.who, r.ca, r.account.rsplit("/", 1)[-1], ", ".join(r.methods),
                 "issued" if ok else "refused by CAA") for r, ok in self.verdicts()]
        shown = "; ".join(f'{r.flags} {r.tag} "{r.value}"' for r in self.records) or "(no CAA records)"
        return Table(("who asks", "CA", "account", "can pass", "verdict"), rows, f"CAA: {shown}")

    def __repr__(self) -> str:
        return f"<CaaCheck: {len(self.records)} records>"


def caa_check(records: str | Iterable[str] = ()) -> CaaCheck:
    """Run every request against ``records`` (text, one per line, or a list of texts)."""
    return CaaCheck(parse_records(records))
