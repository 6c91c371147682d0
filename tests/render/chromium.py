"""Headless Chromium for tests of the HTML reports (Debian's chromium package)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.services import REPO, require

ARTIFACTS = REPO / "artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    require(binary is not None, "headless Chromium not installed (Debian package chromium)")
    assert binary is not None
    return binary


def dump_dom(page: Path) -> str:
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def screenshot(page: Path, name: str, size: str = "1280,2400") -> Path:
    """Render the page to artifacts/NAME.png (kept as a test artifact) and return the path."""
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--window-size={size}",
             f"--screenshot={target}", page.as_uri()],
            capture_output=True, text=True, timeout=120,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert target.exists() and target.stat().st_size > 10_000
    return target
