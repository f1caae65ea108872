"""Time building the evidence bundle PDF from large scanned-like PDFs, and measure its peak memory.

Usage: python bench/bundle.py [--files 20] [--file-mb 25] [--pages 5] [--folder PATH] [--module FILE]

The script writes `--files` PDFs of `--pages` pages each to a temporary folder, untimed. Every
page shows one uncompressed RGB image of random bytes, so a file is about `--file-mb` MB
(10**6 bytes) and nothing in it compresses. It then builds the bundle of all of them, passed
as file paths, into a file in the same folder, in a child process. The child reports the build
time and its own peak resident set size (ru_maxrss of the child, which includes the imports),
and the resident set after the imports and before the build. Afterwards, untimed, pikepdf
checks the bundle's page count.

`--module FILE` builds with the build_bundle of another copy of archive/evidence/bundle.py,
for example the previous version saved with `git show HEAD~1:archive/evidence/bundle.py`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pikepdf  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from bench.machine import machine_summary  # noqa: E402

MB = 10**6
# A4 at 300 dots per inch is 2480 pixels wide. The height follows from the size of a page.
IMAGE_WIDTH = 2480
A4_POINTS = (595, 842)
TARGET_PEAK_MB = 300


def generate_pdfs(folder: Path, count: int, pages: int, size: int) -> list[Path]:
    """Write `count` PDFs of `pages` pages, each page an uncompressed image of random bytes, about `size` bytes a file."""
    height = max(1, size // pages // (IMAGE_WIDTH * 3))
    width, page_height = A4_POINTS
    paths = []
    for index in range(count):
        path = folder / f"scan-{index + 1:03d}.pdf"
        with pikepdf.new() as pdf:
            for _ in range(pages):
                image = pikepdf.Stream(pdf, os.urandom(IMAGE_WIDTH * height * 3))
                image[pikepdf.Name.Type] = pikepdf.Name.XObject
                image[pikepdf.Name.Subtype] = pikepdf.Name.Image
                image[pikepdf.Name.Width] = IMAGE_WIDTH
                image[pikepdf.Name.Height] = height
                image[pikepdf.Name.ColorSpace] = pikepdf.Name.DeviceRGB
                image[pikepdf.Name.BitsPerComponent] = 8
                page = pdf.add_blank_page(page_size=A4_POINTS)
                page.obj[pikepdf.Name.Resources] = pikepdf.Dictionary(
                    XObject=pikepdf.Dictionary(Scan=pdf.make_indirect(image))
                )
                page.obj[pikepdf.Name.Contents] = pdf.make_indirect(
                    pikepdf.Stream(pdf, f"q {width} 0 0 {page_height} 0 0 cm /Scan Do Q\n".encode("ascii"))
                )
            pdf.save(path, compress_streams=False)
        paths.append(path)
    return paths


def rss_mb() -> float:
    """Return this process's current resident set size in MB (VmRSS), or 0 where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024 / MB
    except OSError:
        pass
    return 0.0


def max_rss_mb() -> float:
    """Return this process's peak resident set size in MB from ru_maxrss (KiB on Linux, bytes on macOS)."""
    maximum = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maximum / MB if sys.platform == "darwin" else maximum * 1024 / MB


