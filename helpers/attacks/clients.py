"""The client line-ups the lessons pit against the attacks.

A client factory takes the device's trust store and returns a client with ``.connect``; a
line-up maps the name the scoreboard shows to a factory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from cryptography import x509

from ..pinning.broken import BrokenCallbackClient, BrokenUnverifiedChainClient
from ..pinning.client import CaClient, PinnedClient, TrustAnchorClient
from ..pinning.pins import PinSet, spki_pin
from ..pki import course_pki

#: A client factory takes the device's trust store and returns a client with ``.connect``.
ClientFactory = Callable[[Sequence[x509.Certificate]], object]


def leaf_pins() -> PinSet:
    """The pin set the app ships: the leaf's SPKI pin, plus the backup key's pin."""
    pki = course_pki()
    return PinSet(pins=(spki_pin(pki.leaf.cert),), backup_pins=(spki_pin(pki.backup_key.public_key()),))


def default_clients() -> dict[str, ClientFactory]:
    """The two clients of lesson 05: the correct default client and the pinned client."""
    return {
        CaClient.label: CaClient,
        PinnedClient.label: lambda roots: PinnedClient(leaf_pins(), roots),
    }


def lesson06_clients() -> dict[str, ClientFactory]:
    """Lesson 06's line-up: the default client and three ways of pinning."""
    pki = course_pki()
    inter_pin = PinSet(pins=(spki_pin(pki.intermediate.cert),))
    return {
        **default_clients(),
        "pinned: intermediate SPKI": lambda roots: PinnedClient(inter_pin, roots),
        "trust anchor: own leaf only": lambda roots: TrustAnchorClient([pki.leaf.cert]),
    }


def broken_clients(*, with_callback: bool = True) -> dict[str, ClientFactory]:
    """The deliberately broken pinning clients next to the correct one (lesson 06).

    ``with_callback=False`` leaves out the bad-certificate-callback client, for the
    chain-stuffing demonstration, which compares only the two ways of choosing a chain.
    """
    clients: dict[str, ClientFactory] = {
        PinnedClient.label: lambda roots: PinnedClient(leaf_pins(), roots),
        BrokenUnverifiedChainClient.label: lambda roots: BrokenUnverifiedChainClient(leaf_pins(), roots),
    }
    if with_callback:
        clients[BrokenCallbackClient.label] = lambda roots: BrokenCallbackClient(leaf_pins(), roots)
    return clients
