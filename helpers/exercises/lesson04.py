"""Lesson 04's exercises: read a real handshake, and redo the client's last computation.

* ``q1``: the host name a client asked for in ``overheard()``, a handshake recorded on someone
  else's network. The lesson never prints it: the only place to find it is the ClientHello, and the
  checker reads it from there too.
* ``q2``: the client's Finished for ``recorded()``, a real handshake cut off just before the client's
  flight. The learner computes HMAC(finished_key, transcript hash) with the client's handshake
  secret; the checker recomputes it from the handshake's own messages and key log, and names what a
  wrong MAC was computed from (the server's secret, a transcript one message short...).
* ``q3``: multiple choice about an attacker who swaps the server's key share, one letter as a string.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from typing import Any

from cryptography.hazmat.primitives import hashes

from ..course import HOST
from ..pki import course_pki
from ..tls.keyschedule import hkdf_expand_label
from . import NotAttempted, Question, Uncheckable, Wrong, choice, echo, kind_of, whole_number

__all__ = ["overheard", "q1", "q2", "q3", "recorded"]

#: The certificate the overheard server presents: a wildcard, so it does not give the SNI away.
_WILDCARD = "*.yourapp.com"


@functools.cache
def overheard():
    """q1's handshake: a TLS 1.3 connection someone captured on a café Wi-Fi (a Handshake)."""
    from ..tls.handshake import run_handshake

    pki = course_pki()
    leaf = pki.intermediate.issue_leaf([_WILDCARD], serial=6401, key_label="overheard wildcard key",
                                       not_before="2026-06-01", not_after="2046-06-01", name="overheard")
    return run_handshake(leaf, server_hostname="status.yourapp.com", request=False)


def _host_text(answer: Any) -> str:
    """The host name in every form the lesson shows it: str, bytes, the extension's value (a list), the Extension."""
    answer = getattr(answer, "value", answer)            # the server_name Extension itself
    if isinstance(answer, list | tuple):
        if len(answer) != 1:
            raise Wrong(f"The SNI of this ClientHello holds one host name; you gave {len(answer)} items.")
        answer = answer[0]
    if isinstance(answer, bytes | bytearray):
        answer = bytes(answer[:300]).decode("ascii", "replace")
    if not isinstance(answer, str) or not answer.strip():
        raise Wrong("Answer with the host name, as a string.")
    return answer.strip().lower().rstrip(".")


def _sni(answer: Any) -> str:
    text = _host_text(answer)
    asked = overheard().client_hello.server_name
    if text == asked:
        return ("You read it from the ClientHello, the only place it appears: the certificate says only "
                f"{_WILDCARD}. The SNI travels in clear in the very first message, so anyone on the path "
                "learns which host you visit, even in TLS 1.3 (only Encrypted Client Hello hides it).")
    if "://" in text or "/" in text or re.search(r":\d+$", text):
        raise Wrong(f"{echo(answer)} is not a bare host name: SNI carries the name alone, no scheme, port "
                    "or path.")
    if text == _WILDCARD:
        raise Wrong(f"{_WILDCARD} is the name on the certificate the server presented (its SAN). A client "
                    "never asks for a wildcard; the SNI is in what the client sent, not what the server sent.")
    if text == "www.yourapp.com":
        raise Wrong("www.yourapp.com is what the client asked for in the lesson's `bad` handshake; this "
                    "question is about a different connection, `ex.overheard()`.")
    if text == HOST:
        raise Wrong(f"{HOST} is the name the lesson's own client dials, not the one in this capture. Read "
                    "the ClientHello of ex.overheard().")
    if text in {"127.0.0.1", "localhost", "::1"}:
        raise Wrong(f"{text} is where a socket connects, an address; SNI names the host the client wants.")
    if text.endswith("yourapp.com") or "." in text:
        raise Wrong(f"{echo(answer)} is not the name in this ClientHello's server_name extension.")
    raise Wrong(f"{echo(answer)} is not a host name; read the server_name extension of the ClientHello.")


