"""A PostgreSQL database made for one benchmark run and dropped after it."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit


@contextlib.contextmanager
def throwaway_database(url: str) -> Iterator[str]:
    """Create a database beside the one `url` names; yield its URL; drop it after,
    ending any session still connected to it (the role needs CREATEDB)."""
    import psycopg

    parts = urlsplit(url)
    name = f"mentoring_bench_{secrets.token_hex(4)}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
