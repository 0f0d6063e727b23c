"""The pseudonym vault: tokens stable within a session, originals encrypted at rest, keys
required in production."""

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, text

from app.core.config import Settings
from app.services.vault import PseudonymVault, VaultKeyError, load_vault_key


def test_tokens_are_stable_per_session_and_the_original_is_encrypted(engine: Engine) -> None:
    vault = PseudonymVault(engine, Fernet.generate_key())
    first = vault.pseudonymise("PHONE", "139 1234 5678", "s-1", "c-1")
    assert first == vault.pseudonymise("PHONE", "13912345678", "s-1", "c-1")
    assert first != vault.pseudonymise("PHONE", "13912345678", "s-2", "c-1")
    assert first.startswith("[PHONE:") and "1391" not in first
    assert vault.reveal(first) == ("PHONE", "139 1234 5678")
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT ciphertext FROM pii_vault")).scalars().all()
    assert len(stored) == 2 and not any("5678" in row for row in stored)
    assert vault.for_sessions(["s-1"]) == [(first, "PHONE", "139 1234 5678")]
    assert PseudonymVault(engine, Fernet.generate_key()).reveal(first) is None  # another key
    assert vault.erase_sessions(["s-1"]) == 1 and vault.reveal(first) is None


def test_the_vault_key(tmp_path: Path) -> None:
    key_file = tmp_path / "vault.key"
    generated = load_vault_key("", key_file, production=False)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert load_vault_key("", key_file, production=False) == generated  # kept, not replaced
    with pytest.raises(VaultKeyError, match="required in production"):
        load_vault_key("", tmp_path / "other.key", production=True)
    with pytest.raises(VaultKeyError, match="Fernet key"):
        load_vault_key("changeme", key_file, production=False)
    with pytest.raises(ValueError, match="KEFU_VAULT_KEY"):
        Settings(environment="production", bootstrap_admin_key="a-real-admin-key-123", vault_key="")
    with pytest.raises(ValueError, match="KEFU_PII_POLICY"):
        Settings(pii_policy={"PHONE": "shred"})
