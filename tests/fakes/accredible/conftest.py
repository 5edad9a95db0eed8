"""Fixtures for the fake Accredible's tests: one issuer per region, driven by ``DocClient``."""

from __future__ import annotations

import pytest
from doc_client import DocClient, seed_issuer


@pytest.fixture(params=["us", "eu"])
def region(request) -> str:
    return request.param


@pytest.fixture
def api(casim, region) -> DocClient:
    """An issuer on ``region`` with an account-wide key."""
    http = casim.client(f"accredible-{region}")
    seed_issuer(http, f"{region}-key")
    return DocClient(http, f"{region}-key")
