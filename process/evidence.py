"""Evidence files of implementation, stored content-addressed outside the log.

A file is kept under its SHA-256 (``ab/abcdef...``) in the evidence directory
(``KOKREASI_EVIDENCE_DIR``, default ``evidence/`` in the data directory); the log records the
hash and metadata (``evidence.uploaded``), so an audit bundle proves which file was submitted
and anyone holding the file can check it. The same file uploaded twice is stored once.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from .errors import Invalid, TooLarge

MAX_BYTES = 10 * 1024 * 1024
TYPES: dict[str, tuple[bytes, ...]] = {
    # content type: what the file must start with (empty: not checked)
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "text/plain": (),
    "text/csv": (),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.text": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.spreadsheet": (b"PK\x03\x04",),
}
SHA256 = re.compile(r"^[0-9a-f]{64}$")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


def check_file(filename: str, content_type: str, data: bytes) -> str:
    """Refuse a file past the limits, with a reason; return the filename to record."""
    if len(data) > MAX_BYTES:
        raise TooLarge(f"Berkas bukti melebihi {MAX_BYTES // (1024 * 1024)} MB / an evidence "
                       f"file may be at most {MAX_BYTES // (1024 * 1024)} MB",
                       code="evidence_too_large")
    if not data:
        raise Invalid("Berkas bukti kosong / the evidence file is empty", code="evidence_empty")
    media = content_type.partition(";")[0].strip().lower()
    if media not in TYPES:
        raise Invalid(
            f"Jenis berkas {media!r} tidak diterima / evidence of type {media!r} is not "
            f"accepted; accepted: PDF, PNG, JPEG, text, CSV, DOCX, XLSX, ODT, ODS",
            code="evidence_type")
    if TYPES[media] and not data.startswith(TYPES[media]):
        raise Invalid(f"Isi berkas bukan {media} / the file's content is not {media}",
                      code="evidence_content")
    name = _UNSAFE.sub("_", filename.strip())[-200:]
    if not name.strip("._ "):
        raise Invalid("Nama berkas diperlukan / the file needs a name", code="evidence_name")
    return name


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise ValueError("not a SHA-256")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` (blocking: run it in a thread); return its SHA-256."""
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.path_of(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then renamed: a reader never sees half a file under its hash.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return sha256

    def read(self, sha256: str) -> bytes:
        """The stored file (blocking); ``FileNotFoundError`` when it is not here."""
        return self.path_of(sha256).read_bytes()
