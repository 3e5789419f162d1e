"""The hiring workflow: share access, pinning, blind review, re-issuable links, outbox, resets

Existing rows keep their meaning: a share made before access levels could manage (editor), an
assessment that already has attempts is pinned since its creation, and an attempt made before
re-issuable links has no salt (its link can be re-issued, not copied).

Revision ID: 0885fd3ff883
Revises: 7b3e5d0c9a14
Create Date: 2026-12-01 15:18:19.384909

"""
from alembic import op
import sqlalchemy as sa

import assessor.models.types


# revision identifiers, used by Alembic.
revision = '0885fd3ff883'
down_revision = '7b3e5d0c9a14'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', assessor.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', assessor.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', assessor.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_password_resets_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_resets_token_hash'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)

    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', assessor.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('purpose', sa.String(length=40), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('sent', 'not_sent', 'failed', name='message_status', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('sent_at', assessor.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_outbox_messages_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_outbox_messages_sent_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_messages_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_messages_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('assessment_shares', schema=None) as batch_op:
        batch_op.add_column(sa.Column('access', sa.Enum('viewer', 'editor', name='share_access', native_enum=False, create_constraint=True, length=10), nullable=False, server_default='editor'))

    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', assessor.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('time_budget_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('blind_review', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('hide_identity', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('pinned_at', assessor.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_assessments_positive_time_budget'),
            'time_budget_minutes IS NULL OR time_budget_minutes > 0')
    op.execute(
        'UPDATE assessments SET pinned_at = created_at '
        'WHERE id IN (SELECT assessment_id FROM attempts)')

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_salt', sa.String(length=32), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('opened_at', assessor.models.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', assessor.models.types.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_at', assessor.models.types.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_column('submitted_at')

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('opened_at')
        batch_op.drop_column('token_salt')

    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_assessments_positive_time_budget'), type_='check')
        batch_op.drop_column('pinned_at')
        batch_op.drop_column('hide_identity')
        batch_op.drop_column('blind_review')
        batch_op.drop_column('time_budget_minutes')
        batch_op.drop_column('updated_at')

    with op.batch_alter_table('assessment_shares', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_assessment_shares_share_access'), type_='check')
        batch_op.drop_column('access')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_user_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_created_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_attempt_id'))

    op.drop_table('outbox_messages')
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_user_id'))

    op.drop_table('password_resets')
