"""Sync slash commands only when the command tree changed since the last sync.

Discord rate-limits command registration, and a global sync takes up to an hour to reach
clients; syncing on every start is the classic mistake. We keep a hash of the last synced
payload per scope (a guild id, or "global") in a small JSON file in the data folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import discord
from discord import app_commands

log = logging.getLogger(__name__)

STATE_FILE = "command-sync.json"


def tree_hash(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> str:
    """A stable hash of what a sync to ``guild`` (or globally) would send."""
    payload = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    payload.sort(key=lambda entry: (entry.get("type", 1), entry["name"]))
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def sync_if_changed(tree: app_commands.CommandTree, guild_ids: tuple[int, ...], data_dir: Path) -> list[str]:
    """Sync to each configured guild (copying the global commands there) or globally.

    Returns the scopes that were synced.
    """
    state_path = data_dir / STATE_FILE
    try:
        state: dict[str, str] = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    synced = []
    scopes: list[tuple[str, discord.abc.Snowflake | None]] = (
        [(str(gid), discord.Object(id=gid)) for gid in guild_ids] if guild_ids else [("global", None)]
    )
    for key, guild in scopes:
        if guild is not None:
            tree.copy_global_to(guild=guild)
        digest = tree_hash(tree, guild)
        if state.get(key) == digest:
            log.info("slash commands unchanged for %s; not syncing", key)
            continue
        commands = await tree.sync(guild=guild)
        log.info("synced %d slash commands to %s", len(commands), key)
        state[key] = digest
        synced.append(key)
    if synced:
        data_dir.mkdir(parents=True, exist_ok=True)
        state_path.write_text(json.dumps(state, indent=2), encoding="utf-8")
    return synced
