"""Reload planning without a database: which files are parsed, kept, removed."""

from __future__ import annotations

from pathlib import Path

from bot.service.folder import Scan, ScannedFile
from bot.service.plan import plan_reload
from bot.store import StoredFile, StoredPassage
from retrieval.corpus.files import CorpusFile
from retrieval.records import Article, LoadFailure

PIPELINE = "1+pystemmer-test"


def scanned(rel: str, digest: str | None, signature: str | None = "sig") -> ScannedFile:
    return ScannedFile(CorpusFile(Path("/corpus") / rel, rel), digest, signature, raw=b"text")


def scan_of(known: dict[str, str], files: dict[str, str | None], pipeline: str = PIPELINE) -> Scan:
    result = Scan("gen-1", {rel: StoredFile(digest, "old-sig", PIPELINE) for rel, digest in known.items()}, pipeline)
    result.files = {rel: scanned(rel, digest) for rel, digest in files.items()}
    return result


def article(path: str, digest: str) -> tuple[Article, list[StoredPassage]]:
    return Article(path=path, title=path, text="Text.", content_hash=digest), []


def test_unchanged_folder_matches_the_store_and_parses_nothing() -> None:
    plan = plan_reload(scan_of({"a": "h1", "b": "h2"}, {"a": "h1", "b": "h2"}))
    assert plan.folder_matches_store and not plan.to_parse and not plan.removed


def test_new_and_changed_files_are_parsed_and_missing_ones_removed() -> None:
    plan = plan_reload(scan_of({"a": "h1", "b": "h2"}, {"a": "h1-new", "c": "h3"}))
    assert sorted(plan.to_parse) == ["a", "c"]
    assert plan.removed == ("b",)
    assert not plan.folder_matches_store


def test_articles_of_another_pipeline_are_parsed_again() -> None:
    plan = plan_reload(scan_of({"a": "h1"}, {"a": "h1"}, pipeline="2+pystemmer-new"))
    assert plan.outdated == {"a"} and list(plan.to_parse) == ["a"]


def test_a_scan_failure_means_the_folder_does_not_match() -> None:
    scan = scan_of({"a": "h1"}, {"a": "h1"})
    scan.failures.append(LoadFailure("bad.txt", "empty"))
    assert not plan_reload(scan).folder_matches_store


def test_a_file_that_fails_to_parse_keeps_its_version_without_its_new_signature() -> None:
    scan = scan_of({"a": "h1", "b": "h2"}, {"a": "h1-new", "b": "h2-new"})
    plan = plan_reload(scan)
    outcome = plan.settle(scan, [article("b", "h2-new")])  # "a" failed to parse
    assert outcome.updated == ("b",) and outcome.added == ()
    assert outcome.unchanged == ("a",)
    assert outcome.signatures == {"b": "sig"}


def test_settle_counts_added_and_updated_apart() -> None:
    scan = scan_of({"a": "h1"}, {"a": "h1-new", "c": "h3"})
    outcome = plan_reload(scan).settle(scan, [article("a", "h1-new"), article("c", "h3")])
    assert (outcome.added, outcome.updated, outcome.removed) == (("c",), ("a",), ())


def test_a_failure_known_from_the_last_reload_does_not_unmatch_the_folder() -> None:
    scan = scan_of({"a": "h1"}, {"a": "h1"})
    scan.failures.append(LoadFailure("bad.txt", "empty"))
    scan.known_bad.add("bad.txt")
    assert plan_reload(scan).folder_matches_store


def test_settle_remembers_each_failure_with_its_signature() -> None:
    scan = scan_of({}, {"bad.txt": "h9"})
    outcome = plan_reload(scan).settle(scan, [], [LoadFailure("bad.txt", "no sentences")])
    assert outcome.known_failures["bad.txt"].signature == "sig"
    assert outcome.known_failures["bad.txt"].reason == "no sentences"
