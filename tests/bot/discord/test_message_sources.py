"""The message context-menu command end to end: right-click a message, "Sources for this
message", and see privately the articles whose sentences support it (verbatim), or that no
article mentions it."""

from __future__ import annotations

import re

from tests.bot.discord.test_discord_e2e import (
    CHANNEL_ID,
    COST_QUESTION,
    GUILD_ID,
    JOURNALIST,
    MEMBER,
    NO_EMBED_CHANNEL_ID,
    World,
    corpus,  # noqa: F401 (a fixture)
    quoted_lines,
    world,  # noqa: F401 (a fixture)
)
from tests.fakediscord import SentMessage

MENU = "Sources for this message"


async def sources_of(world: World, message_id: int, locale: str = "en-US") -> SentMessage:
    record = await world.fake.use_message_command(user=JOURNALIST, message_id=message_id, name=MENU, locale=locale)
    reply = await world.fake.wait_for_followup(record.id)
    assert record.response_type == 5 and reply.ephemeral  # only the person who asked sees it
    return reply


def assert_verbatim(world: World, reply: SentMessage) -> list[str]:
    quotes = quoted_lines(reply.text)
    texts = [a.text for a in world.service.engine.articles.values()]
    assert quotes and all(any(part in text for text in texts) for q in quotes for part in q.split("…") if part)
    return quotes


async def test_a_statement_gets_the_articles_that_support_it_quoted_verbatim(world: World) -> None:
    statement = "Apparemment DeepSeek a entraîné son modèle pour seulement 5,6 millions de dollars"
    # No mention: without the message-content intent the bot never read this message; the
    # interaction brings its text.
    message_id = await world.fake.send_message_create(channel_id=CHANNEL_ID, author=MEMBER, content=statement)
    asked_before = (await world.service.stats()).store.asked_day
    reply = await sources_of(world, message_id)
    assert reply.text.startswith("These articles mention it:")
    assert any("5,6 millions" in quote for quote in assert_verbatim(world, reply))
    assert reply.embeds  # clickable sources, as under an answer
    # A lookup is not a question: the moderators' question statistics stay as they were.
    await world.service.settle()
    assert (await world.service.stats()).store.asked_day == asked_before
    assert not world.fake.sent_messages(CHANNEL_ID)  # nothing posted in the channel


async def test_a_message_no_article_mentions_says_so_in_the_users_language(world: World) -> None:
    message_id = await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content="Le club de pétanque Zorglub a gagné le tournoi de printemps."
    )
    assert (await sources_of(world, message_id, locale="fr")).text == "Aucun article ne mentionne ceci."
    assert (await sources_of(world, message_id)).text == "No article mentions this."


async def test_the_bots_own_answer_can_be_traced_to_its_articles(world: World) -> None:
    await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content=f"{world.mention} {COST_QUESTION}"
    )
    answer = await world.fake.wait_for_message(CHANNEL_ID)
    assert answer.embeds and not answer.content  # the answer is all embed
    reply = await sources_of(world, answer.id)
    assert "5,6 millions" in "\n".join(assert_verbatim(world, reply))


async def test_without_embed_links_the_sources_are_plain_text(world: World) -> None:
    message_id = await world.fake.send_message_create(
        channel_id=NO_EMBED_CHANNEL_ID,
        author=MEMBER,
        content="HP a racheté Humane pour 116 millions de dollars, dit-on.",
    )
    record = await world.fake.use_message_command(
        user=JOURNALIST, message_id=message_id, name=MENU, locale="en-US", app_permissions=0x800
    )
    reply = await world.fake.wait_for_followup(record.id)
    assert not reply.embeds and "116 millions" in reply.content
    assert re.search(r"`articles/00\d_[0-9a-f]+\.txt`", reply.content)


async def test_a_message_with_nothing_to_look_up_is_told_so(world: World) -> None:
    message_id = await world.fake.send_message_create(channel_id=CHANNEL_ID, author=MEMBER, content=world.mention)
    record = await world.fake.use_message_command(user=JOURNALIST, message_id=message_id, name=MENU, locale="en-US")
    await world.fake.wait_for_interaction_response(record.id)
    assert record.ephemeral and "no text I can look up" in (record.original_content or "")


async def test_the_menu_is_a_message_command_named_in_both_languages(world: World) -> None:
    [menu] = [c for c in world.fake.synced_commands(GUILD_ID) if c["type"] == 3]
    assert menu["name"] == MENU and menu["name_localizations"]["fr"] == "Sources de ce message"
    assert not menu.get("description") and not menu.get("options")


async def test_lookups_count_toward_the_question_limit(world: World) -> None:
    message_id = await world.fake.send_message_create(
        channel_id=CHANNEL_ID, author=MEMBER, content="HP a racheté Humane pour 116 millions de dollars."
    )
    for _ in range(3):  # the world's limit: three questions a minute
        await sources_of(world, message_id)
    record = await world.fake.use_message_command(user=JOURNALIST, message_id=message_id, name=MENU, locale="fr")
    await world.fake.wait_for_interaction_response(record.id)
    assert record.ephemeral and "Doucement" in (record.original_content or "")
