"""A description of the machine, for the report: CPU, cores, memory, OS, Python, Django, gunicorn."""

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _field(text: str, key: str, sep: str = ":") -> str | None:
    for line in text.splitlines():
        name, found, value = line.partition(sep)
        if found and name.strip() == key:
            return value.strip().strip('"')
    return None


def cpu_model() -> str:
    return _field(_read("/proc/cpuinfo"), "model name") or platform.processor() or "unknown"


def cores() -> str:
    total = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else total
    return f"{total} logical cores ({usable} usable by this process)"


def memory() -> str:
    total_kb = _field(_read("/proc/meminfo"), "MemTotal")
    if not total_kb:
        return "unknown"
    return f"{int(total_kb.split()[0]) / 1024 / 1024:.1f} GiB"


def operating_system() -> str:
    name = _field(_read("/etc/os-release"), "PRETTY_NAME", "=") or platform.system()
    return f"{name}, kernel {platform.release()}"


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def describe() -> list[tuple[str, str]]:
    return [
        ("CPU", cpu_model()),
        ("Cores", cores()),
        ("Memory", memory()),
        ("OS", operating_system()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("Django", package_version("django")),
        ("gunicorn", package_version("gunicorn")),
    ]
