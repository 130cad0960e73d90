"""Every sentence the bot says to people, in French and English, in one place.

Why one module: translations drift apart when each feature keeps its own strings, and a
language missing one sentence shows up here as a missing dataclass field, not in front of a
user. Quoted article text is never here: only the fixed sentences around it, including
those around an answer ("D'après l'article :"); the retrieval library keeps no user-facing
sentence, so it never names a Discord command.

The terminal speaks one language throughout: ``NEWSBOT_LANG`` when set, else the usual
locale variables (``LC_ALL``, ``LC_MESSAGES``, ``LANG``): French when they name a French
locale, English otherwise. On Discord the user's locale decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import cache


class Lang(StrEnum):
    """The languages the bot speaks."""

    FR = "fr"
    EN = "en"


@dataclass(frozen=True, slots=True)
class Messages:
    """One language's sentences; ``{name}`` fields are filled in with :meth:`str.format`."""

    # Around an answer (the composer's quotes are filled in)
    intro: str
    intro_single: str
    abstain: str
    empty_question: str
    too_long: str
    unknown_name: str
    date_unknown: str
    also_reported: str
    no_articles: str
    headlines_title: str
    sources_title: str
    # Discord
    something_went_wrong: str
    usage: str
    role_mention: str
    delete_label: str
    delete_not_yours: str
    more_label: str
    more_none: str
    vote_helpful: str
    vote_unhelpful: str
    vote_recorded: str
    vote_changed: str
    vote_unchanged: str
    vote_failed: str
    answer_gone: str
    cooldown: str
    help: str
    moderators_only: str
    moderators_only_role: str
    reload_in_progress: str
    quoted_name: str
    # "Sources for this message"
    supporting_intro: str
    supporting_none: str
    supporting_empty: str
    # Listings
    more_rows: str
    more_rows_page: str
    last_page: str
    page_previous: str
    page_next: str
    sources_matching: str
    no_matching_sources: str
    # Reload reports
    reload_failed: str
    reload_done: str
    live_corpus: str
    added: str
    updated: str
    removed: str
    more_paths: str
    failed_file: str
    more_failed: str
    unknown_error: str
    # Statistics
    stats_corpus: str
    stats_reload_running: str
    stats_day: str
    stats_week: str
    stats_last_reload: str
    stats_last_poll: str
    stats_ok: str
    stats_failed: str
    stats_unanswered: str
    stats_feedback: str
    stats_no_feedback: str
    stats_down_voted: str
    # Terminal
    folder_changed: str
    folder_unavailable: str
    config_error: str
    no_token: str
    bad_endpoints: str
    token_rejected: str
    intents_refused: str
    sharding_required: str
    # Errors the terminal (and the reload report) shows
    store_locked: str
    store_full: str
    store_read_only: str
    store_not_a_database: str
    store_io: str
    store_conflict: str
    store_closed: str
    store_no_folder: str
    store_not_a_file: str
    store_folder_read_only: str
    store_version_gap: str
    store_newer: str
    no_usable_articles: str
    could_not_load: str
    reload_refused: str
    folder_missing: str
    not_a_folder: str
    folder_too_deep: str
    net_dns: str
    net_refused: str
    net_tls: str
    net_other: str
    discord_down: str
    gateway_closed: str
    gateway_dns: str
    gateway_unreachable: str
    gateway_closed_early: str
    feed_added: str
    feed_known: str
    feed_announced_in: str
    feeds_none: str
    feed_line: str
    feed_ok: str
    feed_never: str
    feed_failing: str
    feed_removed: str
    feed_not_found: str
    poll_done: str
    poll_feed_failed: str
    import_done: str
    import_duplicate: str
    import_failed: str
    import_no_file: str
    import_folder: str
    not_a_url: str
    announce_article: str
    announce_more: str


