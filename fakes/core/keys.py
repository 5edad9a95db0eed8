"""RSA signing keys for LTI 1.3, made once per process (generation costs ~100 ms each)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass(frozen=True)
class SigningKey:
    """One RS256 key: its ``kid``, private PEM (to sign) and public JWK (to publish)."""

    kid: str
    private_pem: bytes
    public_jwk: dict[str, Any]
    #: The parsed private key: sign with this (parsing the PEM costs ~35 ms each time).
    private_key: Any = None


def _b64uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@cache
def signing_key(name: str) -> SigningKey:
    """The process-wide key called ``name`` (e.g. ``"canvas-2026-01"``, ``"accredible-eu"``).

    Keys are not seeded: they only need to differ between names, and regenerating them per
    scenario would cost more than the scenario. The ``kid`` is the name, so it is stable.
    """
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = private.public_key().public_numbers()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    jwk = {
        "kty": "RSA",
        "e": _b64uint(numbers.e),
        "n": _b64uint(numbers.n),
        "kid": name,
        "alg": "RS256",
        "use": "sig",
    }
    return SigningKey(kid=name, private_pem=pem, public_jwk=jwk, private_key=private)
