"""ClientHello and ServerHello: the two messages TLS 1.3 still sends in clear.

The client's hello offers (versions, cipher suites, groups, a key share, the host name it
wants); the server's hello chooses. Both carry a 32-byte random, a session id and
extensions (:mod:`helpers.tls.extensions`). A ServerHello whose random is
:data:`HELLO_RETRY_RANDOM` is a HelloRetryRequest: "send me a key share for another group".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .extensions import Extension, parse_extensions
from .messages import Message
from .names import cipher_suite_name, version_name
from .wire import Reader

__all__ = ["HELLO_RETRY_RANDOM", "ClientHello", "ServerHello", "parse_hello"]

#: ServerHello.random of a HelloRetryRequest (RFC 8446, 4.1.3): SHA-256 of "HelloRetryRequest".
HELLO_RETRY_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


@dataclass(frozen=True)
class _Hello(Message):
    legacy_version: int = 0
    random: bytes = field(default=b"", repr=False)
    session_id: bytes = field(default=b"", repr=False)
    extensions: list[Extension] = field(default_factory=list, repr=False)

    def extension(self, name: str) -> Extension | None:
        return next((e for e in self.extensions if e.name == name), None)

    @property
    def version_code(self) -> int:
        """The version this hello speaks for (0x0304 for TLS 1.3).

        A ServerHello's supported_versions (the one version chosen) wins over legacy_version;
        a ClientHello's is a list of offers, so its legacy_version stands.
        """
        ext = self.extension("supported_versions")
        if ext is not None and self.msg_type == 2:
            return int.from_bytes(ext.data, "big")    # two bytes: parse_extensions checked them
        return self.legacy_version

    @property
    def supported_version(self) -> str:
        """The name of :attr:`version_code` (``"TLS 1.3"``)."""
        return version_name(self.version_code)

    def _common_rows(self) -> list[tuple[str, str]]:
        return [("legacy_version", version_name(self.legacy_version)),
                ("random", f"{len(self.random)} bytes"),
                ("session_id", f"{len(self.session_id)} bytes")]

    def _extension_rows(self) -> list[tuple[str, str]]:
        return [(f"extension {e.name}", e.describe()) for e in self.extensions]


@dataclass(frozen=True)
class ClientHello(_Hello):
    cipher_suites: list[int] = field(default_factory=list, repr=False)

    @property
    def cipher_suite_names(self) -> list[str]:
        return [cipher_suite_name(c) for c in self.cipher_suites]

    @property
    def server_name(self) -> str | None:
        """The SNI: the host name the client asks for, sent in clear."""
        ext = self.extension("server_name")
        return ext.value[0] if ext is not None and ext.value else None

    def rows(self) -> list[tuple[str, str]]:
        return [*self._common_rows(), ("cipher_suites", ", ".join(self.cipher_suite_names)),
                *self._extension_rows()]


@dataclass(frozen=True)
class ServerHello(_Hello):
    cipher_suite: int = 0

    @property
    def name(self) -> str:
        return "HelloRetryRequest" if self.random == HELLO_RETRY_RANDOM else "ServerHello"

    @property
    def cipher_suite_name(self) -> str:
        return cipher_suite_name(self.cipher_suite)

    def rows(self) -> list[tuple[str, str]]:
        return [*self._common_rows(), ("cipher_suite", self.cipher_suite_name), *self._extension_rows()]


def parse_hello(msg_type: int, raw: bytes, body: Reader) -> ClientHello | ServerHello:
    """A ClientHello (type 1) or ServerHello (type 2) from its body."""
    legacy_version = body.uint(2, "the legacy version")
    random = body.take(32, "the 32-byte random")
    session_id = body.vector(1, "the session id").data
    if msg_type == 1:
        suites = body.vector(2, "the cipher suite list").uints(2, "a cipher suite")
        body.vector(1, "the compression methods")
        extensions = parse_extensions(body, "ClientHello") if body.remaining else []
        body.expect_end("the ClientHello")
        return ClientHello(msg_type, raw, legacy_version, random, session_id, extensions, suites)
    suite = body.uint(2, "the chosen cipher suite")
    body.uint(1, "the compression method")
    kind = "HelloRetryRequest" if random == HELLO_RETRY_RANDOM else "ServerHello"
    extensions = parse_extensions(body, kind) if body.remaining else []
    body.expect_end(f"the {kind}")
    return ServerHello(msg_type, raw, legacy_version, random, session_id, extensions, suite)
