"""Logging set-up shared by every entry point.

discord.py logs each HTTP request at DEBUG, headers included; ``discord.http`` is therefore
pinned at WARNING whatever level the rest of the program logs at, so the bot token can never
reach a log line.
"""

from __future__ import annotations

import logging
import sys

OWN_LOGGERS = ("newsbot", "bot", "retrieval")
"""The loggers of newsbot itself; every other logger is a library's (aiosqlite, discord, asyncio…)."""


def configure_logging(level: int | str = logging.WARNING, libraries: int | str | None = None) -> None:
    """newsbot's own loggers at ``level``; libraries at ``libraries``, by default ``level``
    but never below INFO, so that ``-v`` shows newsbot's details without aiosqlite's line
    per query (``-vv`` passes DEBUG for both)."""
    own = logging.getLevelName(level) if isinstance(level, str) else level
    if libraries is None:
        libraries = max(own, logging.INFO)
    logging.basicConfig(level=libraries, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(own)
    quiet_discord_http()


def quiet_discord_http() -> None:
    logging.getLogger("discord.http").setLevel(logging.WARNING)


class _VoiceWarningFilter(logging.Filter):
    """Drops discord.py's "PyNaCl/davey is not installed, voice will NOT be supported": the
    bot never joins a voice channel, so the warning only hides the lines that matter."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).endswith("voice will NOT be supported")


_VOICE_FILTER = _VoiceWarningFilter()


def silence_voice_warnings() -> None:
    """Install the filter on the logger discord.py warns on (once; calling again is harmless)."""
    logger = logging.getLogger("discord.client")
    if _VOICE_FILTER not in logger.filters:
        logger.addFilter(_VOICE_FILTER)
