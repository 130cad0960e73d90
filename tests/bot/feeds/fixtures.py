"""Feeds and pages the feed tests serve: invented stories, so no answer can come from the seeds."""

from __future__ import annotations

from html import escape


def rss(title: str, items: list[dict[str, str]]) -> str:
    entries = "".join(
        "<item>"
        f"<title>{escape(item['title'])}</title>"
        f"<link>{escape(item['link'])}</link>"
        f"<guid>{escape(item.get('guid', item['link']))}</guid>"
        f"<description>{escape(item.get('summary', ''))}</description>"
        f"<pubDate>{item.get('date', 'Tue, 28 Jan 2025 09:00:00 GMT')}</pubDate>"
        "</item>"
        for item in items
    )
    channel = f"<channel><title>{escape(title)}</title>{entries}</channel>"
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0">{channel}</rss>'


def atom(title: str, items: list[dict[str, str]]) -> str:
    entries = "".join(
        "<entry>"
        f"<title>{escape(item['title'])}</title>"
        f'<link href="{escape(item["link"])}"/>'
        f"<id>{escape(item['link'])}</id>"
        f"<updated>{item.get('updated', '2025-02-03T08:00:00Z')}</updated>"
        f"<summary>{escape(item.get('summary', ''))}</summary>"
        "</entry>"
        for item in items
    )
    head = '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    return f"{head}<title>{escape(title)}</title>{entries}</feed>"


def page(
    title: str, paragraphs: list[str], *, site: str = "La Gazette", date: str = "2025-01-28", author: str | None = None
) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    byline = f'<meta name="author" content="{escape(author)}">' if author else ""
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{escape(title)} - {escape(site)}</title>'
        f'<meta property="og:site_name" content="{escape(site)}">{byline}'
        f'<meta property="article:published_time" content="{date}T08:00:00+00:00">'
        f"</head><body><nav><a href='/'>Accueil</a></nav><article><h1>{escape(title)}</h1>{body}</article>"
        "<footer>Abonnez-vous à notre newsletter.</footer></body></html>"
    )


TARTE = page(
    "Zorglub ouvre une pâtisserie à Quimper",
    [
        "Le pâtissier Zorglub vend sa tarte aux prunes pour 12 euros pièce dans sa nouvelle boutique de Quimper.",
        "Les clients font la queue dès sept heures du matin pour en obtenir une part, selon les commerçants voisins.",
        "La boutique ouvre tous les jours sauf le lundi et emploie quatre apprentis venus de toute la Bretagne.",
    ],
    author="Annick Le Goff",
)
ROBOT = page(
    "Le robot Brindille trie les feuilles de Rennes",
    [
        "Le robot Brindille de la société Ecorce trie les feuilles mortes du parc municipal de Rennes en dix minutes.",
        "Les jardiniers de la ville le surveillent depuis une tablette et le rechargent chaque soir au dépôt.",
        "La mairie envisage d'en acheter trois autres avant l'automne prochain pour les jardins du centre.",
    ],
    date="2025-02-03",
)
ROBOT_OTHER_PUBLISHER = page(
    "Rennes adopte un robot pour ses feuilles mortes",
    [
        "La ville de Rennes confie désormais le tri des feuilles mortes à Brindille, un robot conçu par Ecorce.",
        "Selon la mairie, la machine traite le parc municipal en dix minutes là où il fallait une matinée.",
        "Trois autres robots pourraient rejoindre les jardins du centre avant l'automne prochain.",
    ],
    site="Ouest Matin",
    date="2025-02-03",
)
