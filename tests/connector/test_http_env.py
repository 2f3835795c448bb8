"""The connector's HTTP sessions read the proxy and CA environment once, at build time."""

from __future__ import annotations

import pytest
import requests

from connector import make_backend
from connector.cloud import CloudBackend
from tests.connector.conftest import settings


def _sessions(backend: CloudBackend) -> list[requests.Session]:
    return [backend.channel.http, backend.xray.channel.http]


def test_a_proxy_from_the_environment_still_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTPS_PROXY set when the backend is built is used by its Jira and Xray sessions."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    backend = make_backend(settings("cloud"))
    assert isinstance(backend, CloudBackend)
    assert [s.proxies.get("https") for s in _sessions(backend)] == [
        "http://proxy.example:3128"] * 2


def test_no_proxy_keeps_its_hosts_direct(monkeypatch: pytest.MonkeyPatch) -> None:
    """A host named in NO_PROXY gets no proxy."""
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "jira.test,xray.test")
    backend = make_backend(settings("cloud"))
    assert isinstance(backend, CloudBackend)
    assert [s.proxies.get("https") for s in _sessions(backend)] == [None, None]


def test_a_ca_bundle_from_the_environment_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """REQUESTS_CA_BUNDLE set when the backend is built is what the sessions verify with."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/company.pem")
    backend = make_backend(settings("cloud"))
    assert isinstance(backend, CloudBackend)
    assert [s.verify for s in _sessions(backend)] == ["/etc/ssl/company.pem"] * 2


def test_the_environment_is_not_read_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """After the build, requests no longer consults the environment on each request."""
    backend = make_backend(settings("cloud"))
    assert isinstance(backend, CloudBackend)
    assert [s.trust_env for s in _sessions(backend)] == [False, False]
