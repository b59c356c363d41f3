"""one airing per (item, station, bulletin); bulletin records carry a publishing status

Revision ID: 0002_truth
Revises: 0002_authsched
"""

import sqlalchemy as sa
from alembic import op

revision = '0002_truth'
down_revision = '0002_authsched'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('item_airings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bulletin', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_item_airings_item_station_bulletin',
                                          ['item_id', 'station', 'bulletin'])
    with op.batch_alter_table('bulletins', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False,
                                      server_default='published'))


def downgrade() -> None:
    with op.batch_alter_table('bulletins', schema=None) as batch_op:
        batch_op.drop_column('status')
    with op.batch_alter_table('item_airings', schema=None) as batch_op:
        batch_op.drop_constraint('uq_item_airings_item_station_bulletin', type_='unique')
        batch_op.drop_column('bulletin')
