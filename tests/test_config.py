"""The configuration file, its environment overrides, and secrets from the environment only."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.config import ConfigError, load_config

REPO = Path(__file__).resolve().parents[1]


def test_example_config_is_valid_and_documents_the_defaults() -> None:
    """config.example.toml loads, and its values are the embedded defaults."""
    from_file = load_config(REPO / "config.example.toml", env={"XRAY_SYNC_HOME": "/tmp/h"})
    embedded = load_config(None, env={"XRAY_SYNC_HOME": "/tmp/h"})
    assert from_file.model_dump(exclude={"source"}) == embedded.model_dump(exclude={"source"})


def test_every_key_of_the_model_is_documented_in_the_example() -> None:
    """Each key of each section appears in config.example.toml."""
    text = (REPO / "config.example.toml").read_text()
    config = load_config(None, env={})
    for section in ("store", "server", "jira", "xray", "sync", "workflow", "webhooks", "cli"):
        assert f"[{section}]" in text
        for key in type(getattr(config, section)).model_fields:
            documented = f"{key} =" in text or f"[{section}.{key}]" in text
            assert documented, f"{section}.{key} undocumented"


def test_environment_overrides_a_key_of_the_file(tmp_path: Path) -> None:
    """XRAY_SYNC_SECTION_KEY wins over the file's [section] key."""
    path = tmp_path / "c.toml"
    path.write_text('[jira]\nurl = "https://file.example"\n[sync]\ninterval = 60\n')
    env = {"XRAY_SYNC_JIRA_URL": "http://127.0.0.1:9", "XRAY_SYNC_SYNC_INTERVAL": "30"}
    config = load_config(path, env=env)
    assert (config.jira.url, config.sync.interval) == ("http://127.0.0.1:9", 30)


def test_store_url_defaults_to_sqlite_under_home() -> None:
    """With no [store] url the store is the SQLite file in XRAY_SYNC_HOME."""
    config = load_config(None, env={"XRAY_SYNC_HOME": "/srv/xs"})
    assert config.store_url == "sqlite:////srv/xs/xray-sync.db"


def test_config_file_is_found_through_xray_sync_config(tmp_path: Path) -> None:
    """XRAY_SYNC_CONFIG names the file to read."""
    path = tmp_path / "named.toml"
    path.write_text("[server]\nport = 9999\n")
    assert load_config(None, env={"XRAY_SYNC_CONFIG": str(path)}).server.port == 9999


def test_secret_in_the_file_is_refused(tmp_path: Path) -> None:
    """A token written in the file is an error that names the environment variable to use."""
    path = tmp_path / "c.toml"
    path.write_text('[jira]\ntoken = "abc"\n')
    with pytest.raises(ConfigError, match="XRAY_SYNC_JIRA_TOKEN"):
        load_config(path, env={})


def test_secrets_come_from_the_environment_and_stay_hidden() -> None:
    """Secrets are read from the environment and their repr does not show them."""
    config = load_config(None, env={"XRAY_SYNC_WEBHOOKS_AUTOMATION_SECRET": "s3cr3t-value"})
    secret = config.secrets.webhooks_automation_secret
    assert secret is not None and secret.get_secret_value() == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(config)


def test_bad_value_names_the_key() -> None:
    """A value of the wrong type is refused with the key's name."""
    with pytest.raises(ConfigError, match=r"sync\.interval"):
        load_config(None, env={"XRAY_SYNC_SYNC_INTERVAL": "often"})


@pytest.mark.parametrize(
    ("toml", "where"),
    [('[workflow.on_status]\n"Done" = "explode"\n', "'Done'"),
     ('[workflow]\non_delete = "move:"\n', "workflow.on_delete")],
)
def test_an_unknown_workflow_action_is_refused_where_the_config_is_read(
    tmp_path: Path, toml: str, where: str
) -> None:
    """An action the bridge does not know is a config error naming the key and the rule."""
    path = tmp_path / "c.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError, match="workflow_action") as refused:
        load_config(path, env={})
    assert where in refused.value.message


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    """A misspelt key is an error, not silently ignored."""
    path = tmp_path / "c.toml"
    path.write_text("[sync]\nintervall = 5\n")
    with pytest.raises(ConfigError, match="intervall"):
        load_config(path, env={})


def test_unknown_section_is_refused(tmp_path: Path) -> None:
    """A table that is not a known section is an error naming it."""
    path = tmp_path / "c.toml"
    path.write_text("[jiraa]\nurl = 'x'\n")
    with pytest.raises(ConfigError, match="jiraa"):
        load_config(path, env={})


def test_invalid_toml_is_refused(tmp_path: Path) -> None:
    """A file that is not TOML is an error naming the file."""
    path = tmp_path / "c.toml"
    path.write_text("[jira\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, env={})


def test_the_config_names_the_region_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    """`[xray] region` (XRAY_SYNC_XRAY_REGION) picks the region's host on Cloud; an unknown
    one is a config error naming the key."""
    env = {"XRAY_SYNC_HOME": str(tmp_path), "XRAY_SYNC_XRAY_REGION": "eu"}
    assert load_config(None, env).xray_url == "https://eu.xray.cloud.getxray.app"
    with pytest.raises(ConfigError, match=r"xray\.region"):
        load_config(None, {**env, "XRAY_SYNC_XRAY_REGION": "mars"})
