"""TLS's wire format: big-endian integers and length-prefixed vectors, every bound checked.

Inside a record or a handshake message, lists and byte strings are prefixed by their length
in 1, 2 or 3 bytes (RFC 8446, section 3). :class:`Reader` reads them; bytes that end too
early, or that cannot be what they claim to be, raise :class:`TLSParseError`, which names the
offset and what the parser expected there. The parsers in :mod:`helpers.tls.records`,
:mod:`helpers.tls.extensions`, :mod:`helpers.tls.hellos` and :mod:`helpers.tls.messages` all
read through it.
"""

from __future__ import annotations

from ..errors import BadInputError

__all__ = ["Reader", "TLSParseError", "as_bytes"]


class TLSParseError(BadInputError):
    """Bytes that are not a well-formed TLS record or message (the message names the offset)."""


def as_bytes(data) -> bytes:
    """``data`` as bytes; anything that is not bytes-like is a :class:`TLSParseError`."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TLSParseError(f"Expected bytes to parse, got {type(data).__name__}; pass the raw bytes.")
    return bytes(data)


class Reader:
    """Reads big-endian integers and length-prefixed vectors, checking every bound.

    ``base`` is the offset of ``data[0]`` in the outermost buffer, so error messages point
    at the byte a learner would find in a hex dump of the whole record.
    """

    def __init__(self, data: bytes, base: int = 0, where: str = "TLS data"):
        self.data, self.pos, self.base, self.where = bytes(data), 0, base, where

    @property
    def offset(self) -> int:
        return self.base + self.pos

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int, what: str) -> bytes:
        if n > self.remaining:
            raise TLSParseError(
                f"The {self.where} ends too early at offset {self.offset}: expected {what} "
                f"({n} bytes) but only {self.remaining} remain; pass the complete, unmodified bytes."
            )
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def uint(self, size: int, what: str) -> int:
        return int.from_bytes(self.take(size, what), "big")

    def vector(self, size: int, what: str) -> Reader:
        """A sub-reader over a vector whose length is given in ``size`` bytes."""
        length = self.uint(size, f"the {size}-byte length of {what}")
        start = self.offset
        return Reader(self.take(length, what), start, self.where)

    def uints(self, size: int, what: str) -> list[int]:
        """Read the rest of this reader as a list of ``size``-byte integers."""
        if self.remaining % size:
            raise TLSParseError(
                f"The {self.where} holds {what} at offset {self.offset} whose length "
                f"{self.remaining} is not a multiple of {size}; pass the complete, unmodified bytes."
            )
        return [self.uint(size, what) for _ in range(self.remaining // size)]

    def expect_end(self, what: str) -> None:
        if self.remaining:
            raise TLSParseError(
                f"The {self.where} has {self.remaining} unexpected bytes at offset {self.offset} after "
                f"{what}; pass exactly one well-formed item."
            )