_FRENCH = Messages(
    intro="D'après les articles :",
    intro_single="D'après l'article :",
    abstain=(
        "Je ne trouve pas la réponse dans les articles dont je dispose. "
        "Tapez {/headlines} pour voir les sujets couverts."
    ),
    empty_question=(
        "Posez-moi une question sur l'actualité, par exemple : « Combien a coûté l'entraînement de DeepSeek R1 ? »"
    ),
    too_long=("Votre question est trop longue ({length} caractères) : posez-la en {limit} caractères au plus."),
    unknown_name=(
        "Les articles dont je dispose ne parlent pas de {name}. Tapez {/headlines} pour voir les sujets couverts."
    ),
    date_unknown="date inconnue",
    also_reported="Également rapporté par : {sources}",
    no_articles="Aucun article n'est chargé pour l'instant.",
    headlines_title="Derniers articles :",
    sources_title="Sources ({count} articles) :",
    something_went_wrong=(
        "Désolé, quelque chose s'est mal passé. L'erreur a été enregistrée ; réessayez dans un instant."
    ),
    usage="Posez-moi une question sur l'actualité : `@{name} combien a coûté DeepSeek R1 ?` ou `/ask`.",
    delete_label="Supprimer",
    delete_not_yours="Seule la personne qui a posé la question peut supprimer cette réponse.",
    more_label="Plus de sources ({count})",
    more_none="Cette réponse n'a pas d'autre source.",
    vote_helpful="utile",
    vote_unhelpful="pas utile",
    vote_recorded="Merci, c'est noté : réponse {verdict}.",
    vote_changed="Votre avis est changé : réponse {verdict}.",
    vote_unchanged="Vous aviez déjà dit : réponse {verdict}.",
    vote_failed="Votre avis n'a pas pu être enregistré : {error}",
    answer_gone="Cette réponse n'est plus disponible ; reposez la question.",
    role_mention=(
        "Vous avez mentionné mon rôle, pas moi : Discord ne me montre pas ces messages. "
        "Mentionnez-moi (`@{name}`) ou utilisez `/ask`."
    ),
    cooldown="Doucement ! Vous pourrez reposer une question dans {seconds} s.",
    help=(
        "Je réponds aux questions sur l'actualité avec des extraits exacts des articles et leurs sources.\n"
        "• Mentionnez-moi : `@{name} combien a coûté DeepSeek R1 ?` (ou écrivez-moi en message privé)\n"
        "• `/demander question` : poser une question\n"
        "• `/titres` : les derniers articles · `/sources [recherche]` : tous les articles, ou ceux dont le titre "
        "contient un mot\n"
        "• Clic droit sur un message → Applications → « Sources de ce message » : les articles qui en parlent\n"
        "• Modérateurs : `/recharger` recharge les articles, `/stats` montre l'usage et les questions sans réponse, "
        "`/flux ajouter|liste|retirer` suit des flux RSS/Atom, `/importer` ajoute une page\n"
        "Je ne cite que les articles : si la réponse n'y est pas, je le dis."
    ),
    moderators_only="Désolé, cette commande est réservée aux modérateurs (permission Gérer le serveur{role}).",
    moderators_only_role=" ou rôle « {role} »",
    reload_in_progress="Un rechargement est déjà en cours ; réessayez quand il sera terminé.",
    quoted_name="« {name} »",
    supporting_intro="Ces articles en parlent :",
    supporting_none="Aucun article ne mentionne ceci.",
    supporting_empty="Ce message n'a pas de texte que je puisse chercher dans les articles.",
    more_rows="… et {more} de plus",
    more_rows_page="… et {more} de plus (page {page}/{pages})",
    last_page="Page {page}/{pages}",
    page_previous="Précédent",
    page_next="Suivant",
    sources_matching="Sources dont le titre contient « {term} » ({count} articles) :",
    no_matching_sources="Aucun titre d'article ne contient « {term} ».",
    reload_failed=(
        "Échec du rechargement après {duration:.1f} s : {error}. Le corpus précédent reste en service "
        "({articles} articles, {passages} passages)."
    ),
    reload_done=(
        "Rechargement terminé en {duration:.1f} s : {added} ajoutés, {updated} mis à jour, "
        "{unchanged} inchangés, {removed} retirés, {failed} en échec."
    ),
    live_corpus="Corpus en service : {articles} articles, {passages} passages.",
    added="Ajoutés",
    updated="Mis à jour",
    removed="Retirés",
    more_paths=" … (+{more})",
    failed_file="En échec : `{path}` : {reason}",
    more_failed="… et {more} autres fichiers en échec",
    unknown_error="erreur inconnue",
    stats_corpus="Corpus : {articles} articles, {passages} passages",
    stats_reload_running=" (un rechargement est en cours)",
    stats_day="Questions, dernières 24 h : {asked} posées, {answered} avec réponse.",
    stats_week="Questions, 7 derniers jours : {asked} posées, {answered} avec réponse.",
    stats_last_reload=(
        "Dernier rechargement : {started} UTC par {by}, {outcome} ; {added} ajoutés, {updated} mis à jour, "
        "{unchanged} inchangés, {removed} retirés, {failed} en échec, {duration:.1f} s."
    ),
    stats_last_poll=(
        "Dernière relève des flux : {started} UTC, {feeds} flux ({failing} en échec), {added} nouveaux articles, "
        "{duplicates} déjà connus, {expired} expirés, {duration:.1f} s."
    ),
    stats_ok="réussi",
    stats_failed="échec : {error}",
    stats_unanswered="Questions les plus posées sans réponse (7 derniers jours) :",
    stats_feedback="Avis sur les réponses : {helpful} utiles sur {votes} ({share} %).",
    stats_no_feedback="Avis sur les réponses : aucun vote pour l'instant.",
    stats_down_voted="Questions dont les réponses ont reçu le plus de 👎 :",
    folder_changed=(
        "le dossier {folder} a changé depuis le dernier rechargement ({new} nouveaux, {changed} modifiés, "
        "{removed} disparus) : réponse tirée des articles enregistrés ; lancez `newsbot reload` pour le prendre en "
        "compte."
    ),
    folder_unavailable="{error} ; réponse tirée des articles enregistrés.",
    config_error="erreur de configuration : {error}",
    no_token=(
        "DISCORD_TOKEN n'est pas défini. Mettez-le dans .env (voir .env.example) ou dans l'environnement ; "
        "`newsbot ask` fonctionne sans."
    ),
    bad_endpoints="DISCORD_API_BASE/DISCORD_GATEWAY_URL : {error}",
    token_rejected="Discord a refusé DISCORD_TOKEN ; recopiez le jeton du bot depuis le portail des développeurs.",
    intents_refused="Discord a refusé les intents demandés ; voir la section d'installation du README.",
    sharding_required=(
        "Discord exige le sharding pour ce nombre de serveurs (code 4011) : mettez NEWSBOT_SHARDS=auto dans .env."
    ),
    store_locked=(
        "La base {path} est verrouillée par un autre processus (un autre newsbot en marche ?). Arrêtez-le ou "
        "choisissez un autre fichier avec {$db}."
    ),
    store_full=("Le disque qui contient la base {path} est plein. Libérez de la place."),
    store_read_only=(
        "La base {path} ou ses fichiers {path}-wal et {path}-shm sont en lecture seule. Corrigez les permissions "
        "des trois (un newsbot lancé quand la base était en lecture seule a pu créer les deux derniers ainsi) ou "
        "choisissez un fichier modifiable avec {$db}."
    ),
    store_not_a_database=(
        "Le fichier {path} n'est pas une base newsbot utilisable ({error}). Restaurez une sauvegarde ou choisissez un "
        "autre fichier avec {$db}."
    ),
    store_io=(
        "Impossible de lire ou d'écrire la base {path} ({error}). Vérifiez le disque, le chemin et ses permissions, "
        "ou choisissez un autre fichier avec {$db}."
    ),
    store_conflict=(
        "Un autre processus newsbot a modifié les articles de {path} pendant ce rechargement ; rien n'a été modifié "
        "ici. Relancez le rechargement."
    ),
    store_closed=("La base {path} est fermée ; ouvrez-la de nouveau."),
    store_no_folder=(
        "Impossible de créer le dossier de la base {path} : {error}. Corrigez les permissions ou choisissez un "
        "emplacement modifiable avec {$db}."
    ),
    store_not_a_file=("Le chemin de la base {path} n'est pas un fichier. Indiquez un fichier avec {$db}."),
    store_folder_read_only=(
        "Le dossier {folder} de la base est en lecture seule. Corrigez ses permissions ou choisissez un emplacement "
        "modifiable avec {$db}."
    ),
    store_version_gap=(
        "La base {path} est au schéma {current}, qui ne peut pas passer directement au schéma {target}. Restaurez une "
        "sauvegarde ou choisissez un nouveau fichier avec {$db}."
    ),
    store_newer=(
        "La base {path} a été écrite par un newsbot plus récent (schéma {version} ; celui-ci connaît jusqu'au schéma "
        "{known}). Mettez newsbot à jour ou choisissez un autre fichier avec {$db}."
    ),
    no_usable_articles=(
        "le dossier {folder} ne contient aucun article utilisable (fichiers .txt, .md ou .html) ; ajoutez-en ou changez {$corpus}"
    ),
    could_not_load=("impossible de charger le corpus : {error}"),
    reload_refused=(
        "ce rechargement retirerait {removed} des {stored} articles enregistrés ({folder} est-il vide, démonté ou "
        "copié à moitié ?) ; rien n'a été modifié. Vérifiez le dossier, ou forcez-le avec {/reload-force}"
    ),
    folder_missing=("le dossier {folder} n'existe pas ; faites pointer {$corpus} sur le dossier des articles"),
    not_a_folder=("{folder} n'est pas un dossier ; faites pointer {$corpus} sur le dossier des articles"),
    folder_too_deep=(
        "le dossier {folder} est trop profondément imbriqué pour être parcouru (une boucle de dossiers, une copie "
        "ratée ?) ; aplatissez-le ou choisissez un autre dossier avec {$corpus}"
    ),
    net_dns=(
        "impossible de trouver l'adresse de {host} (DNS) : vérifiez la connexion réseau et DISCORD_API_BASE ({api})."
    ),
    net_refused=(
        "impossible de se connecter à {host}:{port} ({error}) : vérifiez la connexion réseau, un pare-feu"
        " ou DISCORD_API_BASE ({api})."
    ),
    net_tls="la connexion sécurisée (TLS) a échoué ({error}) : vérifiez l'heure du système, un proxy ou {api}.",
    net_other="Discord ne répond pas ({error}) : vérifiez la connexion réseau et DISCORD_API_BASE ({api}).",
    discord_down="Discord a répondu par une erreur serveur (HTTP {status}) : réessayez plus tard (discordstatus.com).",
    gateway_closed="la passerelle de Discord a fermé la connexion ({error}) : réessayez plus tard, ou vérifiez DISCORD_GATEWAY_URL.",
    gateway_dns=(
        "impossible de trouver l'adresse de {host} (DNS), l'hôte de la passerelle de Discord : vérifiez la connexion"
        " réseau et DISCORD_GATEWAY_URL ({gateway})."
    ),
    gateway_unreachable=(
        "connecté à l'API de Discord, mais impossible de joindre sa passerelle {gateway} ({error}) : vérifiez la"
        " connexion réseau, un pare-feu ou DISCORD_GATEWAY_URL."
    ),
    gateway_closed_early=(
        "la passerelle de Discord {gateway} a fermé la connexion avant l'ouverture de la session ({error}) :"
        " réessayez plus tard (discordstatus.com), ou vérifiez DISCORD_GATEWAY_URL."
    ),
    feed_added="Flux suivi : {url} (n° {id}). Il sera relevé toutes les {minutes} min.",
    feed_known="Ce flux est déjà suivi : {url} (n° {id}).",
    feed_announced_in=" Les nouveaux articles seront annoncés dans {channel}.",
    feeds_none="Aucun flux suivi. Ajoutez-en un avec {/feeds-add}.",
    feed_line="{id}. {url} · {title} · {state}",
    feed_ok="relevé le {polled}",
    feed_never="pas encore relevé",
    feed_failing="en échec ({failures} fois) : {error} ; prochain essai le {next}",
    feed_removed="Flux retiré : {url}. Ses articles restent dans le corpus.",
    feed_not_found="Aucun flux « {key} » : voyez {/feeds-list}.",
    poll_done=(
        "Relève terminée : {feeds} flux, {added} nouveaux articles, {duplicates} déjà connus, "
        "{failed} flux en échec, {expired} articles expirés."
    ),
    poll_feed_failed="Flux en échec : {url} : {error}",
    import_done="Article importé : {title} (`{path}`).",
    import_duplicate="Cet article est déjà dans le corpus : {url}.",
    import_failed="Impossible d'importer {url} : {error}",
    import_no_file="Impossible d'importer {source} : ce fichier n'existe pas (et ce n'est pas une URL http ou https).",
    import_folder="Impossible d'importer {source} : c'est un dossier ; importez un fichier .html, .md ou .txt, ou une URL.",
    not_a_url="« {url} » n'est pas une URL : donnez l'adresse complète, qui commence par http:// ou https://.",
    announce_article="📰 {title} · {source}\n<{url}>",
    announce_more="… et {more} autres nouveaux articles de {feed}.",
)

