"""Pinning: pins and pin sets, the pinned client, and the renewal matrix.

- :mod:`.pins`: pin values in five formats, parsing, and :class:`PinSet`.
- :mod:`.client`: clients that check pins against the *verified* chain, and pinning by
  trust anchor.
- :mod:`.renewal`: what each pin strategy survives (same-key renewal, rekey, CA switch...).
- :mod:`.broken`: deliberately broken pin checks, for lessons only. It is not re-exported, so
  using it always means writing ``helpers.pinning.broken``.

Short imports work for all of the above::

    from helpers.pinning import PinSet, PinnedClient, spki_pin
"""

from .pins import (
    FORMATS,
    Pin,
    PinError,
    PinFormatError,
    PinKindError,
    PinSet,
    PinSetError,
    cert_pin,
    parse_pin,
    spki_der,
    spki_pin,
)

# The client needs helpers.pki, which itself uses .pins; importing the client lazily keeps
# "import helpers.pki" free of an import cycle.
_LAZY = {
    "CaClient": "client", "PinnedClient": "client", "Refused": "client", "TrustAnchorClient": "client",
    "check_pins": "client", "fetch": "client", "rebuild_verified_chain": "client",
    "trust_anchor_context": "client", "trust_store_context": "client", "unverified_chain": "client",
    "verified_chain": "client", "renewal_matrix": "renewal",
}

__all__ = [
    "FORMATS", "Pin", "PinError", "PinFormatError", "PinKindError", "PinSet", "PinSetError",
    "cert_pin", "parse_pin", "spki_der", "spki_pin", *_LAZY,
]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
