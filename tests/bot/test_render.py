"""Rendering answers as Discord messages: block quotes, escaping, mentions, the 2000 limit."""

from __future__ import annotations

import json
import re

import pytest

from bot.messages import TERMINAL, messages_for
from bot.render import MESSAGE_LIMIT, answer_embed, answer_json, render_answer, safe_url, source_line
from retrieval.answer import Answer, Citation
from retrieval.engine import MAX_QUESTION_CHARS, Engine
from retrieval.records import Article


def article(
    path: str = "seeds/001_abc.txt",
    title: str = "DeepSeek bouscule la Silicon Valley",
    source: str | None = "Le Journal",
    published: str | None = "2025-01-28",
    url: str | None = None,
    author: str | None = None,
) -> Article:
    return Article(
        path=path,
        title=title,
        text="…",
        content_hash="0" * 64,
        source=source,
        published=published,
        url=url,
        author=author,
    )


def answered(*citations: Citation, lang: str = "fr", question: str = "Combien a coûté DeepSeek R1 ?") -> Answer:
    return Answer(question=question, lang=lang, answered=True, citations=citations)


def cite(quote: str = "DeepSeek a formé R1 pour 5,6 millions d'euros.", **fields: object) -> Citation:
    also = fields.pop("also", ())
    return Citation(article=article(**fields), quote=quote, score=4.2, also=also)  # type: ignore[arg-type]


def abstained(reason: str, lang: str, question: str = "Qu'a dit Zorglub ?", detail: str | None = None) -> Answer:
    return Answer(question=question, lang=lang, answered=False, reason=reason, detail=detail)


# ---------------------------------------------------------------------- quotes


def test_every_line_of_a_multi_line_quote_is_block_quoted() -> None:
    text = render_answer(answered(cite("Première ligne.\nDeuxième ligne.\n\nQuatrième ligne.")))
    quote_lines = text.split("\n")[1:5]
    assert quote_lines == ["> Première ligne.", "> Deuxième ligne.", ">", "> Quatrième ligne."]


def test_answer_starts_with_the_intro_and_the_quote() -> None:
    text = render_answer(answered(cite("Le coût est de 5,6 millions d'euros.")))
    assert text.split("\n")[:2] == ["D'après l'article :", "> Le coût est de 5,6 millions d'euros."]


def test_two_citations_use_the_plural_intro_and_are_separated_by_a_blank_line() -> None:
    text = render_answer(answered(cite("Un."), cite("Deux.", path="seeds/002_def.txt")))
    assert text.startswith("D'après les articles :\n> Un.\n")
    assert "`seeds/001_abc.txt`\n\n> Deux.\n" in text


# ---------------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("**gras**", r"\*\*gras\*\*"),
        ("```code```", r"\`\`\`code\`\`\`"),
        ("_souligné_", r"\_souligné\_"),
        ("||spoiler||", r"\|\|spoiler\|\|"),
    ],
)
def test_markdown_in_a_quote_is_escaped(raw: str, escaped: str) -> None:
    text = render_answer(answered(cite(f"Avant {raw} après.")))
    assert f"> Avant {escaped} après." in text


def test_masked_link_in_a_quote_is_not_a_link() -> None:
    text = render_answer(answered(cite("Voir [cliquez ici](http://evil.example) pour plus.")))
    assert re.search(r"(?<!\\)\[cliquez ici\]\(", text) is None
    assert r"\[cliquez ici\](" in text


def test_two_masked_links_on_one_line_are_both_inert() -> None:
    """discord.py's escaping matches the first "[" to the last ")" of a line as one link."""
    quote = 'Voir [le site](https://evil.example/a) et [un rapport](http://evil.example/r "titre") ici.'
    text = render_answer(answered(cite(quote)))
    assert re.search(r"(?<!\\)\[[^\]\n]*(?<!\\)\]\(", text) is None, text
    assert r"[un rapport\](http://evil.example/r" in text


def test_heading_at_the_start_of_a_quote_line_is_escaped() -> None:
    text = render_answer(answered(cite("Intro.\n# Énorme titre\n## Autre")))
    assert "> \\# Énorme titre" in text
    assert "> \\## Autre" in text
    assert not any(line.startswith("#") or line.startswith("> #") for line in text.split("\n"))


def test_block_quote_marker_inside_a_quote_is_escaped() -> None:
    text = render_answer(answered(cite("> citation imbriquée\nsuite")))
    assert "> \\> citation imbriquée" in text
    assert "> > " not in text


def test_markdown_in_a_title_is_escaped() -> None:
    text = render_answer(answered(cite(title="**Titre** [lien](http://x) ```")))
    source = [line for line in text.split("\n") if line.startswith("— ")][0]
    assert source.startswith(r"— **\*\*Titre\*\* \[lien\](http://x) \`\`\`**")


