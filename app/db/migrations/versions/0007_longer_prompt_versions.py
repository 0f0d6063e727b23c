"""longer prompt versions

An answer that translates records the versions of both translation prompts beside its own:
more than 64 characters, which PostgreSQL refused (SQLite does not check a length).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:35:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('session_messages', schema=None) as batch_op:
        batch_op.alter_column(
            'prompt_version',
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=255),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table('session_messages', schema=None) as batch_op:
        batch_op.alter_column(
            'prompt_version',
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=255),
            type_=sa.String(length=64),
            existing_nullable=True,
        )