q1 = Question(
    name="q1",
    prompt="overheard = ex.overheard() is a TLS 1.3 handshake someone captured on a café Wi-Fi. Which host "
           "name did the client ask for in the SNI? Answer with the name as a string.",
    checker=_sni,
    hints=("SNI is the server_name extension of the ClientHello, flight 1, in clear.",
           "Try overheard.client_hello.server_name, or look for 'extension server_name' in "
           "overheard.client_hello.rows()."),
    answer="overheard.client_hello.server_name, 'status.yourapp.com'. The certificate says only *.yourapp.com, "
           "so the ClientHello is the only place the name appears, and it is readable by anyone on the path.",
)


@functools.cache
def recorded():
    """q2's handshake: a real TLS 1.3 handshake with its key log, cut off after the server's flight.

    The client's own flight (its Finished) was not recorded, so its MAC is nowhere to copy: compute it.
    """
    from ..tls.capture import Capture
    from ..tls.decode import decode
    from ..tls.handshake import capture_handshake

    capture = capture_handshake(request=False)
    return decode(Capture(capture.flights[:2], capture.keylog, {}, capture.negotiated))


def _mac(secret_label: str, upto: int, *, derive: bool = True, hash_name: str | None = None) -> bytes:
    """HMAC over the hash of the first ``upto`` messages of recorded(), keyed from one of its secrets."""
    hs = recorded()
    name = hash_name or hs.suite.hash.name
    transcript = hashlib.new(name, b"".join(m.raw for m in hs.messages[:upto])).digest()
    secret = hs.secrets[secret_label]
    size = hashlib.new(name).digest_size
    key = hkdf_expand_label(secret, "finished", b"", size, getattr(hashes, name.upper())) if derive else secret
    return hmac.new(key, transcript, name).digest()


def _mac_bytes(answer: Any) -> bytes:
    """The learner's MAC as bytes: bytes, bytearray, memoryview, a hex string, an hmac object, a list."""
    if callable(getattr(answer, "digest", None)) and not isinstance(answer, bytes | str):
        answer = answer.digest()                       # hmac.new(...) itself, not yet .digest()
    if isinstance(answer, bytes | bytearray | memoryview):
        return bytes(answer)
    if isinstance(answer, str):
        text = re.sub(r"[\s:]", "", answer[:400]).removeprefix("0x")
        if re.fullmatch(r"(?:[0-9a-fA-F]{2})*", text):
            return bytes.fromhex(text)
        raise Uncheckable(f"{echo(answer)} is not hex; answer with the MAC as bytes (hmac's .digest()) or hex.")
    if isinstance(answer, list | tuple) or type(answer).__name__ == "ndarray":
        numbers = [whole_number(x) for x in list(answer)[:400]]
        if numbers and all(n is not None and 0 <= n < 256 for n in numbers):
            return bytes(numbers)
    raise Uncheckable(f"That is {kind_of(answer)}; answer with the MAC as bytes (hmac's .digest()) or hex.")


def _wrong_macs() -> dict[bytes, str]:
    """What a wrong MAC was computed from, for the mistakes the lesson's cell invites."""
    hs = recorded()
    done = len(hs.messages)                              # ClientHello ... the server's Finished
    client, server = "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET"
    other = "sha256" if hs.suite.hash.name == "sha384" else "sha384"      # the other hash TLS 1.3 uses
    return {
        _mac(server, done): "Your MAC is keyed from the server's handshake secret; each side keys its "
                            "Finished from its own.",
        _mac(client, done - 1): "Your transcript stops before the server's Finished; the client's MAC covers "
                                "every message it has seen when it sends its own.",
        _mac(server, done - 1): "These bytes are the server's Finished (server secret, transcript up to "
                                "CertificateVerify), as in the capture; the client computes its own MAC.",
        _mac(client, done, derive=False): "Your HMAC is keyed with the traffic secret itself; the key is the "
                                          "finished_key that HKDF-Expand-Label derives from it.",
        _mac(client, done, hash_name=other): f"Your MAC uses {other.upper()}; this handshake's suite, "
                                             f"{hs.cipher_suite}, names the hash its key schedule uses.",
        hashlib.new(hs.suite.hash.name, b"".join(m.raw for m in hs.messages)).digest():
            "These bytes are a transcript hash, not a MAC: nothing secret went into them, so anyone on the "
            "path could compute them.",
        hs.secrets[client]: "These bytes are the client's handshake traffic secret itself, from the key log; "
                            "no MAC was computed.",
    }