def load_build_bundle(module_file: Path | None) -> Any:
    """Return build_bundle from archive.evidence.bundle, or from `module_file` when given."""
    if module_file is None:
        from archive.evidence.bundle import build_bundle

        return build_bundle
    spec = importlib.util.spec_from_file_location("bench_bundle_under_test", module_file)
    if spec is None or spec.loader is None:
        raise SystemExit(f"Cannot load {module_file} as a Python module. Pass a copy of archive/evidence/bundle.py.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_bundle


def run_child(arguments: argparse.Namespace) -> None:
    """Build the bundle of the PDFs listed in `arguments.child` and print the measurements as JSON."""
    from archive.evidence.items import EvidenceItem
    from archive.i18n import get_translations

    build_bundle = load_build_bundle(arguments.module)
    translations = get_translations("zh_CN")
    listing = json.loads(Path(arguments.child).read_text(encoding="utf-8"))
    items = [
        (EvidenceItem(group=1, number=number, name=f"扫描件 {number}", origin="copy", issuer="甲公司",
                      purpose="基准测试", file_name=Path(path).name, media_type="application/pdf"), path)
        for number, path in enumerate(listing["sources"], start=1)
    ]
    before_mb = rss_mb()
    started = time.perf_counter()
    with open(listing["output"], "wb") as output:
        ranges = build_bundle(items, output, translations=translations)
    seconds = time.perf_counter() - started
    pages = max(page_range.last for page_range in ranges.values())
    print(json.dumps({"seconds": seconds, "peak_mb": max_rss_mb(), "before_mb": before_mb, "pages": pages}))


def measure(sources: list[Path], output: Path, module_file: Path | None) -> dict[str, Any]:
    """Build the bundle in a child process and return its measurements."""
    listing = output.with_suffix(".json")
    listing.write_text(json.dumps({"sources": [str(path) for path in sources], "output": str(output)}),
                       encoding="utf-8")
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(listing)]
    if module_file is not None:
        command += ["--module", str(module_file)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"The bundle build failed with exit status {result.returncode}:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20, help="number of generated PDFs")
    parser.add_argument("--file-mb", type=float, default=25, help="size of each PDF in MB (10**6 bytes)")
    parser.add_argument("--pages", type=int, default=5, help="pages in each PDF, one image each")
    parser.add_argument("--folder", type=Path, default=None,
                        help="folder for the generated PDFs and the bundle (default: a new temporary folder)")
    parser.add_argument("--module", type=Path, default=None,
                        help="another copy of archive/evidence/bundle.py to measure instead of the current one")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return

    console = Console()
    with tempfile.TemporaryDirectory(prefix="bench-bundle-", dir=args.folder) as folder_name:
        folder = Path(folder_name)
        started = time.perf_counter()
        sources = generate_pdfs(folder, args.files, args.pages, int(args.file_mb * MB))
        generated_in = time.perf_counter() - started
        input_mb = sum(path.stat().st_size for path in sources) / MB

        output = folder / "证据汇编.pdf"
        result = measure(sources, output, args.module)
        output_mb = output.stat().st_size / MB
        with pikepdf.open(output) as bundle:
            bundle_pages = len(bundle.pages)

    expected_pages = args.files * args.pages
    table = Table(title=f"Evidence bundle of {args.files} PDFs x {args.pages} pages, {input_mb:,.0f} MB")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    table.add_row("code", str(args.module or "archive/evidence/bundle.py"), "")
    table.add_row("input", f"{input_mb:,.0f} MB", "")
    table.add_row("bundle size", f"{output_mb:,.1f} MB", "")
    table.add_row("bundle pages", f"{bundle_pages} of {expected_pages}", "")
    table.add_row("build seconds", f"{result['seconds']:.2f}", "")
    table.add_row("build throughput", f"{input_mb / result['seconds']:,.0f} MB/s", "")
    table.add_row("peak RSS of the build process", f"{result['peak_mb']:,.0f} MB", f"< {TARGET_PEAK_MB} MB")
    table.add_row("RSS after imports, before the build", f"{result['before_mb']:,.0f} MB", "")
    table.add_row("PDFs generated in (untimed)", f"{generated_in:.1f} s", "")

    machine = Table(title="Machine")
    machine.add_column("item")
    machine.add_column("value")
    for name, value in machine_summary(("pikepdf", "pypdf", "reportlab")):
        machine.add_row(name, value)
    machine.add_row("qpdf", pikepdf.__libqpdf_version__)
    machine.add_row("bundle folder", str(args.folder or tempfile.gettempdir()))

    console.print(table)
    console.print(machine)


if __name__ == "__main__":
    main()
