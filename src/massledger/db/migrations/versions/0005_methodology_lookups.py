"""methodology lookups: documents by (data set, category, type, participant), Pick-up events by instant,
registry batches by (project, vintage, credit type)

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PICK_UP = sa.text("name = 'Pick-up'")


def upgrade() -> None:
    with op.batch_alter_table("registry_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_registry_batches_project_vintage")
        batch_op.create_index(
            "ix_registry_batches_project_vintage_type", ["project_id", "vintage", "credit_type"], unique=False
        )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_documents_data_set_category_type",
            ["data_set", "category", "type", "participant_id"],
            unique=False,
        )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_events_pick_up_at",
            ["external_created_at_us"],
            unique=False,
            postgresql_where=PICK_UP,
            sqlite_where=PICK_UP,
        )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_pick_up_at", postgresql_where=PICK_UP, sqlite_where=PICK_UP)
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_data_set_category_type")
    with op.batch_alter_table("registry_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_registry_batches_project_vintage_type")
        batch_op.create_index("ix_registry_batches_project_vintage", ["project_id", "vintage"], unique=False)
