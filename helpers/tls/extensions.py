"""Hello extensions: how a ClientHello asks and a server answers (RFC 8446, 4.2).

Every extension is a 2-byte type and a length-prefixed body. The ones lesson 04 talks about
are decoded into names (server_name, supported_groups, signature_algorithms, ALPN,
supported_versions, key_share); the others are kept as raw bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .names import extension_name, group_name, signature_scheme_name, version_name
from .wire import Reader

__all__ = ["Extension", "parse_extensions"]


@dataclass(frozen=True)
class Extension:
    """One extension: its number, its name, its raw data and (for the ones taught) a parsed value."""

    type: int
    data: bytes = field(repr=False)
    value: object = None

    @property
    def name(self) -> str:
        return extension_name(self.type)

    def describe(self) -> str:
        """A short, deterministic text for tables (names and lengths, never random bytes)."""
        value = self.value
        if value is None:
            return f"{len(self.data)} bytes"
        if self.type == 51:  # key_share: group names and key lengths only
            return ", ".join(f"{group_name(g)} ({len(k)}-byte key)" if k is not None else group_name(g)
                             for g, k in value)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)


def parse_extensions(reader: Reader, message: str) -> list[Extension]:
    """The 2-byte-length extension block of ``message`` (``"ClientHello"``, ``"ServerHello"``...)."""
    block, extensions = reader.vector(2, f"the {message} extensions"), []
    while block.remaining:
        ext_type = block.uint(2, "an extension type")
        body = block.vector(2, f"the {extension_name(ext_type)} extension")
        extensions.append(Extension(ext_type, body.data, _parse_extension(ext_type, body, message)))
    return extensions


def _parse_extension(ext_type: int, body: Reader, message: str) -> object:
    """Decode the extensions the lesson talks about; keep the others as raw bytes."""
    hello = message == "ClientHello"
    if ext_type == 0:                       # server_name: list of (type, host name)
        if not body.remaining:
            return None                     # a server's empty acknowledgement
        names, entries = [], body.vector(2, "the server_name list")
        while entries.remaining:
            entries.uint(1, "a server name type")
            names.append(entries.vector(2, "a server name").data.decode("ascii", "replace"))
        value = names
    elif ext_type == 10:                    # supported_groups
        value = [group_name(g) for g in body.vector(2, "the group list").uints(2, "a group")]
    elif ext_type in (13, 50):              # signature_algorithms(_cert)
        value = [signature_scheme_name(s)
                 for s in body.vector(2, "the signature scheme list").uints(2, "a signature scheme")]
    elif ext_type == 16:                    # ALPN: list of protocol names
        value, entries = [], body.vector(2, "the ALPN list")
        while entries.remaining:
            value.append(entries.vector(1, "a protocol name").data.decode("ascii", "replace"))
    elif ext_type == 43:                    # supported_versions: a list in ClientHello, one in ServerHello
        value = ([version_name(v) for v in body.vector(1, "the version list").uints(2, "a version")]
                 if hello else version_name(body.uint(2, "the selected version")))
    elif ext_type == 51:                    # key_share
        value = _parse_key_share(body, message)
    else:
        return None
    body.expect_end(f"the {extension_name(ext_type)} extension")
    return value


def _parse_key_share(body: Reader, message: str) -> object:
    if message == "ClientHello":
        shares, entries = [], body.vector(2, "the key share list")
        while entries.remaining:
            group = entries.uint(2, "a key share group")
            shares.append((group, entries.vector(2, "a key share").data))
        return shares
    group = body.uint(2, "the key share group")
    if message == "HelloRetryRequest":
        return [(group, None)]
    return [(group, body.vector(2, "the server's key share").data)]
