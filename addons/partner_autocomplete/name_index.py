"""The index that finds candidate companies for a name with typos.

PostgreSQL: ``pg_trgm``'s word similarity (``<%``) on a GIN index of
``name_key``, which scales to the full GLEIF golden copy. SQLite: an FTS5
table with the trigram tokenizer, asked for any of the query's trigrams and
ranked by bm25. Either way the candidates are then scored by rapidfuzz (see
:mod:`addons.partner_autocomplete.search`). One place keeps the difference.
"""

from __future__ import annotations

import logging

from host import db, is_postgres

log = logging.getLogger(__name__)

TABLE = "partner_autocomplete_company"
FTS = "partner_autocomplete_company_fts"
VOCAB = "partner_autocomplete_company_fts_vocab"
# Trigrams asked per word: the rarest ones, so a common "ing" or "ter" does
# not make FTS5 rank half the register.
PER_WORD = 3
# Lower than pg_trgm's 0.6: a three-letter typo in a short name still counts.
WORD_SIMILARITY = 0.3


def _trgm_schema() -> str | None:
    row = db.execute_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    ).fetchone()
    return row[0] if row else None


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
        db.execute_sql(
            f"CREATE INDEX IF NOT EXISTS {TABLE}_name_trgm ON {TABLE} "
            f'USING gin (name_key "{schema}".gin_trgm_ops)'
        )
    else:
        db.execute_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5("
            f"name_key, content='{TABLE}', content_rowid='id', tokenize='trigram')"
        )
        db.execute_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS {VOCAB} USING fts5vocab({FTS}, 'row')")


def refresh() -> None:
    """Bring the index up to date after the register changed (SQLite only:
    PostgreSQL keeps its index itself)."""
    if not is_postgres():
        ensure()
        db.execute_sql(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


def add(ids: list[int]) -> None:
    """Index companies written one by one (a VIES answer) without a rebuild."""
    if is_postgres() or not ids:
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


def candidates(key: str, limit: int = 60) -> list[int]:
    """Ids of companies whose name_key resembles ``key``, best first."""
    if not key:
        return []
    if is_postgres():
        schema = _trgm_schema()
        db.execute_sql(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
            (str(WORD_SIMILARITY),),
        )
        cursor = db.execute_sql(
            f"SELECT id FROM {TABLE} WHERE %s OPERATOR({schema}.<%%) name_key "
            f"ORDER BY {schema}.word_similarity(%s, name_key) DESC, length(name_key) LIMIT %s",
            (key, key, limit),
        )
        return [row[0] for row in cursor.fetchall()]
    grams = _rare_trigrams(key)
    if not grams:
        return []
    expression = " OR ".join(f'"{g}"' for g in grams)
    cursor = db.execute_sql(
        f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH ? ORDER BY rank LIMIT ?", (expression, limit)
    )
    return [row[0] for row in cursor.fetchall()]


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
