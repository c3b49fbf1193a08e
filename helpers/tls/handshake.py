"""Step a real TLS handshake in memory, then decrypt and check every message.

Two OpenSSL endpoints (Python ``ssl``) talk through ``MemoryBIO`` pipes in one thread, so
nothing touches the network and every byte is ours to read. Each time one side has
spoken, the bytes it wrote are one *flight*. The client's ``SSLContext.keylog_filename``
writes the secrets (the same key log browsers write with ``SSLKEYLOGFILE``); from them
:mod:`helpers.tls.keyschedule` derives the record keys (HKDF-Expand-Label) and decrypts
what TLS 1.3 encrypts (AEAD, nonce = IV XOR sequence number).

Then it checks what the client checked: the chain in the Certificate message,
CertificateVerify (the leaf key's signature over the transcript hash) and both Finished
MACs::

    hs = run_handshake()
    hs.flight_rows()                        # who sent what, encrypted or not
    hs.chain()                              # the certificates the server sent
    hs.verify_certificate_verify(), hs.verify_finished()

Python 3.11 cannot pick the TLS 1.3 cipher suite, so ``suite=`` runs the capture in a
child process whose OpenSSL configuration (``OPENSSL_CONF``) allows only that suite.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import ssl
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

from ..errors import BadInputError
from . import records as R
from .keyschedule import (  # re-exported: older code imports the key schedule from here
    SUITES,
    DecryptionError,
    KeyLogError,
    Suite,
    decrypt_record,
    finished_mac,
    hkdf_expand_label,
    parse_keylog,
    record_nonce,
    suite_by_code,
    traffic_keys,
)
from .servers import API_TOKEN, HOST, USERS, as_chain, client_context, describe_exception, server_context

__all__ = [
    "FAILURES", "SUITES", "Capture", "DecryptionError", "Flight", "Handshake", "HandshakeError", "KeyLogError",
    "RecordView", "Suite", "add_cli", "capture_handshake", "decrypt_record", "failed_handshake",
    "finished_mac", "format_table", "hkdf_expand_label", "offered_tls13_suites", "parse_keylog",
    "record_nonce", "run_handshake", "traffic_keys", "with_reordered_cipher_suites",
]


class HandshakeError(BadInputError):
    """A handshake could not be run or analysed as asked (an unknown suite, a missing key log)."""


# --- capturing a handshake ------------------------------------------------------------------------

@dataclass
class Capture:
    """The raw material: who sent which bytes, the key log, and what each side raised."""

    flights: list[tuple[str, bytes]]
    keylog: str
    errors: dict[str, str] = field(default_factory=dict)
    negotiated: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"flights": [(s, d.hex()) for s, d in self.flights], "keylog": self.keylog,
                           "errors": self.errors, "negotiated": self.negotiated})

    @classmethod
    def from_json(cls, text: str) -> Capture:
        data = json.loads(text)
        return cls([(s, bytes.fromhex(d)) for s, d in data["flights"]], data["keylog"], data["errors"],
                   data["negotiated"])


REQUEST = f"GET /users HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Bearer {API_TOKEN}\r\n\r\n".encode()
_BODY = json.dumps(list(USERS)).encode()
RESPONSE = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(_BODY)}\r\n\r\n".encode()
            + _BODY)


def _pump(name: str, out: ssl.MemoryBIO, peer_in: ssl.MemoryBIO, flights: list) -> bool:
    data = out.read()
    if data:
        flights.append((name, data))
        peer_in.write(data)
    return bool(data)


def _step(client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, server_hostname: str,
          request: bool) -> tuple[list, dict, dict]:
    """Alternate client and server until neither has anything to say; each turn's bytes are a flight."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    ends = {"client": (client_ctx.wrap_bio(c_in, c_out, server_hostname=server_hostname), c_out, s_in),
            "server": (server_ctx.wrap_bio(s_in, s_out, server_side=True), s_out, c_in)}
    flights, errors, done = [], {}, set()
    for _ in range(12):                      # a handshake needs four turns; failures fewer
        spoke = False
        for name, (end, out, peer_in) in ends.items():
            if name not in errors and name not in done:
                try:
                    end.do_handshake()
                    done.add(name)
                except ssl.SSLWantReadError:
                    pass
                except (ssl.SSLError, OSError) as exc:
                    errors[name] = describe_exception(exc)
            spoke = _pump(name, out, peer_in, flights) or spoke
        if not spoke:
            break
    client, server = ends["client"][0], ends["server"][0]
    negotiated = {}
    if not errors:
        negotiated = {"version": client.version(), "cipher": client.cipher()[0],
                      "alpn": client.selected_alpn_protocol() or ""}
        if request:                          # one request and response, to see application data
            client.write(REQUEST)
            _pump("client", c_out, s_in, flights)
            server.read(65536)
            server.write(RESPONSE)
            _pump("server", s_out, c_in, flights)
            client.read(65536)
    return flights, errors, negotiated


