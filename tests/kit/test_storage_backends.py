"""The same behaviour from every storage backend: a local folder, and S3 against a real
S3-compatible server (moto_server), with and without a key prefix."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from autoclip.errors import ConfigurationError
from autoclip.kit.storage import (
    LocalStorage,
    S3Storage,
    Storage,
    StorageUnavailableError,
    check_key,
    export_key,
    image_key,
    storage_from_url,
    video_key,
)
from s3server import (
    TEST_CREDENTIALS,
    create_bucket,
    s3_client,
    s3_endpoint,  # noqa: F401  (the fixture)
    use_test_credentials,
)

BACKENDS = ["local", "s3", "s3-prefixed"]

BAD_KEYS = [
    "",
    "/etc/passwd",
    "/videos/x.mp4",
    "..",
    "../x",
    "videos/../../x",
    "a/../b",
    ".",
    "a/./b",
    "videos//x.mp4",
    "videos/x/",
    "videos\\x.mp4",
    "..\\x",
    "a\x00b",
]


@pytest.fixture(params=BACKENDS)
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "store")
    endpoint: str = request.getfixturevalue("s3_endpoint")
    bucket = create_bucket(endpoint)
    prefix = "tenant/a" if request.param == "s3-prefixed" else ""
    return S3Storage(bucket, prefix, endpoint_url=endpoint, client=s3_client(endpoint))


def location(storage: Storage, key: str) -> str:
    """Where `put_*` should say the object can be read."""
    if isinstance(storage, LocalStorage):
        return str(storage.path(key))
    assert isinstance(storage, S3Storage)
    name = f"{storage.prefix}/{key}" if storage.prefix else key
    return f"s3://{storage.bucket}/{name}"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if ".partial" in p.name)


def test_put_file_get_bytes_and_download_round_trip(storage: Storage, tmp_path: Path) -> None:
    key = video_key("c1", "original.mp4")
    payload = os.urandom(300_000)
    source = tmp_path / "source.mp4"
    source.write_bytes(payload)

    assert storage.put_file(key, source) == location(storage, key)
    assert source.read_bytes() == payload  # the source is untouched
    assert storage.get_bytes(key) == payload

    target = tmp_path / "downloads/deep/copy.mp4"
    storage.download(key, target)
    assert target.read_bytes() == payload

    # a second put replaces the object; a second download replaces the file
    source.write_bytes(b"second version")
    storage.put_file(key, source)
    assert storage.get_bytes(key) == b"second version"
    storage.download(key, target)
    assert target.read_bytes() == b"second version"
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.mp4"]
    assert leftovers(tmp_path) == []


def test_put_file_of_a_missing_source_fails_and_stores_nothing(
    storage: Storage, tmp_path: Path
) -> None:
    key = video_key("c1", "original.mp4")
    with pytest.raises(FileNotFoundError):
        storage.put_file(key, tmp_path / "missing.mp4")
    assert not storage.exists(key)
    assert storage.list_keys("") == []


def test_put_bytes_with_content_type(storage: Storage) -> None:
    key = export_key("u7", "report.bin")
    where = storage.put_bytes(key, b'{"ok": true}', content_type="application/json")
    assert where == location(storage, key)
    assert storage.get_bytes(key) == b'{"ok": true}'
    assert storage.size(key) == len(b'{"ok": true}')
    if isinstance(storage, S3Storage):
        head = storage.client.head_object(Bucket=storage.bucket, Key=where.split("/", 3)[3])
        assert head["ContentType"] == "application/json"


def test_exists_size_and_delete(storage: Storage) -> None:
    key = image_key("c2", 1)
    assert not storage.exists(key)
    assert storage.size(key) is None

    storage.put_bytes(key, b"\x89PNG" + b"0" * 96)
    assert storage.exists(key)
    assert storage.size(key) == 100
    assert not storage.exists(image_key("c2", 2))

    storage.delete(key)
    assert not storage.exists(key)
    assert storage.size(key) is None
    storage.delete(key)  # deleting again is not an error
    storage.delete(video_key("never", "there.mp4"))


def test_list_keys_by_prefix(storage: Storage) -> None:
    keys = [
        video_key("c1", "original.mp4"),
        video_key("c1", "captions.srt"),
        video_key("c10", "original.mp4"),
        image_key("c1", 1),
        export_key("u1", "a.zip"),
    ]
    for key in keys:
        storage.put_bytes(key, key.encode())

    assert storage.list_keys("") == sorted(keys)
    assert storage.list_keys("videos/c1/") == [
        "videos/c1/captions.srt",
        "videos/c1/original.mp4",
    ]
    assert storage.list_keys("videos/c1") == sorted(k for k in keys if k.startswith("videos/c1"))
    assert storage.list_keys("videos/c1/orig") == ["videos/c1/original.mp4"]
    assert storage.list_keys("exports/") == ["exports/u1/a.zip"]
    assert storage.list_keys("temp/") == []
    assert storage.list_keys("nothing/here/") == []

    storage.delete(video_key("c1", "original.mp4"))
    assert storage.list_keys("videos/c1/") == ["videos/c1/captions.srt"]


def test_a_missing_key_raises_key_error(storage: Storage, tmp_path: Path) -> None:
    key = video_key("nope", "original.mp4")
    with pytest.raises(KeyError) as missing:
        storage.get_bytes(key)
    assert missing.value.args == (key,)

    target = tmp_path / "downloads/original.mp4"
    with pytest.raises(KeyError) as missing:
        storage.download(key, target)
    assert missing.value.args == (key,)
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_a_failed_download_keeps_the_previous_file(storage: Storage, tmp_path: Path) -> None:
    target = tmp_path / "kept.mp4"
    target.write_bytes(b"previous")
    with pytest.raises(KeyError):
        storage.download(video_key("nope", "original.mp4"), target)
    assert target.read_bytes() == b"previous"


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_are_refused(storage: Storage, tmp_path: Path, key: str) -> None:
    source = tmp_path / "source.txt"
    source.write_text("x", encoding="utf-8")
    calls: dict[str, Callable[[], object]] = {
        "put_file": lambda: storage.put_file(key, source),
        "put_bytes": lambda: storage.put_bytes(key, b"x"),
        "get_bytes": lambda: storage.get_bytes(key),
        "download": lambda: storage.download(key, tmp_path / "out.bin"),
        "exists": lambda: storage.exists(key),
        "size": lambda: storage.size(key),
        "delete": lambda: storage.delete(key),
        "presigned_url": lambda: storage.presigned_url(key, 60),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError, match="bad storage key") as refused:
            call()
        assert repr(key) in str(refused.value), name
    assert storage.list_keys("") == []
    assert not (tmp_path / "out.bin").exists()


@pytest.mark.parametrize("prefix", ["/videos/", "../", "videos/../", "a//", "a\\b"])
def test_bad_list_prefixes_are_refused(storage: Storage, prefix: str) -> None:
    with pytest.raises(ValueError, match="bad storage key"):
        storage.list_keys(prefix)


def test_presigned_url_downloads_the_object(storage: Storage) -> None:
    key = video_key("c3", "thumbnail.jpg")
    payload = os.urandom(4096)
    storage.put_bytes(key, payload)
    url = storage.presigned_url(key, 300)
    if isinstance(storage, LocalStorage):
        assert url is None  # the API signs its own download URLs for local files
        return
    assert url is not None
    response = httpx.get(url, trust_env=False, timeout=10)
    assert response.status_code == 200
    assert response.content == payload
    assert response.headers["content-type"] == "image/jpeg"


def test_capabilities_say_where_the_objects_are(storage: Storage) -> None:
    """A local folder lends its files and is one machine's own; S3 is shared, no files."""
    storage.put_bytes("videos/abc/x.txt", b"hello")
    local = storage.local_path("videos/abc/x.txt")
    if isinstance(storage, LocalStorage):
        assert local is not None
        assert local.read_bytes() == b"hello"
        assert storage.local_root is not None
        assert local.is_relative_to(storage.local_root)
        assert not storage.shared
    else:
        assert local is None
        assert storage.local_root is None
        assert storage.shared


