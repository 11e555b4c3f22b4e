"""The index that finds candidate companies for a name with typos.

PostgreSQL: a vocabulary of the register's words (``pg_trgm``'s GIN index
finds the words that resemble each typed word, its prefix while it is still
being typed) and a GIN index of each company's words, asked for companies
that have a resembling word for every typed word (then for all words but
one). Trigrams of whole names do not scale: company names share common
trigrams ("  s", "ing"), so a trigram query reads and rechecks thousands of
rows, and the planner, which cannot cost ``word_similarity``, may even scan
the table. SQLite: an FTS5 table with the trigram tokenizer, asked for the
query's rarest trigrams and ranked by bm25. Either way the candidates are
then scored by rapidfuzz (see :mod:`addons.partner_autocomplete.search`).
One place keeps the difference.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable

from rapidfuzz import fuzz, process

from host import db, is_postgres

log = logging.getLogger(__name__)

TABLE = "partner_autocomplete_company"
FTS = "partner_autocomplete_company_fts"
VOCAB = "partner_autocomplete_company_fts_vocab"
WORDS = "partner_autocomplete_word"
# Trigrams asked per word: the rarest ones, so a common "ing" or "ter" does
# not make FTS5 rank half the register.
PER_WORD = 3
# PostgreSQL: the words of a name, as its GIN index and queries spell them.
NAME_WORDS = "string_to_array(name_key, ' ')"
# Trigram similarity that makes a register word worth a closer look: low,
# because a swapped letter in a short word ("gurber") shares few trigrams.
WORD_SIMILARITY = 0.2
# Register words looked at per typed word (by trigram distance), and the
# rapidfuzz ratio one must reach to stand for the typed word.
NEIGHBOURS = 40
WORD_RATIO = 70
# Prefixes: register words a word still being typed may become.
COMPLETIONS = 30
# Companies fetched (id and name) per query, ranked here before search scores them.
POOL = 400


_SCHEMAS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _trgm_schema() -> str | None:
    row = db.execute_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    ).fetchone()
    return row[0] if row else None


def _schema() -> str:
    """pg_trgm's schema, asked once per database (search_path may not include it)."""
    schema = _SCHEMAS.get(db.obj)
    if schema is None:
        schema = _trgm_schema()
        if schema is None:
            raise RuntimeError("partner_autocomplete needs PostgreSQL's pg_trgm extension")
        _SCHEMAS[db.obj] = schema
    return schema


def ensure() -> None:
    """Create the index if it is missing (at enable time and before a load)."""
    if is_postgres():
        if _trgm_schema() is None:
            try:
                with db.atomic():
                    db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
            except Exception as exc:  # another process created it at once, or no privilege
                log.warning("pg_trgm: %s", exc)
        schema = _trgm_schema()
        if schema is None:
            raise RuntimeError("partner_autocomplete needs PostgreSQL's pg_trgm extension")
        db.execute_sql(f"CREATE TABLE IF NOT EXISTS {WORDS} (word text PRIMARY KEY)")
        db.execute_sql(
            f"CREATE INDEX IF NOT EXISTS {WORDS}_trgm ON {WORDS} "
            f'USING gin (word "{schema}".gin_trgm_ops)'
        )
        db.execute_sql(
            f"CREATE INDEX IF NOT EXISTS {TABLE}_name_words ON {TABLE} USING gin (({NAME_WORDS}))"
        )
        # The index of whole-name trigrams (version 1 of the addon), which this one replaced.
        db.execute_sql(f"DROP INDEX IF EXISTS {TABLE}_name_trgm")
    else:
        db.execute_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5("
            f"name_key, content='{TABLE}', content_rowid='id', tokenize='trigram')"
        )
        db.execute_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS {VOCAB} USING fts5vocab({FTS}, 'row')")


def set_aside() -> None:
    """Before a bulk load on PostgreSQL: drop the index of names' words;
    :func:`ensure` builds it again in one pass, cheaper than updating it
    row by row. Searches meanwhile read the table."""
    if is_postgres():
        db.execute_sql(f"DROP INDEX IF EXISTS {TABLE}_name_words")


