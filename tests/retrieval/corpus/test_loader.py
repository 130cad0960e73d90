"""Loading a corpus folder: one bad file never stops the others, and moderators are told
which file was skipped and why."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from retrieval.corpus import CorpusError, files, load_corpus, loader
from tests.retrieval.corpus.folders import write

SEEDS = Path(__file__).resolve().parents[3] / "seeds"

GOOD = "La percée de DeepSeek inquiète la Silicon Valley\nDeepSeek a formé R1 pour 5,6 millions de dollars. Le modèle est ouvert.\n"


def test_seeds_load_without_failures() -> None:
    result = load_corpus(SEEDS)
    assert result.failures == []
    assert [a.path for a in result.articles] == sorted(f"seeds/{p.name}" for p in SEEDS.glob("*.txt"))


def test_good_files_load_and_bad_files_are_reported_by_name(folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    write(folder, "b.txt", GOOD.replace("DeepSeek a formé", "Le laboratoire a formé"))
    write(folder, "empty.txt", b"")
    write(folder, "binary.txt", b"\x00\x01\x02 not text")
    write(folder, "latin1.txt", "La percée chinoise\nL'entraînement a coûté très cher à l'équipe.\n".encode("latin-1"))

    result = load_corpus(folder)

    assert [a.path for a in result.articles] == ["corpus/a.txt", "corpus/b.txt"]
    reasons = {failure.path: failure.reason for failure in result.failures}
    assert set(reasons) == {"corpus/empty.txt", "corpus/binary.txt", "corpus/latin1.txt"}
    assert "empty" in reasons["corpus/empty.txt"]
    assert "binary" in reasons["corpus/binary.txt"]
    assert "UTF-8" in reasons["corpus/latin1.txt"]


def test_boilerplate_only_file_is_reported(folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    write(folder, "chrome.txt", "Articles récents\nspot_img\nRéagir\n0Commentaire\n")
    result = load_corpus(folder)
    assert [a.path for a in result.articles] == ["corpus/a.txt"]
    assert [f.path for f in result.failures] == ["corpus/chrome.txt"]
    assert "boilerplate" in result.failures[0].reason


def test_missing_folder_raises_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nowhere")


def test_file_instead_of_folder_raises_corpus_error(tmp_path: Path) -> None:
    path = write(tmp_path, "article.txt", GOOD)
    with pytest.raises(CorpusError, match="not a folder"):
        load_corpus(path)


def test_empty_folder_loads_nothing(folder: Path) -> None:
    result = load_corpus(folder)
    assert result.articles == []
    assert result.failures == []


def test_txt_and_md_files_are_both_loaded(folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    write(folder, "b.md", "# " + GOOD)
    write(folder, "c.TXT", GOOD)
    result = load_corpus(folder)
    assert sorted(a.path for a in result.articles) == ["corpus/a.txt", "corpus/b.md", "corpus/c.TXT"]


def test_other_suffixes_are_ignored(folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    for name in ("data.json", "notes.rst", "image.png", "README"):
        write(folder, name, GOOD)
    result = load_corpus(folder)
    assert [a.path for a in result.articles] == ["corpus/a.txt"]
    assert result.failures == []


def test_hidden_files_and_folders_are_ignored(folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    write(folder, ".draft.txt", GOOD)
    write(folder, ".git/notes.txt", GOOD)
    write(folder, "sub/.cache/old.md", GOOD)
    result = load_corpus(folder)
    assert [a.path for a in result.articles] == ["corpus/a.txt"]
    assert result.failures == []


def test_paths_are_relative_to_the_folders_parent(folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    write(folder, "2025/janvier/b.txt", GOOD)
    result = load_corpus(folder)
    assert [a.path for a in result.articles] == ["corpus/2025/janvier/b.txt", "corpus/a.txt"]


def test_paths_are_the_same_for_a_relative_folder(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(folder, "a.txt", GOOD)
    monkeypatch.chdir(folder.parent)
    assert [a.path for a in load_corpus(Path("corpus")).articles] == ["corpus/a.txt"]


def test_manifest_metadata_is_applied_by_file_name(folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    write(folder, "sub/b.txt", GOOD)
    write(
        folder,
        "manifest.json",
        '{"a.txt": {"title": "Titre du manifeste", "Source": "AFP", "url": "https://e.x/a", "date": "2025-01-28"},'
        ' "sub/b.txt": {"publisher": "Reuters"}}',
    )
    result = load_corpus(folder)
    assert result.failures == []
    articles = {a.path: a for a in result.articles}
    a = articles["corpus/a.txt"]
    assert (a.title, a.source, a.url, a.published) == ("Titre du manifeste", "AFP", "https://e.x/a", "2025-01-28")
    b = articles["corpus/sub/b.txt"]
    assert b.source == "Reuters"
    assert b.title == "La percée de DeepSeek inquiète la Silicon Valley"


def test_manifest_is_not_loaded_as_an_article(folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    write(folder, "manifest.json", '{"a.txt": {"title": "T"}}')
    assert [a.path for a in load_corpus(folder).articles] == ["corpus/a.txt"]


@pytest.mark.parametrize(
    "manifest",
    ["{broken", "[1, 2, 3]", '{"a.txt": "just a title"}', b"\xff\xfe{}"],
    ids=["syntax", "not-an-object", "entry-not-an-object", "not-utf8"],
)
def test_broken_manifest_is_reported_but_articles_still_load(folder: Path, manifest: str | bytes) -> None:
    write(folder, "a.txt", GOOD)
    write(folder, "manifest.json", manifest)
    result = load_corpus(folder)
    assert [a.path for a in result.articles] == ["corpus/a.txt"]
    assert result.articles[0].title == "La percée de DeepSeek inquiète la Silicon Valley"
    assert [f.path for f in result.failures] == ["corpus/manifest.json"]
    assert "manifest ignored" in result.failures[0].reason


def test_oversized_file_is_reported(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 200)
    write(folder, "a.txt", GOOD)
    write(folder, "dump.txt", GOOD * 10)
    result = load_corpus(folder)
    assert [a.path for a in result.articles] == ["corpus/a.txt"]
    assert [f.path for f in result.failures] == ["corpus/dump.txt"]
    assert "too large" in result.failures[0].reason


def test_progress_is_reported_for_every_file(folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    write(folder, "b.txt", GOOD)
    write(folder, "empty.txt", b"")
    calls: list[tuple[int, int]] = []
    load_corpus(folder, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


# What the service needs: signatures, known files skipped, every file listed ----------------


@dataclass(frozen=True)
class Known:
    content_hash: str
    signature: str | None


@pytest.fixture
def old_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written by the test count as old: their signatures are trusted at once."""
    monkeypatch.setattr(files, "RACY_WINDOW_NS", 0)


