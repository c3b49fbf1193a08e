"""Real TLS on loopback, byte by byte.

* :mod:`helpers.tls.records` parses TLS records and handshake messages and names every number;
* :mod:`helpers.tls.keyschedule` turns a key log into record keys (HKDF-Expand-Label), decrypts
  TLS 1.3 records (AEAD) and computes Finished MACs;
* :mod:`helpers.tls.handshake` steps a handshake through in-memory pipes, decrypts it with the
  key log and verifies CertificateVerify and both Finished MACs (``python -m helpers handshake``);
* :mod:`helpers.tls.servers` holds the loopback HTTPS API server and its client.
"""