def capture_handshake(chain=None, key=None, *, roots=None, server_hostname: str = HOST, tls12: bool = False,
                      suite: str | None = None, request: bool = True) -> Capture:
    """Run one handshake between two ``ssl`` endpoints and return the raw :class:`Capture`.

    ``chain``/``key``: what the server presents (default: the course leaf + intermediate).
    ``roots``: what the client trusts (default: the course root). ``suite``: force one TLS
    1.3 cipher suite (runs in a child process, see the module docstring).
    """
    if suite is not None and tls12:
        raise HandshakeError("suite= picks a TLS 1.3 cipher suite, so it cannot be combined with tls12=True; "
                             "drop one of them.")
    if suite is not None:
        return _capture_in_child(chain, key, roots=roots, server_hostname=server_hostname, suite=suite,
                                 request=request)
    server_ctx = server_context(chain, key, tls12=tls12)
    client_ctx = client_context(roots, tls12=tls12)
    with tempfile.TemporaryDirectory(prefix="course-keylog-") as folder:
        keylog = Path(folder, "keys.log")
        client_ctx.keylog_filename = str(keylog)
        flights, errors, negotiated = _step(client_ctx, server_ctx, server_hostname, request)
        client_ctx.keylog_filename = None     # flush and close the file before reading it
        text = keylog.read_text() if keylog.exists() else ""
    return Capture(flights, text, errors, negotiated)


_OPENSSL_CONF = """openssl_conf = course_conf
[course_conf]
ssl_conf = course_ssl
[course_ssl]
system_default = course_tls
[course_tls]
Ciphersuites = {suite}
"""


def _capture_in_child(chain, key, *, roots, server_hostname, suite, request) -> Capture:
    if suite not in SUITES:
        raise HandshakeError(f"{suite!r} is not a TLS 1.3 cipher suite this course decrypts; pick one of "
                             f"{', '.join(SUITES)}.")
    certs, key = as_chain(chain, key)
    if roots is None:
        from ..pki import course_pki

        roots = [course_pki().root.cert]
    job = {"chain": [c.public_bytes(serialization.Encoding.PEM).decode() for c in certs],
           "key": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode(),
           "roots": [getattr(r, "cert", r).public_bytes(serialization.Encoding.PEM).decode() for r in roots],
           "server_hostname": server_hostname, "request": request}
    with tempfile.TemporaryDirectory(prefix="course-openssl-") as folder:
        conf = Path(folder, "openssl.cnf")
        conf.write_text(_OPENSSL_CONF.format(suite=suite))
        package_root = str(Path(__file__).resolve().parents[2])   # so the child can import helpers
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
        env = {**os.environ, "OPENSSL_CONF": str(conf), "PYTHONPATH": path}
        done = subprocess.run([sys.executable, "-c", "from helpers.tls.handshake import _child; _child()"],
                              input=json.dumps(job), capture_output=True, text=True, env=env, timeout=60)
    if done.returncode != 0:
        raise HandshakeError(f"The child process that forces {suite} failed "
                             f"({done.stderr.strip().splitlines()[-1:] or ['no output']}); run it without "
                             "suite= to use the suite OpenSSL picks.")
    capture = Capture.from_json(done.stdout)
    if capture.negotiated.get("cipher", suite) != suite:
        raise HandshakeError(f"This OpenSSL ignored the configuration and negotiated "
                             f"{capture.negotiated['cipher']} instead of {suite}; run without suite=.")
    return capture


def _child() -> None:
    """Entry point of the child process: read a job on stdin, write a Capture on stdout."""
    job = json.loads(sys.stdin.read())
    chain = [x509.load_pem_x509_certificate(p.encode()) for p in job["chain"]]
    key = serialization.load_pem_private_key(job["key"].encode(), None)
    roots = [x509.load_pem_x509_certificate(p.encode()) for p in job["roots"]]
    capture = capture_handshake(chain, key, roots=roots, server_hostname=job["server_hostname"],
                                request=job["request"])
    sys.stdout.write(capture.to_json())