def test_markdown_in_a_publisher_is_escaped() -> None:
    text = render_answer(answered(cite(source="__Le Monde__")))
    assert r"\_\_Le Monde\_\_" in text


@pytest.mark.parametrize("mention", ["@everyone", "@here"])
def test_mass_mentions_in_a_quote_are_defused(mention: str) -> None:
    text = render_answer(answered(cite(f"Salut {mention} regardez.")))
    assert mention not in text
    assert mention.replace("@", "@\u200b") in text


@pytest.mark.parametrize("mention", ["@everyone", "@here"])
def test_mass_mentions_in_a_title_are_defused(mention: str) -> None:
    text = render_answer(answered(cite(title=f"Alerte {mention}")))
    assert mention not in text


def test_user_mention_with_a_real_snowflake_is_defused() -> None:
    text = render_answer(
        answered(cite("Merci <@123456789012345678> et <@!123456789012345678> et <@&123456789012345678>."))
    )
    assert re.search(r"<@[!&]?\d+>", text) is None


def test_user_mention_with_a_short_id_is_defused() -> None:
    text = render_answer(answered(cite("Merci <@123> pour tout.")))
    assert re.search(r"<@[!&]?\d+>", text) is None


# ---------------------------------------------------------------------- source lines


def test_source_line_shows_title_publisher_date_and_file() -> None:
    text = render_answer(answered(cite()))
    assert "— **DeepSeek bouscule la Silicon Valley** · Le Journal · 2025-01-28 · `seeds/001_abc.txt`" in text


def test_source_line_without_publisher_skips_it() -> None:
    text = render_answer(answered(cite(source=None)))
    assert "— **DeepSeek bouscule la Silicon Valley** · 2025-01-28 · `seeds/001_abc.txt`" in text


def test_source_line_names_the_author_before_the_publisher_escaped() -> None:
    text = render_answer(answered(cite(author="Marie *Dupont* @everyone")))
    assert "— **DeepSeek bouscule la Silicon Valley** · Marie \\*Dupont\\* @\u200beveryone · Le Journal ·" in text
    embed = answer_embed(answered(cite(author="Marie Dupont", url="https://example.org/a")))
    assert embed is not None and "(https://example.org/a) · Marie Dupont · Le Journal · 2025-01-28" in str(
        embed.description
    )
    assert json.loads(answer_json(answered(cite(author="Marie Dupont"))))["citations"][0]["author"] == "Marie Dupont"


@pytest.mark.parametrize(("lang", "unknown"), [("fr", "date inconnue"), ("en", "date unknown")])
def test_source_line_says_when_the_date_is_unknown(lang: str, unknown: str) -> None:
    text = render_answer(answered(cite(published=None), lang=lang))
    assert f"· Le Journal · {unknown} · `seeds/001_abc.txt`" in text


def test_long_title_is_shortened_with_an_ellipsis() -> None:
    title = "mot " * 100
    text = render_answer(answered(cite(title=title)))
    source = [line for line in text.split("\n") if line.startswith("— ")][0]
    shown = source.split("**")[1]
    assert shown.endswith("…")
    assert len(shown) <= 120


def test_backtick_in_a_file_name_cannot_break_the_code_span() -> None:
    text = render_answer(answered(cite(path="seeds/a`b.txt")))
    assert "`seeds/a'b.txt`" in text


@pytest.mark.parametrize(("lang", "label"), [("fr", "Également rapporté par : "), ("en", "Also reported by: ")])
def test_also_reported_line_lists_the_other_articles(lang: str, label: str) -> None:
    others = (
        article(path="seeds/002_x.txt", title="Deuxième article"),
        article(path="seeds/003_y.txt", title="Troisième article"),
    )
    text = render_answer(answered(cite(also=others), lang=lang))
    assert f"{label}*Deuxième article* (`seeds/002_x.txt`), *Troisième article* (`seeds/003_y.txt`)" in text


def test_no_also_reported_line_without_other_articles() -> None:
    text = render_answer(answered(cite()))
    assert "Également" not in text


# ---------------------------------------------------------------------- Discord's limit


def long_citations(titles: str = "Titre très long " * 100) -> tuple[Citation, ...]:
    quote = "Une phrase assez longue qui revient encore et encore dans la citation. " * 8  # ~ 580 chars
    return tuple(
        cite(f"Citation {i}. " + quote, path=f"seeds/00{i}_long.txt", title=titles, source="Éditeur " * 20)
        for i in (1, 2, 3)
    )


