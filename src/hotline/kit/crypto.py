"""Personal data protection with the national algorithms: SM4 encryption, SM3 hashing.

* Encryption: SM4 in GCM mode with a random 96-bit nonce. A ciphertext is stored as
  ``<key id>:<base64(nonce || ciphertext || tag)>`` so that keys can be rotated: the first key
  of the keyring encrypts, every key decrypts, and ``hotline pii rotate`` re-encrypts old rows.
* Search: a keyed HMAC-SM3 of the normalised value (a "blind index"), so that an order can be
  found by phone number without decrypting the table.
* Masking: what a role without need-to-know sees (``138****8000``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

NONCE_BYTES = 12
TAG_BYTES = 16

#: What a stored personal value that does not decrypt reads as (see ``kit.db.EncryptedString``).
UNREADABLE = "〔无法解密〕"


class KeyError_(Exception):
    """A ciphertext names a key the keyring does not hold, or the keyring is malformed."""


def sm3(data: bytes) -> str:
    """SM3 digest of ``data`` as lowercase hex."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def hmac_sm3(key: bytes, data: bytes) -> str:
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()


def sha256_hex(data: str) -> str:
    """For session and API token lookups (not personal data)."""
    return hashlib.sha256(data.encode()).hexdigest()


def parse_keyring(spec: str) -> list[tuple[str, bytes]]:
    """Parse ``"k2:hex,k1:hex"`` into ``[(id, key)]``; each key is 16 bytes (SM4)."""
    ring: list[tuple[str, bytes]] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        key_id, sep, hexkey = part.partition(":")
        if not sep or not key_id.isalnum():
            raise KeyError_(f"keyring entry must look like id:hex, got {key_id!r}")
        key = bytes.fromhex(hexkey)
        if len(key) != 16:
            raise KeyError_(f"SM4 key {key_id!r} must be 16 bytes (32 hex digits)")
        ring.append((key_id, key))
    if not ring:
        raise KeyError_("the PII keyring is empty")
    return ring


@dataclass
class PiiCipher:
    keyring: list[tuple[str, bytes]]
    index_key: bytes

    @property
    def current_key_id(self) -> str:
        return self.keyring[0][0]

    def encrypt(self, plaintext: str) -> str:
        key_id, key = self.keyring[0]
        nonce = os.urandom(NONCE_BYTES)
        enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        body = enc.update(plaintext.encode("utf-8")) + enc.finalize()
        blob = base64.b64encode(nonce + body + enc.tag).decode("ascii")
        return f"{key_id}:{blob}"

    def decrypt(self, token: str) -> str:
        key_id, _, blob = token.partition(":")
        key = dict(self.keyring).get(key_id)
        if key is None:
            raise KeyError_(f"no key {key_id!r} in the PII keyring")
        raw = base64.b64decode(blob)
        nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
        dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        return (dec.update(body) + dec.finalize()).decode("utf-8")

    def key_id_of(self, token: str) -> str:
        return token.partition(":")[0]

    def blind_index(self, normalised: str) -> str:
        """Keyed hash used to look up a phone number (or ID number) without decrypting."""
        return hmac_sm3(self.index_key, normalised.encode("utf-8"))


_cipher: PiiCipher | None = None


def configure(keyring_spec: str, index_key_hex: str) -> PiiCipher:
    global _cipher
    _cipher = PiiCipher(parse_keyring(keyring_spec), bytes.fromhex(index_key_hex))
    return _cipher


def cipher() -> PiiCipher:
    if _cipher is None:
        from hotline.config import get_settings

        settings = get_settings()
        assert settings.pii_keys and settings.pii_index_key
        return configure(settings.pii_keys, settings.pii_index_key)
    return _cipher


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# --- masking -------------------------------------------------------------------------------


def mask_phone(phone: str | None) -> str | None:
    """``13812348000`` → ``138****8000``; landlines keep area code and last four digits."""
    if not phone or phone == UNREADABLE:
        return phone
    digits = phone
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)


def mask_name(name: str | None) -> str | None:
    """``张三丰`` → ``张**``: the family name stays, the given name goes."""
    if not name or name == UNREADABLE:
        return name
    return name[0] + "*" * max(1, len(name) - 1)


def mask_id_number(value: str | None) -> str | None:
    """``110101199003071234`` → ``110***********1234``."""
    if not value or value == UNREADABLE:
        return value
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str | None) -> str | None:
    """Keep the first six characters (province/city/district), hide the rest."""
    if not value or value == UNREADABLE:
        return value
    return value[:6] + "****" if len(value) > 6 else value[:2] + "****"
