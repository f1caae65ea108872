"""evidence drafts and packs

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 13:15:44
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0011'
down_revision: Union[str, None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('evidence_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_name', sa.String(length=300), nullable=False),
    sa.Column('dispute', sa.String(length=40), nullable=False),
    sa.Column('claimant', sa.String(length=300), nullable=False),
    sa.Column('respondent', sa.String(length=300), nullable=False),
    sa.Column('group_titles', sa.JSON(), nullable=False),
    sa.Column('lang', sa.String(length=10), server_default='zh_CN', nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('saved_by', sa.String(length=200), nullable=True),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('saved_event_seq', sa.Integer(), nullable=True),
    sa.Column('saved_event_hash', sa.String(length=64), nullable=True),
    sa.Column('saved_snapshot', sa.JSON(), nullable=True),
    sa.Column('dirty', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_draft'))
    )
    op.create_table('evidence_draft_contract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_evidence_draft_contract_contract_id_contract')),
    sa.ForeignKeyConstraint(['draft_id'], ['evidence_draft.id'], name=op.f('fk_evidence_draft_contract_draft_id_evidence_draft')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_draft_contract')),
    sa.UniqueConstraint('draft_id', 'contract_id', name=op.f('uq_evidence_draft_contract_draft_id'))
    )
    with op.batch_alter_table('evidence_draft_contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_draft_contract_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_draft_contract_draft_id'), ['draft_id'], unique=False)

    op.create_table('evidence_pack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('draft_revision', sa.Integer(), nullable=False),
    sa.Column('blob_sha256', sa.String(length=64), nullable=False),
    sa.Column('manifest_sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('file_count', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('built_by', sa.String(length=200), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('audit_event_seq', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['blob_sha256'], ['blob.sha256'], name=op.f('fk_evidence_pack_blob_sha256_blob')),
    sa.ForeignKeyConstraint(['draft_id'], ['evidence_draft.id'], name=op.f('fk_evidence_pack_draft_id_evidence_draft')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_pack'))
    )
    with op.batch_alter_table('evidence_pack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_pack_blob_sha256'), ['blob_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_pack_draft_id'), ['draft_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_pack_manifest_sha256'), ['manifest_sha256'], unique=False)

    op.create_table('evidence_build',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('draft_revision', sa.Integer(), nullable=False),
    sa.Column('lang', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=True),
    sa.Column('done', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('pack_id', sa.Integer(), nullable=True),
    sa.Column('error_code', sa.String(length=60), nullable=True),
    sa.Column('error_params', sa.JSON(), nullable=True),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_role', sa.String(length=20), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['draft_id'], ['evidence_draft.id'], name=op.f('fk_evidence_build_draft_id_evidence_draft')),
    sa.ForeignKeyConstraint(['pack_id'], ['evidence_pack.id'], name=op.f('fk_evidence_build_pack_id_evidence_pack')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_build'))
    )
    with op.batch_alter_table('evidence_build', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_build_draft_id'), ['draft_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_build_state'), ['state'], unique=False)

    op.create_table('evidence_draft_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('group_number', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('document_version_id', sa.Integer(), nullable=True),
    sa.Column('clause_id', sa.Integer(), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('pages', sa.String(length=100), nullable=True),
    sa.Column('source_revision', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['clause_id'], ['clause.id'], name=op.f('fk_evidence_draft_item_clause_id_clause')),
    sa.ForeignKeyConstraint(['document_version_id'], ['document_version.id'], name=op.f('fk_evidence_draft_item_document_version_id_document_version')),
    sa.ForeignKeyConstraint(['draft_id'], ['evidence_draft.id'], name=op.f('fk_evidence_draft_item_draft_id_evidence_draft')),
    sa.ForeignKeyConstraint(['record_id'], ['performance_record.id'], name=op.f('fk_evidence_draft_item_record_id_performance_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_draft_item'))
    )
    with op.batch_alter_table('evidence_draft_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_draft_item_draft_id'), ['draft_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('evidence_build', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_build_state'))
        batch_op.drop_index(batch_op.f('ix_evidence_build_draft_id'))

    op.drop_table('evidence_build')
    with op.batch_alter_table('evidence_draft_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_draft_item_draft_id'))

    op.drop_table('evidence_draft_item')
    with op.batch_alter_table('evidence_pack', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_pack_manifest_sha256'))
        batch_op.drop_index(batch_op.f('ix_evidence_pack_draft_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_pack_blob_sha256'))

    op.drop_table('evidence_pack')
    with op.batch_alter_table('evidence_draft_contract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_draft_contract_draft_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_draft_contract_contract_id'))

    op.drop_table('evidence_draft_contract')
    op.drop_table('evidence_draft')