_ENGLISH = Messages(
    intro="From the articles:",
    intro_single="From the article:",
    abstain=("I can't find the answer in the news articles I have. Type {/headlines} to see what they cover."),
    empty_question=("Ask me a question about the news, for example: “How much did DeepSeek R1 cost to train?”"),
    too_long=("Your question is too long ({length} characters): please ask it in at most {limit} characters."),
    unknown_name=("The news articles I have don't mention {name}. Type {/headlines} to see what they cover."),
    date_unknown="date unknown",
    also_reported="Also reported by: {sources}",
    no_articles="No articles are loaded yet.",
    headlines_title="Latest articles:",
    sources_title="Sources ({count} articles):",
    something_went_wrong="Sorry, something went wrong. The error was logged; please try again in a moment.",
    usage="Ask me a question about the news: `@{name} how much did DeepSeek R1 cost?` or `/ask`.",
    delete_label="Delete",
    delete_not_yours="Only the person who asked can delete this answer.",
    more_label="More sources ({count})",
    more_none="This answer has no other source.",
    vote_helpful="helpful",
    vote_unhelpful="not helpful",
    vote_recorded="Thanks, noted: {verdict}.",
    vote_changed="Your vote is changed: {verdict}.",
    vote_unchanged="You had already said: {verdict}.",
    vote_failed="Your vote could not be recorded: {error}",
    answer_gone="This answer is no longer available; ask the question again.",
    role_mention=(
        "You mentioned my role, not me: Discord doesn't show me those messages. Mention me (`@{name}`) or use `/ask`."
    ),
    cooldown="Easy! You can ask again in {seconds} s.",
    help=(
        "I answer questions about the news with exact quotes from the articles and their sources.\n"
        "• Mention me: `@{name} how much did DeepSeek R1 cost?` (or send me a direct message)\n"
        "• `/ask question`: ask a question\n"
        "• `/headlines`: the latest articles · `/sources [search]`: every article, or those whose title "
        "contains a word\n"
        "• Right-click a message → Apps → “Sources for this message”: the articles that mention it\n"
        "• Moderators: `/reload` reloads the articles, `/stats` shows usage and unanswered questions, "
        "`/feeds add|list|remove` follows RSS/Atom feeds, `/import` adds one page\n"
        "I only quote the articles: when they don't hold the answer, I say so."
    ),
    moderators_only="Sorry, this command is for moderators only (Manage Server permission{role}).",
    moderators_only_role=" or the “{role}” role",
    reload_in_progress="A reload is already running; try again when it has finished.",
    quoted_name="“{name}”",
    supporting_intro="These articles mention it:",
    supporting_none="No article mentions this.",
    supporting_empty="This message has no text I can look up in the articles.",
    more_rows="… and {more} more",
    more_rows_page="… and {more} more (page {page}/{pages})",
    last_page="Page {page}/{pages}",
    page_previous="Previous",
    page_next="Next",
    sources_matching="Sources whose title contains “{term}” ({count} articles):",
    no_matching_sources="No article title contains “{term}”.",
    reload_failed=(
        "Reload failed after {duration:.1f}s: {error}. The previous corpus is still live "
        "({articles} articles, {passages} passages)."
    ),
    reload_done=(
        "Reload done in {duration:.1f}s: {added} added, {updated} updated, {unchanged} unchanged, "
        "{removed} removed, {failed} failed."
    ),
    live_corpus="Live corpus: {articles} articles, {passages} passages.",
    added="Added",
    updated="Updated",
    removed="Removed",
    more_paths=" … (+{more})",
    failed_file="Failed: `{path}`: {reason}",
    more_failed="… and {more} more failed files",
    unknown_error="unknown error",
    stats_corpus="Corpus: {articles} articles, {passages} passages",
    stats_reload_running=" (a reload is running)",
    stats_day="Questions, last 24 h: {asked} asked, {answered} answered.",
    stats_week="Questions, last 7 days: {asked} asked, {answered} answered.",
    stats_last_reload=(
        "Last reload: {started} UTC by {by}, {outcome}; {added} added, {updated} updated, "
        "{unchanged} unchanged, {removed} removed, {failed} failed, {duration:.1f}s."
    ),
    stats_last_poll=(
        "Last feed poll: {started} UTC, {feeds} feeds ({failing} failing), {added} new articles, "
        "{duplicates} already known, {expired} expired, {duration:.1f}s."
    ),
    stats_ok="ok",
    stats_failed="failed: {error}",
    stats_unanswered="Most asked without an answer (last 7 days):",
    stats_feedback="Answer feedback: {helpful} of {votes} votes helpful ({share}%).",
    stats_no_feedback="Answer feedback: no votes yet.",
    stats_down_voted="Questions whose answers got the most 👎:",
    folder_changed=(
        "the folder {folder} has changed since the last reload ({new} new, {changed} changed, {removed} gone): "
        "answering from the stored articles; run `newsbot reload` to take it in."
    ),
    folder_unavailable="{error}; answering from the stored articles.",
    config_error="configuration error: {error}",
    no_token=(
        "DISCORD_TOKEN is not set. Put it in .env (see .env.example) or the environment; "
        "`newsbot ask` works without it."
    ),
    bad_endpoints="DISCORD_API_BASE/DISCORD_GATEWAY_URL: {error}",
    token_rejected="Discord rejected DISCORD_TOKEN; copy the bot token again from the developer portal.",
    intents_refused="Discord refused the requested intents; see the README's setup section.",
    sharding_required=(
        "Discord requires sharding for this many servers (close code 4011): set NEWSBOT_SHARDS=auto in .env."
    ),
    store_locked=(
        "The database {path} is locked by another process (another newsbot running?). Stop it or choose "
        "another file with {$db}."
    ),
    store_full=("The disk holding the database {path} is full. Free some space."),
    store_read_only=(
        "The database {path} or its {path}-wal and {path}-shm files are read-only. Fix the permissions of all "
        "three (a newsbot run while the database was read-only may have created the last two so), or choose a "
        "writable file with {$db}."
    ),
    store_not_a_database=(
        "The file {path} is not a usable newsbot database ({error}). Restore a backup, or choose another "
        "file with {$db}."
    ),
    store_io=(
        "Cannot read or write the database {path} ({error}). Check the disk, the path and its permissions, or choose "
        "another file with {$db}."
    ),
    store_conflict=(
        "Another newsbot process changed the articles in {path} while this reload ran; nothing was changed here. Run "
        "the reload again."
    ),
    store_closed=("The database {path} is closed; open the store again."),
    store_no_folder=(
        "Cannot create the folder for the database {path}: {error}. Fix the permissions or choose a "
        "writable location with {$db}."
    ),
    store_not_a_file=("The database path {path} is not a file. Choose a file with {$db}."),
    store_folder_read_only=(
        "The folder {folder} of the database is read-only. Fix its permissions or choose a writable "
        "location with {$db}."
    ),
    store_version_gap=(
        "The database {path} is at schema version {current}, which cannot be upgraded to {target} directly. Restore a "
        "backup or choose a new file with {$db}."
    ),
    store_newer=(
        "The database {path} was written by a newer newsbot (schema version {version}; this newsbot knows up to "
        "{known}). Upgrade newsbot, or choose another file with {$db}."
    ),
    no_usable_articles=(
        "the corpus folder {folder} has no usable articles (.txt, .md or .html files); add some or point {$corpus} at another folder"
    ),
    could_not_load=("could not load the corpus: {error}"),
    reload_refused=(
        "this reload would remove {removed} of the {stored} stored articles (is {folder} empty, unmounted or "
        "half-copied?); nothing was changed. Check the folder, or force it with {/reload-force}"
    ),
    folder_missing=("corpus folder {folder} does not exist; point {$corpus} at the folder of articles"),
    not_a_folder=("{folder} is not a folder; point {$corpus} at the folder of articles"),
    folder_too_deep=(
        "the folder {folder} is nested too deep to scan (a loop of folders, or a copy gone wrong?); flatten it or "
        "point {$corpus} at another folder"
    ),
    net_dns="cannot resolve {host} (DNS): check the network connection and DISCORD_API_BASE ({api}).",
    net_refused=(
        "cannot connect to {host}:{port} ({error}): check the network connection, a firewall"
        " or DISCORD_API_BASE ({api})."
    ),
    net_tls="the secure connection (TLS) failed ({error}): check the system clock, a proxy or {api}.",
    net_other="Discord does not answer ({error}): check the network connection and DISCORD_API_BASE ({api}).",
    discord_down="Discord answered with a server error (HTTP {status}): try again later (discordstatus.com).",
    gateway_closed="Discord's gateway closed the connection ({error}): try again later, or check DISCORD_GATEWAY_URL.",
    gateway_dns=(
        "cannot resolve {host} (DNS), the host of Discord's gateway: check the network connection and"
        " DISCORD_GATEWAY_URL ({gateway})."
    ),
    gateway_unreachable=(
        "logged in to Discord's API, but cannot reach its gateway {gateway} ({error}): check the network"
        " connection, a firewall or DISCORD_GATEWAY_URL."
    ),
    gateway_closed_early=(
        "Discord's gateway {gateway} closed the connection before the session started ({error}): try again later"
        " (discordstatus.com), or check DISCORD_GATEWAY_URL."
    ),
    feed_added="Following {url} (no. {id}). It will be checked every {minutes} min.",
    feed_known="Already following {url} (no. {id}).",
    feed_announced_in=" New articles will be announced in {channel}.",
    feeds_none="No feeds followed. Add one with {/feeds-add}.",
    feed_line="{id}. {url} · {title} · {state}",
    feed_ok="checked {polled}",
    feed_never="not checked yet",
    feed_failing="failing ({failures} times): {error}; next try {next}",
    feed_removed="Stopped following {url}. Its articles stay in the corpus.",
    feed_not_found="No feed “{key}”: see {/feeds-list}.",
    poll_done=(
        "Poll done: {feeds} feeds, {added} new articles, {duplicates} already known, "
        "{failed} feeds failing, {expired} articles expired."
    ),
    poll_feed_failed="Feed failing: {url}: {error}",
    import_done="Imported: {title} (`{path}`).",
    import_duplicate="This article is already in the corpus: {url}.",
    import_failed="Could not import {url}: {error}",
    import_no_file="Could not import {source}: there is no such file (and it is not an http or https URL).",
    import_folder="Could not import {source}: it is a folder; import one .html, .md or .txt file, or a URL.",
    not_a_url="“{url}” is not a URL: give the whole address, starting with http:// or https://.",
    announce_article="📰 {title} · {source}\n<{url}>",
    announce_more="… and {more} more new articles from {feed}.",
)


