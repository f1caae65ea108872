"""performance records, obligations and alerts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 07:30:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('obligation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('document_version_id', sa.Integer(), nullable=True),
    sa.Column('clause_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('stage', sa.String(length=40), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('source_text', sa.Text(), nullable=True),
    sa.Column('debtor', sa.String(length=20), nullable=True),
    sa.Column('debtor_party', sa.String(length=100), nullable=True),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('percent', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('due_rule', sa.JSON(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('waiting_for', sa.String(length=20), nullable=True),
    sa.Column('calendar_known', sa.Boolean(), nullable=False),
    sa.Column('review', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('fulfilled_on', sa.Date(), nullable=True),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by', sa.String(length=200), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['clause_id'], ['clause.id'], name=op.f('fk_obligation_clause_id_clause')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_obligation_contract_id_contract')),
    sa.ForeignKeyConstraint(['document_version_id'], ['document_version.id'], name=op.f('fk_obligation_document_version_id_document_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obligation'))
    )
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_obligation_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_obligation_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_obligation_review'), ['review'], unique=False)
        batch_op.create_index(batch_op.f('ix_obligation_status'), ['status'], unique=False)

    op.create_table('performance_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('document_version_id', sa.Integer(), nullable=True),
    sa.Column('clause_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('responsible', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=40), nullable=True),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('demand', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['performance_record.id'], name=op.f('fk_performance_record_case_id_performance_record')),
    sa.ForeignKeyConstraint(['clause_id'], ['clause.id'], name=op.f('fk_performance_record_clause_id_clause')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_performance_record_contract_id_contract')),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_performance_record_document_id_document')),
    sa.ForeignKeyConstraint(['document_version_id'], ['document_version.id'], name=op.f('fk_performance_record_document_version_id_document_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_record'))
    )
    with op.batch_alter_table('performance_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_performance_record_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_performance_record_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_performance_record_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_performance_record_occurred_on'), ['occurred_on'], unique=False)

    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('likelihood', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('state_note', sa.Text(), nullable=True),
    sa.Column('state_by', sa.String(length=200), nullable=True),
    sa.Column('state_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_raised_on', sa.Date(), nullable=False),
    sa.Column('last_seen_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_alert_contract_id_contract')),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], name=op.f('fk_alert_obligation_id_obligation')),
    sa.ForeignKeyConstraint(['record_id'], ['performance_record.id'], name=op.f('fk_alert_record_id_performance_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert')),
    sa.UniqueConstraint('key', name=op.f('uq_alert_key'))
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_contract_id'), ['contract_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_owner'), ['owner'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_rule'), ['rule'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_severity'), ['severity'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_state'), ['state'], unique=False)

    op.create_table('fulfilment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], name=op.f('fk_fulfilment_obligation_id_obligation')),
    sa.ForeignKeyConstraint(['record_id'], ['performance_record.id'], name=op.f('fk_fulfilment_record_id_performance_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fulfilment')),
    sa.UniqueConstraint('obligation_id', 'record_id', name=op.f('uq_fulfilment_obligation_id'))
    )
    with op.batch_alter_table('fulfilment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fulfilment_obligation_id'), ['obligation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fulfilment_record_id'), ['record_id'], unique=False)

    op.create_table('performance_record_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('replaced_by', sa.String(length=200), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['performance_record.id'], name=op.f('fk_performance_record_revision_record_id_performance_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_record_revision')),
    sa.UniqueConstraint('record_id', 'revision', name=op.f('uq_performance_record_revision_record_id'))
    )
    with op.batch_alter_table('performance_record_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_performance_record_revision_record_id'), ['record_id'], unique=False)

    op.create_table('record_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_record_attachment_document_id_document')),
    sa.ForeignKeyConstraint(['record_id'], ['performance_record.id'], name=op.f('fk_record_attachment_record_id_performance_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_attachment')),
    sa.UniqueConstraint('record_id', 'document_id', name=op.f('uq_record_attachment_record_id'))
    )
    with op.batch_alter_table('record_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_attachment_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_attachment_record_id'), ['record_id'], unique=False)

    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('feed_token_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_app_user_feed_token_hash'), ['feed_token_hash'])

    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counterparty', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('owner', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('signed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('effective_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('expires_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('total_amount', sa.Numeric(precision=18, scale=2), nullable=True))
        batch_op.add_column(sa.Column('currency', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('auto_renews', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('renewal_notice_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('terminated_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('terms_source', sa.String(length=20), server_default='detected', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_app_user_feed_token_hash'), type_='unique')
        batch_op.drop_column('feed_token_hash')
        batch_op.drop_column('email')

    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_column('terms_source')
        batch_op.drop_column('terminated_on')
        batch_op.drop_column('renewal_notice_days')
        batch_op.drop_column('auto_renews')
        batch_op.drop_column('currency')
        batch_op.drop_column('total_amount')
        batch_op.drop_column('expires_on')
        batch_op.drop_column('effective_on')
        batch_op.drop_column('signed_on')
        batch_op.drop_column('owner')
        batch_op.drop_column('counterparty')

    with op.batch_alter_table('record_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_attachment_record_id'))
        batch_op.drop_index(batch_op.f('ix_record_attachment_document_id'))

    op.drop_table('record_attachment')
    with op.batch_alter_table('performance_record_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_performance_record_revision_record_id'))

    op.drop_table('performance_record_revision')
    with op.batch_alter_table('fulfilment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fulfilment_record_id'))
        batch_op.drop_index(batch_op.f('ix_fulfilment_obligation_id'))

    op.drop_table('fulfilment')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_state'))
        batch_op.drop_index(batch_op.f('ix_alert_severity'))
        batch_op.drop_index(batch_op.f('ix_alert_rule'))
        batch_op.drop_index(batch_op.f('ix_alert_owner'))
        batch_op.drop_index(batch_op.f('ix_alert_contract_id'))

    op.drop_table('alert')
    with op.batch_alter_table('performance_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_performance_record_occurred_on'))
        batch_op.drop_index(batch_op.f('ix_performance_record_kind'))
        batch_op.drop_index(batch_op.f('ix_performance_record_contract_id'))
        batch_op.drop_index(batch_op.f('ix_performance_record_case_id'))

    op.drop_table('performance_record')
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_obligation_status'))
        batch_op.drop_index(batch_op.f('ix_obligation_review'))
        batch_op.drop_index(batch_op.f('ix_obligation_due_date'))
        batch_op.drop_index(batch_op.f('ix_obligation_contract_id'))

    op.drop_table('obligation')
