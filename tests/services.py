"""Tests that need a real service (DNS server, spamd, PostgreSQL, Dovecot, ...) call `require`.

Outside CI a missing service skips the test with a visible reason; under CI=true it fails, because
.ci/run is responsible for installing and starting every service.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("INBOXREADY_CORPUS", REPO.parent / "shared" / "corpus"))


def require(available: bool, reason: str) -> None:
    if available:
        return
    if IN_CI:
        pytest.fail(f"required service missing under CI: {reason}")
    pytest.skip(reason)


def corpus_path(*parts: str) -> Path:
    """A path inside the third-party corpus (INBOXREADY_CORPUS, default ../shared/corpus)."""
    path = CORPUS.joinpath(*parts)
    require(path.exists(), f"corpus file {path} not found (set INBOXREADY_CORPUS)")
    return path