def offered_tls13_suites() -> list[str]:
    """The TLS 1.3 suites this Python's OpenSSL enables by default (what a ClientHello offers)."""
    names = {c["name"] for c in ssl.create_default_context().get_ciphers() if c["protocol"] == "TLSv1.3"}
    return [name for name in SUITES if name in names]


# --- analysing a capture ------------------------------------------------------------------------

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
    """Bytes we cannot (or do not) decrypt: TLS 1.2's encrypted records."""

    length: int
    name: str = "encrypted"

    def rows(self) -> list[tuple[str, str]]:
        return [("ciphertext", f"{self.length} bytes")]


@dataclass
class RecordView:
    """One record as a learner sees it: who sent it, how it was protected, what was inside."""

    sender: str
    record: R.Record
    protection: str
    items: list = field(default_factory=list)


@dataclass
class Flight:
    number: int
    sender: str
    records: list[RecordView]

    @property
    def items(self) -> list:
        return [item for view in self.records for item in view.items]


_SECRETS = {"client": ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0"),
            "server": ("SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0")}
_KEY_NAMES = ("handshake key", "application key")


class _Direction:
    """One sender's state: reassembly buffer, which secret is in use, record sequence number."""

    def __init__(self, sender: str):
        self.sender, self.buffer, self.stage, self.sequence, self.encrypted = sender, b"", 0, 0, False

    def next_key(self) -> None:
        self.stage, self.sequence = self.stage + 1, 0


