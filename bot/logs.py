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