@dataclass(frozen=True, slots=True)
class Surface:
    """Where sentences are shown, which decides how they name commands and settings.

    A sentence names a command as ``{/headlines}``: a slash command on Discord, a ``newsbot``
    subcommand in the terminal. It names the database and corpus settings as ``{$db}`` and
    ``{$corpus}``: the way the user gave them (``--db`` after ``newsbot --db``), else the
    environment variable. On Discord text is also markdown, so untrusted text in it is
    escaped (:func:`bot.render.escape_for`); the terminal prints it as it is.
    """

    terminal: bool = False
    db_setting: str = "NEWSBOT_DB"
    corpus_setting: str = "NEWSBOT_CORPUS_DIR"


DISCORD = Surface()
TERMINAL = Surface(terminal=True)


@cache
def _messages(lang: Lang, surface: Surface) -> Messages:
    return MESSAGES[lang] if surface == DISCORD else for_surface(TEMPLATES[lang], surface, lang)


def messages_for(lang: str | None, default: Lang = Lang.FR, surface: Surface = DISCORD) -> Messages:
    """The sentences of ``lang`` ("fr", "en", or a locale such as "en-US"), else ``default``'s,
    as ``surface`` shows them (Discord unless said otherwise)."""
    code = (lang or "").replace("_", "-").split("-")[0].lower()
    try:
        language = Lang(code)
    except ValueError:
        language = default
    return _messages(language, surface)


