"""Long lists end to end: `/sources` and `/headlines` a page at a time with Previous/Next
(never cut at 2000 characters), `/sources` with a search term and titles offered while
typing; the buttons still page after a restart."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bot.discord.components.headlines import SEARCH_MAX_CHARS
from tests.bot.discord.test_buttons import discord_world, newsbot
from tests.bot.discord.test_discord_e2e import CHANNEL_ID, GUILD_ID, JOURNALIST, MEMBER, ROOT, make_settings
from tests.fakediscord import FakeDiscord, FakeUser, InteractionRecord, SentMessage

EXTRA_ARTICLES = 34
SEED_ARTICLES = 5


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The seeds plus enough articles, with long titles and publishers, to fill several pages."""
    folder = tmp_path / "articles"
    shutil.copytree(ROOT / "seeds", folder)
    for n in range(EXTRA_ARTICLES):
        (folder / f"lst_{n:02d}.txt").write_text(
            "---\n"
            f"title: Le robot Brindille numéro {n} trie les feuilles mortes du grand parc régional de Rennes\n"
            "source: La Gazette hebdomadaire des jardiniers amateurs de Bretagne\n"
            f"published: 2024-12-{n % 28 + 1:02d}\n"
            "---\n"
            f"Le robot Brindille numéro {n} de la société Écorce trie les feuilles mortes du parc.\n",
            encoding="utf-8",
        )
    return folder


def article_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("• ")]


def buttons(message: dict) -> dict[str, dict]:
    """The page buttons under a message, by label."""
    return {
        str(c.get("label")): c
        for row in message.get("components") or []
        for c in row["components"]
        if str(c.get("custom_id", "")).startswith("newsbot:page:")
    }


async def command(fake: FakeDiscord, name: str, options: dict | None = None, user: FakeUser = MEMBER) -> SentMessage:
    record = await fake.send_interaction(
        user=user, channel_id=CHANNEL_ID, name=name, options=options or {}, locale="en-US"
    )
    return await fake.wait_for_followup(record.id)


async def press(fake: FakeDiscord, user: FakeUser, message: SentMessage, label: str) -> InteractionRecord:
    record = await fake.click_button(
        user=user, message_id=message.id, custom_id=buttons(message.message)[label]["custom_id"], locale="en-US"
    )
    await fake.wait_for_interaction_response(record.id)
    return record


async def test_sources_pages_with_buttons_and_says_how_many_more(tmp_path: Path, corpus: Path) -> None:
    total = SEED_ARTICLES + EXTRA_ARTICLES
    async with discord_world() as fake, newsbot(make_settings(tmp_path, corpus)):
        listing = await command(fake, "sources")
        pages = [listing.text]
        first = buttons(listing.message)
        assert first["Previous"].get("disabled") and not first["Next"].get("disabled")
        while not buttons(listing.message)["Next"].get("disabled"):
            click = await press(fake, MEMBER, listing, "Next")
            assert click.response_type == 6  # the message itself changes, no new message
            await fake.wait_for(lambda: listing.text != pages[-1] or None, what="the next page")
            pages.append(listing.text)
        back = await press(fake, MEMBER, listing, "Previous")
        await fake.wait_for(lambda: listing.text == pages[-2] or None, what="the previous page")
    assert back.response_type == 6
    assert all(len(page) <= 2000 and not page.endswith("…") for page in pages)
    # Every article once, across the pages, and each page says what follows.
    listed = [line for page in pages for line in article_lines(page)]
    assert len(listed) == len(set(listed)) == total
    count = len(pages)
    assert count >= 4 and f"Sources ({total} articles)" in pages[0]
    shown = 0
    for number, page in enumerate(pages[:-1], start=1):
        shown += len(article_lines(page))
        assert page.splitlines()[-1] == f"… and {total - shown} more (page {number}/{count})"
    assert pages[-1].splitlines()[-1] == f"Page {count}/{count}"
    assert len(fake.sent_messages(CHANNEL_ID)) == 0  # one interaction message, edited in place


