"""Texts for reload reports, listings and the one-message cut shared by the CLI and Discord."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.messages import TERMINAL
from bot.render import MESSAGE_LIMIT
from bot.reports import fit, headlines_text, reload_text, sources_text, stats_text
from bot.service import ReloadRefused, ReloadReport, ServiceStats
from bot.store import ArticleRow, ReloadRun, StoreStats
from retrieval.records import Article, LoadFailure


def row(
    i: int, title: str | None = None, source: str | None = None, published: str | None = "2025-01-28"
) -> ArticleRow:
    article = Article(
        path=f"seeds/{i:03}_x.txt",
        title=title or f"Article numéro {i}",
        text="…",
        content_hash="0" * 64,
        source=source,
        published=published,
    )
    return ArticleRow(article=article, first_seen="2025-01-28T00:00:00Z", last_seen="2025-01-28T00:00:00Z", passages=3)


# ---------------------------------------------------------------------- reload


def ok_report(**fields: object) -> ReloadReport:
    values: dict[str, object] = {
        "ok": True,
        "requested_by": "cli",
        "added": ("seeds/005_new.txt",),
        "updated": ("seeds/001_a.txt", "seeds/002_b.txt"),
        "removed": ("seeds/009_gone.txt",),
        "unchanged": 3,
        "failures": (LoadFailure("seeds/bad.txt", "the file is empty"),),
        "duration_s": 1.234,
        "articles": 6,
        "passages": 57,
    }
    values.update(fields)
    return ReloadReport(**values)  # type: ignore[arg-type]


def test_reload_report_summarises_the_counts() -> None:
    first = reload_text(ok_report()).split("\n")[0]
    assert first == "Reload done in 1.2s: 1 added, 2 updated, 3 unchanged, 1 removed, 1 failed."


def test_reload_report_gives_the_live_corpus_size() -> None:
    assert "Live corpus: 6 articles, 57 passages." in reload_text(ok_report()).split("\n")


def test_reload_report_lists_added_updated_and_removed_files() -> None:
    lines = reload_text(ok_report()).split("\n")
    assert "Added: `seeds/005_new.txt`" in lines
    assert "Updated: `seeds/001_a.txt`, `seeds/002_b.txt`" in lines
    assert "Removed: `seeds/009_gone.txt`" in lines


def test_reload_report_lists_each_failed_file_with_its_reason() -> None:
    failures = (LoadFailure("seeds/bad.txt", "the file is empty"), LoadFailure("seeds/bin.md", "not UTF-8 text"))
    lines = reload_text(ok_report(failures=failures)).split("\n")
    assert "Failed: `seeds/bad.txt`: the file is empty" in lines
    assert "Failed: `seeds/bin.md`: not UTF-8 text" in lines


def test_reload_report_with_nothing_changed_has_only_the_summary() -> None:
    text = reload_text(ok_report(added=(), updated=(), removed=(), failures=(), unchanged=5, articles=5))
    assert text.split("\n") == [
        "Reload done in 1.2s: 0 added, 0 updated, 5 unchanged, 0 removed, 0 failed.",
        "Live corpus: 5 articles, 57 passages.",
    ]


def test_reload_report_caps_long_file_lists() -> None:
    added = tuple(f"seeds/{i:03}.txt" for i in range(14))
    line = [x for x in reload_text(ok_report(added=added)).split("\n") if x.startswith("Added:")][0]
    assert line.count("`seeds/") == 10
    assert line.endswith(" … (+4)")


def test_reload_report_caps_failed_files() -> None:
    failures = tuple(LoadFailure(f"seeds/{i:03}.txt", "the file is empty") for i in range(13))
    lines = reload_text(ok_report(failures=failures)).split("\n")
    assert sum(line.startswith("Failed: ") for line in lines) == 10
    assert lines[-1] == "… and 3 more failed files"


def test_failure_reason_markdown_is_escaped() -> None:
    text = reload_text(ok_report(failures=(LoadFailure("seeds/x.txt", "bad **front** matter @everyone"),)))
    assert r"bad \*\*front\*\* matter" in text
    assert "@everyone" not in text


def test_failed_reload_report_says_it_failed_and_why() -> None:
    report = ReloadReport(ok=False, requested_by="cli", duration_s=5.04, articles=5, passages=57, error="disk full")
    text = reload_text(report)
    assert text.startswith("Reload failed after 5.0s: disk full.")
    assert "\n" not in text  # one line: the CLI prints it as its one error line


def test_failed_reload_report_says_the_previous_corpus_is_still_live() -> None:
    report = ReloadReport(ok=False, requested_by="cli", duration_s=1.0, articles=5, passages=57, error="disk full")
    assert reload_text(report).endswith("The previous corpus is still live (5 articles, 57 passages).")


def test_failed_reload_report_without_an_error_message_still_says_something() -> None:
    report = ReloadReport(ok=False, requested_by="cli", duration_s=1.0)
    assert reload_text(report).startswith("Reload failed after 1.0s: unknown error")


# ---------------------------------------------------------------------- fit


def numbered_lines(count: int, width: int = 70) -> str:
    return "\n".join(f"{i:04} " + "x" * (width - 5) for i in range(count))


def test_fit_leaves_a_short_text_alone() -> None:
    text = numbered_lines(5)
    assert fit(text) == text


def test_fit_cuts_a_long_text_to_the_message_limit() -> None:
    assert len(fit(numbered_lines(100))) <= MESSAGE_LIMIT


def test_fit_cuts_at_a_line_boundary_and_marks_the_cut() -> None:
    text = numbered_lines(100)
    cut = fit(text)
    kept, marker = cut.rsplit("\n", 1)
    assert marker == "…"
    assert text.startswith(kept + "\n")
    assert all(len(line) == 70 for line in kept.split("\n"))


def test_fit_keeps_as_many_whole_lines_as_fit() -> None:
    cut = fit(numbered_lines(100))
    # 28 lines of 70 characters and their newlines take 1988; a 29th would pass 1998 (2000 - "\n…").
    assert cut.split("\n")[-2].startswith("0027 ")


def test_fit_respects_a_smaller_limit() -> None:
    assert len(fit(numbered_lines(10), limit=200)) <= 200


def test_fit_cuts_a_single_huge_line() -> None:
    assert len(fit("y" * 5000)) <= MESSAGE_LIMIT


# ---------------------------------------------------------------------- listings


def test_headlines_list_one_bullet_per_article_under_a_title() -> None:
    lines = headlines_text([row(1), row(2)], "en").split("\n")
    assert lines[0] == "Latest articles:"
    assert lines[1:] == [
        "• **Article numéro 1** · 2025-01-28 · `seeds/001_x.txt`",
        "• **Article numéro 2** · 2025-01-28 · `seeds/002_x.txt`",
    ]


def test_listing_shows_publisher_and_unknown_date() -> None:
    line = sources_text([row(1, source="Le Journal", published=None)], "fr").split("\n")[1]
    assert line == "• **Article numéro 1** · Le Journal · date inconnue · `seeds/001_x.txt`"


def test_sources_title_counts_the_articles() -> None:
    assert sources_text([row(i) for i in range(3)], "fr").split("\n")[0] == "Sources (3 articles) :"


@pytest.mark.parametrize(("lang", "more"), [("en", "… and 5 more"), ("fr", "… et 5 de plus")])
def test_listing_over_25_rows_says_how_many_more(lang: str, more: str) -> None:
    lines = headlines_text([row(i) for i in range(30)], lang).split("\n")
    assert sum(line.startswith("• ") for line in lines) == 25
    assert lines[-1] == more


def test_listing_of_exactly_25_rows_has_no_more_line() -> None:
    lines = sources_text([row(i) for i in range(25)], "en").split("\n")
    assert len(lines) == 26
    assert lines[-1].startswith("• ")


@pytest.mark.parametrize(
    ("lang", "message"),
    [("fr", "Aucun article n'est chargé pour l'instant."), ("en", "No articles are loaded yet.")],
)
def test_empty_listing_says_no_articles(lang: str, message: str) -> None:
    assert headlines_text([], lang) == message


def test_listing_titles_are_escaped_and_defused() -> None:
    text = headlines_text([row(1, title="**Breaking** @here")], "en")
    assert r"\*\*Breaking\*\*" in text
    assert "@here" not in text


def test_listing_of_25_very_long_titles_fits_one_message_after_fit() -> None:
    text = sources_text([row(i, title="Titre interminable " * 30, source="Éditeur") for i in range(40)], "fr")
    cut = fit(text)
    assert len(cut) <= MESSAGE_LIMIT
    assert cut.split("\n")[0] == "Sources (40 articles) :"


# ---------------------------------------------------------------------- the terminal


def refused_report() -> ReloadReport:
    problem = ReloadRefused(removed=6, stored=6, folder=Path("/srv/news_feed"))
    return ReloadReport(ok=False, requested_by="cli", error=str(problem), refused=True, problem=problem)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_terminal_reload_report_prints_plain_text_naming_the_terminal_command(lang: str) -> None:
    text = reload_text(refused_report(), lang, TERMINAL)
    assert "`newsbot reload --allow-shrink`" in text and "/srv/news_feed" in text
    assert "\\" not in text and "/reload" not in text
    failure = LoadFailure("seeds/link_out.txt", "a link out of the folder (NEWSBOT_FOLLOW_OUTSIDE_LINKS=true reads it)")
    report = reload_text(ok_report(failures=(failure,)), lang, TERMINAL)
    assert "`seeds/link_out.txt`" in report and "(NEWSBOT_FOLLOW_OUTSIDE_LINKS=true reads it)" in report
    assert "\\" not in report


def test_discord_keeps_its_escaping_and_its_slash_command() -> None:
    text = reload_text(refused_report(), "en")
    assert "/reload force:True" in text and "news\\_feed" in text
    assert "newsbot reload" not in text


def test_terminal_listings_print_titles_unescaped() -> None:
    rows = [row(1, title="link_out.txt *draft*", source="Le_Monde")]
    assert "**link_out.txt *draft*** · Le_Monde · 2025-01-28" in headlines_text(rows, "en", TERMINAL)
    assert "link\\_out.txt \\*draft\\*" in headlines_text(rows, "en")
    assert "link_out.txt *draft*" in sources_text(rows, "fr", TERMINAL)


def test_terminal_stats_print_questions_and_errors_unescaped() -> None:
    run = ReloadRun(
        started_at="2025-01-28T09:00:00Z",
        requested_by="cli",
        ok=False,
        error="cannot read the_file",
        added=0,
        updated=0,
        unchanged=0,
        removed=0,
        failures=[],
        duration_s=0.5,
    )
    stats = ServiceStats(
        store=StoreStats(
            articles=1,
            passages=1,
            asked_day=1,
            answered_day=0,
            asked_week=1,
            answered_week=0,
            last_reload=run,
            top_unanswered=[("what is __init__?", 2)],
        ),
        live_articles=1,
        live_passages=1,
        reload_running=False,
    )
    text = stats_text(stats, "en", TERMINAL)
    assert "failed: cannot read the_file" in text and "• 2× what is __init__?" in text
    assert "\\" not in text
    assert "the\\_file" in stats_text(stats, "en")
