"""recorded items: a stored recording, its measured length and its language

Revision ID: 0005_recorded
Revises: 0003_station
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_recorded'
down_revision = '0003_station'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audio_path', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('audio_ms', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('news_items', schema=None) as batch_op:
        batch_op.drop_column('language')
        batch_op.drop_column('audio_ms')
        batch_op.drop_column('audio_path')
