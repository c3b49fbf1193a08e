"""Which pins survive which certificate change? The renewal matrix of lesson 06.

A pin is a promise about the *future* server: every certificate chain the server will
ever present must contain a pinned key. Each change below is a real operational event,
and each pin strategy either still matches the new chain or locks every installed copy
of the app out until users update.

The verdict is computed, not typed in: each new chain is validated by cryptography's
verifier against a device trust store (the course root plus another public CA), and the
pin set is checked against the chain the verifier built.

Two more rows pin by trust anchor (Dart's ``withTrustedRoots: false``): the app's store holds
only your own leaf certificate, or only your intermediate. Trusting your own *leaf* is a
certificate pin in disguise: the renewed certificate is a different certificate, so it is refused.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from cryptography import x509

from ..course import HOST
from ..errors import BadInputError
from ..pki import course_pki
from ..show import Shown, Table
from .client import Refused, rebuild_verified_chain
from .pins import Pin, PinSet
from .strategy import Strategy

__all__ = ["ANCHORS", "Event", "RenewalMatrix", "anchor_survives", "UnknownEventError", "event_chain", "events_table", "renewal_matrix", "strategies"]


class UnknownEventError(BadInputError):
    """Something that is not one of the certificate changes of :class:`Event`."""


class Event(enum.Enum):
    """A certificate change on the server, in the order the matrix shows them."""

    SAME_KEY_RENEWAL = ("same-key renewal", "new serial and dates, same key, same intermediate")
    PLANNED_REKEY = ("planned rekey", "a new key: the backup key generated in advance")
    UNPLANNED_REKEY = ("unplanned rekey", "a new key nobody pinned (what many hosts and CDNs do at each renewal)")
    INTERMEDIATE_ROTATION = ("intermediate rotation", "same key, issued by the CA's second intermediate")
    CA_SWITCH = ("CA switch", "a different CA altogether, with the backup key")

    def __init__(self, label: str, what: str):
        self.label = label   # the column heading: "planned rekey"
        self.what = what     # what happens, in a few words


def events_table() -> Table:
    """The events, one row each: what lesson 06 shows before the matrix."""
    return Table(("event", "what happens"), [(event.label, event.what) for event in Event])


def event_chain(event: Event) -> list[x509.Certificate]:
    """The chain the server sends after ``event`` (leaf first, no root)."""
    pki = course_pki()
    leaves = {Event.SAME_KEY_RENEWAL: pki.leaf_renewed, Event.PLANNED_REKEY: pki.leaf_on_backup_key,
              Event.UNPLANNED_REKEY: pki.leaf_rekeyed, Event.INTERMEDIATE_ROTATION: pki.leaf_via_intermediate2,
              Event.CA_SWITCH: pki.leaf_other_ca}
    if not isinstance(event, Event):
        raise UnknownEventError(f"event_chain takes an Event, such as Event.PLANNED_REKEY, not {event!r}; "
                                f"the events are {', '.join(e.name for e in Event)}.")
    return leaves[event].chain


def device_roots() -> list[x509.Certificate]:
    """The trust store for the matrix: the course root and the other public CA's root."""
    pki = course_pki()
    return [pki.root.cert, pki.other_ca.cert]


def strategies() -> dict[Strategy, PinSet]:
    """The five pin strategies, each as the PinSet an app would ship today."""
    pki = course_pki()
    leaf, inter, root = pki.leaf.cert, pki.intermediate.cert, pki.root.cert
    return {
        Strategy.CERTIFICATE: PinSet(pins=(Pin.of_cert(leaf),)),
        Strategy.LEAF_SPKI: PinSet(pins=(Pin.of_spki(leaf),)),
        Strategy.LEAF_SPKI_BACKUP: PinSet(pins=(Pin.of_spki(leaf),),
                                          backup_pins=(Pin.of_spki(pki.backup_key.public_key()),)),
        Strategy.INTERMEDIATE: PinSet(pins=(Pin.of_spki(inter),)),
        Strategy.ROOT: PinSet(pins=(Pin.of_spki(root),)),
    }


def verified(chain: list[x509.Certificate]) -> list[x509.Certificate] | None:
    """``chain`` as the device's verifier builds it, or None when it does not validate."""
    try:
        return rebuild_verified_chain(chain, device_roots(), HOST)
    except Refused:
        return None


def survives(pins: PinSet, chain: list[x509.Certificate]) -> bool:
    """True if the validated version of ``chain`` still matches ``pins``."""
    built = verified(chain)
    return built is not None and pins.matches(built)


#: The trust-anchor rows: the row label, and which course certificate is the app's only anchor.
ANCHORS = {"trust anchor: own leaf": "leaf", "trust anchor: own intermediate": "intermediate"}


def anchor_survives(anchor: x509.Certificate, chain: list[x509.Certificate]) -> bool:
    """True if ``chain`` validates with ``anchor`` as the app's only trust anchor (a partial chain)."""
    try:
        rebuild_verified_chain(chain, [anchor], HOST)
    except Refused:
        return False
    return True


def _mark(flag: bool) -> str:
    return "✓ survives" if flag else "✗ LOCKED OUT"


@dataclass(frozen=True)
class RenewalMatrix(Shown):
    """Strategy × event: True where the app keeps working, False where it is locked out.

    ``anchors`` holds the trust-anchor rows, keyed by (row label of :data:`ANCHORS`, event).
    """

    cells: dict[tuple[Strategy, Event], bool]
    anchors: dict[tuple[str, Event], bool] = field(default_factory=dict)

    def table(self) -> Table:
        """The matrix as a :class:`helpers.show.Table`: one row per strategy, one column per event."""
        rows = [[s.label, *(_mark(self.cells[s, e]) for e in Event)] for s in Strategy]
        labels = list(dict.fromkeys(label for label, _ in self.anchors))
        rows += [[label, *(_mark(self.anchors[label, e]) for e in Event)] for label in labels]
        return Table(["pin strategy", *(e.label for e in Event)], rows, row_headers=True)

    def __repr__(self) -> str:
        anchors = len({label for label, _ in self.anchors})
        extra = f" + {anchors} trust anchors" if anchors else ""
        return f"<RenewalMatrix {len(Strategy)} strategies{extra} x {len(Event)} events>"


def renewal_matrix(*, anchors: bool = True) -> RenewalMatrix:
    """Evaluate every strategy (and, unless ``anchors=False``, each trust anchor) against every event."""
    built = {e: verified(event_chain(e)) for e in Event}  # validate each new chain once, not per strategy
    cells = {(s, e): built[e] is not None and p.matches(built[e]) for s, p in strategies().items() for e in Event}
    pki = course_pki()
    certs = {"leaf": pki.leaf.cert, "intermediate": pki.intermediate.cert}
    rows = {(label, e): anchor_survives(certs[which], event_chain(e))
            for label, which in ANCHORS.items() for e in Event} if anchors else {}
    return RenewalMatrix(cells, rows)
