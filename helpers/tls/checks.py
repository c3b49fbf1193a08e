"""What a TLS 1.3 client checks once it can read the server's flight (RFC 8446, 4.4).

* the transcript hash: a hash of every handshake message so far, in order;
* CertificateVerify: the leaf key's signature over 64 spaces, a context string, a zero byte
  and the transcript hash up to the Certificate (4.4.3);
* Finished: HMAC(finished_key, transcript hash), from each side's handshake secret (4.4.4).

Each function takes a decoded :class:`~helpers.tls.decode.Handshake`; the handshake's
``certificate_verify_content``, ``verify_certificate_verify`` and ``verify_finished`` methods
call the functions of the same names.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

from ..errors import BadInputError
from . import records as R
from .keyschedule import TRAFFIC_SECRETS, finished_mac
from .names import Sender

__all__ = ["HelloRetryError", "MissingMessageError", "MissingSecretError", "NotTLS13Error",
           "certificate_verify_content", "expected_finished", "transcript_hash", "verify_certificate_verify",
           "verify_finished", "verify_signature"]


class MissingMessageError(BadInputError):
    """A check needs a handshake message that this capture does not hold (or could not decrypt)."""


class NotTLS13Error(BadInputError):
    """A TLS 1.3 check was asked of a TLS 1.2 (or failed) handshake."""


class HelloRetryError(BadInputError):
    """A handshake with a HelloRetryRequest, whose transcript this course does not rebuild."""


class MissingSecretError(BadInputError):
    """The key log has no secret for this handshake."""


def need_tls13(handshake, what: str) -> None:
    if not handshake.tls13 or handshake.suite is None:
        raise NotTLS13Error(f"{what.capitalize()} is shown for TLS 1.3 only, and this handshake is "
                            f"{handshake.version}; run run_handshake() without tls12=True.")


def transcript_hash(handshake, upto: str, sender: Sender) -> bytes:
    """Hash of every handshake message before the first ``upto`` sent by ``sender``."""
    need_tls13(handshake, "the transcript hash")
    data = b""
    for _, who, item in handshake.items:
        if isinstance(item, R.Message):
            if item.name == upto and who == sender:
                return hashlib.new(handshake.suite.hash.name, data).digest()
            if item.name == "HelloRetryRequest":
                raise HelloRetryError("This handshake used a HelloRetryRequest, whose transcript this "
                                      "course does not rebuild; run it again without forcing a group.")
            data += item.raw
    raise MissingMessageError(f"No {upto} from the {sender} in this handshake; check the flights first.")


def certificate_verify_content(handshake) -> bytes:
    """What the server signed: 64 spaces, the context string, a zero byte, the transcript hash."""
    return (b" " * 64 + b"TLS 1.3, server CertificateVerify" + b"\x00"
            + transcript_hash(handshake, "CertificateVerify", Sender.SERVER))


def verify_certificate_verify(handshake) -> bool:
    """True when CertificateVerify is the leaf key's valid signature over the transcript."""
    need_tls13(handshake, "CertificateVerify")
    message = handshake.find("CertificateVerify", Sender.SERVER)
    if message is None:
        raise MissingMessageError("This handshake has no CertificateVerify; only a completed TLS 1.3 "
                                  "server flight carries one.")
    return verify_signature(handshake.chain()[0].public_key(), message.scheme, message.signature,
                            certificate_verify_content(handshake))


def expected_finished(handshake, sender: Sender) -> bytes:
    """The verify_data ``sender`` should send: HMAC(finished_key, transcript hash)."""
    label = TRAFFIC_SECRETS[sender][0]
    base = handshake.secrets.get(label)
    if base is None:
        raise MissingSecretError(f"The key log has no {label}; capture with run_handshake().")
    return finished_mac(base, transcript_hash(handshake, "Finished", sender), handshake.suite)


def verify_finished(handshake) -> dict[Sender, bool]:
    """For each side, whether its Finished equals the MAC we compute over the transcript."""
    need_tls13(handshake, "Finished verification")
    results = {}
    for sender in (Sender.SERVER, Sender.CLIENT):
        message = handshake.find("Finished", sender)
        if message is None:
            raise MissingMessageError(f"This handshake has no decrypted {sender} Finished; verify a "
                                      "complete handshake captured with its key log.")
        results[sender] = hmac.compare_digest(message.body, expected_finished(handshake, sender))
    return results


_SCHEME_HASHES = {0x0403: hashes.SHA256, 0x0503: hashes.SHA384, 0x0603: hashes.SHA512,
                  0x0804: hashes.SHA256, 0x0805: hashes.SHA384, 0x0806: hashes.SHA512,
                  0x0809: hashes.SHA256, 0x080A: hashes.SHA384, 0x080B: hashes.SHA512,
                  0x0401: hashes.SHA256, 0x0501: hashes.SHA384, 0x0601: hashes.SHA512}


def verify_signature(public_key, scheme: int, signature: bytes, content: bytes) -> bool:
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
