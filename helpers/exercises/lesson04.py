"""Lesson 04's exercises: read a real handshake.

* ``q1``: a host name (a string), read from the failing handshake's ClientHello.
* ``q2``: the name of a handshake message (a string).
* ``q3``: multiple choice, one letter as a string.
"""

from __future__ import annotations

from typing import Any

from ..course import HOST
from . import Question, Wrong, choice


def _sni(answer: Any) -> str:
    text = str(answer).strip().lower().rstrip(".")
    if text == HOST:
        raise Wrong("That is the name on the certificate, and the name the good handshake asked for. The "
                    "failing handshake asked for a different one: look at bad.client_hello.")
    if text != "www.yourapp.com":
        raise Wrong("Read the server_name extension of the failing handshake's ClientHello "
                    "(bad.client_hello.server_name).")
    return ("The SNI travels in clear, in the very first message, so anyone on the path can read which "
            f"host you are visiting, even in TLS 1.3. The certificate names only {HOST}, so the "
            "client's first question (right name?) fails.")


q1 = Question(
    name="q1",
    prompt="In the wrong-host handshake (`bad`), which host name did the client put in the SNI? "
           "Answer with the name as a string.",
    checker=_sni,
    hints=("SNI is the server_name extension of the ClientHello.",
           "Try bad.client_hello.server_name, or look for 'extension server_name' in bad.walk()."),
    answer="'www.yourapp.com': bad.client_hello.server_name. It is readable by anyone on the path.",
)


def _chain_message(answer: Any) -> str:
    text = str(answer).strip().lower().replace(" ", "").removesuffix("message")
    wrong = {
        "certificateverify": "CertificateVerify carries a signature made with the leaf's key, not the chain.",
        "serverhello": "ServerHello carries the chosen suite and the server's key share; it is in clear.",
        "encryptedextensions": "EncryptedExtensions carries things like ALPN, not certificates.",
        "finished": "Finished carries a MAC over the transcript.",
    }
    if text in wrong:
        raise Wrong(wrong[text])
    if text != "certificate":
        raise Wrong("Answer with a handshake message name, as the flight table shows it.")
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
        "C": "That describes CertificateVerify. Finished is an HMAC, keyed from the secret that the key "
             "exchange produced, not a signature.",
        "D": "Finished holds no certificate fingerprint: it is a MAC over the hash of all the handshake "
             "messages so far.",
    }, success="Each side MACs the hash of every message it sent and received, with a key only the two "
               "ends can derive. Change one byte anywhere and the transcripts differ, so the MACs do not "
               "match (you saw it with with_reordered_cipher_suites)."),
    hints=("What does the MAC cover, and who can compute its key?",
           "The key comes from the key exchange; the input is the transcript hash."),
    answer="'B'. The MAC covers the hash of the whole transcript, keyed from the shared secret, so a "
           "changed message gives a different MAC and the handshake fails.",
)
