"""Lesson 00's sample exercise: how the course's exercises work."""

from __future__ import annotations

from . import Question, choice

q1 = Question(
    name="q1",
    prompt="Which step of the request path decides whether the server's certificate is trusted? "
           "Answer 'A' (DNS), 'B' (TCP) or 'C' (TLS validation).",
    checker=choice("C", {
        "A": "DNS only turns a name into an address; it says nothing about who answers there.",
        "B": "TCP only connects two ports; anyone can accept a connection.",
    }, success="The client checks the chain during the TLS handshake: right name, trusted signer, in date."),
    hints=("Look at the figure above: which box asks 'trusted signer?'",
           "It is one of the shaded TLS boxes."),
    answer="'C'. Validation happens inside the TLS handshake, after the server sends its certificate chain.",
)
