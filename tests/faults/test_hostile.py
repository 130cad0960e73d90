"""A hostile corpus and hostile questions: nothing pings, no masked link renders, no file
outside the folder is read, no traceback, every answer within Discord's limits, and the
token never shows (issue 11)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from .helpers import database, newsbot, write_corpus

MESSAGE_LIMIT = 2000
"""Discord's limit on a message's length."""
MAX_QUESTION_CHARS = 500
SECRET = "Le mot de passe du serveur de paie est Tournesol-8842, il ne sort jamais de ce fichier."

PINGS = (
    "Alerte générale\n"
    "@everyone la société Pingora a levé 40 millions d'euros auprès de <@123456789012345678> et de <@&42>. "
    "@here les détails sont sur [le site officiel](https://evil.example/phish) et sur <#987654321098765432>. "
    'Pingora a aussi publié [un rapport](http://evil.example/r "titre") sur ses résultats trimestriels.\n'
)
INJECTED_FRONT = (
    "---\n"
    "title: @everyone [cliquez](https://evil.example/front) <@123456789012345678>\n"
    "source: <@&1> **gras**\n"
    "---\n"
    "Injection de métadonnées\nLa société Frontora a vendu 12 000 robots aux hôpitaux de la région cette année.\n"
)
UNESCAPED_MASKED_LINK = re.compile(r"(?<!\\)\[[^\]\n]*(?<!\\)\]\((?:https?:)")
MENTION = re.compile(r"<(?:@[!&]?|#)\d+>")


CODE_SPAN = re.compile(r"`[^`\n]*`")


def assert_inert(text: str) -> None:
    """What Discord would render from ``text`` pings nobody and shows no masked link (inside
    a code span, such as a source line's file name, Discord renders neither)."""
    text = CODE_SPAN.sub("", text)
    assert "@everyone" not in text and "@here" not in text, text
    assert not MENTION.search(text), text
    assert not UNESCAPED_MASKED_LINK.search(text), text


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("hostile")
    corpus = home / "corpus"
    write_corpus(corpus, range(20))
    private = home / "private"
    private.mkdir()
    (private / "notes.txt").write_text(f"Notes privées\n{SECRET}\n", encoding="utf-8")
    (corpus / "secret.txt").symlink_to(private / "notes.txt")
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")
    (corpus / "self").symlink_to(corpus)
    with open(corpus / "big.txt", "wb") as big:
        big.truncate(50_000_000)
    (corpus / "nul.txt").write_bytes(b"Titre\nUne phrase avec un \x00 octet nul au milieu du texte.\n")
    (corpus / "lines.txt").write_text("a\n" * 100_000, encoding="utf-8")
    (corpus / "bad\nname.txt").write_text("Nom piégé\nLa société Newlina a ouvert trois usines cette année.\n")
    (corpus / "@everyone.txt").write_text("Nom bruyant\nLa société Bruyantix a recruté 300 ingénieurs en 2024.\n")
    (corpus / "ping.txt").write_text(PINGS, encoding="utf-8")
    (corpus / "front.txt").write_text(INJECTED_FRONT, encoding="utf-8")
    (corpus / "manifest.json").write_text(
        json.dumps(
            {
                "../private/notes.txt": {"title": "Ailleurs"},
                "a00003.txt": {"title": "@everyone [lien](https://evil.example/m) <@123456789012345678>"},
            }
        ),
        encoding="utf-8",
    )
    result = newsbot(home, corpus, "reload", timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return home


def test_nothing_outside_the_folder_is_read_or_stored(hostile: Path) -> None:
    result = newsbot(hostile, hostile / "corpus", "ask", "Quel est le mot de passe du serveur de paie ?")
    assert result.returncode == 0
    assert "Tournesol" not in result.stdout + result.stderr
    for path in (hostile / "data").rglob("*"):  # the database and the index's segment files
        if path.is_file():
            assert b"Tournesol" not in path.read_bytes(), path


def test_the_reload_report_keeps_one_line_per_file(hostile: Path) -> None:
    report = newsbot(hostile, hostile / "corpus", "reload").stdout
    assert "Traceback" not in report
    for failed in ("secret.txt", "big.txt", "nul.txt"):
        assert failed in report


@pytest.mark.parametrize(
    "question",
    [
        "Combien la société Pingora a-t-elle levé ?",
        "Qu'a publié Pingora sur ses résultats ?",
        "Combien de robots Frontora a-t-elle vendus ?",
        "Combien la société Zorvex3 a-t-elle dépensé ?",
        "Combien d'ingénieurs Bruyantix a-t-elle recrutés ?",
        "Combien d'usines Newlina a-t-elle ouvertes ?",
    ],
)
def test_answers_from_a_hostile_corpus_are_inert(hostile: Path, question: str) -> None:
    result = newsbot(hostile, hostile / "corpus", "ask", "--json", question)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    answer = json.loads(result.stdout)
    assert_inert(answer["text"])
    assert len(answer["text"]) <= MESSAGE_LIMIT
    for citation in answer["citations"]:  # a source line stays one line whatever the file name
        assert citation["path"].rsplit("/", 1)[-1].replace("\n", " ") in answer["text"]


def hostile_questions(count: int, seed: int = 11) -> list[str]:
    """Random, very long, regex-metacharacter and mixed-script questions."""
    rng = random.Random(seed)
    pieces = [
        "(.*)+",
        "[^a-z]*",
        "\\d{1,99999}",
        "$^|?",
        "((((((",
        "))))",
        "\\",
        "{",
        "}",
        "*?+",
        "Дипсик",
        "深度求索",
        "ديب سيك",
        "🙂🚀",
        "Zorvex3",
        "combien",
        "qui",
        "DeepSeek",
        "l'IA",
        "–",
        "\u200b",
        "@everyone",
        "<@123456789012345678>",
        "[x](https://evil.example)",
        "\t",
        "é" * 40,
    ]
    questions = []
    for i in range(count):
        if i % 10 == 0:
            questions.append("".join(rng.choice(pieces) for _ in range(rng.randint(200, 2000))))
        else:
            questions.append(" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))))
    return [q.replace("\n", " ") for q in questions]


def test_hundreds_of_hostile_questions_each_get_one_bounded_answer(hostile: Path) -> None:
    questions = hostile_questions(300)
    result = newsbot(hostile, hostile / "corpus", "ask", "--json", stdin="\n".join(questions) + "\n", timeout=300)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    asked = [q for q in questions if q.strip()]
    assert len(answers) == len(asked)
    for question, answer in zip(asked, answers, strict=True):
        assert len(answer["text"]) <= MESSAGE_LIMIT
        assert_inert(answer["text"])
        assert len(answer["question"]) <= max(MAX_QUESTION_CHARS, len(question.strip())) or not answer["answered"]
        if len(question.strip()) > MAX_QUESTION_CHARS:
            assert not answer["answered"]
            assert len(answer["question"]) <= MAX_QUESTION_CHARS


TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.secret-token-never-shown_0123456789abcdef"


def test_the_token_never_appears_in_any_output_or_file(hostile: Path) -> None:
    """At debug level (-vv: the libraries too), against an API that refuses the connection (127.0.0.1, a closed port)."""
    result = newsbot(
        hostile,
        hostile / "corpus",
        "-vv",
        "run",
        timeout=120,
        DISCORD_TOKEN=TOKEN,
        NEWSBOT_LOG_LEVEL="DEBUG",
        DISCORD_API_BASE="http://127.0.0.1:9/api/v10",
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert TOKEN not in output and TOKEN.split(".")[-1] not in output
    for path in [*(hostile / "data").rglob("*"), database(hostile)]:
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
