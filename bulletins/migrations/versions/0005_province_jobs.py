"""province: build jobs and worker heartbeats

Revision ID: 0002_province
Revises: 0002_truth
"""

import sqlalchemy as sa
from alembic import op

revision = '0002_province'
down_revision = '0002_truth'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('build_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('station', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slot', sa.String(length=64), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('builds', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=200), nullable=False),
    sa.Column('mp3_path', sa.String(length=1000), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key', name='uq_build_jobs_key')
    )
    with op.batch_alter_table('build_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_build_jobs_station'), ['station'], unique=False)
        batch_op.create_index(batch_op.f('ix_build_jobs_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_build_jobs_status'), ['status'], unique=False)

    op.create_table('worker_heartbeats',
    sa.Column('worker_id', sa.String(length=200), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.Column('current_job', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('worker_id')
    )
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_heartbeats_seen_at'), ['seen_at'], unique=False)


def downgrade() -> None:
    op.drop_table('worker_heartbeats')
    op.drop_table('build_jobs')
