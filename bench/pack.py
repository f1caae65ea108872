"""Time writing a large evidence pack through PackWriter, and measure its peak memory.

Usage: python bench/pack.py [--files 200] [--file-mb 5] [--folder PATH]

The script writes `--files` files of `--file-mb` MB (10**6 bytes) of random bytes to a
temporary folder, untimed, so the operating system's page cache usually still contains them
when they are read. It then times PackWriter copying them as PDF originals (STORED) into one ZIP
file in the same folder, followed by manifest.json and manifest.sha256. Peak memory is the
process's peak resident set size (VmHWM), reset before the timed write where Linux allows it.
Afterwards, untimed for the target, `unzip -t` tests the ZIP and verify_pack checks it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from archive.evidence.container import PackDigest, PackWriter  # noqa: E402
from archive.evidence.manifest import (  # noqa: E402
    AuditHead,
    Manifest,
    ManifestFile,
    OriginalSource,
    PackInfo,
    write_manifest,
)
from archive.evidence.verify import verify_pack  # noqa: E402
from bench.machine import machine_summary  # noqa: E402

MB = 10**6
TARGET_MB_PER_SECOND = 100
TARGET_PEAK_MB = 300
AS_OF = dt.datetime(2025, 6, 11, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def generate_files(folder: Path, count: int, size: int) -> list[tuple[Path, str]]:
    """Write `count` files of `size` random bytes and return each path with its SHA-256."""
    files = []
    for index in range(count):
        data = os.urandom(size)
        path = folder / f"source-{index + 1:04d}.pdf"
        path.write_bytes(data)
        files.append((path, hashlib.sha256(data).hexdigest()))
    return files


def write_pack(pack_path: Path, files: list[tuple[Path, str]]) -> PackDigest:
    """Copy every file into the pack as an original, then add the manifest and its checksum."""
    with pack_path.open("wb") as output, PackWriter(output, AS_OF) as writer:
        listed = []
        for index, (path, sha256) in enumerate(files, start=1):
            member = writer.add_file(f"originals/证据{index}-1 往来函件第{index}号.pdf", path, "application/pdf")
            source = OriginalSource(document_version_id=index, document_id=index, contract_id=1,
                                    original_filename=path.name, blob_sha256=sha256, uploaded_at=AS_OF,
                                    uploaded_by="bench")
            listed.append(ManifestFile.from_member(member, "original", source))
        manifest = Manifest(
            pack=PackInfo(case_name="基准测试证据包", draft_id=1, draft_revision=1, as_of=AS_OF, prepared_by="bench"),
            audit_head=AuditHead(seq=1, event_hash="0" * 64),
            files=tuple(listed),
        )
        write_manifest(writer, manifest)
    return writer.close()


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS counter (VmHWM), and return False where Linux does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float:
    """Return the peak resident set size in MB: VmHWM on Linux, else ru_maxrss (KiB on Linux, bytes on macOS)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024 / MB
    except OSError:
        pass
    maximum = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maximum / MB if sys.platform == "darwin" else maximum * 1024 / MB


def run_unzip_test(pack_path: Path) -> tuple[str, float]:
    """Run `unzip -t` and return its verdict and seconds."""
    if shutil.which("unzip") is None:
        return "unzip not installed", 0.0
    started = time.perf_counter()
    result = subprocess.run(["unzip", "-tq", str(pack_path)], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode == 0:
        return "no errors", seconds
    output = (result.stdout + result.stderr).strip().splitlines()
    return f"failed with exit status {result.returncode}: {output[-1] if output else ''}", seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200, help="number of original files in the pack")
    parser.add_argument("--file-mb", type=float, default=5, help="size of each file in MB (10**6 bytes)")
    parser.add_argument("--folder", type=Path, default=None,
                        help="folder for the generated files and the pack (default: a new temporary folder)")
    args = parser.parse_args()

    console = Console()
    size = int(args.file_mb * MB)
    with tempfile.TemporaryDirectory(prefix="bench-pack-", dir=args.folder) as folder_name:
        folder = Path(folder_name)
        started = time.perf_counter()
        files = generate_files(folder, args.files, size)
        generated_in = time.perf_counter() - started
        pack_path = folder / "证据包.zip"

        peak_was_reset = reset_peak_rss()
        started = time.perf_counter()
        digest = write_pack(pack_path, files)
        write_seconds = time.perf_counter() - started
        peak_mb = peak_rss_mb()

        unzip_verdict, unzip_seconds = run_unzip_test(pack_path)
        started = time.perf_counter()
        report = verify_pack(pack_path)
        verify_seconds = time.perf_counter() - started

    input_mb = args.files * size / MB
    throughput = input_mb / write_seconds
    table = Table(title=f"Evidence pack of {args.files} files x {args.file_mb:g} MB")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_row("input", f"{input_mb:,.0f} MB", "")
    table.add_row("pack size", f"{digest.size / MB:,.1f} MB", "")
    table.add_row("write seconds", f"{write_seconds:.2f}", "")
    table.add_row("write throughput", f"{throughput:,.0f} MB/s", f">= {TARGET_MB_PER_SECOND} MB/s")
    table.add_row("peak RSS" + ("" if peak_was_reset else " (whole process)"), f"{peak_mb:,.0f} MB",
                  f"< {TARGET_PEAK_MB} MB")
    table.add_row("unzip -t (untimed)", unzip_verdict, "")
    table.add_row("unzip -t seconds", f"{unzip_seconds:.2f}", "")
    table.add_row("verify_pack", report.summary(), "")
    table.add_row("verify_pack seconds", f"{verify_seconds:.2f} ({digest.size / MB / verify_seconds:,.0f} MB/s)", "")
    table.add_row("files generated in (untimed)", f"{generated_in:.1f} s", "")

    machine = Table(title="Machine")
    machine.add_column("item")
    machine.add_column("value")
    for name, value in machine_summary(("rich",)):
        machine.add_row(name, value)
    machine.add_row("zlib", zlib.ZLIB_RUNTIME_VERSION)
    machine.add_row("pack folder", str(args.folder or tempfile.gettempdir()))

    console.print(table)
    console.print(machine)


if __name__ == "__main__":
    main()
