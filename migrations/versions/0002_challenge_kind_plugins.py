"""Store a challenge version's kind as a registry name, not a database enum

Kinds are plugins (assessor.kinds): installing one must not need a migration, and a row whose
plugin is gone must still load. The CHECK constraint of 0001 goes; the registry validates.

Revision ID: 7b3e5d0c9a14
Revises: f46e0e63b934
Create Date: 2026-12-02 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b3e5d0c9a14'
down_revision = 'f46e0e63b934'
branch_labels = None
depends_on = None

# The only kinds 0001's column could hold.
OLD_KINDS = ('code', 'design')


def upgrade():
    with op.batch_alter_table('challenge_versions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_challenge_versions_challenge_kind'), type_='check')
        batch_op.alter_column('kind',
               existing_type=sa.String(length=10),
               type_=sa.String(length=40),
               existing_nullable=False)


def downgrade():
    # The old column cannot hold a newer kind, and no older kind means the same: stop rather
    # than rewrite what a stored version is.
    newer = op.get_bind().execute(
        sa.text('SELECT DISTINCT kind FROM challenge_versions WHERE kind NOT IN :old')
        .bindparams(sa.bindparam('old', expanding=True)),
        {'old': list(OLD_KINDS)},
    ).scalars().all()
    if newer:
        raise RuntimeError(
            f"cannot downgrade: challenge versions of kind(s) {', '.join(sorted(newer))} exist, "
            f"and before this revision a kind could only be {' or '.join(OLD_KINDS)}")
    with op.batch_alter_table('challenge_versions', schema=None) as batch_op:
        batch_op.alter_column('kind',
               existing_type=sa.String(length=40),
               type_=sa.String(length=10),
               existing_nullable=False)
        batch_op.create_check_constraint(
            op.f('ck_challenge_versions_challenge_kind'),
            sa.column('kind').in_(OLD_KINDS))
