from alembic import context

from massledger.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("massledger migrations run through massledger.db.migrate with a connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
