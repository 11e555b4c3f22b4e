"""Exit 0 when the test PostgreSQL server answers, 1 otherwise."""

import os
import sys
from urllib.parse import urlsplit

import psycopg2

url = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
parts = urlsplit(url)
try:
    psycopg2.connect(
        dbname=parts.path.lstrip("/"),
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        connect_timeout=3,
    ).close()
except psycopg2.OperationalError as exc:
    print(f"PostgreSQL unreachable: {exc}".strip(), file=sys.stderr)
    sys.exit(1)
