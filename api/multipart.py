"""Streaming multipart/form-data parsing that understands RFC 5987 `filename*` parameters.

Starlette treats a part whose only file name is `filename*=UTF-8''...` as a text
field, so Chinese file names sent by some clients are lost and FastAPI rejects
the upload. This parser reads both parameters (preferring `filename*`), streams
file parts to temporary files, and stops as soon as the size limit is passed.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from email.message import Message
from email.utils import collapse_rfc2231_value
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO, AsyncIterator

from python_multipart.multipart import MultipartParser, parse_options_header

from archive.errors import FileTooLargeError, FormFieldTooLongError, NotMultipartError

MAX_FIELD_BYTES = 64 * 1024
# How many limits' worth of oversized file bytes a request may carry before it is refused as a whole.
# Below that, an oversized file is reported on its own and the other files of the form are stored.
MAX_DROPPED_FILES = 4
SPOOL_MEMORY_BYTES = 1024 * 1024


@dataclass
class UploadedPart:
    filename: str
    content_type: str | None
    file: IO[bytes]
    size: int = 0
    # Set when the part passed the size limit: its bytes are dropped, and the other files of the form are kept.
    too_large: bool = False


@dataclass
class ParsedForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, list[UploadedPart]] = field(default_factory=dict)

    def close(self) -> None:
        for parts in self.files.values():
            for part in parts:
                part.file.close()


def parse_content_disposition(value: str) -> tuple[str | None, str | None]:
    """Return (field name, file name) from a part's Content-Disposition, preferring filename*."""
    message = Message()
    message["content-disposition"] = value
    name: str | None = None
    plain: str | None = None
    extended: str | None = None
    for key, value in message.get_params(header="content-disposition") or []:
        if key == "name":
            name = collapse_rfc2231_value(value)
        elif key == "filename" and isinstance(value, tuple):
            extended = collapse_rfc2231_value(value)  # from filename*=charset'lang'text
        elif key == "filename":
            plain = collapse_rfc2231_value(value)
    filename = extended if extended is not None else plain
    return name, (safe_filename(filename) if filename is not None else None)


def safe_filename(filename: str) -> str:
    """Keep only the last path component and drop control characters."""
    base = PureWindowsPath(PurePosixPath(filename).name).name
    cleaned = "".join(c for c in base if c.isprintable()).strip()
    return cleaned or "upload"


async def parse_multipart(
    content_type: str, body: AsyncIterator[bytes], *, limit_bytes: int
) -> ParsedForm:
    """Parse a multipart body. A file part over `limit_bytes` is kept with `too_large` set and no bytes.

    FileTooLargeError is raised when the oversized parts together pass MAX_DROPPED_FILES limits.
    """
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise NotMultipartError()
    form = ParsedForm()
    state: dict[str, object] = {"dropped": 0}

    def on_part_begin() -> None:
        state.update(headers={}, header_field=b"", header_value=b"", data=bytearray(), part=None)

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["header_field"] = state["header_field"] + data[start:end]  # type: ignore[operator]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["header_value"] = state["header_value"] + data[start:end]  # type: ignore[operator]

    def on_header_end() -> None:
        headers = state["headers"]
        headers[state["header_field"].decode("latin-1").lower()] = state["header_value"]  # type: ignore[index, union-attr]
        state["header_field"], state["header_value"] = b"", b""

    def on_headers_finished() -> None:
        headers: dict[str, bytes] = state["headers"]  # type: ignore[assignment]
        raw = headers.get("content-disposition", b"")
        try:
            disposition = raw.decode("utf-8")
        except UnicodeDecodeError:
            disposition = raw.decode("latin-1")
        name, filename = parse_content_disposition(disposition)
        state["name"] = name or ""
        if filename is not None:
            spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)
            content_type = headers.get("content-type", b"").decode("latin-1") or None
            state["part"] = UploadedPart(filename=filename, content_type=content_type, file=spool)

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part = state.get("part")
        chunk = data[start:end]
        if isinstance(part, UploadedPart):
            part.size += len(chunk)
            state["dropped"] += len(chunk) if part.too_large else 0  # type: ignore[operator]
            if state["dropped"] > limit_bytes * MAX_DROPPED_FILES:  # type: ignore[operator]
                # Reading on would only discard more: the whole request is refused.
                raise FileTooLargeError(file=part.filename, limit_mb=limit_bytes // (1024 * 1024))
            if part.size > limit_bytes and not part.too_large:
                part.too_large = True
                part.file.truncate(0)
            if not part.too_large:
                part.file.write(chunk)
        else:
            buffer: bytearray = state["data"]  # type: ignore[assignment]
            if len(buffer) + len(chunk) > MAX_FIELD_BYTES:
                raise FormFieldTooLongError(field=str(state["name"]))
            buffer.extend(chunk)

    def on_part_end() -> None:
        part = state.get("part")
        if isinstance(part, UploadedPart):
            part.file.seek(0)
            form.files.setdefault(str(state["name"]), []).append(part)
        else:
            form.fields[str(state["name"])] = bytes(state["data"]).decode("utf-8", "replace")  # type: ignore[arg-type]

    parser = MultipartParser(
        boundary,
        callbacks={
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
    except BaseException:
        form.close()
        raise
    return form
