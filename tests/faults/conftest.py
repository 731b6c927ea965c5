"""Fixtures of the fault runs: a cluster of throwaway servers per test (see cluster.py)."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from psycopg import sql

from autoclip.service.db import Database
from autoclip.service.migrate import upgrade
from faults.cluster import Cluster
from faults.netproxy import TcpProxy
from s3server import create_bucket, s3_endpoint, use_test_credentials
from services import ThrowawayPostgres, ThrowawayRedis, postgres_binaries_or_fail

__all__ = ["s3_endpoint"]  # a fixture, used by name

TEMPLATE = "autoclip_fault_template"


@pytest.fixture(scope="session")
def fault_postgres() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL cluster of the fault runs' own, with a migrated template database
    (each test gets a copy). A test may stop and start it; the next test finds it up."""
    server = ThrowawayPostgres(postgres_binaries_or_fail())
    try:
        server.start()
        with server.server.connect("postgres") as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
        db = Database(server.server.sqlalchemy_url(TEMPLATE))
        upgrade(db)
        db.dispose()
        yield server
    finally:
        server.close()


@pytest.fixture
def cluster(
    fault_postgres: ThrowawayPostgres,
    s3_endpoint: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Cluster]:
    """A fresh database (from the template), a Redis and an S3 proxy of this test's own;
    the workers the test starts are killed at the end."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail(
            "redis-server is not installed: the fault runs start their own "
            "(apt-get install redis-server)",
            pytrace=False,
        )
    fault_postgres.start()  # a no-op unless an earlier test left it stopped
    name = f"fault_{secrets.token_hex(4)}"
    with fault_postgres.server.connect("postgres") as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(TEMPLATE)
            )
        )
    redis = ThrowawayRedis(binary)
    moto = urlsplit(s3_endpoint)
    assert moto.hostname is not None
    assert moto.port is not None
    proxy = TcpProxy(moto.hostname, moto.port)
    use_test_credentials(monkeypatch)  # the API's runtime in this process
    made = Cluster(
        tmp=tmp_path,
        postgres=fault_postgres,
        database_url=fault_postgres.server.sqlalchemy_url(name),
        redis=redis,
        s3=proxy,
        s3_direct=s3_endpoint,
        bucket=create_bucket(s3_endpoint, "fault"),
    )
    try:
        redis.start()
        proxy.up()
        yield made
    finally:
        made.stop_workers()
        proxy.close()
        redis.close()
        fault_postgres.start()
        with fault_postgres.server.connect("postgres") as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 MiB tmpfs of this test's own, mounted under tmp_path and unmounted at the end:
    a disk that can really fill up (ENOSPC), without touching the machine's own."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.fail(
            "the disk-full run mounts a small tmpfs and needs root for it (as CI has): "
            f"mount said {mounted.stderr.strip()!r}",
            pytrace=False,
        )
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], capture_output=True, check=False)
