"""Write an evidence pack as one ZIP stream with deterministic bytes and constant memory.

Layout of every pack this module writes:

- Members are written in the order they are added, each with a local header, its data and a
  data descriptor (general purpose bit 3), because the output is treated as unseekable even
  when it is a file. A pack streamed to an HTTP response is therefore byte for byte the same as
  the pack written to disk, and the SHA-256 that ``PackWriter.close`` returns is valid for both.
- Every entry carries the same modification time (the pack's "as of" time in China Standard
  Time, UTC+8, which ZIP stores without a time zone and with two-second resolution), the Unix
  mode ``-r--r--r--`` and "Unix" as the system of origin.
- Already compressed formats (PDF, DOCX, XLSX, images) and unknown types are STORED. Text
  (``text/*``, JSON, XML) is DEFLATED at level ``DEFLATE_LEVEL``. One zlib gives the same
  bytes however the stream's reads are split, but another zlib version or fork (such as
  zlib-ng) may compress differently, so DEFLATED members repeat byte for byte only on the
  same zlib.
- Names are UTF-8. Python's zipfile sets the UTF-8 flag (general purpose bit 11) on every
  name that is not pure ASCII, in the local header and in the central directory. A pure ASCII
  name is the same in UTF-8 and in the legacy code pages, so it does not need the flag.
- ZIP64 fields are written where Python's zipfile needs them: for a member whose size is
  unknown when it starts or is near or above 2 GiB (``zipfile.ZIP64_LIMIT``), for offsets past
  2 GiB and for more than 65,535 members.
  NOTE: the tests cover ZIP64 only with small members of unknown size. A pack with a 4.4 GB
  member and offsets past 4 GiB passed ``unzip -t`` (Info-ZIP 6.00) once, outside the tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import stat
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, BinaryIO

CHUNK_SIZE = 1 << 20  # bytes read from a member's stream at a time
DEFLATE_LEVEL = 6
CHINA_STANDARD_TIME = dt.timezone(dt.timedelta(hours=8), "CST")
# Read-only regular file: the pack's files are evidence and are not meant to be edited.
MEMBER_MODE = stat.S_IFREG | 0o444
UNIX_SYSTEM = 3  # "version made by" high byte: Unix, so unzip applies MEMBER_MODE

STORED = "stored"
DEFLATED = "deflated"
_DEFLATED_MEDIA_TYPES = frozenset({"application/json", "application/xml"})

# Characters that Windows does not allow in a file name, so Explorer could not extract the member.
_WINDOWS_FORBIDDEN = frozenset('<>:"|?*')
# Unicode categories of control, format (bidirectional overrides, zero-width) and separator
# characters, which could hide a name's real extension or break a line in a listing.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
# Device names that Windows reserves in any folder and with any extension, such as "NUL.txt".
_WINDOWS_DEVICE_NAMES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{digit}" for digit in range(1, 10)} | {f"lpt{digit}" for digit in range(1, 10)}
)
_MAX_NAME_BYTES = 0xFFFF  # the ZIP name length field is 16 bits


class InvalidMemberNameError(ValueError):
    """A member name that could escape the extraction folder, collide or not extract everywhere."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"invalid member name {name!r}: {reason}")


class PackIncompleteError(RuntimeError):
    """Writing a member failed earlier, so the pack has no central directory and cannot be finished."""


@dataclass(frozen=True)
class MemberDigest:
    """One member as written: its name, uncompressed size, SHA-256 and how it is stored."""

    name: str
    size: int
    sha256: str
    media_type: str
    compression: str  # STORED or DEFLATED


@dataclass(frozen=True)
class PackDigest:
    """The finished ZIP: its size in bytes, its SHA-256 and its members in order."""

    size: int
    sha256: str
    members: tuple[MemberDigest, ...]


