"""Creating and checking API keys."""

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.core.security import generate_api_key, hash_api_key
from app.db.models import ApiKey, Role


def create_api_key(engine: Engine, role: Role, name: str = "") -> str:
    """Store a new key's hash and return the key itself (shown once)."""
    key = generate_api_key()
    with Session(engine) as session:
        session.add(ApiKey(name=name, role=role, key_hash=hash_api_key(key), prefix=key[:9]))
        session.commit()
    return key


def ensure_api_key(engine: Engine, key: str, role: Role, name: str) -> None:
    """Make ``key`` valid with ``role`` (used for KEFU_BOOTSTRAP_ADMIN_KEY); idempotent."""
    digest = hash_api_key(key)
    for attempt in range(2):
        with Session(engine) as session:
            existing = session.exec(select(ApiKey).where(ApiKey.key_hash == digest)).first()
            if existing is None:
                session.add(ApiKey(name=name, role=role, key_hash=digest, prefix=key[:9]))
            else:
                existing.role = role
                existing.revoked_at = None
                session.add(existing)
            try:
                session.commit()
                return
            except IntegrityError:  # another worker starting at the same time added it
                if attempt:
                    raise


def find_api_key(engine: Engine, key: str) -> ApiKey | None:
    with Session(engine) as session:
        found = session.exec(
            select(ApiKey).where(ApiKey.key_hash == hash_api_key(key), ApiKey.revoked_at == None)  # noqa: E711
        ).first()
        return found
