"""A toy Certificate Transparency log and a monitor that searches it (lesson 05).

Browsers and Apple's platforms (Chrome, Safari and all URLSession apps, Firefox desktop since 135)
accept a certificate from a *publicly trusted* CA only with signed certificate timestamps (SCTs) from
public logs, so public CAs log what they issue, and an attacker who wants those clients fooled must
let the certificate be logged.
Certificates under a root the user or IT installed need no SCTs, so they never appear.

The toy log holds every course certificate for ``api.yourapp.com`` that a public CA would log:
your own (today's, the renewal, the planned rekey, the one from the second intermediate, the
one from another CA), the compromised CA's and the mis-issued one. A monitor is any function
``certificate -> bool`` (True: raise an alarm); :func:`by_issuer` and :func:`by_key` build two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography import x509

from ..pem import short_name
from ..pinning.pins import Pin
from ..pki import course_pki
from ..show import Shown, Table

Monitor = Callable[[x509.Certificate], bool]


@dataclass(frozen=True)
class Entry:
    """One logged certificate, and (for the lesson's eyes only) who really asked for it."""

    index: int
    cert: x509.Certificate
    yours: bool


def toy_log() -> list[Entry]:
    """The log entries for ``api.yourapp.com``, in the order they were logged."""
    pki = course_pki()
    mine = [pki.leaf, pki.leaf_renewed, pki.leaf_on_backup_key, pki.leaf_via_intermediate2, pki.leaf_other_ca]
    theirs = [pki.rogue_leaf, pki.misissued_leaf]
    certs = sorted([(i.cert, True) for i in mine] + [(i.cert, False) for i in theirs],
                   key=lambda pair: (pair[0].not_valid_before_utc, pair[0].serial_number))
    return [Entry(n, cert, yours) for n, (cert, yours) in enumerate(certs)]


def by_issuer(names: Iterable[str]) -> Monitor:
    """A monitor that alarms on certificates whose issuer is not one of ``names``."""
    allowed = {name.lower() for name in names}
    return lambda cert: short_name(cert.issuer).lower() not in allowed


def by_key(keys: Iterable) -> Monitor:
    """A monitor that alarms on certificates whose key is not one of yours (certificates or public keys)."""
    pins = {Pin.of_spki(key) for key in keys}
    return lambda cert: Pin.of_spki(cert) not in pins


@dataclass
class Search(Shown):
    """The log searched for your name, with each entry's verdict from a monitor (if one is given)."""

    entries: list[Entry]
    monitor: Monitor | None = None

    def alarms(self) -> list[Entry]:
        return [e for e in self.entries if self.monitor is not None and self.monitor(e.cert)]

    def missed(self) -> list[Entry]:
        """Entries you did not ask for on which the monitor stays quiet."""
        alarms = {e.index for e in self.alarms()}
        return [e for e in self.entries if self.monitor is not None and not e.yours and e.index not in alarms]

    def table(self) -> Table:
        alarms = {e.index for e in self.alarms()}
        rows = [(str(e.index), e.cert.not_valid_before_utc.date().isoformat(), short_name(e.cert.issuer),
                 Pin.of_spki(e.cert).base64[:12] + "…",
                 *(("ALARM" if e.index in alarms else "quiet",) if self.monitor else ())) for e in self.entries]
        headers = ("#", "logged (not before)", "issuer", "key (SPKI pin)", *(("monitor",) if self.monitor else ()))
        return Table(headers, rows, f"CT log search: {len(self.entries)} certificates for api.yourapp.com")

    def __repr__(self) -> str:
        alarms = len(self.alarms())
        return f"<Search: {len(self.entries)} entries, {alarms} alarm{'' if alarms == 1 else 's'}>"


def search(monitor: Monitor | None = None) -> Search:
    """Search the toy log for ``api.yourapp.com``, optionally running ``monitor`` on every entry."""
    return Search(toy_log(), monitor)