class Handshake:
    """A captured handshake, decrypted and parsed (build one with :func:`run_handshake`)."""

    def __init__(self, capture: Capture):
        self.capture = capture
        self.tls13 = False
        self.suite: Suite | None = None
        self._secrets: dict[str, bytes] = {}
        self._directions = {s: _Direction(s) for s in ("client", "server")}
        self.flights = [self._read_flight(n, s, d) for n, (s, d) in enumerate(capture.flights, 1)]

    # -- reading ---------------------------------------------------------------------------------
    def _read_flight(self, number: int, sender: str, data: bytes) -> Flight:
        return Flight(number, sender, [self._read_record(sender, r) for r in R.parse_records(data)])

    def _read_record(self, sender: str, record: R.Record) -> RecordView:
        direction = self._directions[sender]
        if record.content_type == R.CHANGE_CIPHER_SPEC:
            if not self.tls13:
                direction.encrypted = True       # TLS 1.2: from now on, this side encrypts
            return RecordView(sender, record, "plaintext", [R.parse_change_cipher_spec(record.fragment)])
        if record.content_type == R.APPLICATION_DATA and self.tls13:
            return self._decrypt(direction, record)
        if direction.encrypted:
            return RecordView(sender, record, "encrypted (TLS 1.2, not decrypted here)",
                              [Opaque(len(record.fragment), _tls12_name(record))])
        return RecordView(sender, record, "plaintext", self._contents(direction, record.content_type,
                                                                      record.fragment))

    def _decrypt(self, direction: _Direction, record: R.Record) -> RecordView:
        label = _SECRETS[direction.sender][direction.stage]
        secret = self._secrets.get(label)
        if secret is None or self.suite is None:
            return RecordView(direction.sender, record, "encrypted (no key in the key log)",
                              [Opaque(len(record.fragment))])
        key, iv = traffic_keys(secret, self.suite)
        inner_type, plaintext = decrypt_record(record, key, iv, direction.sequence, self.suite)
        direction.sequence += 1
        protection = f"encrypted: {direction.sender} {_KEY_NAMES[direction.stage]}"
        return RecordView(direction.sender, record, protection,
                          self._contents(direction, inner_type, plaintext))

    def _contents(self, direction: _Direction, content_type: int, data: bytes) -> list:
        if content_type == R.ALERT:
            return [R.parse_alert(data)]
        if content_type == R.APPLICATION_DATA:
            return [ApplicationData(data)]
        if content_type != R.HANDSHAKE:
            raise R.TLSParseError(f"A {direction.sender} record holds content type {content_type}, which "
                                  "this course does not parse; pass a handshake captured by run_handshake().")
        direction.buffer += data
        messages = []
        while len(direction.buffer) >= 4 and len(direction.buffer) >= 4 + int.from_bytes(
                direction.buffer[1:4], "big"):
            size = 4 + int.from_bytes(direction.buffer[1:4], "big")
            raw, direction.buffer = direction.buffer[:size], direction.buffer[size:]
            message = R.parse_handshake(raw, tls13=self.tls13)[0]
            messages.append(message)
            self._after(direction, message)
        return messages

    def _after(self, direction: _Direction, message: R.Message) -> None:
        """React to a message: learn the version and keys, switch keys after Finished."""
        if message.name == "ClientHello":
            self._secrets = parse_keylog(self.capture.keylog).get(message.random.hex(), {})
        elif message.name == "ServerHello":
            self.tls13 = message.supported_version == "TLS 1.3"
            self.suite = suite_by_code(message.cipher_suite) if self.tls13 else None
        elif message.name == "Finished" and self.tls13:
            direction.next_key()

    # -- looking things up -------------------------------------------------------------------------
    @property
    def items(self) -> list[tuple[int, str, object]]:
        """Every parsed item in order: (flight number, sender, message / alert / data)."""
        return [(f.number, f.sender, item) for f in self.flights for item in f.items]

    @property
    def messages(self) -> list[R.Message]:
        """The handshake messages in the order they were sent."""
        return [item for _, _, item in self.items if isinstance(item, R.Message)]

    def find(self, name: str, sender: str | None = None):
        """The first message (or alert) called ``name``, optionally from one sender."""
        for _, who, item in self.items:
            if getattr(item, "name", None) == name and sender in (None, who):
                return item
        return None

    @property
    def version(self) -> str:
        server_hello = self.find("ServerHello")
        return server_hello.supported_version if server_hello else "none (handshake failed early)"

    @property
    def cipher_suite(self) -> str:
        server_hello = self.find("ServerHello")
        return server_hello.cipher_suite_name if server_hello else "none"

    @property
    def client_hello(self) -> R.ClientHello:
        return self.find("ClientHello")

    @property
    def server_hello(self) -> R.ServerHello:
        return self.find("ServerHello")

    @property
    def errors(self) -> dict[str, str]:
        """What each side's application saw when the handshake failed: class and reason."""
        return dict(self.capture.errors)

    @property
    def alerts(self) -> list[tuple[str, R.Alert]]:
        return [(who, item) for _, who, item in self.items if isinstance(item, R.Alert)]

    @property
    def succeeded(self) -> bool:
        return not self.capture.errors

    def chain(self) -> list[x509.Certificate]:
        """The certificates inside the Certificate message, leaf first, as the server sent them."""
        certificate = self.find("Certificate", "server")
        if certificate is None:
            raise HandshakeError("This handshake has no readable Certificate message; run one that got as "
                                 "far as the server's flight.")
        return certificate.certificates()

    # -- checking ----------------------------------------------------------------------------------
    def transcript_hash(self, upto: str, sender: str) -> bytes:
        """Hash of every handshake message before the first ``upto`` sent by ``sender``."""
        self._need_tls13("the transcript hash")
        data = b""
        for _, who, item in self.items:
            if isinstance(item, R.Message):
                if item.name == upto and who == sender:
                    return hashlib.new(self.suite.hash.name, data).digest()
                if item.name == "HelloRetryRequest":
                    raise HandshakeError("This handshake used a HelloRetryRequest, whose transcript this "
                                         "course does not rebuild; run it again without forcing a group.")
                data += item.raw
        raise HandshakeError(f"No {upto} from the {sender} in this handshake; check the flights first.")

    def certificate_verify_content(self) -> bytes:
        """What the server signed: 64 spaces, the context string, a zero byte, the transcript hash."""
        return (b" " * 64 + b"TLS 1.3, server CertificateVerify" + b"\x00"
                + self.transcript_hash("CertificateVerify", "server"))

    def verify_certificate_verify(self) -> bool:
        """True when CertificateVerify is the leaf key's valid signature over the transcript."""
        self._need_tls13("CertificateVerify")
        message = self.find("CertificateVerify", "server")
        if message is None:
            raise HandshakeError("This handshake has no CertificateVerify; only a completed TLS 1.3 "
                                 "server flight carries one.")
        return _verify_signature(self.chain()[0].public_key(), message.scheme, message.signature,
                                 self.certificate_verify_content())

    def expected_finished(self, sender: str) -> bytes:
        """The verify_data ``sender`` should send: HMAC(finished_key, transcript hash)."""
        base = self._secrets.get(_SECRETS[sender][0])
        if base is None:
            raise HandshakeError(f"The key log has no {_SECRETS[sender][0]}; capture with run_handshake().")
        return finished_mac(base, self.transcript_hash("Finished", sender), self.suite)

    def verify_finished(self) -> dict[str, bool]:
        """For each side, whether its Finished equals the MAC we compute over the transcript."""
        self._need_tls13("Finished verification")
        results = {}
        for sender in ("server", "client"):
            message = self.find("Finished", sender)
            if message is None:
                raise HandshakeError(f"This handshake has no decrypted {sender} Finished; verify a complete "
                                     "handshake captured with its key log.")
            results[sender] = hmac.compare_digest(message.body, self.expected_finished(sender))
        return results

    def _need_tls13(self, what: str) -> None:
        if not self.tls13 or self.suite is None:
            raise HandshakeError(f"{what.capitalize()} is shown for TLS 1.3 only, and this handshake is "
                                 f"{self.version}; run run_handshake() without tls12=True.")

    # -- showing -----------------------------------------------------------------------------------
    def flight_rows(self) -> list[tuple[str, str, str, str]]:
        """(flight, direction, protection, contents): one row per record, no random bytes."""
        rows = []
        for flight in self.flights:
            arrow = "client → server" if flight.sender == "client" else "server → client"
            for view in flight.records:
                names = ", ".join(f"Alert ({i.name})" if isinstance(i, R.Alert) else getattr(i, "name", "?")
                                  for i in view.items)
                rows.append((str(flight.number), arrow, view.protection, names))
        return rows

    def walk(self) -> str:
        """The whole handshake as text: flights, then each message's fields, then the checks."""
        lines = [f"{self.version}, {self.cipher_suite}", "",
                 format_table(self.flight_rows(), ("flight", "direction", "protection", "contents")), ""]
        for number, who, item in self.items:
            lines.append(f"flight {number} · {who} · {item.name}")
            lines.extend(f"    {name}: {value}" for name, value in item.rows())
        lines.append("")
        lines.extend(self.check_lines())
        return "\n".join(lines)

    def check_lines(self) -> list[str]:
        lines = []
        if self.find("Certificate", "server") is not None:
            subjects = [c.subject.rfc4514_string() for c in self.chain()]
            lines.append(f"chain in the Certificate message: {' ← '.join(subjects)}")
        if self.tls13 and self.find("CertificateVerify", "server") is not None:
            lines.append(f"CertificateVerify signature valid: {self.verify_certificate_verify()}")
        if self.tls13 and self.find("Finished", "client") is not None:
            for sender, ok in self.verify_finished().items():
                lines.append(f"{sender} Finished MAC valid: {ok}")
        for sender, alert in self.alerts:
            lines.append(f"alert sent by the {sender}: {alert}")
        for sender, error in self.errors.items():
            lines.append(f"exception seen by the {sender} app: {error}")
        return lines

    def __repr__(self) -> str:
        return f"<Handshake {self.version} {self.cipher_suite}: {len(self.flights)} flights>"


