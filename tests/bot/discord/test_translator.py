"""Every command name and description exists in both languages, in the form Discord accepts."""

from __future__ import annotations

import re

import discord
import pytest
from discord import app_commands

from bot.discord.helpers import NewsTranslator, text
from bot.messages import COMMAND_TEXTS, CONTEXT_MENU_TEXTS, CommandText, Lang

NAME = re.compile(r"^[-_\w]{1,32}$")
"""Discord's rule for names (lower case letters, digits, "-" and "_"), for the languages we ship."""


@pytest.mark.parametrize("lang", list(Lang))
def test_every_command_text_is_translated(lang: Lang) -> None:
    assert set(COMMAND_TEXTS[lang]) == set(CommandText)


@pytest.mark.parametrize("lang", list(Lang))
def test_names_and_descriptions_fit_discords_rules(lang: Lang) -> None:
    for key, value in COMMAND_TEXTS[lang].items():
        if key.endswith("description"):
            assert 1 <= len(value) <= 100, key
        elif key in CONTEXT_MENU_TEXTS:
            assert 1 <= len(value) <= 32, key  # a context menu's name: any case, spaces allowed
        else:
            assert NAME.fullmatch(value) and value == value.lower(), key


async def test_the_translator_answers_french_locales_only() -> None:
    translator = NewsTranslator()
    context = app_commands.TranslationContext(app_commands.TranslationContextLocation.other, None)
    assert await translator.translate(text(CommandText.HEADLINES), discord.Locale.french, context) == "titres"
    assert await translator.translate(text(CommandText.HEADLINES), discord.Locale.german, context) is None
