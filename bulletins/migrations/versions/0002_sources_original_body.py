"""sources: news_items.original_body and news_items.source_ref

Revision ID: 0002_sources
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0002_sources'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('news_items') as batch:
        batch.add_column(sa.Column('original_body', sa.Text(), nullable=True))
        batch.add_column(sa.Column('source_ref', sa.String(length=1000), nullable=False,
                                   server_default=''))
        batch.create_index('ix_news_items_source_ref', ['source_ref'])


def downgrade() -> None:
    with op.batch_alter_table('news_items') as batch:
        batch.drop_index('ix_news_items_source_ref')
        batch.drop_column('source_ref')
        batch.drop_column('original_body')
