"""Decode a :class:`~helpers.tls.capture.Capture` into a frozen :class:`Handshake`.

:func:`decode` reads the flights record by record. It learns the version and suite from the
ServerHello, the secrets from the key log (matched by the ClientHello's random), switches
each sender from its handshake key to its application key after its Finished, decrypts
TLS 1.3 records and reassembles handshake messages split across records. All of that state
lives in a private reader; the :class:`Handshake` is built once, at the end, and never
changes. Its checks are :mod:`helpers.tls.checks`; its text is :mod:`helpers.tls.report`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography import x509

from . import checks, report
from . import records as R
from .capture import Capture
from .keyschedule import TRAFFIC_SECRETS, Suite, decrypt_record, parse_keylog, suite_by_code, traffic_keys
from .names import ALERT, APPLICATION_DATA, CHANGE_CIPHER_SPEC, HANDSHAKE, TLS_1_3, Sender

__all__ = ["ApplicationData", "Flight", "Handshake", "Opaque", "RecordView", "decode"]


@dataclass(frozen=True)
class ApplicationData:
    """Decrypted application bytes: here, one HTTP request or response."""

    data: bytes = field(repr=False)
    name: str = "application data"

    def rows(self) -> list[tuple[str, str]]:
        first = self.data.split(b"\r\n", 1)[0].decode("ascii", "replace")
        return [("first line", first), ("length", f"{len(self.data)} bytes")]


@dataclass(frozen=True)
class Opaque:
    """Bytes we cannot (or do not) decrypt: TLS 1.2's encrypted records, or a missing key."""

    length: int
    name: str = "encrypted"

    def rows(self) -> list[tuple[str, str]]:
        return [("ciphertext", f"{self.length} bytes")]


@dataclass(frozen=True)
class RecordView:
    """One record as a learner sees it: who sent it, how it was protected, what was inside."""

    sender: Sender
    record: R.Record
    protection: str
    items: tuple = ()


@dataclass(frozen=True)
class Flight:
    number: int
    sender: Sender
    records: tuple[RecordView, ...]

    @property
    def items(self) -> list:
        return [item for view in self.records for item in view.items]


_KEY_NAMES = ("handshake key", "application key")
_TLS12_NAMES = {HANDSHAKE: "Finished (encrypted)", APPLICATION_DATA: "application data (encrypted)",
                ALERT: "Alert (encrypted)"}


@dataclass
class _Direction:
    """One sender's reading state: reassembly buffer, which secret is in use, sequence number."""

    sender: Sender
    buffer: bytes = b""
    stage: int = 0
    sequence: int = 0
    encrypted: bool = False    # TLS 1.2: after this sender's ChangeCipherSpec


class _Reader:
    """The state :func:`decode` carries from one record to the next (private, thrown away after)."""

    def __init__(self, keylog: str):
        self.keylog, self.tls13, self.suite, self.secrets = keylog, False, None, {}
        self.directions = {s: _Direction(s) for s in Sender}

    def record(self, sender: Sender, record: R.Record) -> RecordView:
        direction = self.directions[sender]
        if record.content_type == CHANGE_CIPHER_SPEC:
            direction.encrypted = direction.encrypted or not self.tls13
            return RecordView(sender, record, "plaintext", (R.parse_change_cipher_spec(record.fragment),))
        if record.content_type == APPLICATION_DATA and self.tls13:
            return self.decrypt(direction, record)
        if direction.encrypted:
            name = _TLS12_NAMES.get(record.content_type, "encrypted")
            return RecordView(sender, record, "encrypted (TLS 1.2, not decrypted here)",
                              (Opaque(len(record.fragment), name),))
        return RecordView(sender, record, "plaintext", self.contents(direction, record.content_type,
                                                                     record.fragment))

    def decrypt(self, direction: _Direction, record: R.Record) -> RecordView:
        secret = self.secrets.get(TRAFFIC_SECRETS[direction.sender][direction.stage])
        if secret is None or self.suite is None:
            return RecordView(direction.sender, record, "encrypted (no key in the key log)",
                              (Opaque(len(record.fragment)),))
        key, iv = traffic_keys(secret, self.suite)
        inner_type, plaintext = decrypt_record(record, key, iv, direction.sequence, self.suite)
        direction.sequence += 1
        protection = f"encrypted: {direction.sender} {_KEY_NAMES[direction.stage]}"
        return RecordView(direction.sender, record, protection,
                          self.contents(direction, inner_type, plaintext))

    def contents(self, direction: _Direction, content_type: int, data: bytes) -> tuple:
        if content_type == ALERT:
            return (R.parse_alert(data),)
        if content_type == APPLICATION_DATA:
            return (ApplicationData(data),)
        if content_type != HANDSHAKE:
            raise R.TLSParseError(f"A {direction.sender} record holds content type {content_type}, which "
                                  "this course does not parse; pass a handshake captured by run_handshake().")
        direction.buffer += data
        messages = []
        while len(direction.buffer) >= 4 + int.from_bytes(direction.buffer[1:4], "big"):
            size = 4 + int.from_bytes(direction.buffer[1:4], "big")
            raw, direction.buffer = direction.buffer[:size], direction.buffer[size:]
            message = R.parse_handshake(raw, tls13=self.tls13)[0]
            messages.append(message)
            self.learn(direction, message)
        return tuple(messages)

    def learn(self, direction: _Direction, message: R.Message) -> None:
        """React to a message: learn the secrets, the version and suite; switch keys after Finished."""
        if message.name == "ClientHello":
            self.secrets = parse_keylog(self.keylog).get(message.random.hex(), {})
        elif message.name == "ServerHello":
            self.tls13 = message.version_code == TLS_1_3
            self.suite = suite_by_code(message.cipher_suite) if self.tls13 else None
        elif message.name == "Finished" and self.tls13:
            direction.stage, direction.sequence = direction.stage + 1, 0