def refresh() -> None:
    """Bring the index up to date after the register changed: SQLite's FTS5
    table is rebuilt; PostgreSQL's vocabulary gains the new words (its GIN
    index keeps itself) and the planner learns the register's new size."""
    ensure()
    if is_postgres():
        db.execute_sql(
            f"INSERT INTO {WORDS} (word) SELECT DISTINCT unnest({NAME_WORDS}) FROM {TABLE} "
            "ON CONFLICT DO NOTHING"
        )
        db.execute_sql(f"ANALYZE {TABLE}")
        db.execute_sql(f"ANALYZE {WORDS}")
    else:
        db.execute_sql(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


def add(ids: list[int]) -> None:
    """Index companies written one by one (a VIES answer) without a rebuild."""
    if not ids:
        return
    if is_postgres():
        db.execute_sql(
            f"INSERT INTO {WORDS} (word) SELECT DISTINCT unnest({NAME_WORDS}) FROM {TABLE} "
            "WHERE id = ANY(%s) ON CONFLICT DO NOTHING",
            (ids,),
        )
        return
    marks = ", ".join("?" * len(ids))
    db.execute_sql(
        f"INSERT INTO {FTS}(rowid, name_key) "
        f"SELECT id, name_key FROM {TABLE} WHERE id IN ({marks})",
        ids,
    )


def _trigrams(key: str) -> list[str]:
    grams = []
    for word in key.split():
        padded = word if len(word) >= 3 else None
        if padded is None:
            continue
        grams.extend(word[i : i + 3] for i in range(len(word) - 2))
    return list(dict.fromkeys(grams))


def candidates(key: str, limit: int = 60, score: Callable[[str, str], float] | None = None):
    """Ids of companies whose name_key resembles ``key``, best first.

    On PostgreSQL ``score(key, name_key)`` ranks the pool the index finds
    (a pool too big for a ranking in SQL; see :func:`_pool_sql`)."""
    if not key:
        return []
    if is_postgres():
        return _pg_candidates(key, limit, score or fuzz.token_sort_ratio)
    grams = _rare_trigrams(key)
    if not grams:
        return []
    expression = " OR ".join(f'"{g}"' for g in grams)
    cursor = db.execute_sql(
        f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH ? ORDER BY rank LIMIT ?", (expression, limit)
    )
    return [row[0] for row in cursor.fetchall()]


# For the search's transaction only: the similarity ``%`` asks for, and no
# sequential scan. The planner prices string_to_array like an addition, so on
# a register of a few thousand rows it reads the whole table, computing each
# name's words several times, rather than the GIN index (12 ms against 1).
SETTINGS_SQL = (
    "SELECT set_config('pg_trgm.similarity_threshold', %s, true), "
    "set_config('enable_seqscan', 'off', true)"
)


def neighbours_sql(schema: str) -> str:
    """Register words near each typed word, then those the last one may become.

    Parameters: the typed words, NEIGHBOURS, the last word, its LIKE
    pattern, COMPLETIONS. ``%`` needs ``pg_trgm.similarity_threshold``."""
    return (
        f"SELECT q.word, w.word FROM unnest(%s::text[]) AS q(word) CROSS JOIN LATERAL ("
        f"SELECT word FROM {WORDS} WHERE word OPERATOR({schema}.%%) q.word "
        f"ORDER BY word OPERATOR({schema}.<->) q.word LIMIT %s) AS w "
        f"UNION ALL SELECT %s, c.word FROM (SELECT word FROM {WORDS} WHERE word LIKE %s "
        f"ORDER BY length(word), word LIMIT %s) AS c"
    )


def pool_sql(groups: int, words: int) -> str:
    """Companies having, for each of ``words`` typed words, one of the words
    that stand for it (a text[] parameter each), in any of ``groups`` groups.

    No ORDER BY: a common word ("solar") matches a tenth of the register,
    and ranking all of it would cost what the trigram index did; up to POOL
    companies are ranked in Python instead."""
    one = " AND ".join([f"{NAME_WORDS} && %s::text[]"] * words)
    where = " OR ".join([f"({one})"] * groups)
    return f"SELECT id, name_key FROM {TABLE} WHERE {where} LIMIT {POOL}"


def like_prefix(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _variants(typed: list[str], found: list[tuple[str, str]]) -> list[list[str]]:
    """For each typed word, the register words that stand for it: close in
    rapidfuzz's ratio, or (the last word, three letters or more) starting with it."""
    last = typed[-1]
    kept: dict[str, set[str]] = {word: set() for word in typed}
    for word, near in found:
        completes = word == last and len(last) >= 3 and near.startswith(last)
        if completes or fuzz.ratio(word, near) >= WORD_RATIO:
            kept[word].add(near)
    return [sorted(near) for near in kept.values() if near]


def _pg_candidates(key: str, limit: int, score: Callable[[str, str], float]) -> list[int]:
    typed = list(dict.fromkeys(key.split()))
    schema = _schema()
    last = typed[-1]
    with db.atomic():
        db.execute_sql(SETTINGS_SQL, (str(WORD_SIMILARITY),))
        found = db.execute_sql(
            neighbours_sql(schema),
            (typed, NEIGHBOURS, last, like_prefix(last) if len(last) >= 3 else "", COMPLETIONS),
        ).fetchall()
        words = _variants(typed, found)
        if not words:
            return []
        pool = dict(db.execute_sql(pool_sql(1, len(words)), words).fetchall())
        if len(pool) < limit and len(words) > 1:
            # Not enough companies with every word: those with all words but one.
            groups = [words[:i] + words[i + 1 :] for i in range(len(words))]
            params = [near for group in groups for near in group]
            found_again = db.execute_sql(pool_sql(len(groups), len(words) - 1), params)
            pool.update(found_again.fetchall())
    best = process.extract(key, pool, scorer=lambda a, b, **_: score(a, b), limit=limit)
    return [company_id for _name, _score, company_id in best]


def _rare_trigrams(key: str) -> list[str]:
    """The rarest trigrams of each word of ``key`` that the register has at all."""
    words = [w for w in key.split() if len(w) >= 3]
    grams = {w: [w[i : i + 3] for i in range(len(w) - 2)] for w in words}
    every = sorted({g for gs in grams.values() for g in gs})
    if not every:
        return []
    marks = ", ".join("?" * len(every))
    counts = dict(
        db.execute_sql(f"SELECT term, doc FROM {VOCAB} WHERE term IN ({marks})", every).fetchall()
    )
    chosen = []
    for word_grams in grams.values():
        known = sorted((counts[g], g) for g in set(word_grams) if g in counts)
        chosen.extend(g for _count, g in known[:PER_WORD])
    return list(dict.fromkeys(chosen))
