"""Describe the machine a benchmark ran on."""

from __future__ import annotations

import os
import platform
from importlib import metadata


def machine_summary(packages: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Return (name, value) rows: CPU, cores, memory, OS, Python and package versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = "unknown"
    try:
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            kb = int(meminfo.readline().split()[1])
            memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    rows = [
        ("cpu", cpu),
        ("cores", str(os.cpu_count())),
        ("memory", memory),
        ("os", platform.platform()),
        ("python", platform.python_version()),
    ]
    for package in packages:
        try:
            rows.append((package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            rows.append((package, "not installed"))
    return rows
