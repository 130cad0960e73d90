"""Settings from the environment and .env: defaults, overrides, validation, secrecy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.super-secret-token-value"


def test_defaults_use_the_shipped_seeds_and_a_per_user_data_folder() -> None:
    settings = Settings.from_mapping({"XDG_DATA_HOME": "/home/ana/.local/share"})
    assert settings.corpus_dir == ROOT / "seeds"  # found with the package, from any folder
    assert settings.data_dir == Path("/home/ana/.local/share/newsbot")
    assert settings.db_path.parent == settings.data_dir and settings.db_path.name.startswith("seeds-")


def test_without_xdg_data_home_the_data_folder_is_under_the_home_folder() -> None:
    assert Settings.from_mapping({}).data_dir == Path.home() / ".local" / "share" / "newsbot"


def test_each_corpus_folder_gets_its_own_database() -> None:
    settings = Settings.from_mapping({"NEWSBOT_DATA_DIR": "/srv/newsbot"})
    other = settings.with_corpus(Path("/news/other"))
    assert other.corpus_dir == Path("/news/other")
    assert other.db_path.parent == Path("/srv/newsbot") and other.db_path.name.startswith("other-")
    assert other.db_path != settings.db_path
    assert other.with_corpus(settings.corpus_dir).db_path == settings.db_path


def test_a_named_database_is_kept_for_another_corpus() -> None:
    settings = Settings.from_mapping({"NEWSBOT_DB": "/var/db/news.sqlite3"})
    assert settings.with_corpus(Path("/news/other")).db_path == Path("/var/db/news.sqlite3")


def test_default_cooldown_is_five_questions_per_thirty_seconds() -> None:
    settings = Settings.from_mapping({})
    assert (settings.cooldown_questions, settings.cooldown_seconds) == (5, 30.0)


def test_default_has_no_token_and_global_sync() -> None:
    settings = Settings.from_mapping({})
    assert not settings.discord_token
    assert settings.guild_ids == ()


def test_database_follows_the_data_folder() -> None:
    settings = Settings.from_mapping({"NEWSBOT_DATA_DIR": "/srv/newsbot"})
    assert settings.db_path.parent == Path("/srv/newsbot")


def test_newsbot_db_overrides_the_database_path() -> None:
    settings = Settings.from_mapping({"NEWSBOT_DATA_DIR": "/srv/newsbot", "NEWSBOT_DB": "/var/db/news.sqlite3"})
    assert settings.db_path == Path("/var/db/news.sqlite3")
    assert settings.data_dir == Path("/srv/newsbot")


def test_empty_values_mean_the_default() -> None:
    settings = Settings.from_mapping({"NEWSBOT_DB": "", "NEWSBOT_CORPUS_DIR": "  ", "NEWSBOT_COOLDOWN_SECONDS": ""})
    assert settings.db_derived and settings.db_path.name.startswith("seeds-")
    assert settings.corpus_dir == ROOT / "seeds"
    assert settings.cooldown_seconds == 30.0


def test_cooldown_values_are_read() -> None:
    settings = Settings.from_mapping({"NEWSBOT_COOLDOWN_QUESTIONS": "3", "NEWSBOT_COOLDOWN_SECONDS": "12.5"})
    assert (settings.cooldown_questions, settings.cooldown_seconds) == (3, 12.5)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123456789012345678", (123456789012345678,)),
        ("1, 2,3", (1, 2, 3)),
        ("111,222,", (111, 222)),
        ("", ()),
    ],
)
def test_guild_ids_are_parsed(raw: str, expected: tuple[int, ...]) -> None:
    assert Settings.from_mapping({"NEWSBOT_GUILD_IDS": raw}).guild_ids == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NEWSBOT_GUILD_IDS", "abc"),
        ("NEWSBOT_GUILD_IDS", "123;456"),
        ("NEWSBOT_COOLDOWN_SECONDS", "-1"),
        ("NEWSBOT_COOLDOWN_SECONDS", "0"),
        ("NEWSBOT_COOLDOWN_SECONDS", "soon"),
        ("NEWSBOT_COOLDOWN_QUESTIONS", "0"),
        ("NEWSBOT_COOLDOWN_QUESTIONS", "2.5"),
        ("NEWSBOT_LOG_QUESTIONS", "maybe"),
        ("NEWSBOT_QUESTION_RETENTION_DAYS", "-7"),
        ("NEWSBOT_SHARDS", "0"),
        ("NEWSBOT_SHARDS", "many"),
        ("NEWSBOT_FOLLOW_UP_SECONDS", "0"),
    ],
)
def test_bad_value_raises_config_error_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        Settings.from_mapping({name: value})
    assert name in str(error.value)
    assert repr(value) in str(error.value)


def test_cooldown_seconds_nan_is_rejected() -> None:
    with pytest.raises(ConfigError, match="NEWSBOT_COOLDOWN_SECONDS"):
        Settings.from_mapping({"NEWSBOT_COOLDOWN_SECONDS": "nan"})


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("YES", True), ("0", False), ("off", False)])
def test_log_questions_accepts_common_booleans(raw: str, expected: bool) -> None:
    assert Settings.from_mapping({"NEWSBOT_LOG_QUESTIONS": raw}).log_questions is expected


def test_log_level_is_upper_cased() -> None:
    assert Settings.from_mapping({"NEWSBOT_LOG_LEVEL": "debug"}).log_level == "DEBUG"


def test_token_is_available_to_the_client() -> None:
    assert Settings.from_mapping({"DISCORD_TOKEN": f"  {TOKEN} "}).discord_token.reveal() == TOKEN


def test_token_never_appears_in_repr_or_str() -> None:
    settings = Settings.from_mapping({"DISCORD_TOKEN": TOKEN})
    for shown in (
        repr(settings),
        str(settings),
        f"{settings}",
        repr(settings.discord_token),
        str(settings.discord_token),
    ):
        assert TOKEN not in shown
        assert "super-secret" not in shown


def test_load_reads_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"DISCORD_TOKEN={TOKEN}\nNEWSBOT_GUILD_IDS=42\nNEWSBOT_CORPUS_DIR=/news\n", encoding="utf-8")
    settings = Settings.load(env_file, environ={})
    assert settings.discord_token.reveal() == TOKEN
    assert settings.guild_ids == (42,)
    assert settings.corpus_dir == Path("/news")


def test_environment_overrides_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("NEWSBOT_CORPUS_DIR=/from-file\nNEWSBOT_COOLDOWN_QUESTIONS=2\n", encoding="utf-8")
    settings = Settings.load(env_file, environ={"NEWSBOT_CORPUS_DIR": "/from-env"})
    assert settings.corpus_dir == Path("/from-env")
    assert settings.cooldown_questions == 2


def test_load_without_an_env_file_uses_the_environment(tmp_path: Path) -> None:
    settings = Settings.load(tmp_path / "missing.env", environ={"NEWSBOT_GUILD_IDS": "7"})
    assert settings.guild_ids == (7,)


def test_bad_value_in_the_env_file_raises_config_error(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("NEWSBOT_GUILD_IDS=my-server\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="NEWSBOT_GUILD_IDS"):
        Settings.load(env_file, environ={})


def test_every_variable_read_by_config_is_documented_in_env_example() -> None:
    source = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r'get\("([A-Z][A-Z0-9_]+)"\)', source))
    assert len(read) >= 10, "the pattern no longer finds the variables config.py reads"
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert read - documented == set()


def test_env_example_loads_as_valid_settings() -> None:
    settings = Settings.load(ROOT / ".env.example", environ={})
    assert settings.corpus_dir == ROOT / "seeds"
    assert settings.db_derived
    assert not settings.discord_token


def test_max_removed_share_defaults_to_half_and_is_checked() -> None:
    assert Settings.from_mapping({}).max_removed_share == 0.5
    assert Settings.from_mapping({"NEWSBOT_MAX_REMOVED_SHARE": "0.2"}).max_removed_share == 0.2
    with pytest.raises(ConfigError, match="NEWSBOT_MAX_REMOVED_SHARE"):
        Settings.from_mapping({"NEWSBOT_MAX_REMOVED_SHARE": "2"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("NEWSBOT_COOLDOWN_SECONDS", "-5"),
        ("NEWSBOT_COOLDOWN_QUESTIONS", "0"),
        ("NEWSBOT_GUILD_IDS", "my server"),
        ("NEWSBOT_LOG_LEVEL", "LOUD"),
        ("NEWSBOT_STORE_CHECK_SECONDS", "never"),
        ("NEWSBOT_ANNOUNCE_MAX", "-1"),
    ],
)
def test_a_bad_discord_only_setting_stops_the_bot_but_not_the_terminal(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_mapping({name: value})
    assert Settings.from_mapping({name: value}, bot=False).corpus_dir == Settings.from_mapping({}).corpus_dir


def test_an_unknown_log_level_is_refused_naming_the_valid_ones() -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_mapping({"NEWSBOT_LOG_LEVEL": "LOUD"})
    assert "DEBUG, INFO, WARNING, ERROR, CRITICAL" in str(refused.value) and "'LOUD'" in str(refused.value)


@pytest.mark.parametrize(("raw", "expected"), [(None, None), ("", None), ("auto", "auto"), ("AUTO", "auto"), ("4", 4)])
def test_shards_are_unset_auto_or_a_count(raw: str | None, expected: object) -> None:
    assert Settings.from_mapping({"NEWSBOT_SHARDS": raw}).shards == expected