def test_ping_succeeds_on_a_usable_storage(storage: Storage) -> None:
    storage.ping()
    assert storage.list_keys("") == []  # the local write probe leaves nothing behind


def test_describe_names_the_place_without_secrets(storage: Storage) -> None:
    text = storage.describe()
    for secret in TEST_CREDENTIALS.values():
        if secret != TEST_CREDENTIALS["AWS_DEFAULT_REGION"]:
            assert secret not in text
    if isinstance(storage, LocalStorage):
        assert text == storage.root.as_uri()
        assert text.startswith("file:///")
    else:
        assert isinstance(storage, S3Storage)
        expected = f"s3://{storage.bucket}/tenant/a" if storage.prefix else f"s3://{storage.bucket}"
        assert text.split(" ")[0] == expected


# --- the S3 backend only ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("original.mp4", "video/mp4"),
        ("thumbnail.jpg", "image/jpeg"),
        ("captions.srt", "application/x-subrip"),
        ("captions.ass", "text/x-ssa"),
        ("script.json", "application/json"),
        ("audio.mp3", "audio/mpeg"),
        ("scene_1.png", "image/png"),
    ],
)
def test_s3_put_file_sets_the_content_type(
    s3_endpoint: str,  # noqa: F811
    tmp_path: Path,
    name: str,
    content_type: str,
) -> None:
    client = s3_client(s3_endpoint)
    storage = S3Storage(create_bucket(s3_endpoint), client=client)
    source = tmp_path / name
    source.write_bytes(b"media")
    storage.put_file(video_key("c1", name), source)
    head = client.head_object(Bucket=storage.bucket, Key=video_key("c1", name))
    assert head["ContentType"] == content_type


