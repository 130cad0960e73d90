"""The Discord layer: the client, its features (``components/``, discovered), command sync,
endpoint redirection and ``newsbot run``.

Every module here imports with absolute names (``import discord`` is always discord.py, and
this package is always ``bot.discord``), so the package name never shadows the library.
"""
