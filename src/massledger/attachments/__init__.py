"""Attachments of documents: signed, expiring upload and download URLs; files stored content-addressed."""
