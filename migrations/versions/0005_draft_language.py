"""The language a candidate picked for a challenge that offers several (service challenges)

Revision ID: 5d3a9e0b7c21
Revises: 0c64d0069719
Create Date: 2026-12-01 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '5d3a9e0b7c21'
down_revision = '0c64d0069719'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=20), nullable=True))



def downgrade():
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_column('language')
