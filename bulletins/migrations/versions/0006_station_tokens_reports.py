"""station machines: per-station tokens, received reports (unique report id), last contact

Revision ID: 0003_station
Revises: 0002_province
"""

import sqlalchemy as sa
from alembic import op

revision = '0003_station'
down_revision = '0002_province'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'station_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('station', sa.String(length=64), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_station_tokens_station', 'station_tokens', ['station'])
    op.create_table(
        'station_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.String(length=64), nullable=False),
        sa.Column('station', sa.String(length=64), nullable=False),
        sa.Column('log_id', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('report_id'),
    )
    op.create_index('ix_station_reports_station', 'station_reports', ['station'])
    op.create_table(
        'station_contacts',
        sa.Column('station', sa.String(length=64), nullable=False),
        sa.Column('last_contact_at', sa.DateTime(), nullable=False),
        sa.Column('holding', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('station'),
    )


def downgrade() -> None:
    op.drop_table('station_contacts')
    op.drop_index('ix_station_reports_station', 'station_reports')
    op.drop_table('station_reports')
    op.drop_index('ix_station_tokens_station', 'station_tokens')
    op.drop_table('station_tokens')
