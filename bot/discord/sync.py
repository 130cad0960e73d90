"""Sync slash commands only when the command tree changed since the last sync.

Discord rate-limits command registration, and a global sync takes up to an hour to reach
clients; syncing on every start is the classic mistake. We keep a hash of the last synced
payload per application and scope (``"<application id>:<guild id>"`` or
``"<application id>:global"``) in a small JSON file in the data folder: two bots (two
tokens) sharing a data folder each sync their own commands.

When the scope changes, the commands of the old scope are removed, or every command would
show twice in the server (its guild copy and its global one). A guild where the bot may not
register commands (403, "Missing Access": invited without the ``applications.commands``
scope) is one log line; the other scopes still sync and the bot starts.
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
GLOBAL = "global"
MISSING_ACCESS = 50001


async def tree_hash(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> str:
    """A stable hash of what a sync to ``guild`` (or globally) would send, translations
    included (a changed French description must sync too), built as ``tree.sync`` builds it."""
    commands = tree.get_commands(guild=guild)
    translator = tree.translator
    if translator is not None:
        payload = [await command.get_translated_payload(tree, translator) for command in commands]
    else:
        payload = [command.to_dict(tree) for command in commands]
    payload.sort(key=lambda entry: (entry.get("type", 1), entry["name"]))
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _read_state(path: Path) -> dict[str, str]:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in state.items()} if isinstance(state, dict) else {}


async def sync_if_changed(
    tree: app_commands.CommandTree,
    guild_ids: tuple[int, ...],
    data_dir: Path,
    application_id: int | None = None,
) -> list[str]:
    """Sync to each configured guild (copying the global commands there) or globally, and
    empty the scopes this application synced before but no longer uses.

    Returns the scopes that were synced (emptied ones included).
    """
    app = str(application_id or tree.client.application_id or "unknown")
    state_path = data_dir / STATE_FILE
    state = _read_state(state_path)
    before = dict(state)
    synced: list[str] = []
    scopes: list[tuple[str, discord.abc.Snowflake | None]] = (
        [(str(gid), discord.Object(id=gid)) for gid in guild_ids] if guild_ids else [(GLOBAL, None)]
    )
    for _scope, guild in scopes:
        if guild is not None:
            tree.copy_global_to(guild=guild)
    wanted = {scope for scope, _ in scopes}
    stale = [key.split(":", 1)[1] for key in state if key.startswith(app + ":") and key.split(":", 1)[1] not in wanted]
    if GLOBAL in stale:
        tree.clear_commands(guild=None)  # already copied to the guilds above
    for scope in stale:
        guild = None if scope == GLOBAL else discord.Object(id=int(scope))
        if guild is not None:
            tree.clear_commands(guild=guild)
        scopes.append((scope, guild))
    for scope, guild in scopes:
        key = f"{app}:{scope}"
        digest = await tree_hash(tree, guild)
        if state.get(key) == digest:
            log.info("slash commands unchanged for %s; not syncing", scope)
            continue
        try:
            commands = await tree.sync(guild=guild)
        except discord.Forbidden as error:
            if error.code != MISSING_ACCESS or guild is None:
                raise
            log.warning(
                "guild %s: no permission to register slash commands (403 %s); re-invite the bot with the "
                "applications.commands scope. Mentions still work there.",
                scope,
                error.code,
            )
            state.pop(key, None)
            continue
        if scope in stale:
            log.info("removed the slash commands of %s (no longer configured)", scope)
            state.pop(key, None)
        else:
            log.info("synced %d slash commands to %s", len(commands), scope)
            state[key] = digest
        synced.append(scope)
    if state != before:
        data_dir.mkdir(parents=True, exist_ok=True)
        state_path.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
    return synced