def decode(capture: Capture) -> Handshake:
    """Decrypt and parse every flight of ``capture``; the result is frozen."""
    reader = _Reader(capture.keylog)
    flights = tuple(Flight(number, sender, tuple(reader.record(sender, r) for r in R.parse_records(data)))
                    for number, (sender, data) in enumerate(capture.flights, 1))
    return Handshake(capture, flights, reader.tls13, reader.suite, dict(reader.secrets))


@dataclass(frozen=True)
class Handshake:
    """A captured handshake, decrypted and parsed (build one with :func:`decode` or ``run_handshake``)."""

    capture: Capture = field(repr=False)
    flights: tuple[Flight, ...] = field(repr=False)
    tls13: bool = False
    suite: Suite | None = field(default=None, repr=False)
    secrets: Mapping[str, bytes] = field(default_factory=dict, repr=False)

    # -- looking things up -------------------------------------------------------------------------
    @property
    def items(self) -> list[tuple[int, Sender, object]]:
        """Every parsed item in order: (flight number, sender, message / alert / data)."""
        return [(f.number, f.sender, item) for f in self.flights for item in f.items]

    @property
    def messages(self) -> list[R.Message]:
        """The handshake messages in the order they were sent."""
        return [item for _, _, item in self.items if isinstance(item, R.Message)]

    def find(self, name: str, sender: Sender | None = None):
        """The first message (or alert) called ``name``, optionally from one sender."""
        return next((item for _, who, item in self.items
                     if getattr(item, "name", None) == name and sender in (None, who)), None)

    @property
    def client_hello(self) -> R.ClientHello | None:
        return self.find("ClientHello")

    @property
    def server_hello(self) -> R.ServerHello | None:
        return self.find("ServerHello")

    @property
    def version(self) -> str:
        hello = self.server_hello
        return hello.supported_version if hello else "none (handshake failed early)"

    @property
    def cipher_suite(self) -> str:
        return self.server_hello.cipher_suite_name if self.server_hello else "none"

    @property
    def errors(self) -> dict[Sender, str]:
        """What each side's application saw when the handshake failed: class and reason."""
        return dict(self.capture.errors)

    @property
    def alerts(self) -> list[tuple[Sender, R.Alert]]:
        return [(who, item) for _, who, item in self.items if isinstance(item, R.Alert)]

    @property
    def succeeded(self) -> bool:
        return not self.capture.errors

    def chain(self) -> list[x509.Certificate]:
        """The certificates inside the Certificate message, leaf first, as the server sent them."""
        certificate = self.find("Certificate", Sender.SERVER)
        if certificate is None:
            raise checks.MissingMessageError("This handshake has no readable Certificate message; run one "
                                             "that got as far as the server's flight.")
        return certificate.certificates()

    # -- checking (helpers.tls.checks) and showing (helpers.tls.report) ------------------------------
    def certificate_verify_content(self) -> bytes:
        return checks.certificate_verify_content(self)

    def verify_certificate_verify(self) -> bool:
        return checks.verify_certificate_verify(self)

    def verify_finished(self) -> dict[Sender, bool]:
        return checks.verify_finished(self)

    def flight_rows(self) -> list[tuple[str, str, str, str]]:
        return report.flight_rows(self)

    def flight_table(self):
        return report.flight_table(self)

    def check_lines(self) -> list[str]:
        return report.check_lines(self)

    def walk(self) -> str:
        return report.walk(self)

    def __repr__(self) -> str:
        return f"<Handshake {self.version} {self.cipher_suite}: {len(self.flights)} flights>"
