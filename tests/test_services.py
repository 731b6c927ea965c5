"""The session's PostgreSQL database and Redis database are real, working servers."""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg
import redis


def test_postgres_database_stores_and_returns_rows(postgres_server_url: str) -> None:
    parts = urlsplit(postgres_server_url)
    assert parts.scheme == "postgresql+psycopg"
    assert parts.path.startswith("/autoclip_test_")
    with psycopg.connect(postgres_server_url.replace("+psycopg", "", 1)) as conn:
        conn.execute("CREATE TABLE clip (id serial PRIMARY KEY, title text NOT NULL)")
        conn.execute("INSERT INTO clip (title) VALUES (%s), (%s)", ("잠", "sleep"))
        rows = conn.execute("SELECT title FROM clip ORDER BY id").fetchall()
        assert rows == [("잠",), ("sleep",)]
        assert conn.execute("SELECT current_database()").fetchone() == (parts.path[1:],)
        conn.execute("DROP TABLE clip")


def test_redis_database_sets_and_gets(redis_server_url: str) -> None:
    client = redis.Redis.from_url(redis_server_url, socket_timeout=5)
    try:
        # (Not empty: the service tests before this one write their keys here.)
        client.set("autoclip:test", "잠")
        assert client.get("autoclip:test") == "잠".encode()
        client.delete("autoclip:test")
    finally:
        client.close()