def test_message_with_three_long_citations_fits_discords_limit() -> None:
    text = render_answer(answered(*long_citations()))
    assert len(text) <= MESSAGE_LIMIT


def test_trailing_citations_are_dropped_first_and_the_first_is_kept_whole() -> None:
    citations = long_citations()
    text = render_answer(answered(*citations))
    assert "`seeds/001_long.txt`" in text
    assert "> Citation 1. " in text
    assert "`seeds/003_long.txt`" not in text
    assert "Citation 3." not in text


def test_second_citation_is_kept_when_it_still_fits() -> None:
    text = render_answer(answered(*long_citations()))
    assert "`seeds/002_long.txt`" in text


def test_single_citation_with_a_huge_also_list_still_fits_and_keeps_its_quote() -> None:
    others = tuple(article(path=f"seeds/{i:03}_other.txt", title="Un autre titre " * 10) for i in range(60))
    text = render_answer(answered(cite("La citation qui compte.", also=others)))
    assert len(text) <= MESSAGE_LIMIT
    assert "> La citation qui compte." in text
    assert "`seeds/001_abc.txt`" in text


def test_quote_of_any_length_fits_the_limit() -> None:
    text = render_answer(answered(cite("mot " * 2000)))
    assert len(text) <= MESSAGE_LIMIT


def test_intro_is_singular_when_only_one_citation_is_left_after_dropping() -> None:
    quote = "mot " * 450
    citations = [cite(quote, path="seeds/001_a.txt"), cite(quote, path="seeds/002_b.txt")]
    text = render_answer(answered(*citations))
    assert "`seeds/002_b.txt`" not in text
    assert text.startswith("D'après l'article :\n")


# ---------------------------------------------------------------------- non-answers


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("reason", ["no_match", "weak"])
def test_abstain_message(lang: str, reason: str) -> None:
    assert render_answer(abstained(reason, lang)) == messages_for(lang).abstain


def test_abstain_message_says_it_does_not_know_in_french() -> None:
    assert render_answer(abstained("weak", "fr")).startswith("Je ne trouve pas la réponse")


def test_abstain_message_says_it_does_not_know_in_english() -> None:
    assert render_answer(abstained("weak", "en")).startswith("I can't find the answer")


@pytest.mark.parametrize(("lang", "start"), [("fr", "Posez-moi une question"), ("en", "Ask me a question")])
def test_empty_question_message(lang: str, start: str) -> None:
    assert render_answer(abstained("empty", lang, question="")).startswith(start)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "fr",
            f"Votre question est trop longue (600 caractères) : posez-la en {MAX_QUESTION_CHARS} caractères au plus.",
        ),
        (
            "en",
            f"Your question is too long (600 characters): please ask it in at most {MAX_QUESTION_CHARS} characters.",
        ),
    ],
)
def test_too_long_message_gives_the_length_and_the_limit(lang: str, expected: str) -> None:
    assert render_answer(abstained("too_long", lang, question="x" * 600)) == expected


def test_a_question_of_exactly_the_limit_is_accepted_as_the_sentence_says() -> None:
    """ "at most 500": a question of 500 characters is not refused for its length."""
    engine = Engine([], [])
    assert engine.answer("a" * MAX_QUESTION_CHARS).reason != "too_long"
    assert engine.answer("a" * (MAX_QUESTION_CHARS + 1)).reason == "too_long"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "Les articles dont je dispose ne parlent pas de « Zorglub »."),
        ("en", "The news articles I have don't mention “Zorglub”."),
    ],
)
def test_unknown_name_message_names_the_unknown_name(lang: str, expected: str) -> None:
    assert render_answer(abstained("unknown_name", lang, detail="Zorglub")).startswith(expected)


def test_unknown_name_from_the_question_is_escaped_and_defused() -> None:
    text = render_answer(abstained("unknown_name", "en", detail="**@everyone**"))
    assert "@everyone" not in text
    assert "**@" not in text


def test_unknown_name_without_a_name_falls_back_to_abstain() -> None:
    assert render_answer(abstained("unknown_name", "fr", detail=None)) == messages_for("fr").abstain


# ---------------------------------------------------------------------- JSON


def test_answer_json_round_trips_the_answer() -> None:
    other = article(path="seeds/002_x.txt", title="Autre")
    answer = answered(
        cite("L’entreprise « affirme » 5,6 M€.", also=(other,)),
        cite("Deuxième.", path="seeds/003_y.txt", source=None, published=None),
    )
    data = json.loads(answer_json(answer))
    assert data == {
        "question": "Combien a coûté DeepSeek R1 ?",
        "answered": True,
        "citations": [
            {
                "path": "seeds/001_abc.txt",
                "title": "DeepSeek bouscule la Silicon Valley",
                "source": "Le Journal",
                "author": None,
                "url": None,
                "published": "2025-01-28",
                "quote": "L’entreprise « affirme » 5,6 M€.",
                "score": 4.2,
            },
            {
                "path": "seeds/003_y.txt",
                "title": "DeepSeek bouscule la Silicon Valley",
                "source": None,
                "author": None,
                "url": None,
                "published": None,
                "quote": "Deuxième.",
                "score": 4.2,
            },
        ],
        "text": render_answer(answer),
    }


