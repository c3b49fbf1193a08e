"""Which pins survive which certificate change? The renewal matrix of lesson 06.

A pin is a promise about the *future* server: every certificate chain the server will
ever present must contain a pinned key. Each change below is a real operational event,
and each pin strategy either still matches the new chain or locks every installed copy
of the app out until users update.

The verdict is computed, not typed in: each new chain is validated by cryptography's
verifier against a device trust store (the course root plus another public CA), and the
pin set is checked against the chain the verifier built.
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass

from cryptography import x509

from ..pki import HOST, CertificateAuthority, Issued, course_pki
from .client import Refused, rebuild_verified_chain
from .pins import Pin, PinSet

__all__ = ["EVENTS", "STRATEGIES", "RenewalMatrix", "event_chain", "other_ca_leaf", "renewal_matrix",
           "strategies"]

#: The certificate changes, in the order the matrix shows them: (label, what happens).
EVENTS = (
    ("same-key renewal", "new serial and dates, same key, same intermediate"),
    ("planned rekey", "a new key: the backup key generated in advance"),
    ("unplanned rekey", "a new key nobody pinned (what many hosts and CDNs do at each renewal)"),
    ("intermediate rotation", "same key, issued by the CA's second intermediate"),
    ("CA switch", "a different CA altogether, with the backup key"),
)

STRATEGIES = ("certificate pin", "leaf SPKI", "leaf SPKI + backup", "intermediate SPKI", "root SPKI")


def _d(year: int, month: int, day: int) -> _dt.datetime:
    return _dt.datetime(year, month, day, tzinfo=_dt.UTC)


@functools.cache
def other_ca_leaf() -> tuple[Issued, CertificateAuthority]:
    """api.yourapp.com from another (honest) public CA, on the backup key: the CA switch."""
    pki = course_pki()
    root = CertificateAuthority.root("other-public-root", common_name="Other Public Root CA",
                                     org="Other Public CA Inc.", key_label="other public ca root",
                                     serial=5001, not_before=_d(2025, 1, 1), not_after=_d(2049, 12, 31))
    inter = root.issue_intermediate("other-public-issuing", common_name="Other Public Issuing CA",
                                    org="Other Public CA Inc.", key_label="other public ca issuing",
                                    serial=5002, not_before=_d(2025, 1, 1), not_after=_d(2048, 12, 31))
    leaf = inter.issue_leaf([HOST], serial=5003, key=pki.backup_key, name="api.yourapp.com-other-ca",
                            not_before=_d(2026, 8, 30), not_after=_d(2046, 8, 30))
    return leaf, root


def event_chain(event: str) -> list[x509.Certificate]:
    """The chain the server sends after ``event`` (leaf first, no root)."""
    pki = course_pki()
    leaves = {"same-key renewal": pki.leaf_renewed, "planned rekey": pki.leaf_on_backup_key,
              "unplanned rekey": pki.leaf_rekeyed, "intermediate rotation": pki.leaf_via_intermediate2,
              "CA switch": other_ca_leaf()[0]}
    return pki.chain(leaves[event])


def device_roots() -> list[x509.Certificate]:
    """The trust store for the matrix: the course root and the other public CA's root."""
    return [course_pki().root.cert, other_ca_leaf()[1].cert]


def strategies() -> dict[str, PinSet]:
    """The five pin strategies, each as the PinSet an app would ship today."""
    pki = course_pki()
    leaf, inter, root = pki.leaf.cert, pki.intermediate.cert, pki.root.cert
    return {
        "certificate pin": PinSet(pins=(Pin.of_cert(leaf),)),
        "leaf SPKI": PinSet(pins=(Pin.of_spki(leaf),)),
        "leaf SPKI + backup": PinSet(pins=(Pin.of_spki(leaf),),
                                     backup_pins=(Pin.of_spki(pki.backup_key.public_key()),)),
        "intermediate SPKI": PinSet(pins=(Pin.of_spki(inter),)),
        "root SPKI": PinSet(pins=(Pin.of_spki(root),)),
    }


def survives(pins: PinSet, chain: list[x509.Certificate]) -> bool:
    """True if the validated version of ``chain`` still matches ``pins``."""
    try:
        verified = rebuild_verified_chain(chain, device_roots(), HOST)
    except Refused:
        return False
    return pins.matches(verified)


@dataclass(frozen=True)
class RenewalMatrix:
    """Strategy × event: True where the app keeps working, False where it is locked out."""

    cells: dict[tuple[str, str], bool]

    def rows(self) -> list[list[str]]:
        return [[s] + ["survives" if self.cells[s, e] else "LOCKED OUT" for e, _ in EVENTS]
                for s in STRATEGIES]

    def to_text(self) -> str:
        table = [["pin strategy", *(e for e, _ in EVENTS)], *self.rows()]
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                         for r in table)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{e}</th>" for e, _ in EVENTS)
        body = "".join("<tr><th>" + r[0] + "</th>" + "".join(
            f"<td>{'✓ survives' if c == 'survives' else '✗ LOCKED OUT'}</td>" for c in r[1:]) + "</tr>"
            for r in self.rows())
        return f"<table><thead><tr><th>pin strategy</th>{head}</tr></thead><tbody>{body}</tbody></table>"

    def __repr__(self) -> str:
        return f"<RenewalMatrix {len(STRATEGIES)} strategies x {len(EVENTS)} events>"


def renewal_matrix() -> RenewalMatrix:
    """Evaluate every strategy against every event."""
    chains = {e: event_chain(e) for e, _ in EVENTS}
    return RenewalMatrix({(s, e): survives(p, chains[e]) for s, p in strategies().items() for e in chains})
