"""Content-addressed file storage under ``<data dir>/attachments``: a file lives at
``sha256/<first two hex digits>/<sha256>``. Paths come only from the hash of the bytes, never from a name
a client chose, so no file name can reach outside the directory. Identical files are stored once."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class FileStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._incoming = root / "incoming"
        self._incoming.mkdir(parents=True, exist_ok=True)

    def path_of(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError(f"not a sha256 digest: {sha256!r}")
        return self.root / "sha256" / sha256[:2] / sha256

    def incoming(self) -> IncomingFile:
        return IncomingFile(self)


class IncomingFile:
    """Bytes being received: written to a private temporary file while hashed and counted; ``commit``
    makes them durable and moves them to their content address, ``discard`` throws them away."""

    def __init__(self, storage: FileStorage) -> None:
        self._storage = storage
        fd, name = tempfile.mkstemp(dir=storage._incoming, prefix="upload-")
        self._file = os.fdopen(fd, "wb")
        self._path = Path(name)
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self._digest.update(chunk)
        self.size += len(chunk)

    def commit(self) -> str:
        """fsync, then an atomic rename into place; returns the sha256 (hex). Blocking: run it in a thread."""
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        sha256 = self._digest.hexdigest()
        target = self._storage.path_of(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._path, target)  # same bytes under the same name: replacing is harmless
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a crash
        finally:
            os.close(directory)
        return sha256

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._path.unlink(missing_ok=True)
