"""What an app pins: the five pin strategies, under one name each.

The values are the spellings a PLAN.json file uses (``"leaf-spki+backup"``); :attr:`Strategy.label`
is the name the renewal matrix of lesson 06 shows, and :attr:`Strategy.description` is what the
rotation lab's menu says. Parse text with :meth:`Strategy.parse`, which explains a typo in one
sentence instead of raising a bare ``ValueError``.
"""

from __future__ import annotations

import enum

from ..errors import BadInputError

__all__ = ["Strategy", "UnknownStrategyError"]


class UnknownStrategyError(BadInputError):
    """A pin strategy that is not one of the five."""


class Strategy(enum.StrEnum):
    """Which part of the server's chain the app pins."""

    CERTIFICATE = "certificate"         # the leaf certificate's hash: changes at every renewal
    LEAF_SPKI = "leaf-spki"             # the leaf's key: survives renewals that reuse the key
    LEAF_SPKI_BACKUP = "leaf-spki+backup"  # the leaf's key plus a backup key held offline
    INTERMEDIATE = "intermediate"       # the issuing CA's key
    ROOT = "root"                       # the root CA's key

    @property
    def label(self) -> str:
        """The short display name: ``"leaf SPKI + backup"``."""
        return _LABELS[self]

    @property
    def description(self) -> str:
        """What is pinned, in a few words: ``"leaf key + backup key"``."""
        return _DESCRIPTIONS[self]

    @classmethod
    def parse(cls, value: str | Strategy) -> Strategy:
        """``value`` as a :class:`Strategy`; raise :class:`UnknownStrategyError` if it is none."""
        try:
            return cls(value)
        except ValueError:
            known = ", ".join(s.value for s in cls)
            raise UnknownStrategyError(f"unknown pin strategy {value!r}; use one of {known}.") from None


_LABELS = {
    Strategy.CERTIFICATE: "certificate pin", Strategy.LEAF_SPKI: "leaf SPKI",
    Strategy.LEAF_SPKI_BACKUP: "leaf SPKI + backup", Strategy.INTERMEDIATE: "intermediate SPKI",
    Strategy.ROOT: "root SPKI",
}
_DESCRIPTIONS = {
    Strategy.CERTIFICATE: "certificate (leaf cert hash)", Strategy.LEAF_SPKI: "leaf key (SPKI)",
    Strategy.LEAF_SPKI_BACKUP: "leaf key + backup key", Strategy.INTERMEDIATE: "intermediate CA key",
    Strategy.ROOT: "root CA key",
}
