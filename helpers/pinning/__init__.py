"""Pinning: pins and pin sets (:mod:`helpers.pinning.pins`).

A later lesson adds a pinned client to this package; the pin values it checks live in
:mod:`.pins` and are re-exported here for short imports::

    from helpers.pinning import PinSet, spki_pin
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

__all__ = [
    "FORMATS", "Pin", "PinError", "PinFormatError", "PinKindError", "PinSet", "PinSetError",
    "cert_pin", "parse_pin", "spki_der", "spki_pin",
]