async def test_someone_else_pressing_next_gets_the_page_privately(tmp_path: Path, corpus: Path) -> None:
    async with discord_world() as fake, newsbot(make_settings(tmp_path, corpus)):
        listing = await command(fake, "headlines", {"count": 30})
        before = listing.text
        click = await press(fake, JOURNALIST, listing, "Next")
        private = await fake.wait_for_followup(click.id)
        second_page = private.text
        # Their copy pages on, for them only.
        again = await fake.click_button(
            user=JOURNALIST,
            message_id=private.id,
            custom_id=buttons(private.message)["Next"]["custom_id"],
            locale="en-US",
        )
        await fake.wait_for_interaction_response(again.id)
        await fake.wait_for(lambda: "(page 3/" in private.text or None, what="their third page")
    assert listing.text == before and "(page 1/" in before
    assert private.ephemeral and "(page 2/" in second_page
    assert article_lines(second_page) and not set(article_lines(before)) & set(article_lines(second_page))


async def test_page_buttons_still_work_after_a_restart(tmp_path: Path, corpus: Path) -> None:
    settings = make_settings(tmp_path, corpus)
    async with discord_world() as fake:
        async with newsbot(settings):
            listing = await command(fake, "sources")
            first = listing.text
        async with newsbot(settings):
            await press(fake, MEMBER, listing, "Next")
            await fake.wait_for(lambda: listing.text != first or None, what="page 2 from the new process")
    assert "(page 2/" in listing.text


async def test_sources_with_a_search_term_lists_only_matching_titles(tmp_path: Path, corpus: Path) -> None:
    async with discord_world() as fake, newsbot(make_settings(tmp_path, corpus)) as service:
        titled = sorted(a.path for a in service.engine.articles.values() if "deepseek" in a.title.lower())
        matching = await command(fake, "sources", {"search": "deepseek"})
        accents = await command(fake, "sources", {"search": "NUMERO 7 TRIE"})
        nothing = await command(fake, "sources", {"search": "Zorblax"})
    lines = article_lines(matching.text)
    assert len(titled) >= 3 and [re.findall(r"`([^`]+)`$", line)[0] for line in lines] == titled
    assert "Brindille" not in matching.text and not buttons(matching.message)  # one page
    assert f"Sources whose title contains “deepseek” ({len(lines)} articles)" in matching.text
    # Case and accents aside: "NUMERO" finds "numéro".
    [line] = article_lines(accents.text)
    assert "numéro 7 trie" in line
    assert nothing.text == "No article title contains “Zorblax”."


async def test_typing_a_search_term_offers_matching_titles(tmp_path: Path, corpus: Path) -> None:
    async with discord_world() as fake, newsbot(make_settings(tmp_path, corpus)):
        offered = await fake.autocomplete(
            user=MEMBER, channel_id=CHANNEL_ID, name="sources", options={"search": "silicon"}, focused="search"
        )
        everything = await fake.autocomplete(
            user=MEMBER, channel_id=CHANNEL_ID, name="sources", options={"search": ""}, focused="search"
        )
        [choice] = offered
        picked = await command(fake, "sources", {"search": choice["value"]})
        [option] = [c for c in fake.synced_commands(GUILD_ID) if c["name"] == "sources"][0]["options"]
    assert choice["name"] == "DeepSeek effraie la Silicon Valley : une percée chinoise dans l’IA"
    assert len(choice["value"]) <= SEARCH_MAX_CHARS
    assert len(everything) == 25  # Discord's limit, out of 39 titles
    assert len(article_lines(picked.text)) == 1 and "Silicon Valley" in picked.text
    assert option["autocomplete"] is True and option["max_length"] == SEARCH_MAX_CHARS
    assert option["name_localizations"]["fr"] == "recherche"


async def test_a_short_listing_has_no_buttons(tmp_path: Path, corpus: Path) -> None:
    async with discord_world() as fake, newsbot(make_settings(tmp_path, corpus)):
        short = await command(fake, "headlines", {"count": 3})
    assert len(article_lines(short.text)) == 3 and not buttons(short.message)
    assert not re.search(r"more|Page", short.text)
