"""Fixtures of the hosts tests: the HTTPS policy server on loopback with its test CA."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hosts.sts_policies import CERT_NAMES, ROUTES
from tests.hosts.tls_server import PolicyServer


@pytest.fixture(scope="module")
def policy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PolicyServer]:
    with PolicyServer(tmp_path_factory.mktemp("pki"), ROUTES, CERT_NAMES) as server:
        yield server