def test_answer_json_is_one_line_with_unescaped_accents() -> None:
    line = answer_json(answered(cite("Élan « vif »\nsur deux lignes.")))
    assert "\n" not in line
    assert "Élan « vif »" in line


def test_answer_json_for_an_abstention_has_no_citations() -> None:
    data = json.loads(answer_json(abstained("weak", "en")))
    assert data["answered"] is False
    assert data["citations"] == []
    assert data["text"] == messages_for("en").abstain


def test_a_newline_in_a_title_or_file_name_stays_on_the_source_line() -> None:
    article = Article(
        path="seeds/evil\nname.txt",
        title="Titre\nsur deux lignes",
        text="Texte.",
        content_hash="h",
        source="Le\rJournal",
    )
    line = source_line(article, "fr")
    assert "\n" not in line and "\r" not in line
    assert "Titre sur deux lignes" in line and "evil name.txt" in line


# ---------------------------------------------------------------------- embeds


def test_embed_title_links_to_the_url_with_publisher_and_date() -> None:
    embed = answer_embed(answered(cite(url="https://example.org/a", source="Le Journal", published="2025-01-28")))
    assert embed is not None and embed.description is not None
    assert "(https://example.org/a) · Le Journal · 2025-01-28" in embed.description
    assert "`" not in embed.description.split("—")[-1]  # no file path when there is a URL


def test_embed_without_url_names_the_file_and_an_unknown_date() -> None:
    embed = answer_embed(answered(cite(url=None, published=None)))
    assert embed is not None and embed.description is not None
    assert "date inconnue" in embed.description and "`seeds/" in embed.description


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "https://", "https://ex.org/a\nb", ""])
def test_only_http_urls_with_a_host_become_links(url: str) -> None:
    assert safe_url(url) is None


def test_a_url_cannot_close_the_masked_link() -> None:
    assert safe_url("https://example.org/a)(b c") == "https://example.org/a%29%28b%20c"


def test_embed_quotes_are_escaped_and_defused() -> None:
    embed = answer_embed(answered(cite("Il a écrit @everyone et **gras** et [lien](https://x.org).")))
    assert embed is not None and embed.description is not None
    assert "@everyone" not in embed.description and "**gras**" not in embed.description
    assert "\\[lien\\]" in embed.description or "\\[lien]" in embed.description


def test_embed_respects_the_description_limit_and_keeps_the_best_citation() -> None:
    citations = [cite("Phrase numéro %d. " % i * 15) for i in range(3)]
    embed = answer_embed(answered(*citations), limit=600)
    assert embed is not None and embed.description is not None
    assert len(embed.description) <= 600 and "numéro 0" in embed.description


def test_a_non_answer_has_no_embed() -> None:
    assert answer_embed(abstained("weak", "fr")) is None


def test_answer_json_carries_the_url() -> None:
    data = json.loads(answer_json(answered(cite(url="https://example.org/a"))))
    assert data["citations"][0]["url"] == "https://example.org/a"


# ---------------------------------------------------------------------- the terminal


def test_the_terminal_prints_quotes_and_titles_as_they_are() -> None:
    answer = answered(cite(quote="Le fichier link_out.txt vaut *5* €.", title="link_out.txt", source="Le_Monde"))
    text = render_answer(answer, surface=TERMINAL)
    assert "> Le fichier link_out.txt vaut *5* €." in text
    assert "— **link_out.txt** · Le_Monde · " in text
    assert "\\" not in text
    assert "link\\_out.txt" in render_answer(answer)  # Discord keeps its escaping


@pytest.mark.parametrize(("lang", "reason", "detail"), [("fr", "no_answer", None), ("en", "unknown_name", "Zorglub")])
def test_the_terminals_i_dont_know_names_newsbot_headlines(lang: str, reason: str, detail: str | None) -> None:
    answer = abstained(reason, lang, detail=detail)
    terminal = render_answer(answer, surface=TERMINAL)
    assert "`newsbot headlines`" in terminal and "/headlines" not in terminal
    # Discord names the command as a client in the answer's language shows it.
    assert ("`/titres`" if lang == "fr" else "`/headlines`") in render_answer(answer)
