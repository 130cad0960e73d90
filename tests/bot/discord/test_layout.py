"""The Discord package: discovered components, and no shadowing of the discord library."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

import discord
import pytest
from discord.voice_client import VoiceClient

from bot.config import Settings
from bot.discord.client import NewsBot, extensions


def test_every_component_module_is_discovered() -> None:
    assert extensions() == [
        "bot.discord.components.ask",
        "bot.discord.components.delete",
        "bot.discord.components.feedback",
        "bot.discord.components.feeds",
        "bot.discord.components.headlines",
        "bot.discord.components.help",
        "bot.discord.components.message_sources",
        "bot.discord.components.moderation",
    ]


def test_each_discovered_component_has_a_setup() -> None:
    for name in extensions():
        assert callable(importlib.import_module(name).setup)


def test_import_discord_is_the_library_in_every_module_of_the_package() -> None:
    for name in ["bot.discord.client", "bot.discord.helpers", "bot.discord.sync", "bot.discord.components.ask"]:
        module = importlib.import_module(name)
        assert module.discord is discord
    assert hasattr(discord, "Client") and "site-packages" in (discord.__file__ or "")


async def test_creating_the_bot_logs_no_voice_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # discord.py warns once a process; make this the first time.
    monkeypatch.setattr(VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(VoiceClient, "warn_dave", True, raising=False)
    caplog.set_level(logging.WARNING)
    settings = Settings(data_dir=tmp_path, db_path=tmp_path / "db.sqlite3", corpus_dir=tmp_path)
    NewsBot(settings, object())  # type: ignore[arg-type]  # the constructor only keeps the service
    assert "voice" not in caplog.text
