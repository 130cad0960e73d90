"""Logging set-up shared by every entry point.

discord.py logs each HTTP request at DEBUG, headers included; ``discord.http`` is therefore
pinned at WARNING whatever level the rest of the program logs at, so the bot token can never
reach a log line.
"""

from __future__ import annotations

import logging
import sys


def configure_logging(level: int | str = logging.WARNING) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
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
