"""All configuration in one place: environment variables, optionally from a ``.env`` file.

Every name is documented in ``.env.example``. The Discord token is wrapped in :class:`Secret`
so that printing or logging the settings never shows it.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

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
    data_dir: Path = field(default_factory=lambda: default_data_dir(os.environ))
    """Where databases and small state files go: NEWSBOT_DATA_DIR, else a per-user folder."""
    db_path: Path = Path()
    """NEWSBOT_DB or --db; left out, one database per corpus folder in ``data_dir``."""
    corpus_dir: Path = field(default_factory=lambda: shipped_corpus())
    log_questions: bool = True
    question_retention_days: int = 90
    api_base: str | None = None
    """DISCORD_API_BASE: REST base URL (a proxy or a local emulator)."""
    gateway_url: str | None = None
    """DISCORD_GATEWAY_URL: gateway WebSocket URL (a local emulator)."""
    log_level: str = "INFO"
    lang: str | None = None
    """NEWSBOT_LANG: the terminal's language ("fr"/"en"); unset, the locale decides."""
    max_removed_share: float = 0.5
    """NEWSBOT_MAX_REMOVED_SHARE: a reload removing more than this share of the stored
    articles (or all of them) is refused unless forced."""
    store_check_seconds: float = 5.0
    """NEWSBOT_STORE_CHECK_SECONDS: how often the running bot checks whether another process
    (``newsbot reload``) changed the stored corpus, and swaps to it."""
    follow_outside_links: bool = False
    """NEWSBOT_FOLLOW_OUTSIDE_LINKS: read article files whose symbolic links lead outside the
    corpus folder (off: such files are reported and skipped)."""
    feed_interval_seconds: float = 900.0
    """NEWSBOT_FEED_INTERVAL: seconds between two polls of a feed (jittered so that feeds
    added together do not stay in step)."""
    allow_private_urls: bool = False
    """NEWSBOT_ALLOW_PRIVATE_URLS: fetch feeds and pages on private, loopback and link-local
    addresses (off: a feed URL could otherwise make the bot probe the host's own network)."""
    retention_days: int | None = None
    """NEWSBOT_RETENTION_DAYS: articles from feeds and imports older than this are dropped
    from the index and the store; ``None`` keeps them all."""
    fetch_timeout_seconds: float = 20.0
    """NEWSBOT_FETCH_TIMEOUT: the longest one feed or page request may take."""
    fetch_max_bytes: int = 5_000_000
    """NEWSBOT_FETCH_MAX_BYTES: a feed or page larger than this is refused, not read."""
    announce_max: int = 5
    """NEWSBOT_ANNOUNCE_MAX: new articles posted to a feed's channel per poll (the rest are
    summarised in one line), so a feed's backlog cannot flood a channel."""
    shards: int | Literal["auto"] | None = None
    """NEWSBOT_SHARDS: unset, one gateway connection (``commands.Bot``); ``auto`` (as many
    shards as Discord recommends) or a count, an ``AutoShardedBot``. Discord requires
    sharding from 2,500 servers."""
    follow_up_seconds: float = 300.0
    """NEWSBOT_FOLLOW_UP_SECONDS: how long a reply to one of the bot's answers is asked in
    the context of the question that answer answered."""
    db_derived: bool = field(default=False, init=False)
    """Whether ``db_path`` was derived from the corpus folder (no NEWSBOT_DB, no --db)."""

    def __post_init__(self) -> None:
        # Path() ("."), a folder, can never be a database file: it means "not given".
        if self.db_path == Path():
            object.__setattr__(self, "db_path", corpus_database(self.data_dir, self.corpus_dir))
            object.__setattr__(self, "db_derived", True)

    def with_corpus(self, corpus_dir: Path) -> Settings:
        """These settings for another corpus folder: its own database, unless one was named."""
        return replace(self, corpus_dir=corpus_dir, db_path=Path() if self.db_derived else self.db_path)

    @property
    def index_path(self) -> Path:
        """The saved search index beside the database (a cache: safe to delete)."""
        return self.db_path.with_name(f"{self.db_path.stem}.index.npz")

    @classmethod
    def load(
        cls, env_file: Path | None = Path(".env"), environ: Mapping[str, str] | None = None, *, bot: bool = True
    ) -> Settings:
        """Settings from the environment, falling back to ``env_file`` for unset names (by
        default ``.env`` in the current folder only: not its parents, not the data folder).
        ``bot=False`` leaves out the settings only the Discord bot uses (see :meth:`from_mapping`)."""
        values: dict[str, str | None] = {}
        if env_file is not None and env_file.is_file():
            values.update(dotenv_values(env_file))
        values.update(os.environ if environ is None else environ)
        return cls.from_mapping(values, bot=bot)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str | None], *, bot: bool = True) -> Settings:
        """Settings from ``values``; a value that cannot be used is a :class:`ConfigError`.

        With ``bot=False`` (the terminal commands) the settings only ``newsbot run`` uses —
        the token, guilds, moderator role, cooldown, Discord endpoints, store checks,
        announcements and log level — are not read, so a bad one does not stop ``newsbot ask``.
        """

        def get(name: str) -> str | None:
            value = values.get(name)
            return value.strip() if value and value.strip() else None

        data_dir = Path(get("NEWSBOT_DATA_DIR") or default_data_dir(values))
        settings = cls(
            data_dir=data_dir,
            db_path=Path(get("NEWSBOT_DB") or ""),
            corpus_dir=Path(get("NEWSBOT_CORPUS_DIR") or shipped_corpus()),
            log_questions=_bool("NEWSBOT_LOG_QUESTIONS", get("NEWSBOT_LOG_QUESTIONS"), True),
            question_retention_days=_positive_int(
                "NEWSBOT_QUESTION_RETENTION_DAYS", get("NEWSBOT_QUESTION_RETENTION_DAYS"), 90
            ),
            lang=_choice("NEWSBOT_LANG", get("NEWSBOT_LANG"), ("fr", "en")),
            follow_outside_links=_bool("NEWSBOT_FOLLOW_OUTSIDE_LINKS", get("NEWSBOT_FOLLOW_OUTSIDE_LINKS"), False),
            max_removed_share=_share("NEWSBOT_MAX_REMOVED_SHARE", get("NEWSBOT_MAX_REMOVED_SHARE"), 0.5),
            feed_interval_seconds=_positive_float("NEWSBOT_FEED_INTERVAL", get("NEWSBOT_FEED_INTERVAL"), 900.0),
            allow_private_urls=_bool("NEWSBOT_ALLOW_PRIVATE_URLS", get("NEWSBOT_ALLOW_PRIVATE_URLS"), False),
            retention_days=(
                _positive_int("NEWSBOT_RETENTION_DAYS", get("NEWSBOT_RETENTION_DAYS"), 1)
                if get("NEWSBOT_RETENTION_DAYS")
                else None
            ),
            fetch_timeout_seconds=_positive_float("NEWSBOT_FETCH_TIMEOUT", get("NEWSBOT_FETCH_TIMEOUT"), 20.0),
            fetch_max_bytes=_positive_int("NEWSBOT_FETCH_MAX_BYTES", get("NEWSBOT_FETCH_MAX_BYTES"), 5_000_000),
        )
        if not bot:
            return settings
        with_bot = replace(
            settings,
            discord_token=Secret(get("DISCORD_TOKEN") or ""),
            guild_ids=_int_list("NEWSBOT_GUILD_IDS", get("NEWSBOT_GUILD_IDS")),
            mod_role=get("NEWSBOT_MOD_ROLE"),
            cooldown_questions=_positive_int("NEWSBOT_COOLDOWN_QUESTIONS", get("NEWSBOT_COOLDOWN_QUESTIONS"), 5),
            cooldown_seconds=_positive_float("NEWSBOT_COOLDOWN_SECONDS", get("NEWSBOT_COOLDOWN_SECONDS"), 30.0),
            api_base=get("DISCORD_API_BASE"),
            gateway_url=get("DISCORD_GATEWAY_URL"),
            log_level=_log_level(get("NEWSBOT_LOG_LEVEL")),
            store_check_seconds=_positive_float("NEWSBOT_STORE_CHECK_SECONDS", get("NEWSBOT_STORE_CHECK_SECONDS"), 5.0),
            announce_max=_positive_int("NEWSBOT_ANNOUNCE_MAX", get("NEWSBOT_ANNOUNCE_MAX"), 5),
            shards=_shards("NEWSBOT_SHARDS", get("NEWSBOT_SHARDS")),
            follow_up_seconds=_positive_float("NEWSBOT_FOLLOW_UP_SECONDS", get("NEWSBOT_FOLLOW_UP_SECONDS"), 300.0),
        )
        # replace() passes the derived database path on as if it had been named: keep saying it was not.
        object.__setattr__(with_bot, "db_derived", settings.db_derived)
        return with_bot


