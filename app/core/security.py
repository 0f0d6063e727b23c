"""API keys: random, shown once, stored as SHA-256 hashes."""

import hashlib
import secrets

KEY_PREFIX = "kefu_"


def generate_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """Keys are 256-bit random, so a plain SHA-256 is as strong as a slow hash here."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()
