"""The disaster-recovery drill: back up, lose everything, restore, find everything.

On SQLite with local storage (the embedded default) and on PostgreSQL with S3 storage
(distributed): users and contents are made through the API, given files as a worker would
leave them (one ready, one failed and refunded, one still queued), and an export. Then
`autoclip backup`, then the database is destroyed (the file deleted / every table dropped)
and every key deleted from the storage, then `autoclip restore`. Afterwards every row of
every table is as it was, the users log in with their passwords, the contents and the
credit ledgers answer the same through the API, and every file is byte-identical.

A damaged backup (one byte changed in one object) is refused before anything is touched.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from autoclip.cli import app as backup_app
from autoclip.kit.storage import Storage, image_key, video_key
from autoclip.service.app import create_app
from autoclip.service.billing.credits import refund
from autoclip.service.contents.records import Outputs
from autoclip.service.db import Base, Database, utcnow
from autoclip.service.exports.service import build_export
from autoclip.service.migrate import upgrade
from autoclip.service.models import Content, ContentStatus, CreditEntry, LedgerReason
from autoclip.service.ops import backup as backups
from autoclip.service.ops.backup import dump
from autoclip.service.runtime import build_runtime
from autoclip.settings import Settings
from s3server import create_bucket, s3_endpoint, use_test_credentials
from service.conftest import verify_email

__all__ = ["s3_endpoint"]  # a fixture, used by name

API = "/api/v1"
PASSWORD = "correct horse battery 7"
TEXT = (
    "Walking every day keeps the heart strong. Even ten minutes after a meal helps blood "
    "sugar. Start with a short walk today."
)
URL_FIELDS = ("video_url", "thumbnail_url", "audio_url")  # signed links: new on every read


@pytest.fixture(autouse=True)
def _cheap_hashing(cheap_password_hashing: None) -> None:
    """Sign-up and login stay real (Argon2id), at its cheapest cost."""


# --- the two setups -------------------------------------------------------------------------


@pytest.fixture
def drill_postgres(postgres_server_url: str) -> Iterator[str]:
    """A migrated database of the drill's own on the test server: the drill drops every
    table in it, which the session's shared database must never see."""
    parts = make_url(postgres_server_url)
    name = f"autoclip_drill_{secrets.token_hex(4)}"
    admin = dict(
        host=parts.host,
        port=parts.port,
        user=parts.username,
        password=parts.password,
        dbname=parts.database,
        autocommit=True,
    )
    with psycopg.connect(**admin) as connection:  # type: ignore[arg-type]
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = parts.set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    upgrade(db)
    db.dispose()
    try:
        yield url
    finally:
        with psycopg.connect(**admin) as connection:  # type: ignore[arg-type]
            connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def configure(monkeypatch: pytest.MonkeyPatch, **values: str) -> Settings:
    """Point AUTOCLIP_* at the setup, as an operator would, so the commands' own
    `Settings()` and the test's agree; nothing else from the environment leaks in."""
    for name in list(os.environ):
        if name.startswith("AUTOCLIP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AUTOCLIP_SECRET_KEY", "drill-secret-" + uuid.uuid4().hex)
    monkeypatch.setenv("AUTOCLIP_RATE_LIMITS", "false")
    monkeypatch.setenv("AUTOCLIP_EMBEDDED_WORKER", "false")
    for name, value in values.items():
        monkeypatch.setenv(f"AUTOCLIP_{name.upper()}", value)
    return Settings()


