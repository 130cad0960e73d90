"""All configuration in one place: environment variables, optionally from a ``.env`` file.

Every name is documented in ``.env.example``. The Discord token is wrapped in :class:`Secret`
so that printing or logging the settings never shows it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the variable and the fix."""


class Secret:
    """A string that never shows itself in ``repr``/``str`` (and so never in logs)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('********')" if self._value else "Secret('')"

    __str__ = __repr__


@dataclass(frozen=True)
class Settings:
    discord_token: Secret = field(default_factory=lambda: Secret(""))
    guild_ids: tuple[int, ...] = ()
    """Guilds to sync slash commands to instantly; empty means global sync."""
    mod_role: str | None = None
    """Members with this role name (or Manage Server) may /reload and /stats."""
    cooldown_questions: int = 5
    cooldown_seconds: float = 30.0
    data_dir: Path = Path("data")
    db_path: Path = Path("data/newsbot.sqlite3")
    corpus_dir: Path = Path("seeds")
    log_questions: bool = True
    question_retention_days: int = 90
    api_base: str | None = None
    """DISCORD_API_BASE: REST base URL (a proxy or a local emulator)."""
    gateway_url: str | None = None
    """DISCORD_GATEWAY_URL: gateway WebSocket URL (a local emulator)."""
    log_level: str = "INFO"
    lang: str | None = None
    max_removed_share: float = 0.5
    """NEWSBOT_MAX_REMOVED_SHARE: a reload removing more than this share of the stored
    articles (or all of them) is refused unless forced."""
    """NEWSBOT_LANG: the terminal's language ("fr"/"en"); unset, the locale decides."""

    @property
    def index_path(self) -> Path:
        """The saved search index beside the database (a cache: safe to delete)."""
        return self.db_path.with_name(f"{self.db_path.stem}.index.npz")

    @classmethod
    def load(cls, env_file: Path | None = Path(".env"), environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment, falling back to ``env_file`` for unset names."""
        values: dict[str, str | None] = {}
        if env_file is not None and env_file.is_file():
            values.update(dotenv_values(env_file))
        values.update(os.environ if environ is None else environ)
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str | None]) -> Settings:
        def get(name: str) -> str | None:
            value = values.get(name)
            return value.strip() if value and value.strip() else None

        data_dir = Path(get("NEWSBOT_DATA_DIR") or "data")
        return cls(
            discord_token=Secret(get("DISCORD_TOKEN") or ""),
            guild_ids=_int_list("NEWSBOT_GUILD_IDS", get("NEWSBOT_GUILD_IDS")),
            mod_role=get("NEWSBOT_MOD_ROLE"),
            cooldown_questions=_positive_int("NEWSBOT_COOLDOWN_QUESTIONS", get("NEWSBOT_COOLDOWN_QUESTIONS"), 5),
            cooldown_seconds=_positive_float("NEWSBOT_COOLDOWN_SECONDS", get("NEWSBOT_COOLDOWN_SECONDS"), 30.0),
            data_dir=data_dir,
            db_path=Path(get("NEWSBOT_DB") or data_dir / "newsbot.sqlite3"),
            corpus_dir=Path(get("NEWSBOT_CORPUS_DIR") or "seeds"),
            log_questions=_bool("NEWSBOT_LOG_QUESTIONS", get("NEWSBOT_LOG_QUESTIONS"), True),
            question_retention_days=_positive_int(
                "NEWSBOT_QUESTION_RETENTION_DAYS", get("NEWSBOT_QUESTION_RETENTION_DAYS"), 90
            ),
            api_base=get("DISCORD_API_BASE"),
            gateway_url=get("DISCORD_GATEWAY_URL"),
            log_level=(get("NEWSBOT_LOG_LEVEL") or "INFO").upper(),
            lang=_choice("NEWSBOT_LANG", get("NEWSBOT_LANG"), ("fr", "en")),
            max_removed_share=_share("NEWSBOT_MAX_REMOVED_SHARE", get("NEWSBOT_MAX_REMOVED_SHARE"), 0.5),
        )


def _int_list(name: str, value: str | None) -> tuple[int, ...]:
    if not value:
        return ()
    try:
        return tuple(int(part) for part in value.replace(" ", "").split(",") if part)
    except ValueError:
        raise ConfigError(f"{name} must be comma-separated numeric guild ids, got {value!r}") from None


def _positive_int(name: str, value: str | None, default: int) -> int:
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, got {value!r}")
    return int(value)


def _positive_float(name: str, value: str | None, default: float) -> float:
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not math.isfinite(number) or number <= 0:
        raise ConfigError(f"{name} must be a positive number of seconds, got {value!r}")
    return number


def _share(name: str, value: str | None, default: float) -> float:
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 1:
        raise ConfigError(f"{name} must be a share between 0 and 1 (0.5 is half), got {value!r}")
    return number


def _choice(name: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if value.lower() not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value.lower()


def _bool(name: str, value: str | None, default: bool) -> bool:
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {value!r}")
