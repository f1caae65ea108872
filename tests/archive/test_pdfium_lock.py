"""PDFium from several threads at once: page images rendered while PDFs are read, as the server does.

PDFium is not thread-safe, so without the process-wide lock this crashes the process. The
threads run in a child process, so a crash fails this test instead of stopping the test run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import REPO_ROOT, corpus_file

CHILD = textwrap.dedent("""
    import sys, threading
    from archive.page_images import page_sizes, render_page
    from ingest.readers.pdf import read_pdf

    data = open(sys.argv[1], "rb").read()
    pages = len(page_sizes(data))
    errors = []

    def render():
        try:
            for _ in range(6):
                for number in range(1, pages + 1):
                    render_page(data, number, [[number, 50, 50, 300, 120]])
        except Exception as error:  # printed below, so the parent test shows what failed
            errors.append(repr(error))

    def read():
        try:
            for _ in range(3):
                assert read_pdf(data, filename="contract.pdf").pages
        except Exception as error:
            errors.append(repr(error))

    threads = [threading.Thread(target=render) for _ in range(3)] + [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("errors:", errors)
    sys.exit(1 if errors else 0)
""")


def test_threads_render_and_read_pdfs() -> None:
    pdf = corpus_file("zh_office-equipment-procurement-contract_original.pdf")
    child = subprocess.run([sys.executable, "-c", CHILD, str(pdf)], cwd=REPO_ROOT, capture_output=True, text=True,
                           timeout=600)
    # A negative status is the signal that stopped the child: -11 (SIGSEGV) or -5 (SIGTRAP) when PDFium crashed.
    assert child.returncode == 0, f"status {child.returncode}:\n{child.stdout}\n{child.stderr[-3000:]}"
