"""Real TLS on loopback, byte by byte.

* :mod:`helpers.tls.names` names every number (suites, groups, alerts...) and the two senders;
  :mod:`helpers.tls.records` parses TLS records and alerts and splits handshake messages, which
  :mod:`helpers.tls.hellos` and :mod:`helpers.tls.messages` parse (their extensions:
  :mod:`helpers.tls.extensions`; the bounds-checked reader under them all: :mod:`helpers.tls.wire`);
* :mod:`helpers.tls.keyschedule` turns a key log into record keys (HKDF-Expand-Label), decrypts
  TLS 1.3 records (AEAD) and computes Finished MACs;
* :mod:`helpers.tls.contexts` builds every ``SSLContext`` the other modules and
  :mod:`helpers.pinning` use, one builder per role;
* :mod:`helpers.tls.api` is the toy API (its token, users and ``Response``);
* :mod:`helpers.tls.capture` steps a handshake through in-memory pipes, and :mod:`helpers.tls.suites`
  forces one TLS 1.3 suite in a child process;
* :mod:`helpers.tls.decode` decrypts a capture into a frozen ``Handshake``, :mod:`helpers.tls.checks`
  verifies CertificateVerify and both Finished MACs, :mod:`helpers.tls.report` shows it;
* :mod:`helpers.tls.agreement` answers a real OpenSSL client's key share with ours, so lesson 04 can
  show a·(b·G) = b·(a·G) against OpenSSL's own key log;
* :mod:`helpers.tls.handshake` is lesson 04's front door (``python -m helpers handshake``);
* :mod:`helpers.tls.servers` holds the loopback HTTPS API server and its client, and
  :mod:`helpers.tls.proxy` the intercepting proxy of lesson 05.
"""