def check_member_name(name: str) -> str:
    """Return `name` if it is a safe relative file name inside a pack, or raise InvalidMemberNameError.

    A name is a relative path with "/" between folders. It must not be absolute or contain
    backslashes, or control and invisible format characters, or the characters Windows forbids
    in file names. No segment may be empty, ".", "..", a Windows device name such as "CON", or
    end in a space or a dot.
    """
    if not isinstance(name, str):
        raise InvalidMemberNameError(repr(name), f"the name is a {type(name).__name__}, not a string")
    if not name:
        raise InvalidMemberNameError(name, "the name is empty")
    if "\\" in name:
        raise InvalidMemberNameError(name, "it contains a backslash, but ZIP names use / between folders")
    if name.startswith("/"):
        raise InvalidMemberNameError(name, "it is an absolute path")
    for character in name:
        if unicodedata.category(character) in _INVISIBLE_CATEGORIES:
            raise InvalidMemberNameError(name, f"it contains the control character U+{ord(character):04X}")
        if character in _WINDOWS_FORBIDDEN:
            raise InvalidMemberNameError(name, f"it contains {character!r}, which Windows does not allow")
    for segment in name.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidMemberNameError(name, f"it contains the path segment {segment!r}")
        if segment.endswith((" ", ".")):
            raise InvalidMemberNameError(name, f"the segment {segment!r} ends in a space or a dot")
        if segment.split(".", 1)[0].casefold() in _WINDOWS_DEVICE_NAMES:
            raise InvalidMemberNameError(name, f"the segment {segment!r} is a device name on Windows")
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        raise InvalidMemberNameError(name, "it is longer than 65,535 bytes in UTF-8")
    return name


def compression_for(media_type: str) -> str:
    """Return DEFLATED for text media types and STORED for everything else."""
    essence = media_type.split(";", 1)[0].strip().lower()
    if essence.startswith("text/") or essence in _DEFLATED_MEDIA_TYPES:
        return DEFLATED
    return STORED


def zip_date_time(as_of: dt.datetime) -> tuple[int, int, int, int, int, int]:
    """Convert an aware datetime to the ZIP date and time in China Standard Time, seconds rounded down to even."""
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError(f"as_of {as_of.isoformat()} has no time zone. Pass an aware datetime.")
    local = as_of.astimezone(CHINA_STANDARD_TIME)
    if not 1980 <= local.year <= 2107:
        raise ValueError(f"as_of {as_of.isoformat()} is outside the years 1980 to 2107 that ZIP can store")
    return (local.year, local.month, local.day, local.hour, local.minute, local.second - local.second % 2)


class _HashingOutput:
    """A write-only view of the output that counts and hashes the bytes written.

    It has `tell` but no `seek`, so zipfile writes data descriptors instead of seeking back to
    patch local headers, whatever the real output supports.
    """

    def __init__(self, output: BinaryIO) -> None:
        self._output = output
        self._sha256 = hashlib.sha256()
        self.position = 0
        self.discarding = False

    def write(self, data: bytes | bytearray | memoryview) -> int:
        size = len(data) if isinstance(data, (bytes, bytearray)) else memoryview(data).nbytes
        if self.discarding:
            return size
        # Pass immutable bytes because the writer reuses its read buffer, and an output such as a
        # queue feeding an HTTP response may keep the object after write returns.
        chunk = data if isinstance(data, bytes) else bytes(data)
        self._write_all(chunk)
        self._sha256.update(chunk)
        self.position += size
        return size

    def _write_all(self, chunk: bytes) -> None:
        written = self._output.write(chunk)
        # A buffered stream returns the whole length, and some file-like objects return None after
        # writing everything. A raw stream may write less, so the rest is written again.
        # NOTE: a non-blocking raw stream also returns None when it wrote nothing, so the output
        # must be blocking.
        while written is not None and written < len(chunk):
            if written == 0:
                raise OSError("the pack output accepted no bytes")
            chunk = chunk[written:]
            written = self._output.write(chunk)

    def tell(self) -> int:
        return self.position

    def seekable(self) -> bool:
        return False

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        raise io.UnsupportedOperation("the pack output is written as a stream")

    def flush(self) -> None:
        if not self.discarding and hasattr(self._output, "flush"):
            self._output.flush()

    def hexdigest(self) -> str:
        return self._sha256.hexdigest()


