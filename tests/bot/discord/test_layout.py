"""The Discord package: discovered components, and no shadowing of the discord library."""

from __future__ import annotations

import importlib

import discord

from bot.discord.client import extensions


def test_every_component_module_is_discovered() -> None:
    assert extensions() == [
        "bot.discord.components.ask",
        "bot.discord.components.headlines",
        "bot.discord.components.help",
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
