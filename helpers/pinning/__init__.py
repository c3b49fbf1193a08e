"""Pinning: pins and pin sets, the pinned client, and the renewal matrix.

- :mod:`.pins`: pin values in five formats, parsing, and :class:`PinSet` (re-exported here);
- :mod:`.strategy`: :class:`Strategy`, the five things an app can pin, one name each (the
  PLAN.json spellings, with display labels; re-exported here);
- :mod:`.client`: clients that check pins against the *verified* chain, and pinning by
  trust anchor (``from helpers.pinning.client import PinnedClient``);
- :mod:`.renewal`: what each pin strategy survives (same-key renewal, rekey, CA switch...);
- :mod:`.broken`: deliberately broken pin checks, for lessons only, so using them always means
  writing ``helpers.pinning.broken``.

Only :mod:`.pins` and :mod:`.strategy` are re-exported: they sit a floor below the clients (they
need only the ground floor and :mod:`helpers.pem`), so that :mod:`helpers.pki` can print pins without importing a TLS client.
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
from .strategy import Strategy, UnknownStrategyError

__all__ = [
    "FORMATS", "Pin", "PinError", "PinFormatError", "PinKindError", "PinSet", "PinSetError",
    "Strategy", "UnknownStrategyError", "cert_pin", "parse_pin", "spki_der", "spki_pin",
]