def shipped_corpus() -> Path:
    """The corpus shipped with newsbot (``seeds/`` beside the package in a source checkout or
    an editable install), so that ``newsbot ask`` works from any folder; ``seeds`` in the
    current folder when the package was installed without it."""
    shipped = Path(__file__).resolve().parent.parent / "seeds"
    return shipped if shipped.is_dir() else Path("seeds")


def default_data_dir(environ: Mapping[str, str | None]) -> Path:
    """The per-user data folder: ``$XDG_DATA_HOME/newsbot``, else ``~/.local/share/newsbot``
    (never the current folder, which changes with every ``cd``)."""
    base = environ.get("XDG_DATA_HOME") or ""
    root = Path(base) if Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / "newsbot"


def corpus_database(data_dir: Path, corpus_dir: Path) -> Path:
    """The default database of a corpus folder: named after the folder and a hash of its
    absolute path, so two folders never share articles or question statistics."""
    absolute = corpus_dir.expanduser().absolute()
    digest = hashlib.sha256(str(absolute).encode()).hexdigest()[:10]
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in absolute.name) or "corpus"
    return data_dir / f"{name}-{digest}.sqlite3"


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


def _shards(name: str, value: str | None) -> int | Literal["auto"] | None:
    if value is None:
        return None
    if value.lower() == "auto":
        return "auto"
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{name} must be auto or a number of shards (at least 1), got {value!r}")
    return int(value)


def _number(value: str) -> float:
    """``value`` as a float, or NaN when it is not a number (every range check then fails)."""
    try:
        return float(value)
    except ValueError:
        return math.nan


def _positive_float(name: str, value: str | None, default: float) -> float:
    if value is None:
        return default
    number = _number(value)
    if not math.isfinite(number) or number <= 0:
        raise ConfigError(f"{name} must be a positive number of seconds, got {value!r}")
    return number


def _share(name: str, value: str | None, default: float) -> float:
    if value is None:
        return default
    number = _number(value)
    if not 0 <= number <= 1:
        raise ConfigError(f"{name} must be a share between 0 and 1 (0.5 is half), got {value!r}")
    return number


def _choice(name: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if value.lower() not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value.lower()


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level(value: str | None) -> str:
    if value is None:
        return "INFO"
    if value.upper() not in LOG_LEVELS:
        raise ConfigError(f"NEWSBOT_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
    return value.upper()


def _bool(name: str, value: str | None, default: bool) -> bool:
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {value!r}")