def test_s3_prefixes_keep_tenants_apart(s3_endpoint: str) -> None:  # noqa: F811
    client = s3_client(s3_endpoint)
    bucket = create_bucket(s3_endpoint)
    a = S3Storage(bucket, "tenant/a", client=client)
    ab = S3Storage(bucket, "tenant/ab", client=client)
    b = S3Storage(bucket, "/tenant/b/", client=client)  # slashes around a prefix are dropped
    whole = S3Storage(bucket, client=client)
    key = video_key("c1", "original.mp4")

    assert a.put_bytes(key, b"a") == f"s3://{bucket}/tenant/a/{key}"
    ab.put_bytes(key, b"ab")
    ab.put_bytes(export_key("u1", "x.zip"), b"ab")

    assert a.list_keys("") == [key]
    assert a.list_keys("videos/") == [key]
    assert a.list_keys("exports/") == []
    assert sorted(ab.list_keys("")) == [export_key("u1", "x.zip"), key]
    assert b.list_keys("") == []
    assert not b.exists(key)
    assert b.size(key) is None
    with pytest.raises(KeyError):
        b.get_bytes(key)

    b.delete(key)  # another tenant's delete does not reach a's object
    assert a.get_bytes(key) == b"a"
    assert ab.get_bytes(key) == b"ab"
    assert whole.list_keys("tenant/") == [
        f"tenant/a/{key}",
        "tenant/ab/exports/u1/x.zip",
        f"tenant/ab/{key}",
    ]


def test_s3_ping_fails_for_a_missing_bucket(s3_endpoint: str) -> None:  # noqa: F811
    storage = S3Storage("no-such-bucket-here", client=s3_client(s3_endpoint))
    with pytest.raises(StorageUnavailableError, match="no-such-bucket-here"):
        storage.ping()


def test_s3_ping_fails_for_an_unreachable_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    use_test_credentials(monkeypatch)
    closed = "http://127.0.0.1:9"  # discard port: nothing listens there
    storage = S3Storage("bucket", endpoint_url=closed)
    with pytest.raises(StorageUnavailableError, match="s3://bucket"):
        storage.ping()


def test_local_ping_fails_when_the_root_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(StorageUnavailableError, match="not writable"):
        LocalStorage(blocker / "store").ping()


def test_local_ping_creates_the_root(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "new/store")
    storage.ping()
    assert storage.root.is_dir()
    assert list(storage.root.iterdir()) == []