@pytest.fixture(params=["sqlite+local", "postgresql+s3"])
def drill_env(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    data = tmp_path / "data"
    if request.param == "sqlite+local":
        data.mkdir()
        template = request.getfixturevalue("migrated_sqlite")
        (data / "autoclip.db").write_bytes(Path(template).read_bytes())
        return configure(monkeypatch, data_dir=str(data))
    endpoint = request.getfixturevalue("s3_endpoint")
    use_test_credentials(monkeypatch)
    return configure(
        monkeypatch,
        data_dir=str(data),
        database_url=request.getfixturevalue("drill_postgres"),
        storage_url=f"s3://{create_bucket(endpoint, 'drill')}/autoclip",
        s3_endpoint_url=endpoint,
    )


# --- making a world, and looking at it ------------------------------------------------------


@dataclass
class Account:
    email: str
    auth: dict[str, str]
    refresh_token: str
    contents: list[str] = field(default_factory=list)


def sign_up(client: TestClient, email: str) -> Account:
    made = client.post(
        f"{API}/auth/register", json={"email": email, "password": PASSWORD, "name": "Kim"}
    )
    assert made.status_code == 202, made.text
    verify_email(client, email)
    tokens = client.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    return Account(email, auth, body["refresh_token"])


def payload(content_id: str, name: str, size: int) -> bytes:
    """Distinct, incompressible bytes for each file."""
    seed = hashlib.sha256(f"{content_id}/{name}".encode()).digest()
    blocks = (hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(size // 32 + 1))
    return b"".join(blocks)[:size]


def finish_like_a_worker(settings: Settings, storage: Storage, content_id: str) -> None:
    """What a worker leaves behind a ready content: its files, then the row (in that order)."""
    scenes = 3
    keys: dict[str, str] = {}
    for kind, name, size in (
        ("video", "original.mp4", 300_000),
        ("thumbnail", "thumbnail.jpg", 20_000),
        ("audio", "audio.mp3", 40_000),
        ("captions_srt", "captions.srt", 700),
        ("captions_ass", "captions.ass", 900),
        ("script", "script.json", 1_500),
    ):
        key = video_key(content_id, name)
        storage.put_bytes(key, payload(content_id, name, size))
        keys[kind] = key
    outputs = Outputs(**keys, images=[image_key(content_id, n) for n in range(1, scenes + 1)])
    for n, key in enumerate(outputs.images, start=1):
        storage.put_bytes(key, payload(content_id, f"scene_{n}", 5_000))
    db = Database(settings.effective_database_url())
    try:
        with db.session() as session:
            content = session.get(Content, uuid.UUID(content_id))
            assert content is not None
            content.status = ContentStatus.READY
            content.stage = "publish"
            content.progress = 100
            content.title = "Walk every day"
            content.script = {"title": "Walk every day", "scenes": [{"text": TEXT}] * scenes}
            content.outputs = outputs
            content.duration_s = 21.5
            content.finished_at = utcnow()
    finally:
        db.dispose()


def fail_and_refund(settings: Settings, content_id: str) -> None:
    db = Database(settings.effective_database_url())
    try:
        with db.session() as session:
            content = session.get(Content, uuid.UUID(content_id))
            assert content is not None
            content.status = ContentStatus.FAILED
            content.error_stage = "narration"
            content.error = "the voice model is missing"
            content.finished_at = utcnow()
            assert refund(session, content.id)
    finally:
        db.dispose()


def make_world(settings: Settings) -> list[Account]:
    runtime = build_runtime(settings)
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            accounts = [sign_up(client, f"drill-{n}@example.com") for n in range(3)]
            for account in accounts:
                for _ in range(2):
                    made = client.post(
                        f"{API}/contents",
                        json={"generation_type": "text", "text": TEXT},
                        headers=account.auth,
                    )
                    assert made.status_code == 202, made.text
                    account.contents.append(made.json()["id"])
            key = client.post(f"{API}/api-keys", json={"name": "ci"}, headers=accounts[0].auth)
            assert key.status_code == 201, key.text
            first, second = accounts[0].contents
            finish_like_a_worker(settings, runtime.storage, first)
            finish_like_a_worker(settings, runtime.storage, accounts[1].contents[0])
            fail_and_refund(settings, second)
            exported = client.post(f"{API}/exports", json={}, headers=accounts[0].auth)
            assert exported.status_code == 202, exported.text
            build_export(runtime, exported.json()["id"])  # the job's work; no worker here
            # Scratch space: never backed up.
            runtime.storage.put_bytes("temp/stages/script/abc/script.json", b"{}")
        return accounts
    finally:
        runtime.close()


def all_rows(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    engine = create_engine(settings.effective_database_url(), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows: dict[str, list[tuple[Any, ...]]] = {}
            for table in Base.metadata.sorted_tables:
                query = select(table).order_by(*table.primary_key.columns)
                rows[table.name] = [tuple(row) for row in connection.execute(query)]
            return rows
    finally:
        engine.dispose()


def file_hashes(storage: Storage) -> dict[str, str]:
    return {key: hashlib.sha256(storage.get_bytes(key)).hexdigest() for key in object_keys(storage)}


def object_keys(storage: Storage) -> list[str]:
    return [key for key in storage.list_keys("") if "/" in key]  # not the SQLite file


def api_view(settings: Settings, accounts: list[Account]) -> dict[str, Any]:
    """What each user sees, after logging in again with the password; the ready contents'
    videos downloaded through their links."""
    runtime = build_runtime(settings)
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            seen: dict[str, Any] = {}
            for account in accounts:
                login = client.post(
                    f"{API}/auth/login", json={"email": account.email, "password": PASSWORD}
                )
                assert login.status_code == 200, login.text
                auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
                listed = client.get(f"{API}/contents", headers=auth)
                assert listed.status_code == 200, listed.text
                contents = {}
                for content_id in account.contents:
                    got = client.get(f"{API}/contents/{content_id}", headers=auth)
                    assert got.status_code == 200, got.text
                    body = got.json()
                    if body["video_url"]:
                        body["video_sha256"] = hashlib.sha256(
                            download(client, body["video_url"])
                        ).hexdigest()
                    contents[content_id] = {k: v for k, v in body.items() if k not in URL_FIELDS}
                credits = client.get(f"{API}/analytics/credits", headers=auth)
                assert credits.status_code == 200, credits.text
                me = client.get(f"{API}/users/me", headers=auth)
                exports = client.get(f"{API}/exports", headers=auth).json()
                seen[account.email] = {
                    "me": me.json(),
                    "list": [item["id"] for item in listed.json()["items"]],
                    "contents": contents,
                    "credits": credits.json(),
                    "exports": [export["key"] for export in exports],
                }
            return seen
    finally:
        runtime.close()


def download(client: TestClient, url: str) -> bytes:
    # An S3 presigned URL, or a link to the API's own signed downloads.
    got = httpx.get(url, trust_env=False) if url.startswith("http") else client.get(url)
    assert got.status_code == 200, got.text
    return got.content


def wipe(settings: Settings) -> None:
    """Lose everything: the database (file deleted, or every table dropped) and every key in
    the storage."""
    url = settings.effective_database_url()
    if backups.database_kind(url) == "sqlite":
        path = backups.sqlite_path(url)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        engine = create_engine(url, poolclass=NullPool)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    storage = backups.configured_storage(settings)
    for key in storage.list_keys(""):
        storage.delete(key)
    assert storage.list_keys("") == []


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(backup_app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        if not isinstance(result.exception, backups.BackupError):
            raise result.exception
        return 1, result.stdout, f"{result.stderr}error: {result.exception}"
    return result.exit_code, result.stdout, result.stderr


def only_backup(out: Path) -> Path:
    (folder,) = backups.list_backups(out)
    return folder


# --- the drill ------------------------------------------------------------------------------


def test_drill_backup_wipe_restore_finds_everything(drill_env: Settings, tmp_path: Path) -> None:
    accounts = make_world(drill_env)
    storage = backups.configured_storage(drill_env)
    seen_before = api_view(drill_env, accounts)  # logs in: new refresh tokens, so first
    rows_before = all_rows(drill_env)
    files_before = file_hashes(storage)
    assert len(rows_before["users"]) == 3
    assert len(rows_before["contents"]) == 6
    assert "temp/stages/script/abc/script.json" in files_before
    assert any(key.startswith("exports/") for key in files_before)

    code, out, err = run("backup", "--out", str(tmp_path / "backups"))
    assert code == 0, err
    assert out.startswith("backup "), out
    assert "3 users" in out
    assert "6 contents" in out
    folder = only_backup(tmp_path / "backups")
    manifest = backups.read_manifest(folder)
    backed_up = {item.key for item in manifest.objects}
    assert backed_up == {key for key in files_before if not key.startswith("temp/")}
    assert manifest.counts["credit_ledger"] == len(rows_before["credit_ledger"])
    assert "password" not in (folder / "manifest.json").read_text()

    wipe(drill_env)

    code, out, err = run("restore", "--from", str(folder))
    assert code == 0, err
    assert out.startswith(f"restored {folder.name}"), out
    assert "every object and row count checked" in out

    assert all_rows(drill_env) == rows_before
    assert file_hashes(storage) == {
        key: sha for key, sha in files_before.items() if not key.startswith("temp/")
    }
    assert api_view(drill_env, accounts) == seen_before
    # A refresh token handed out before the backup still works: sessions survive.
    runtime = build_runtime(drill_env)
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            refreshed = client.post(
                f"{API}/auth/refresh", json={"refresh_token": accounts[2].refresh_token}
            )
            assert refreshed.status_code == 200, refreshed.text
    finally:
        runtime.close()


class Writer(threading.Thread):
    """The service at work during a backup: credit-ledger rows and export files, one after
    another, as fast as they go."""

    def __init__(self, settings: Settings, user_id: uuid.UUID) -> None:
        super().__init__(daemon=True)
        self.settings = settings
        self.user_id = user_id
        self.written = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        db = Database(self.settings.effective_database_url())
        storage = backups.configured_storage(self.settings)
        try:
            while not self.stop.is_set():
                with db.session() as session:
                    session.add(
                        CreditEntry(
                            user_id=self.user_id,
                            delta=0,
                            balance_after=None,
                            reason=LedgerReason.ADJUSTMENT,
                        )
                    )
                storage.put_bytes(f"exports/{self.user_id}/live-{self.written}.zip", b"zip")
                self.written += 1
        except BaseException as error:  # reported by the test
            self.error = error
        finally:
            db.dispose()


def test_a_backup_taken_while_the_service_writes_is_one_snapshot(
    drill_env: Settings, tmp_path: Path
) -> None:
    make_world(drill_env)
    user_id = all_rows(drill_env)["users"][0][0]
    writer = Writer(drill_env, user_id)
    writer.start()
    try:
        wait_until = time.monotonic() + 10
        while writer.written < 5 and time.monotonic() < wait_until:
            time.sleep(0.01)
        before = writer.written
        code, _, err = run("backup", "--out", str(tmp_path / "backups"))
        during = writer.written - before
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert code == 0, err
    assert during > 0, "nothing was written during the backup"
    rows_at_end = all_rows(drill_env)

    wipe(drill_env)
    # The restore checks the row counts against the manifest, which were read in the
    # dump's own snapshot: they match only if the dump is one snapshot.
    code, _, err = run("restore", "--from", str(only_backup(tmp_path / "backups")))
    assert code == 0, err
    restored = all_rows(drill_env)
    ledger = restored.pop("credit_ledger")
    assert ledger == rows_at_end.pop("credit_ledger")[: len(ledger)]  # a prefix: a snapshot
    assert restored == rows_at_end


# --- refusals -------------------------------------------------------------------------------


@pytest.fixture
def sqlite_local(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    (data / "autoclip.db").write_bytes(
        Path(request.getfixturevalue("migrated_sqlite")).read_bytes()
    )
    return configure(monkeypatch, data_dir=str(data))


def small_world(settings: Settings, out: Path) -> Path:
    """One user, one ready content with its files, backed up; returns the backup folder."""
    runtime = build_runtime(settings)
    try:
        with TestClient(create_app(runtime, run_worker=False)) as client:
            account = sign_up(client, "solo@example.com")
            made = client.post(
                f"{API}/contents",
                json={"generation_type": "text", "text": TEXT},
                headers=account.auth,
            )
            finish_like_a_worker(settings, runtime.storage, made.json()["id"])
    finally:
        runtime.close()
    code, _, err = run("backup", "--out", str(out))
    assert code == 0, err
    return only_backup(out)


def test_a_damaged_backup_is_refused_before_anything_is_touched(
    sqlite_local: Settings, tmp_path: Path
) -> None:
    folder = small_world(sqlite_local, tmp_path / "backups")
    manifest = backups.read_manifest(folder)
    victim = next(item.key for item in manifest.objects if item.key.endswith("original.mp4"))
    path = backups.object_path(folder, victim)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    code, _, err = run("restore", "--from", str(folder), "--verify-only")
    assert code == 1
    assert f"{victim}: checksum mismatch" in err

    # Over the live data, even with --yes: refused, nothing changed.
    storage = backups.configured_storage(sqlite_local)
    rows, files = all_rows(sqlite_local), file_hashes(storage)
    db_file = backups.sqlite_path(sqlite_local.effective_database_url())
    stat = db_file.stat()
    code, _, err = run("restore", "--from", str(folder), "--yes")
    assert code == 1
    assert f"{victim}: checksum mismatch" in err
    assert "nothing restored" in err
    assert all_rows(sqlite_local) == rows
    assert file_hashes(storage) == files
    assert (db_file.stat().st_ino, db_file.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    assert sorted(p.name for p in db_file.parent.iterdir() if p.is_file()) == ["autoclip.db"]

    # After a loss: still refused, and nothing appears.
    wipe(sqlite_local)
    code, _, err = run("restore", "--from", str(folder))
    assert code == 1
    assert not db_file.exists()
    assert storage.list_keys("") == []


def test_restore_refuses_live_data_without_yes_and_keeps_the_replaced_database(
    sqlite_local: Settings, tmp_path: Path
) -> None:
    folder = small_world(sqlite_local, tmp_path / "backups")
    code, _, err = run("restore", "--from", str(folder))
    assert code == 1
    assert "refusing to restore over live data" in err
    assert "1 users" in err
    assert "--yes" in err

    code, _, err = run("restore", "--from", str(folder), "--yes")
    assert code == 0, err
    assert "the replaced database is kept as" in err
    db_file = backups.sqlite_path(sqlite_local.effective_database_url())
    (kept,) = db_file.parent.glob("autoclip.db.before-restore-*")
    assert kept.stat().st_size > 0


def test_bad_manifests_and_foreign_revisions_are_named(
    sqlite_local: Settings, tmp_path: Path
) -> None:
    folder = small_world(sqlite_local, tmp_path / "backups")
    manifest_file = folder / "manifest.json"
    original = manifest_file.read_text()
    revision = backups.read_manifest(folder).database.alembic_revision

    manifest_file.write_text(original.replace('"sha256"', '"sha"', 1))
    code, _, err = run("restore", "--from", str(folder), "--verify-only")
    assert code == 1
    assert "bad manifest" in err
    assert "sha256" in err

    manifest_file.write_text("{not json")
    code, _, err = run("restore", "--from", str(folder), "--verify-only")
    assert code == 1
    assert "not readable JSON" in err

    manifest_file.write_text(original.replace('"key": "videos/', '"key": "../videos/', 1))
    code, _, err = run("restore", "--from", str(folder), "--verify-only")
    assert code == 1
    assert "bad manifest" in err

    manifest_file.write_text(
        original.replace(f'"alembic_revision": "{revision}"', '"alembic_revision": "9999"')
    )
    wipe(sqlite_local)
    code, _, err = run("restore", "--from", str(folder))
    assert code == 1
    assert "revision 9999, which this AutoClip" in err

    code, _, err = run("restore", "--from", str(folder.parent))
    assert code == 1
    assert "pass one of them to --from" in err
    assert folder.name in err


def test_backup_refuses_a_folder_inside_the_storage(sqlite_local: Settings) -> None:
    code, _, err = run("backup", "--out", str(sqlite_local.data_dir / "backups"))
    assert code == 1
    assert "inside the storage folder" in err
    assert not (sqlite_local.data_dir / "backups").exists()


def test_backup_keeps_the_newest(sqlite_local: Settings, tmp_path: Path) -> None:
    out = tmp_path / "backups"
    for n in range(3):  # backups are named by the second; fake older ones
        (out / f"autoclip-backup-2020010{n + 1}T000000Z").mkdir(parents=True)
    (out / "autoclip-backup-20200104T000000Z.partial").mkdir()
    code, _, err = run("backup", "--out", str(out), "--keep", "2")
    assert code == 0, err
    names = [p.name for p in backups.list_backups(out)]
    assert len(names) == 2
    assert names[0] == "autoclip-backup-20200103T000000Z"
    assert "deleted the old backup" in err


def test_missing_pg_dump_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(dump, "POSTGRES_BIN_GLOB", str(tmp_path / "none" / "*" / "bin"))
    with pytest.raises(backups.BackupError, match="pg_dump not found on PATH"):
        backups.find_pg_tool("pg_dump")


def test_the_postgres_password_never_reaches_a_command_line() -> None:
    target, env = backups.libpq_target(
        "postgresql+psycopg://autoclip:s3cr%40t@db.internal:5433/autoclip?sslmode=require"
    )
    assert target == "postgresql://autoclip@db.internal:5433/autoclip?sslmode=require"
    assert env == {"PGPASSWORD": "s3cr@t"}


def test_sqlite_restore_refuses_while_the_database_is_open(
    sqlite_local: Settings, tmp_path: Path
) -> None:
    folder = small_world(sqlite_local, tmp_path / "backups")
    running = build_runtime(sqlite_local)  # a server: its pool holds the file open
    try:
        running.db.ping()
        code, _, err = run("restore", "--from", str(folder), "--yes")
        assert code == 1
        assert "stop `autoclip serve` first" in err
    finally:
        running.close()
    code, _, err = run("restore", "--from", str(folder), "--yes")
    assert code == 0, err
