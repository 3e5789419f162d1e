"""A per-user session version: signing out ends every session, saved cookies included

Revision ID: 0c64d0069719
Revises: 0885fd3ff883
Create Date: 2026-12-01 16:53:01.972129

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0c64d0069719'
down_revision = '0885fd3ff883'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')