def _tls12_name(record: R.Record) -> str:
    return {R.HANDSHAKE: "Finished (encrypted)", R.APPLICATION_DATA: "application data (encrypted)",
            R.ALERT: "Alert (encrypted)"}.get(record.content_type, "encrypted")


_SCHEME_HASHES = {0x0403: hashes.SHA256, 0x0503: hashes.SHA384, 0x0603: hashes.SHA512,
                  0x0804: hashes.SHA256, 0x0805: hashes.SHA384, 0x0806: hashes.SHA512,
                  0x0809: hashes.SHA256, 0x080A: hashes.SHA384, 0x080B: hashes.SHA512,
                  0x0401: hashes.SHA256, 0x0501: hashes.SHA384, 0x0601: hashes.SHA512}


def _verify_signature(public_key, scheme: int, signature: bytes, content: bytes) -> bool:
    """Verify a TLS signature scheme with cryptography; False when it does not verify."""
    try:
        if isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            public_key.verify(signature, content)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, content, ec.ECDSA(_SCHEME_HASHES[scheme]()))
        elif isinstance(public_key, rsa.RSAPublicKey) and scheme in (0x0401, 0x0501, 0x0601):
            public_key.verify(signature, content, padding.PKCS1v15(), _SCHEME_HASHES[scheme]())
        elif isinstance(public_key, rsa.RSAPublicKey):
            digest = _SCHEME_HASHES[scheme]()
            pss = padding.PSS(padding.MGF1(digest), digest.digest_size)   # salt length = hash length
            public_key.verify(signature, content, pss, digest)
        else:
            return False
    except (InvalidSignature, KeyError, ValueError):
        return False
    return True


