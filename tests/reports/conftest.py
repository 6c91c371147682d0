"""Fixtures of the reports tests: a store on SQLite and on a real PostgreSQL, a real Dovecot."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxready.reports.store import ReportStore
from tests.reports.servers import DovecotServer, PostgresServer, dovecot_server, postgres_server
from tests.services import require

IMAP_USERS = {"dmarc": "s3cret-pass", "other": "other-pass"}


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        if isinstance(server, str):
            require(False, server)
            return
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reports.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    dsn = f"host=127.0.0.1 port={server.port} user={server.user} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield server.url(name)
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def store(store_url: str) -> Iterator[ReportStore]:
    with ReportStore(store_url) as opened:
        yield opened


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[ReportStore]:
    with ReportStore(f"sqlite:///{tmp_path / 'reports.sqlite3'}") as opened:
        yield opened


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    with dovecot_server(IMAP_USERS) as server:
        if isinstance(server, str):
            require(False, server)
            return
        yield server