def test_local_listing_skips_writes_in_progress(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.put_bytes(video_key("c1", "a.mp4"), b"a")
    (tmp_path / "videos/c1/.b.mp4.0123abcd.partial").write_bytes(b"half")
    assert storage.list_keys("") == ["videos/c1/a.mp4"]


# --- storage_from_url --------------------------------------------------------------------


def test_storage_from_url_file(tmp_path: Path) -> None:
    storage = storage_from_url(tmp_path.as_uri())
    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path
    assert storage.describe() == tmp_path.as_uri()
    spaced = storage_from_url((tmp_path / "with space").as_uri())
    assert isinstance(spaced, LocalStorage)
    assert spaced.root == tmp_path / "with space"


@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://media", "media", ""),
        ("s3://media/", "media", ""),
        ("s3://media/some/prefix", "media", "some/prefix"),
        ("s3://media/some/prefix/", "media", "some/prefix"),
    ],
)
def test_storage_from_url_s3(
    monkeypatch: pytest.MonkeyPatch, url: str, bucket: str, prefix: str
) -> None:
    use_test_credentials(monkeypatch)
    storage = storage_from_url(url, endpoint_url="http://127.0.0.1:9")
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix) == (bucket, prefix)
    assert storage.endpoint_url == "http://127.0.0.1:9"
    assert storage.describe().startswith(f"s3://{bucket}/{prefix}".rstrip("/"))


def test_storage_from_url_s3_works_against_the_server(
    monkeypatch: pytest.MonkeyPatch,
    s3_endpoint: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    use_test_credentials(monkeypatch)  # the client comes from the standard AWS chain
    bucket = create_bucket(s3_endpoint)
    storage = storage_from_url(f"s3://{bucket}/exports-area", endpoint_url=s3_endpoint)
    storage.ping()
    assert storage.put_bytes("x/y.txt", b"hello") == f"s3://{bucket}/exports-area/x/y.txt"
    assert storage.get_bytes("x/y.txt") == b"hello"
    storage.download("x/y.txt", tmp_path / "y.txt")
    assert (tmp_path / "y.txt").read_bytes() == b"hello"
    assert storage.list_keys("") == ["x/y.txt"]
    assert s3_endpoint.removeprefix("http://") in storage.describe()


def test_describe_drops_credentials_from_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    use_test_credentials(monkeypatch)
    storage = storage_from_url(
        "s3://media/p", endpoint_url="https://key:s3cr3t@minio.internal:9000/?token=abc"
    )
    text = storage.describe()
    assert text == "s3://media/p (endpoint https://minio.internal:9000/)"
    assert "s3cr3t" not in text
    assert "abc" not in text


@pytest.mark.parametrize(
    "url",
    [
        "",
        "relative/path",
        "/absolute/but/no/scheme",
        "file://relative/path",
        "file:relative",
        "file:///",
        "file:///data?x=1",
        "http://example.com/bucket",
        "gs://bucket",
        "s3://",
        "s3:///prefix",
        "s3://bucket/../escape",
        "s3://bucket/a//b",
        "s3://bucket#frag",
        "s3://AKIAEXAMPLE:s3cr3t@bucket",
        "s3://bad bucket",
    ],
)
def test_storage_from_url_refuses_other_forms(url: str) -> None:
    with pytest.raises(ConfigurationError, match="AUTOCLIP_STORAGE_URL") as refused:
        storage_from_url(url)
    message = str(refused.value)
    assert "file:///" in message
    assert "s3://bucket" in message
    assert "s3cr3t" not in message


# --- keys ----------------------------------------------------------------------------------


def test_key_helpers_follow_the_manual_layout() -> None:
    assert video_key("c1", "original.mp4") == "videos/c1/original.mp4"
    assert image_key("c1", 2) == "images/c1/scene_2.png"
    assert export_key("u9", "clip.zip") == "exports/u9/clip.zip"
    assert check_key("temp/jobs/x.bin") == "temp/jobs/x.bin"


@pytest.mark.parametrize("key", BAD_KEYS)
def test_check_key_names_the_key(key: str) -> None:
    with pytest.raises(ValueError, match="bad storage key") as refused:
        check_key(key)
    assert repr(key) in str(refused.value)
