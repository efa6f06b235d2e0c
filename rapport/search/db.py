"""The search indexes, per database (issue #3 §9).

PostgreSQL: pg_trgm GIN indexes on each `search_text`, so `LIKE '%term%'` (terms of three
characters or more) and `LIKE 'te%'` (shorter terms) are index scans.

SQLite: an FTS5 table with the trigram tokenizer per searched table, an external-content
index of its `search_text` kept in sync by triggers; a quoted phrase MATCH is a substring
match answered from the index. Terms of one or two characters (trigrams need three) match
the start of the text, through a NOCASE b-tree index on `search_text`. SQLite drops a
table's triggers when a migration rebuilds the table, so `ensure()` runs after every
migrate too and rebuilds an index whose triggers had gone.

Both: an expression index on lower(email) of contacts for the duplicate check.
"""

from __future__ import annotations

# (table searched, name of its index)
SEARCHED = (
    ("customers_customer", "search_customer"),
    ("customers_contact", "search_contact"),
    ("sales_opportunity", "search_opportunity"),
)
EMAIL_INDEX = "search_contact_email_lower"


def fts_table(table: str) -> str:
    return dict(SEARCHED)[table] + "_fts"


def _sqlite_ensure(cursor) -> None:
    cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
    present = {row[0] for row in cursor.fetchall()}
    for table, name in SEARCHED:
        if table not in present:
            continue
        # Terms too short for trigrams match the start of the text (the name): a range
        # scan of this index (LIKE 'x%' is case-insensitive, hence NOCASE).
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {name}_prefix ON {table} (search_text COLLATE NOCASE)"
        )
        fts = f"{name}_fts"
        triggers = {f"{name}_ai", f"{name}_ad", f"{name}_au"}
        if fts in present and triggers <= present:
            continue
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(search_text, "
            f"content='{table}', content_rowid='id', tokenize='trigram')"
        )
        cursor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {name}_ai AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        cursor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {name}_ad AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, search_text) "
            f"VALUES ('delete', old.id, old.search_text); END"
        )
        cursor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {name}_au AFTER UPDATE OF search_text ON {table} "
            f"BEGIN INSERT INTO {fts}({fts}, rowid, search_text) "
            f"VALUES ('delete', old.id, old.search_text); "
            f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text); END"
        )
        # Rows written while the triggers were missing: index the table afresh.
        cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def _postgresql_ensure(cursor) -> None:
    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table, name in SEARCHED:
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {name}_trgm ON {table} "
            f"USING gin (search_text gin_trgm_ops)"
        )


def ensure(connection) -> None:
    """Create whatever search index is missing on this database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            _sqlite_ensure(cursor)
        elif connection.vendor == "postgresql":
            _postgresql_ensure(cursor)
        else:
            return
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {EMAIL_INDEX} ON customers_contact (lower(email))"
        )


def drop(connection) -> None:
    with connection.cursor() as cursor:
        for _table, name in SEARCHED:
            if connection.vendor == "sqlite":
                for suffix in ("ai", "ad", "au"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix}")
                cursor.execute(f"DROP TABLE IF EXISTS {name}_fts")
                cursor.execute(f"DROP INDEX IF EXISTS {name}_prefix")
            elif connection.vendor == "postgresql":
                cursor.execute(f"DROP INDEX IF EXISTS {name}_trgm")
        cursor.execute(f"DROP INDEX IF EXISTS {EMAIL_INDEX}")


def after_migrate(sender, using=None, **kwargs) -> None:
    from django.db import connections

    if sender.label != "search":
        return  # post_migrate fires once per app; once per migrate is enough
    connection = connections[using or "default"]
    tables = set(connection.introspection.table_names())
    if all(table in tables for table, _name in SEARCHED):
        ensure(connection)