class Problem(Exception):
    """An error whose message is one of the sentences above, so that the terminal can say it
    in its own language. ``str()`` is the English sentence (logs, the stored reload history).
    """

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(self.say(Lang.EN))

    def say(self, lang: str | None, surface: Surface = DISCORD) -> str:
        """The sentence in ``lang`` (English when unknown), as ``surface`` shows it."""
        return str(getattr(messages_for(lang, default=Lang.EN, surface=surface), self.key)).format(**self.params)


def say(error: BaseException, lang: str | None, surface: Surface = DISCORD) -> str:
    """An error's message in ``lang`` when it is a :class:`Problem`, else its own words."""
    return error.say(lang, surface) if isinstance(error, Problem) else str(error)


LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
"""Where POSIX programs look for the user's language, in order of precedence."""


def terminal_language(environ: Mapping[str, str], setting: str | None = None) -> Lang:
    """The terminal's language: ``setting`` (``NEWSBOT_LANG``) when given, else the first
    locale variable that is set: French for ``fr…`` locales, English for anything else."""
    if setting:
        return Lang(setting)
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "")
        if value:
            return Lang.FR if value.lower().startswith("fr") else Lang.EN
    return Lang.EN


class CommandText(StrEnum):
    """Every slash-command name and description, as the key of its translations."""

    ASK = "ask"
    ASK_DESCRIPTION = "ask.description"
    ASK_QUESTION = "ask.question"
    ASK_QUESTION_DESCRIPTION = "ask.question.description"
    HEADLINES = "headlines"
    HEADLINES_DESCRIPTION = "headlines.description"
    HEADLINES_COUNT = "headlines.count"
    HEADLINES_COUNT_DESCRIPTION = "headlines.count.description"
    SOURCES = "sources"
    SOURCES_DESCRIPTION = "sources.description"
    SOURCES_SEARCH = "sources.search"
    SOURCES_SEARCH_DESCRIPTION = "sources.search.description"
    HELP = "help"
    HELP_DESCRIPTION = "help.description"
    RELOAD = "reload"
    RELOAD_DESCRIPTION = "reload.description"
    RELOAD_FORCE = "reload.force"
    RELOAD_FORCE_DESCRIPTION = "reload.force.description"
    STATS = "stats"
    STATS_DESCRIPTION = "stats.description"
    FEEDS = "feeds"
    FEEDS_DESCRIPTION = "feeds.description"
    FEEDS_ADD = "feeds.add"
    FEEDS_ADD_DESCRIPTION = "feeds.add.description"
    FEEDS_URL = "feeds.url"
    FEEDS_URL_DESCRIPTION = "feeds.url.description"
    FEEDS_CHANNEL = "feeds.channel"
    FEEDS_CHANNEL_DESCRIPTION = "feeds.channel.description"
    FEEDS_LIST = "feeds.list"
    FEEDS_LIST_DESCRIPTION = "feeds.list.description"
    FEEDS_REMOVE = "feeds.remove"
    FEEDS_REMOVE_DESCRIPTION = "feeds.remove.description"
    FEEDS_FEED = "feeds.feed"
    FEEDS_FEED_DESCRIPTION = "feeds.feed.description"
    IMPORT = "import"
    IMPORT_DESCRIPTION = "import.description"
    IMPORT_URL = "import.url"
    IMPORT_URL_DESCRIPTION = "import.url.description"
    MESSAGE_SOURCES = "message-sources"
    """A message context-menu command: its name may hold spaces and capitals."""


