"""`sync.wiring`: the store a config describes, and logs that never show a secret."""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.errors import Unavailable
from sync.config import load_config
from sync.wiring import MASK, SecretMaskFilter, configure_logging, open_store, store_settings

SECRET_ENV = {
    "XRAY_SYNC_JIRA_TOKEN": "jira-token-0123456789",
    "XRAY_SYNC_XRAY_CLIENT_SECRET": "xray-secret-abcdef",
    "XRAY_SYNC_WEBHOOKS_SECRET": "hook-secret-42",
    "XRAY_SYNC_WEBHOOKS_AUTOMATION_SECRET": "automation-secret-99",
    "XRAY_SYNC_JIRA_EMAIL": "bot@example.com",
}


@pytest.fixture
def restore_root_logger() -> Iterator[None]:
    """Put the root logger's handlers and level back after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_open_store_creates_the_home_and_a_migrated_store(tmp_path: Path) -> None:
    """open_store on a missing home creates it and the store works (a user can be added)."""
    home = tmp_path / "a" / "home"
    store = open_store(load_config(env={"XRAY_SYNC_HOME": str(home)}))
    store.add_user("zoe")
    assert (home / "xray-sync.db").is_file()
    assert [u.name for u in store.list_users()] == ["zoe"]


def test_open_store_creates_the_folder_of_a_sqlite_url_outside_the_home(tmp_path: Path) -> None:
    """A [store] url naming a SQLite file in a missing folder gets that folder created."""
    db = tmp_path / "elsewhere" / "store.db"
    env = {"XRAY_SYNC_HOME": str(tmp_path / "home"), "XRAY_SYNC_STORE_URL": f"sqlite:///{db}"}
    open_store(load_config(env=env)).add_user("zoe")
    assert db.is_file()


def test_open_store_on_an_unreachable_database_is_unavailable(tmp_path: Path) -> None:
    """A PostgreSQL URL nobody answers raises Unavailable naming the URL without its password."""
    env = {"XRAY_SYNC_HOME": str(tmp_path),
           "XRAY_SYNC_STORE_URL": "postgresql+psycopg://u:hunter2@127.0.0.1:1/db"}
    with pytest.raises(Unavailable) as caught:
        open_store(load_config(env=env))
    assert caught.value.rule == "database_unavailable"
    assert "hunter2" not in caught.value.message and "127.0.0.1:1" in caught.value.message


def test_store_settings_follow_the_store_section(tmp_path: Path) -> None:
    """max_upload_mb becomes bytes; lease, retention, trash days, link and duplicate policy pass."""
    config_file = tmp_path / "c.toml"
    config_file.write_text(
        "[store]\nmax_upload_mb = 3\nlock_lease_seconds = 60\nversion_retention = 5\n"
        'trash_retention_days = 2\nduplicate_xray_as = "standalone"\n'
        'desktop_link_template = "xea://x/{id}"\n'
    )
    settings = store_settings(load_config(config_file, env={"XRAY_SYNC_HOME": str(tmp_path)}))
    assert settings.home == tmp_path
    assert settings.max_upload_bytes == 3 * 1024 * 1024
    assert (settings.lock_lease_seconds, settings.version_retention) == (60, 5)
    assert (settings.trash_retention_days, settings.duplicate_xray_as) == (2, "standalone")
    assert settings.desktop_link_template == "xea://x/{id}"


def _log_through_configured_logging(tmp_path: Path, emit: object) -> str:
    config = load_config(env={"XRAY_SYNC_HOME": str(tmp_path), **SECRET_ENV})
    out = io.StringIO()
    configure_logging(config, stream=out)
    assert callable(emit)
    emit(logging.getLogger("xray_sync.test"))
    return out.getvalue()


@pytest.mark.usefixtures("restore_root_logger")
@pytest.mark.parametrize("variable", [k for k in SECRET_ENV if k != "XRAY_SYNC_JIRA_EMAIL"])
def test_every_secret_is_masked_in_messages_and_arguments(tmp_path: Path, variable: str) -> None:
    """A secret in a log message or in its %-arguments is replaced by the mask."""
    secret = SECRET_ENV[variable]

    def emit(logger: logging.Logger) -> None:
        logger.warning("sent %s", f"Bearer {secret}")
        logger.warning(f"inline {secret}")

    text = _log_through_configured_logging(tmp_path, emit)
    assert secret not in text
    assert text.count(MASK) == 2


@pytest.mark.usefixtures("restore_root_logger")
def test_secrets_are_masked_in_exception_text(tmp_path: Path) -> None:
    """A secret inside a logged exception's message and traceback is masked."""
    secret = SECRET_ENV["XRAY_SYNC_XRAY_CLIENT_SECRET"]

    def emit(logger: logging.Logger) -> None:
        try:
            raise RuntimeError(f"auth failed for {secret}")
        except RuntimeError:
            logger.exception("request failed")

    text = _log_through_configured_logging(tmp_path, emit)
    assert "RuntimeError: auth failed for " + MASK in text
    assert secret not in text


@pytest.mark.usefixtures("restore_root_logger")
def test_basic_auth_header_of_the_jira_token_is_masked(tmp_path: Path) -> None:
    """The base64 `email:token` of Cloud basic auth is masked too."""
    pair = f"{SECRET_ENV['XRAY_SYNC_JIRA_EMAIL']}:{SECRET_ENV['XRAY_SYNC_JIRA_TOKEN']}"
    encoded = base64.b64encode(pair.encode()).decode()

    def emit(logger: logging.Logger) -> None:
        logger.info("Authorization: Basic %s", encoded)

    text = _log_through_configured_logging(tmp_path, emit)
    assert encoded not in text and f"Basic {MASK}" in text


@pytest.mark.usefixtures("restore_root_logger")
def test_configure_logging_twice_keeps_one_handler(tmp_path: Path) -> None:
    """Calling configure_logging again replaces its handler instead of doubling every line."""
    config = load_config(env={"XRAY_SYNC_HOME": str(tmp_path)})
    out = io.StringIO()
    configure_logging(config, stream=io.StringIO())
    configure_logging(config, stream=out)
    logging.getLogger("xray_sync.test").warning("once")
    assert out.getvalue().count("once") == 1


def test_mask_filter_leaves_records_alone_without_secrets() -> None:
    """With no secrets configured the filter passes the record through unchanged."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a %s", ("b",), None)
    assert SecretMaskFilter([]).filter(record) is True
    assert (record.msg, record.args) == ("a %s", ("b",))
