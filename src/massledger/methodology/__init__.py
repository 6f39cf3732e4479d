"""The methodology engine: BOLD Recycling and BOLD Carbon rules as pure functions over a document
graph (docs/methodology.md). No I/O here: loading documents and storing audits belong to the service."""
