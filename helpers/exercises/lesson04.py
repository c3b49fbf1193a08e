"""Lesson 04's exercises: read a real handshake.

* ``q1``: the host name a client asked for in ``overheard()``, a handshake recorded on someone
  else's network. The lesson never prints it: the only place to find it is the ClientHello, and the
  checker reads it from there too.
* ``q2``: the name of a handshake message (a string; the parsed message or its type number work too).
* ``q3``: multiple choice, one letter as a string.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ..course import HOST
from ..pki import course_pki
from . import Question, Wrong, choice, echo, whole_number

__all__ = ["overheard", "q1", "q2", "q3"]

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


#: Wrong message names, with what each one carries instead.
_NOT_THE_CHAIN = {
    "certificateverify": "CertificateVerify carries a signature made with the leaf's private key, not the chain.",
    "serverhello": "ServerHello carries the chosen version, suite and the server's key share; it holds no "
                   "certificate.",
    "clienthello": "ClientHello is the client's first message: versions, suites, key shares, SNI. The client "
                   "has no chain to send here.",
    "encryptedextensions": "EncryptedExtensions carries things like ALPN, not certificates.",
    "finished": "Finished carries a MAC over the transcript.",
    "certificaterequest": "CertificateRequest is the server asking the *client* for a certificate; it carries "
                          "none.",
    "serverkeyexchange": "ServerKeyExchange (TLS 1.2) carries the server's key share and its signature.",
    "serverhellodone": "ServerHelloDone (TLS 1.2) only says that the server's flight is over.",
    "newsessionticket": "NewSessionTicket carries a ticket for resuming later, after the handshake.",
    "changecipherspec": "ChangeCipherSpec is a one-byte compatibility record in TLS 1.3; it carries nothing.",
    "compressedcertificate": "CompressedCertificate (RFC 8879) appears only when both sides agree on "
                             "certificate compression; this handshake did not. Look at its flight table.",
    "alert": "An alert reports an error; it carries no certificates.",
    "applicationdata": "Application data is the request and the response, after the handshake.",
}
_HANDSHAKE_TYPES = {1: "clienthello", 2: "serverhello", 4: "newsessionticket", 8: "encryptedextensions",
                    11: "certificate", 12: "serverkeyexchange", 13: "certificaterequest", 14: "serverhellodone",
                    15: "certificateverify", 20: "finished", 25: "compressedcertificate"}


def _message_name(answer: Any) -> str:
    number = whole_number(answer)
    if number is None:
        number = whole_number(getattr(answer, "msg_type", None))   # a parsed message from hs.find(...)
    if number is not None:
        if number not in _HANDSHAKE_TYPES:
            raise Wrong(f"{echo(answer)} is not a handshake message type in this lesson's tables.")
        return _HANDSHAKE_TYPES[number]
    if not isinstance(answer, str):
        raise Wrong("Answer with a handshake message name, as a string.")
    text = re.sub(r"\(.*?\)", "", answer[:200].lower())          # "Certificate (type 11)"
    text = re.sub(r"[\s_\-'\"`.]+", "", text)
    text = text.removesuffix("message").removeprefix("the").removeprefix("tls")
    if text in {"certificate", "certificates", "servercertificate", "cert"}:
        return "certificate"
    return text


def _chain_message(answer: Any) -> str:
    name = _message_name(answer)
    if name in _NOT_THE_CHAIN:
        raise Wrong(_NOT_THE_CHAIN[name])
    if name != "certificate":
        raise Wrong(f"{echo(answer)} is not a handshake message name as the flight table shows them.")
    return ("In TLS 1.3 the Certificate message travels in flight 2 under the server's handshake key; in "
            "TLS 1.2 it travels in clear.")


q2 = Question(
    name="q2",
    prompt="Which handshake message carries the server's certificate chain? Answer with its name.",
    checker=_chain_message,
    hints=("Look at the rows of flight 2 in the table.", "Its rows list the subjects, leaf first."),
    answer="'Certificate' (handshake type 11): leaf first, then the intermediate.",
)


q3 = Question(
    name="q3",
    prompt="Why does a valid Finished MAC prove that nobody altered the handshake? "
           "Answer 'A', 'B', 'C' or 'D'.",
    checker=choice("B", {
        "A": "Encryption hides the Finished message, but hiding is not the point: an attacker could still "
             "have changed the earlier messages, such as the ClientHello, which travels in clear.",
        "C": "That describes CertificateVerify, the server's signature. Finished is computed by the client "
             "too, and the client has no certificate key.",
        "D": "Finished holds no certificate fingerprint, and a fingerprint would say nothing about the "
             "ClientHello, the message an attacker on the path can edit.",
    }, success="Each side MACs the hash of every message it sent and received, with a key only the two "
               "ends can derive. Change one byte anywhere and the transcripts differ, so the MACs do not "
               "match (you saw it with with_reordered_cipher_suites)."),
    hints=("What does the MAC cover, and who can compute its key?",
           "The key comes from the key exchange; the input is the transcript hash."),
    answer="'B'. The MAC covers the hash of the whole transcript, keyed from the shared secret, so a "
           "changed message gives a different MAC and the handshake fails.",
)