def _set_compress_level(info: zipfile.ZipInfo, level: int) -> None:
    # Python 3.13 renamed `_compresslevel` to the public `compress_level` and keeps the old name as
    # a property. Python 3.11 and 3.12 have only `_compresslevel`.
    if "compress_level" in getattr(zipfile.ZipInfo, "__slots__", ()):
        info.compress_level = level  # type: ignore[attr-defined]
    else:
        info._compresslevel = level  # type: ignore[attr-defined]


def _remaining_size(stream: BinaryIO) -> int | None:
    """Return the bytes left in a seekable stream, or None when the stream cannot tell."""
    try:
        if not stream.seekable():
            return None
        position = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(position)
    except (AttributeError, OSError):
        return None
    return max(end - position, 0)


def _fill(stream: BinaryIO, buffer: memoryview) -> int:
    """Read into `buffer` until it is full or the stream ends, and return the bytes read.

    Filling whole chunks makes the compressor see the same input pieces whatever the stream's
    read sizes are, such as a pipe that returns a few KiB at a time.
    """
    filled = 0
    readinto = getattr(stream, "readinto", None)
    while filled < len(buffer):
        if readinto is not None:
            count = readinto(buffer[filled:])
        else:
            data = stream.read(len(buffer) - filled)
            count = len(data) if data is not None else None
            if count:
                buffer[filled:filled + count] = data
        if count is None:
            raise BlockingIOError("the member's stream returned no data because it is non-blocking")
        if count == 0:
            break
        filled += count
    return filled