CONTEXT_MENU_TEXTS = frozenset({CommandText.MESSAGE_SOURCES})
"""Names of context-menu commands: Discord takes any 1-32 characters there, spaces included."""

COMMAND_TEXTS: dict[Lang, dict[CommandText, str]] = {
    # English is what Discord shows by default; names are lower case, as Discord requires.
    Lang.EN: {
        CommandText.ASK: "ask",
        CommandText.ASK_DESCRIPTION: "Ask a question about the news",
        CommandText.ASK_QUESTION: "question",
        CommandText.ASK_QUESTION_DESCRIPTION: "Your question",
        CommandText.HEADLINES: "headlines",
        CommandText.HEADLINES_DESCRIPTION: "The latest articles",
        CommandText.HEADLINES_COUNT: "count",
        CommandText.HEADLINES_COUNT_DESCRIPTION: "How many (1-100)",
        CommandText.SOURCES: "sources",
        CommandText.SOURCES_DESCRIPTION: "Every article I can quote",
        CommandText.SOURCES_SEARCH: "search",
        CommandText.SOURCES_SEARCH_DESCRIPTION: "Only the articles whose title contains this",
        CommandText.HELP: "help",
        CommandText.HELP_DESCRIPTION: "How to use the bot",
        CommandText.RELOAD: "reload",
        CommandText.RELOAD_DESCRIPTION: "Reload the news articles (moderators)",
        CommandText.RELOAD_FORCE: "force",
        CommandText.RELOAD_FORCE_DESCRIPTION: (
            "Apply it even if it removes most articles (an empty folder is refused otherwise)"
        ),
        CommandText.STATS: "stats",
        CommandText.STATS_DESCRIPTION: "Corpus and question statistics (moderators)",
        CommandText.FEEDS: "feeds",
        CommandText.FEEDS_DESCRIPTION: "Follow RSS and Atom feeds (moderators)",
        CommandText.FEEDS_ADD: "add",
        CommandText.FEEDS_ADD_DESCRIPTION: "Follow a feed; new articles are announced in a channel if given",
        CommandText.FEEDS_URL: "url",
        CommandText.FEEDS_URL_DESCRIPTION: "The feed's http(s) URL",
        CommandText.FEEDS_CHANNEL: "channel",
        CommandText.FEEDS_CHANNEL_DESCRIPTION: "Where to announce new articles (optional)",
        CommandText.FEEDS_LIST: "list",
        CommandText.FEEDS_LIST_DESCRIPTION: "The followed feeds, their state and last error",
        CommandText.FEEDS_REMOVE: "remove",
        CommandText.FEEDS_REMOVE_DESCRIPTION: "Stop following a feed (its articles stay)",
        CommandText.FEEDS_FEED: "feed",
        CommandText.FEEDS_FEED_DESCRIPTION: "The feed's number (see /feeds list) or URL",
        CommandText.IMPORT: "import",
        CommandText.IMPORT_DESCRIPTION: "Add one web page to the articles (moderators)",
        CommandText.IMPORT_URL: "url",
        CommandText.IMPORT_URL_DESCRIPTION: "The page's http(s) URL",
        CommandText.MESSAGE_SOURCES: "Sources for this message",
    },
    Lang.FR: {
        CommandText.ASK: "demander",
        CommandText.ASK_DESCRIPTION: "Poser une question sur l'actualité",
        CommandText.ASK_QUESTION: "question",
        CommandText.ASK_QUESTION_DESCRIPTION: "Votre question",
        CommandText.HEADLINES: "titres",
        CommandText.HEADLINES_DESCRIPTION: "Les derniers articles",
        CommandText.HEADLINES_COUNT: "nombre",
        CommandText.HEADLINES_COUNT_DESCRIPTION: "Combien (1 à 100)",
        CommandText.SOURCES: "sources",
        CommandText.SOURCES_DESCRIPTION: "Les articles que je peux citer",
        CommandText.SOURCES_SEARCH: "recherche",
        CommandText.SOURCES_SEARCH_DESCRIPTION: "Seulement les articles dont le titre contient ceci",
        CommandText.HELP: "aide",
        CommandText.HELP_DESCRIPTION: "Comment utiliser le bot",
        CommandText.RELOAD: "recharger",
        CommandText.RELOAD_DESCRIPTION: "Recharger les articles (modérateurs)",
        CommandText.RELOAD_FORCE: "forcer",
        CommandText.RELOAD_FORCE_DESCRIPTION: (
            "L'appliquer même s'il retire la plupart des articles (sinon un dossier vide est refusé)"
        ),
        CommandText.STATS: "stats",
        CommandText.STATS_DESCRIPTION: "Statistiques du corpus et des questions (modérateurs)",
        CommandText.FEEDS: "flux",
        CommandText.FEEDS_DESCRIPTION: "Suivre des flux RSS et Atom (modérateurs)",
        CommandText.FEEDS_ADD: "ajouter",
        CommandText.FEEDS_ADD_DESCRIPTION: "Suivre un flux ; ses nouveaux articles sont annoncés dans un salon si indiqué",
        CommandText.FEEDS_URL: "adresse",
        CommandText.FEEDS_URL_DESCRIPTION: "L'adresse http(s) du flux",
        CommandText.FEEDS_CHANNEL: "salon",
        CommandText.FEEDS_CHANNEL_DESCRIPTION: "Où annoncer les nouveaux articles (facultatif)",
        CommandText.FEEDS_LIST: "liste",
        CommandText.FEEDS_LIST_DESCRIPTION: "Les flux suivis, leur état et leur dernière erreur",
        CommandText.FEEDS_REMOVE: "retirer",
        CommandText.FEEDS_REMOVE_DESCRIPTION: "Ne plus suivre un flux (ses articles restent)",
        CommandText.FEEDS_FEED: "flux",
        CommandText.FEEDS_FEED_DESCRIPTION: "Le numéro du flux (voir /flux liste) ou son adresse",
        CommandText.IMPORT: "importer",
        CommandText.IMPORT_DESCRIPTION: "Ajouter une page web aux articles (modérateurs)",
        CommandText.IMPORT_URL: "adresse",
        CommandText.IMPORT_URL_DESCRIPTION: "L'adresse http(s) de la page",
        CommandText.MESSAGE_SOURCES: "Sources de ce message",
    },
}


