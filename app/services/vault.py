"""The pseudonym vault: a personal value becomes a token such as ``[PHONE:3f2a9c1e]`` in
everything Kefu keeps, and the original is stored encrypted (Fernet: AES-128-CBC with an
HMAC-SHA256), so a person with the right role can look it up, each time audited.

The token is an HMAC of the value within its session: the same phone number gets the same
token throughout a conversation, and different tokens in different conversations.
"""

import hashlib
import hmac
import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Engine
from sqlmodel import Session, col, delete, select

from app.db.models import VaultEntry

logger = logging.getLogger("kefu.vault")


class VaultKeyError(ValueError):
    pass


def load_vault_key(configured: str, key_file: Path, *, production: bool) -> bytes:
    """The configured key; in development without one, a key generated once into the data
    folder (0600). Production refuses to run without a real key."""
    if configured:
        key = configured.encode()
        try:
            Fernet(key)
        except ValueError as exc:
            raise VaultKeyError(
                "KEFU_VAULT_KEY must be a Fernet key (32 url-safe base64 bytes); make one with "
                "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key()"
                ".decode())'"
            ) from exc
        return key
    if production:
        raise VaultKeyError("KEFU_VAULT_KEY is required in production")
    if key_file.is_file():
        return key_file.read_bytes().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    logger.warning("no KEFU_VAULT_KEY set: generated a development key at %s", key_file)
    return key


def _normalised(value: str) -> str:
    return "".join(value.split()).lower()


class PseudonymVault:
    def __init__(self, engine: Engine, key: bytes) -> None:
        self._engine = engine
        self._fernet = Fernet(key)
        self._token_key = hashlib.sha256(b"kefu-token:" + key).digest()

    def pseudonymise(
        self, entity: str, value: str, session_id: str, customer_id: str | None = None
    ) -> str:
        digest = hmac.new(
            self._token_key, f"{session_id}|{entity}|{_normalised(value)}".encode(), "sha256"
        ).hexdigest()[:10]
        token = f"[{entity}:{digest}]"
        with Session(self._engine) as session:
            if session.get(VaultEntry, token) is None:
                session.add(
                    VaultEntry(
                        token=token,
                        entity=entity,
                        ciphertext=self._fernet.encrypt(value.encode()).decode(),
                        session_id=session_id or None,
                        customer_id=customer_id,
                    )
                )
                session.commit()
        return token

    def reveal(self, token: str) -> tuple[str, str] | None:
        """(entity, original value), or None for an unknown token."""
        with Session(self._engine) as session:
            entry = session.get(VaultEntry, token)
        if entry is None:
            return None
        try:
            return entry.entity, self._fernet.decrypt(entry.ciphertext.encode()).decode()
        except InvalidToken:  # encrypted under another key
            logger.error("vault entry %s cannot be decrypted with the configured key", token)
            return None

    def for_sessions(self, session_ids: list[str]) -> list[tuple[str, str, str]]:
        """(token, entity, value) of every entry of these sessions."""
        with Session(self._engine) as session:
            entries = session.exec(
                select(VaultEntry).where(col(VaultEntry.session_id).in_(session_ids))
            ).all()
        return [
            (e.token, e.entity, self._fernet.decrypt(e.ciphertext.encode()).decode())
            for e in entries
        ]

    def erase_sessions(self, session_ids: list[str]) -> int:
        with Session(self._engine) as session:
            result = session.exec(
                delete(VaultEntry).where(col(VaultEntry.session_id).in_(session_ids))
            )
            session.commit()
            return int(result.rowcount or 0)