def test_every_file_is_listed_with_its_digest_and_signature(
    folder: Path, old_files: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 200)
    write(folder, "a.txt", GOOD)
    write(folder, "empty.txt", b"")
    write(folder, "dump.txt", GOOD * 10)
    result = load_corpus(folder)
    a, empty, dump = (result.files[f"corpus/{name}"] for name in ("a.txt", "empty.txt", "dump.txt"))
    assert a.digest == result.articles[0].content_hash and a.signature is not None
    # Read but not an article: its digest tells a later load it is still the same bad file.
    assert empty.digest == files.content_digest(b"") and empty.signature is not None
    # Not read: nothing is known of it.
    assert (dump.digest, dump.signature) == (None, None)
    assert [f.path for f in result.failures] == ["corpus/dump.txt", "corpus/empty.txt"]


def test_a_file_read_too_soon_after_a_change_has_no_signature(folder: Path) -> None:
    write(folder, "a.txt", GOOD)
    assert load_corpus(folder).files["corpus/a.txt"].signature is None


def test_a_known_signature_skips_reading_the_file(
    folder: Path, old_files: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(folder, "a.txt", GOOD)
    first = load_corpus(folder).files["corpus/a.txt"]
    assert first.digest is not None

    def no_reading(file: files.CorpusFile) -> bytes:
        raise AssertionError(f"{file.rel} was read")

    monkeypatch.setattr(loader, "read_file", no_reading)
    result = load_corpus(folder, known={"corpus/a.txt": Known(first.digest, first.signature)})
    assert result.articles == [] and result.failures == []
    assert result.files["corpus/a.txt"] == first


def test_a_known_content_hash_skips_parsing(folder: Path, old_files: None) -> None:
    write(folder, "a.txt", GOOD)
    write(folder, "b.txt", GOOD)
    first = load_corpus(folder)
    digest = first.files["corpus/a.txt"].digest
    assert digest is not None
    result = load_corpus(folder, known={"corpus/a.txt": Known(digest, "another signature")})
    assert [a.path for a in result.articles] == ["corpus/b.txt"]
    assert result.files["corpus/a.txt"] == first.files["corpus/a.txt"]


def test_a_changed_known_file_is_parsed(folder: Path, old_files: None) -> None:
    write(folder, "a.txt", GOOD)
    result = load_corpus(folder, known={"corpus/a.txt": Known("an older hash", "an older signature")})
    assert [a.path for a in result.articles] == ["corpus/a.txt"]


def test_parse_false_only_finds_what_changed(folder: Path, old_files: None) -> None:
    write(folder, "a.txt", GOOD)
    write(folder, "chrome.txt", "Articles récents\nspot_img\nRéagir\n0Commentaire\n")
    result = load_corpus(folder, parse=False)
    assert result.articles == [] and result.failures == []
    assert sorted(result.files) == ["corpus/a.txt", "corpus/chrome.txt"]
    assert result.files["corpus/a.txt"].digest == load_corpus(folder).articles[0].content_hash
