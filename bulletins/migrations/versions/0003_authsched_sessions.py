"""web sessions, login failures, known login addresses (authsched)

Revision ID: 0002_authsched
Revises: 0002_sources
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_authsched"
down_revision = "0002_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("web_sessions") as b:
        b.create_index(b.f("ix_web_sessions_user_id"), ["user_id"], unique=False)
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("login_failures") as b:
        b.create_index(b.f("ix_login_failures_name"), ["name"], unique=False)
        b.create_index(b.f("ix_login_failures_at"), ["at"], unique=False)
    op.create_table(
        "login_known_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("last_ok_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "address"),
    )
    with op.batch_alter_table("login_known_addresses") as b:
        b.create_index(b.f("ix_login_known_addresses_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("login_known_addresses")
    op.drop_table("login_failures")
    op.drop_table("web_sessions")
