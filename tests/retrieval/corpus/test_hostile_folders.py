"""What the one loader does with folders that are hostile or broken: links out of the folder,
deep or looping folders, huge or absurd manifests, files that are not files, and files that
failed before. The bot relies on each of these through ``load_corpus``; its own tests
(tests/bot/service, tests/bot/test_cli.py) check the same end to end."""

from __future__ import annotations

import inspect
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from retrieval.corpus import OUTSIDE_LINK, CorpusError, files, load_corpus, loader, require_folder
from tests.retrieval.corpus.folders import write

GOOD = (
    "La percée de DeepSeek inquiète la Silicon Valley\n"
    "DeepSeek a formé R1 pour 5,6 millions de dollars. Le modèle est ouvert.\n"
)
SECRET = "Notes privées\nLe mot de passe du serveur de paie est Tournesol-8842, il ne sort jamais d'ici.\n"


@pytest.fixture
def old_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test count as old: their signatures are trusted at once."""
    monkeypatch.setattr(files, "RACY_WINDOW_NS", 0)


# ------------------------------------------------------------------ links


def test_a_link_out_of_the_folder_is_reported_and_never_read(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = write(tmp_path / "private", "notes.txt", SECRET)
    write(folder, "a.txt", GOOD)
    (folder / "secret.txt").symlink_to(secret)
    read: list[str] = []
    real_read = loader.read_file
    monkeypatch.setattr(loader, "read_file", lambda file: read.append(file.rel) or real_read(file))
    result = load_corpus(folder)
    assert [a.path for a in result.articles] == ["corpus/a.txt"]
    assert read == ["corpus/a.txt"]
    assert [f.path for f in result.failures] == ["corpus/secret.txt"]
    assert result.failures[0].reason == OUTSIDE_LINK.format(target=secret.resolve())
    assert result.outside == {"corpus/secret.txt": secret.resolve()}
    assert "corpus/secret.txt" not in result.files  # not an article of the folder: nothing to keep


def test_a_link_out_of_the_folder_is_read_when_the_caller_allows(tmp_path: Path, folder: Path) -> None:
    (folder / "secret.txt").symlink_to(write(tmp_path / "private", "notes.txt", SECRET))
    result = load_corpus(folder, follow_outside_links=True)
    assert [a.path for a in result.articles] == ["corpus/secret.txt"]


def test_a_link_to_an_article_of_the_folder_does_not_make_it_two(folder: Path) -> None:
    write(folder, "sub/a.txt", GOOD)
    (folder / "alias.txt").symlink_to(folder / "sub" / "a.txt")
    result = load_corpus(folder)
    assert [a.path for a in result.articles] == ["corpus/sub/a.txt"]
    assert result.failures == []


def test_a_link_inside_the_folder_to_a_file_not_listed_itself_is_read(folder: Path) -> None:
    write(folder, ".drafts/a.txt", GOOD)  # hidden: not an article under its own name
    (folder / "alias.txt").symlink_to(folder / ".drafts" / "a.txt")
    assert [a.path for a in load_corpus(folder).articles] == ["corpus/alias.txt"]


def test_a_manifest_linked_from_outside_is_ignored(tmp_path: Path, folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    outside = write(tmp_path / "private", "manifest.json", '{"a.txt": {"title": "Planted"}}')
    (folder / "manifest.json").symlink_to(outside)
    result = load_corpus(folder)
    assert result.articles[0].title != "Planted"
    assert [f.path for f in result.failures] == ["corpus/manifest.json"]


def test_loops_of_links_and_linked_folders_end(folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "self").symlink_to(folder)  # a linked folder is not entered
    (folder / "ping.txt").symlink_to(folder / "pong.txt")
    (folder / "pong.txt").symlink_to(folder / "ping.txt")
    result = load_corpus(folder)
    assert [a.path for a in result.articles] == ["corpus/a.txt"]


# ------------------------------------------------------------------ the folder itself


@pytest.mark.parametrize("kind", ["missing", "not_a_folder"])
def test_an_unusable_folder_is_named_by_kind(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "corpus"
    if kind == "not_a_folder":
        path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CorpusError) as raised:
        require_folder(path)
    assert (raised.value.kind, raised.value.folder) == (kind, path)


def nest(folder: Path, depth: int) -> Path:
    deepest = folder
    for _ in range(depth):
        deepest = deepest / "d"
        deepest.mkdir()
    return deepest


def test_a_folder_nested_too_deep_is_refused(folder: Path) -> None:
    write(nest(folder, 6), "a.txt", GOOD)
    with pytest.raises(CorpusError) as raised:
        files.scan(folder, max_depth=5)
    assert raised.value.kind == "too_deep"


def test_deep_folders_within_the_cap_load_whatever_the_recursion_limit(folder: Path) -> None:
    write(nest(folder, 150), "a.txt", GOOD)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 40)  # fewer frames than folders: recursing would fail
    try:
        paths = [f.rel for f in files.scan(folder)]
    finally:
        sys.setrecursionlimit(limit)
    assert len(paths) == 1 and paths[0].endswith("/d/a.txt")


# ------------------------------------------------------------------ the manifest


def test_a_manifest_nested_too_deep_is_reported_and_the_articles_load(folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    write(folder, "manifest.json", "[" * 100_000)
    result = load_corpus(folder)
    assert [a.path for a in result.articles] == ["corpus/a.txt"]
    assert [f.path for f in result.failures] == ["corpus/manifest.json"]
    assert "nested too deeply" in result.failures[0].reason


def test_a_huge_manifest_is_refused_unread(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 200)
    write(folder, "a.txt", GOOD)
    write(folder, "manifest.json", '{"a.txt": {"title": "' + "a" * 300 + '"}}')
    result = load_corpus(folder)
    assert [f.path for f in result.failures] == ["corpus/manifest.json"]
    assert "manifest ignored: file too large" in result.failures[0].reason
    assert result.manifest == {}


def test_manifest_keys_cannot_reach_outside_the_folder(tmp_path: Path, folder: Path) -> None:
    write(tmp_path, "outside.txt", GOOD)
    write(folder, "a.txt", GOOD)
    write(folder, "manifest.json", '{"../outside.txt": {"title": "Ailleurs"}, "a.txt": {"title": "Ici"}}')
    result = load_corpus(folder)
    assert [(a.path, a.title) for a in result.articles] == [("corpus/a.txt", "Ici")]


# ------------------------------------------------------------------ files that are not files


def test_a_fifo_named_like_an_article_is_skipped_without_blocking(folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    os.mkfifo(folder / "pipe.txt")
    result = load_corpus(folder)
    assert [a.path for a in result.articles] == ["corpus/a.txt"]


def test_read_file_refuses_what_is_not_a_regular_file(folder: Path) -> None:
    os.mkfifo(folder / "pipe.txt")
    with pytest.raises(files.ArticleError, match="not a regular file"):
        files.read_file(files.CorpusFile(folder / "pipe.txt", "corpus/pipe.txt"))


# ------------------------------------------------------------------ known failures


@dataclass(frozen=True)
class Failed:
    signature: str
    reason: str


def test_a_file_that_failed_before_is_reported_again_unread(
    folder: Path, old_files: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(folder, "empty.txt", b"")
    write(folder, "manifest.json", "{broken")
    first = load_corpus(folder)
    signatures = first.failure_signatures
    assert set(signatures) == {"corpus/empty.txt", "corpus/manifest.json"}

    def no_reading(*args: object) -> object:
        raise AssertionError("read again")

    monkeypatch.setattr(loader, "read_file", no_reading)
    monkeypatch.setattr(loader, "read_manifest", no_reading)
    failed = {rel: Failed(signature, "as before") for rel, signature in signatures.items()}
    result = load_corpus(folder, failed=failed)
    assert [(f.path, f.reason) for f in result.failures] == [
        ("corpus/manifest.json", "as before"),
        ("corpus/empty.txt", "as before"),
    ]
    assert result.known_bad == {"corpus/empty.txt", "corpus/manifest.json"}


def test_a_failed_file_that_changed_is_read_again(folder: Path, old_files: None) -> None:
    write(folder, "a.txt", GOOD)
    result = load_corpus(folder, failed={"corpus/a.txt": Failed("an older signature", "empty")})
    assert [a.path for a in result.articles] == ["corpus/a.txt"] and result.known_bad == set()


def test_keep_bytes_keeps_what_was_read(folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    assert load_corpus(folder, parse=False).files["corpus/a.txt"].raw is None
    assert load_corpus(folder, parse=False, keep_bytes=True).files["corpus/a.txt"].raw == GOOD.encode()