def _client_finished(answer: Any) -> str:
    mine = _mac_bytes(answer)
    hs = recorded()
    if not mine:
        raise NotAttempted("Compute the MAC and give its bytes.")
    if hmac.compare_digest(mine, _mac("CLIENT_HANDSHAKE_TRAFFIC_SECRET", len(hs.messages))):
        return ("You recomputed the client's Finished: an HMAC over the hash of every message up to the "
                "server's Finished, keyed from the client's handshake secret. The server runs this same "
                "computation to accept the client's flight.")
    for wrong, why in _wrong_macs().items():
        if hmac.compare_digest(mine, wrong):
            raise Wrong(why)
    if len(mine) != hs.suite.hash.digest_size:
        raise Wrong(f"Your MAC is {len(mine)} bytes; a Finished is as long as the hash of the suite, "
                    f"{hs.cipher_suite}.")
    raise Wrong("These bytes are not a MAC that this handshake's messages and key log give. Use recorded's "
                "own messages and secrets (the lesson's hs is another connection, with other keys).")


q2 = Question(
    name="q2",
    prompt="recorded = ex.recorded() is a real TLS 1.3 handshake cut off before the client's flight. Compute "
           "the verify_data the client's Finished must carry, and answer with its bytes.",
    checker=_client_finished,
    hints=("Redo the lesson's server Finished cell from the client's side: which secret, and which messages "
           "are in the transcript when the client sends its Finished?",
           "The client's secret is recorded.secrets['CLIENT_HANDSHAKE_TRAFFIC_SECRET']; its transcript is "
           "every message in recorded.messages, the server's Finished included."),
    answer="transcript = hashlib.new(recorded.suite.hash.name, b''.join(m.raw for m in recorded.messages))"
           ".digest(); finished_key = hkdf_expand_label(recorded.secrets['CLIENT_HANDSHAKE_TRAFFIC_SECRET'], "
           "'finished', b'', len(transcript), recorded.suite.hash); answer = hmac.new(finished_key, "
           "transcript, recorded.suite.hash.name).digest()",
)


q3 = Question(
    name="q3",
    prompt="Someone on the path replaces the server's key_share in the ServerHello with a key share of their "
           "own. What happens? Answer 'A', 'B', 'C' or 'D'.",
    checker=choice("B", {
        "A": "The hellos travel in clear, but that does not make them unprotected. Which later message "
             "covers the ServerHello, and what key would forging it take?",
        "C": "Nothing in the ServerHello is signed on its own, and the server never sees the edited copy: "
             "it keeps its own key share and goes on with its flight.",
        "D": "The certificate's key never takes part in the key agreement. The key shares are fresh, "
             "per-connection keys that no certificate mentions, so there is nothing for them to mismatch.",
    }, success="The attacker can agree a secret with the client, and so could even encrypt a flight 2 of its "
               "own. But CertificateVerify must be the leaf key's signature over a transcript that now holds "
               "the attacker's key share; only the real server has that key, and it signed another "
               "transcript. (If the attacker just forwards the server's flight, the client cannot even "
               "decrypt it: the two ends now hold different keys.)"),
    hints=("Which message would the attacker have to forge for the client to go on, and what key does "
           "forging it need?",
           "CertificateVerify signs the hash of every message so far, the ServerHello included."),
    answer="'B'. The attacker shares a secret with the client, but cannot sign the new transcript with the "
           "leaf's private key, so the CertificateVerify check fails and the client aborts.",
)