TERMINAL_COMMANDS: dict[str, str] = {
    "/headlines": "`newsbot headlines`",
    "/reload-force": "`newsbot reload --allow-shrink`",
    "/feeds-add": "`newsbot feeds add URL`",
    "/feeds-list": "`newsbot feeds list`",
}
"""How a sentence's ``{/…}`` names a command in the terminal: a ``newsbot`` subcommand."""


def command_names(lang: Lang, surface: Surface) -> dict[str, str]:
    """How a sentence's ``{/…}`` names a command: in the terminal a ``newsbot`` subcommand;
    on Discord the slash command as a client in ``lang`` shows it (``/titres`` in French)."""
    if surface.terminal:
        return TERMINAL_COMMANDS
    t = COMMAND_TEXTS[lang]
    return {
        "/headlines": f"`/{t[CommandText.HEADLINES]}`",
        "/reload-force": f"`/{t[CommandText.RELOAD]} {t[CommandText.RELOAD_FORCE]}:True`",
        "/feeds-add": f"`/{t[CommandText.FEEDS]} {t[CommandText.FEEDS_ADD]}`",
        "/feeds-list": f"`/{t[CommandText.FEEDS]} {t[CommandText.FEEDS_LIST]}`",
    }


def for_surface(templates: Messages, surface: Surface, lang: Lang) -> Messages:
    """``templates`` (in ``lang``) with their command and setting names filled in for ``surface``."""
    names = {**command_names(lang, surface), "$db": surface.db_setting, "$corpus": surface.corpus_setting}

    def fill(text: str) -> str:
        for key, name in names.items():
            text = text.replace("{" + key + "}", name)
        return text

    return Messages(**{f.name: fill(getattr(templates, f.name)) for f in fields(Messages)})


TEMPLATES: dict[Lang, Messages] = {Lang.FR: _FRENCH, Lang.EN: _ENGLISH}
FRENCH = for_surface(_FRENCH, DISCORD, Lang.FR)
ENGLISH = for_surface(_ENGLISH, DISCORD, Lang.EN)
MESSAGES: dict[Lang, Messages] = {Lang.FR: FRENCH, Lang.EN: ENGLISH}
"""Each language's sentences as Discord shows them."""
