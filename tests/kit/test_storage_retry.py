"""S3 requests against an endpoint that stops answering: moto_server behind a TCP proxy
taken down (connections refused, open ones reset) while its bucket keeps its objects.
They wait out an outage shorter than their bound, then raise StorageUnavailableError,
which names no endpoint; an error about the request itself is not retried."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from autoclip.kit.storage import S3Limits, S3Storage, StorageUnavailableError
from faults.netproxy import TcpProxy
from s3server import create_bucket, s3_client, s3_endpoint

__all__ = ["s3_endpoint"]  # a fixture, used by name


@pytest.fixture
def proxy(s3_endpoint: str) -> Iterator[TcpProxy]:
    moto = urlsplit(s3_endpoint)
    assert moto.hostname is not None
    assert moto.port is not None
    made = TcpProxy(moto.hostname, moto.port)
    made.up()
    yield made
    made.close()


def through(proxy: TcpProxy, bucket: str, retry_seconds: float) -> S3Storage:
    client = s3_client(proxy.endpoint)
    limits = S3Limits(outage_retry_s=retry_seconds)
    return S3Storage(bucket, "p", endpoint_url=proxy.endpoint, client=client, limits=limits)


def test_an_upload_waits_out_a_short_outage(
    proxy: TcpProxy, s3_endpoint: str, tmp_path: Path
) -> None:
    storage = through(proxy, create_bucket(s3_endpoint), retry_seconds=30)
    source = tmp_path / "original.mp4"
    source.write_bytes(b"\x00" * 300_000)
    proxy.down()
    threading.Timer(2.0, proxy.up).start()
    began = time.monotonic()
    storage.put_file("videos/c/original.mp4", source)
    took = time.monotonic() - began
    assert 2.0 <= took < 10.0, took  # waited for the endpoint, then wrote at once
    assert storage.size("videos/c/original.mp4") == 300_000


def test_past_its_bound_a_request_says_the_storage_is_unreachable_without_naming_it(
    proxy: TcpProxy, s3_endpoint: str
) -> None:
    storage = through(proxy, create_bucket(s3_endpoint), retry_seconds=1.5)
    proxy.down()
    began = time.monotonic()
    with pytest.raises(StorageUnavailableError) as raised:
        storage.put_bytes("videos/c/script.json", b"{}")
    took = time.monotonic() - began
    assert 1.5 <= took < 6.0, took
    message = str(raised.value)
    assert message == "the storage could not be reached for 1.5 s (EndpointConnectionError)"
    assert isinstance(raised.value.__cause__, EndpointConnectionError)  # the detail, for logs


def test_with_no_bound_the_first_failure_is_raised(proxy: TcpProxy, s3_endpoint: str) -> None:
    storage = through(proxy, create_bucket(s3_endpoint), retry_seconds=0)
    proxy.down()
    with pytest.raises(EndpointConnectionError):
        storage.list_keys("videos/")


def test_an_error_about_the_request_is_not_retried(proxy: TcpProxy) -> None:
    storage = through(proxy, "no-such-bucket-here", retry_seconds=30)
    began = time.monotonic()
    with pytest.raises(ClientError):
        storage.put_bytes("videos/c/script.json", b"{}")
    assert time.monotonic() - began < 5.0
