"""Slash commands are synced only when the command tree changed since the last sync."""

from __future__ import annotations

import json
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.discord.sync import STATE_FILE, sync_if_changed


class RecordedSync:
    def __init__(self) -> None:
        self.calls: list[int | None] = []

    async def __call__(self, *, guild: discord.abc.Snowflake | None = None) -> list[object]:
        self.calls.append(None if guild is None else guild.id)
        return []


def make_tree(monkeypatch: pytest.MonkeyPatch) -> tuple[app_commands.CommandTree, RecordedSync]:
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)

    @tree.command(name="ask", description="Ask a question about the news")
    async def ask(interaction: discord.Interaction, question: str) -> None: ...

    @tree.command(name="headlines", description="Latest articles")
    async def headlines(interaction: discord.Interaction) -> None: ...

    recorder = RecordedSync()
    monkeypatch.setattr(tree, "sync", recorder)
    return tree, recorder


def add_sources(tree: app_commands.CommandTree) -> None:
    @tree.command(name="sources", description="Every article")
    async def sources(interaction: discord.Interaction) -> None: ...


GUILDS = (111111111111111111, 222222222222222222)


async def test_first_call_syncs_each_configured_guild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, recorder = make_tree(monkeypatch)
    synced = await sync_if_changed(tree, GUILDS, tmp_path)
    assert recorder.calls == list(GUILDS)
    assert synced == [str(g) for g in GUILDS]


async def test_guild_sync_carries_the_global_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, _ = make_tree(monkeypatch)
    await sync_if_changed(tree, GUILDS[:1], tmp_path)
    names = {command.name for command in tree.get_commands(guild=discord.Object(id=GUILDS[0]))}
    assert names == {"ask", "headlines"}


async def test_second_call_with_the_same_tree_does_not_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, recorder = make_tree(monkeypatch)
    await sync_if_changed(tree, GUILDS, tmp_path)
    recorder.calls.clear()
    synced = await sync_if_changed(tree, GUILDS, tmp_path)
    assert recorder.calls == []
    assert synced == []


async def test_restart_with_an_identical_tree_does_not_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, _ = make_tree(monkeypatch)
    await sync_if_changed(first, GUILDS, tmp_path)
    second, recorder = make_tree(monkeypatch)  # a new process builds the same commands again
    assert await sync_if_changed(second, GUILDS, tmp_path) == []
    assert recorder.calls == []


async def test_adding_a_command_syncs_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, recorder = make_tree(monkeypatch)
    await sync_if_changed(tree, GUILDS, tmp_path)
    recorder.calls.clear()
    add_sources(tree)
    await sync_if_changed(tree, GUILDS, tmp_path)
    assert recorder.calls == list(GUILDS)


async def test_changing_a_description_syncs_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, _ = make_tree(monkeypatch)
    await sync_if_changed(first, (), tmp_path)
    second, recorder = make_tree(monkeypatch)
    second.get_command("headlines").description = "The latest articles"  # type: ignore[union-attr]
    await sync_if_changed(second, (), tmp_path)
    assert recorder.calls == [None]


async def test_new_guild_is_synced_and_known_ones_are_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, recorder = make_tree(monkeypatch)
    await sync_if_changed(tree, GUILDS[:1], tmp_path)
    recorder.calls.clear()
    await sync_if_changed(tree, GUILDS, tmp_path)
    assert recorder.calls == [GUILDS[1]]


async def test_state_file_is_written_in_the_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data" / "nested"
    tree, _ = make_tree(monkeypatch)
    await sync_if_changed(tree, GUILDS, data_dir)
    state = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
    assert set(state) == {f"unknown:{g}" for g in GUILDS}
    assert all(len(digest) == 64 for digest in state.values())


async def test_no_guild_ids_means_one_global_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, recorder = make_tree(monkeypatch)
    synced = await sync_if_changed(tree, (), tmp_path)
    assert recorder.calls == [None]
    assert synced == ["global"]
    assert set(json.loads((tmp_path / STATE_FILE).read_text(encoding="utf-8"))) == {"unknown:global"}


async def test_global_sync_is_not_repeated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, recorder = make_tree(monkeypatch)
    await sync_if_changed(tree, (), tmp_path)
    await sync_if_changed(tree, (), tmp_path)
    assert recorder.calls == [None]


async def test_unreadable_state_file_means_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / STATE_FILE).write_text("{not json", encoding="utf-8")
    tree, recorder = make_tree(monkeypatch)
    await sync_if_changed(tree, (), tmp_path)
    assert recorder.calls == [None]
    assert "unknown:global" in json.loads((tmp_path / STATE_FILE).read_text(encoding="utf-8"))


async def test_failed_sync_is_retried_next_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, _ = make_tree(monkeypatch)

    async def failing_sync(*, guild: discord.abc.Snowflake | None = None) -> list[object]:
        raise RuntimeError("Discord said no")

    monkeypatch.setattr(tree, "sync", failing_sync)
    with pytest.raises(RuntimeError):
        await sync_if_changed(tree, (), tmp_path)
    recorder = RecordedSync()
    monkeypatch.setattr(tree, "sync", recorder)
    await sync_if_changed(tree, (), tmp_path)
    assert recorder.calls == [None]


async def test_another_application_on_the_same_data_folder_syncs_its_own_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = make_tree(monkeypatch)
    await sync_if_changed(first, GUILDS, tmp_path, application_id=1)
    second, recorder = make_tree(monkeypatch)
    assert await sync_if_changed(second, GUILDS, tmp_path, application_id=2) == [str(g) for g in GUILDS]
    assert recorder.calls == list(GUILDS)


async def test_leaving_guild_scope_empties_the_guild_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, _ = make_tree(monkeypatch)
    await sync_if_changed(first, GUILDS, tmp_path, application_id=1)
    second, recorder = make_tree(monkeypatch)
    synced = await sync_if_changed(second, (), tmp_path, application_id=1)
    assert recorder.calls == [None, *GUILDS]
    assert synced == ["global", *(str(g) for g in GUILDS)]
    assert set(json.loads((tmp_path / STATE_FILE).read_text(encoding="utf-8"))) == {"1:global"}