class PackWriter:
    """Write pack members into a ZIP stream, in the order they are added.

    Use it as a context manager, or call `close` when every member is added. If an exception
    leaves the `with` block, adding a member fails or the writer is dropped without `close`,
    nothing more is written: the output then ends without a central directory, so no reader
    mistakes it for a whole pack. The writer never closes `output`.
    """

    def __init__(self, output: BinaryIO, as_of: dt.datetime, *, chunk_size: int = CHUNK_SIZE) -> None:
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1 byte, not {chunk_size}")
        self._date_time = zip_date_time(as_of)
        self._output = _HashingOutput(output)
        self._zip = zipfile.ZipFile(self._output, mode="w", allowZip64=True)
        self._buffer = memoryview(bytearray(chunk_size))
        self._members: list[MemberDigest] = []
        self._file_keys: set[str] = set()
        self._folder_keys: set[str] = set()
        self._incomplete_reason: str | None = None  # why the pack can no longer be finished
        self._digest: PackDigest | None = None

    @property
    def members(self) -> tuple[MemberDigest, ...]:
        """Members written so far, in order."""
        return tuple(self._members)

    def add_stream(self, name: str, stream: BinaryIO, media_type: str, *, size: int | None = None) -> MemberDigest:
        """Copy a readable binary stream into the pack in chunks and return the member's digest.

        `size` is the number of bytes the stream will give. When it is None the size is measured
        if the stream is seekable. A member of unknown size gets ZIP64 fields, so it can exceed
        4 GiB on an unseekable output. A stream that gives more or fewer bytes than `size` raises
        ValueError and leaves the pack incomplete.
        """
        self._check_open()
        if size is not None and size < 0:
            raise ValueError(f"size of {name!r} must be zero or more, not {size}")
        self._claim_name(name)
        if size is None:
            size = _remaining_size(stream)
        info = self._member_info(name, media_type, size)

        sha256 = hashlib.sha256()
        member = None
        try:
            member = self._zip.open(info, mode="w", force_zip64=size is None)
            written = self._copy(name, stream, member, sha256, size)
            member.close()
        except BaseException:
            self._fail(name)
            if member is not None:
                # Finish zipfile's entry so its state stays consistent. The output discards these bytes.
                member.close()
            raise

        digest = MemberDigest(name=name, size=written, sha256=sha256.hexdigest(), media_type=media_type,
                              compression=compression_for(media_type))
        self._members.append(digest)
        return digest

    def add_bytes(self, name: str, data: bytes, media_type: str) -> MemberDigest:
        """Add a member from bytes already in memory, such as a generated CSV or the manifest."""
        return self.add_stream(name, io.BytesIO(data), media_type, size=len(data))

    def add_file(self, name: str, path: str | os.PathLike[str], media_type: str) -> MemberDigest:
        """Add a member from a file on disk, read in chunks."""
        with Path(path).open("rb") as stream:
            return self.add_stream(name, stream, media_type, size=os.fstat(stream.fileno()).st_size)

    def close(self) -> PackDigest:
        """Write the central directory and return the pack's digest. Calling it again returns the same digest.

        Raises PackIncompleteError when adding a member failed earlier.
        """
        if self._digest is not None:
            return self._digest
        self._raise_if_incomplete()
        self._zip.close()
        self._digest = PackDigest(size=self._output.position, sha256=self._output.hexdigest(),
                                  members=tuple(self._members))
        return self._digest

    def abort(self) -> None:
        """Stop writing without a central directory, so the output is not a readable ZIP."""
        if self._digest is not None or self._incomplete_reason is not None:
            return
        self._incomplete_reason = "writing was aborted"
        self._output.discarding = True
        self._zip.close()

    def __del__(self) -> None:
        # zipfile.ZipFile writes the central directory when it is garbage collected, which would
        # turn a pack abandoned halfway into a valid-looking ZIP of the members written so far.
        output = getattr(self, "_output", None)
        if output is not None and getattr(self, "_digest", None) is None:
            output.discarding = True

    def __enter__(self) -> PackWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _check_open(self) -> None:
        if self._digest is not None:
            raise ValueError("the pack is already closed")
        self._raise_if_incomplete()

    def _raise_if_incomplete(self) -> None:
        if self._incomplete_reason is not None:
            raise PackIncompleteError(f"{self._incomplete_reason}, so the pack is incomplete. Build the pack again.")

    def _claim_name(self, name: str) -> None:
        """Reserve `name`, or raise InvalidMemberNameError when it would land on another member or its folder.

        Names are compared after NFC normalisation and case folding, because Windows and macOS
        extract "Contract.pdf" and "contract.pdf" to the same file.
        """
        check_member_name(name)
        key = unicodedata.normalize("NFC", name).casefold()
        parts = key.split("/")
        folders = ["/".join(parts[:index]) for index in range(1, len(parts))]
        if key in self._file_keys:
            raise InvalidMemberNameError(name, "another member has the same name (ignoring case)")
        if key in self._folder_keys:
            raise InvalidMemberNameError(name, "another member uses this name as a folder")
        for folder in folders:
            if folder in self._file_keys:
                raise InvalidMemberNameError(name, f"its folder {folder!r} is already a member file")
        self._file_keys.add(key)
        self._folder_keys.update(folders)

    def _member_info(self, name: str, media_type: str, size: int | None) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.create_system = UNIX_SYSTEM
        info.external_attr = MEMBER_MODE << 16
        # zipfile uses the expected size to decide on ZIP64 fields. A size of 0 stands for
        # unknown, which add_stream covers with force_zip64.
        info.file_size = size or 0
        if compression_for(media_type) == DEFLATED:
            info.compress_type = zipfile.ZIP_DEFLATED
            _set_compress_level(info, DEFLATE_LEVEL)
        else:
            info.compress_type = zipfile.ZIP_STORED
        return info

    def _copy(self, name: str, stream: BinaryIO, member: IO[bytes], sha256: hashlib._Hash,
              size: int | None) -> int:
        """Copy `stream` into the open member in whole chunks and return the bytes copied."""
        written = 0
        while True:
            filled = _fill(stream, self._buffer)
            if filled == 0:
                break
            written += filled
            if size is not None and written > size:
                raise ValueError(f"the stream of {name!r} gave more than the declared {size} bytes")
            chunk = self._buffer[:filled]
            sha256.update(chunk)
            member.write(chunk)
            if filled < len(self._buffer):
                break
        if size is not None and written != size:
            raise ValueError(f"the stream of {name!r} gave {written} bytes, not the declared {size}")
        return written

    def _fail(self, name: str) -> None:
        """Record that `name` failed and stop all further output."""
        self._incomplete_reason = f"writing {name!r} failed"
        self._output.discarding = True