# --- the front door -------------------------------------------------------------------------------

def run_handshake(chain=None, key=None, *, roots=None, server_hostname: str = HOST, tls12: bool = False,
                  suite: str | None = None, request: bool = True) -> Handshake:
    """Run, decrypt and parse one handshake (see :func:`capture_handshake` for the arguments)."""
    return Handshake(capture_handshake(chain, key, roots=roots, server_hostname=server_hostname,
                                       tls12=tls12, suite=suite, request=request))


def with_reordered_cipher_suites(handshake: Handshake) -> Handshake:
    """A copy in which someone on the path swapped the first two suites the client offered.

    Only our recorded bytes change, not the keys: it shows what the two Finished MACs
    would catch if an attacker edited a handshake message (say, to push a weaker suite).
    """
    sender, data = handshake.capture.flights[0]
    hello = handshake.client_hello
    if sender != "client" or hello is None or len(hello.cipher_suites) < 2:
        raise HandshakeError("This capture does not start with a ClientHello offering two suites; use one "
                             "from run_handshake().")
    start = 5 + 4 + 2 + 32 + 1 + len(hello.session_id) + 2   # record + message headers, fields before
    data = data[:start] + data[start + 2:start + 4] + data[start:start + 2] + data[start + 4:]
    capture = handshake.capture
    return Handshake(Capture([(sender, data), *capture.flights[1:]], capture.keylog, capture.errors,
                             capture.negotiated))


def _unknown_ca_case() -> dict:
    from ..pki import course_pki

    return {"chain": course_pki().corporate_leaf}


#: The failing handshakes the lesson shows: what changes from the good one, and why it fails.
FAILURES = {
    "wrong-host": ("the client asks for www.yourapp.com; the certificate names only api.yourapp.com",
                   lambda: {"server_hostname": "www.yourapp.com"}),
    "unknown-ca": ("the server presents a chain from a CA the client does not trust (a corporate proxy CA)",
                   _unknown_ca_case),
}


def failed_handshake(case: str, *, tls12: bool = False) -> Handshake:
    """Run one of :data:`FAILURES` and return it; ``.alerts`` and ``.errors`` say what went wrong."""
    if case not in FAILURES:
        raise HandshakeError(f"{case!r} is not a failing-handshake case; pick one of {', '.join(FAILURES)}.")
    return run_handshake(tls12=tls12, request=False, **FAILURES[case][1]())


def format_table(rows, headers, *, wrap: int = 80) -> str:
    """A plain-text table (monospace columns); the last column wraps at ``wrap`` characters."""
    lines = []
    for row in rows:
        cells = [str(c) for c in row]
        pieces = textwrap.wrap(cells[-1], wrap, break_on_hyphens=False) or [""]
        lines.append(cells[:-1] + [pieces[0]])
        lines.extend([""] * (len(cells) - 1) + [piece] for piece in pieces[1:])
    widths = [max([len(str(h))] + [len(line[i]) for line in lines]) for i, h in enumerate(headers)]

    def join(cells) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([join(headers), join("-" * w for w in widths), *(join(line) for line in lines)])


# --- command line ---------------------------------------------------------------------------------

def add_cli(subparsers) -> None:
    parser = subparsers.add_parser(
        "handshake", help="step a TLS handshake on loopback and print it flight by flight, decrypted",
        description="Run a TLS handshake between two in-memory OpenSSL endpoints using the course "
                    "certificates, decrypt it with the key log, and print every flight and check.")
    parser.add_argument("--tls12", action="store_true",
                        help="cap the version at TLS 1.2 (the certificate travels in clear)")
    parser.add_argument("--suite", choices=sorted(SUITES), help="force one TLS 1.3 cipher suite")
    parser.add_argument("--fail", choices=sorted(FAILURES), help="show a failing handshake instead")
    parser.set_defaults(func=_cli)


def _cli(args) -> int:
    if args.fail:
        handshake = failed_handshake(args.fail, tls12=args.tls12)
        print(f"failing handshake: {FAILURES[args.fail][0]}\n")
    else:
        handshake = run_handshake(tls12=args.tls12, suite=args.suite)
    print(handshake.walk())
    return 0 if handshake.succeeded else 1
