"""A real S3-compatible server (moto's `moto_server`) on 127.0.0.1 for storage tests.

Use it from a test module with

    from s3server import create_bucket, s3_client, s3_endpoint  # noqa: F401

`s3_endpoint` (session-scoped) starts one server for the whole run and yields its URL;
`create_bucket(endpoint)` makes a fresh, uniquely named bucket, so tests never share
state. Clients made by `s3_client` carry the fake credentials explicitly; code that builds
its own client from the AWS environment chain needs `use_test_credentials(monkeypatch)`.
A missing `moto_server` is a broken test environment: the fixture fails, it never skips.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

TEST_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "moto-test-access-key",
    "AWS_SECRET_ACCESS_KEY": "moto-test-secret-key",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# Variables that would steer a client away from the test server or credentials.
_STRAY_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_REGION",
)
STARTUP_TIMEOUT_S = 30.0


def moto_server_binary() -> Path:
    """`moto_server` from the venv running the tests (next to sys.executable)."""
    return Path(sys.executable).parent / "moto_server"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(process: subprocess.Popen[bytes], endpoint: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    with httpx.Client(trust_env=False, timeout=0.5) as http:
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"moto_server exited with code {process.returncode} before answering:\n"
                    f"{log.read_text(errors='replace')[-2000:]}",
                    pytrace=False,
                )
            try:
                http.get(f"{endpoint}/moto-api/")
                return  # any HTTP answer means it is serving
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"moto_server did not answer on {endpoint} within {STARTUP_TIMEOUT_S} s:\n"
                    f"{log.read_text(errors='replace')[-2000:]}",
                    pytrace=False,
                )
            time.sleep(0.05)  # back off between polls (a refused connect returns at once)


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `moto_server` on a free port; yield its endpoint URL; stop it at the end."""
    binary = moto_server_binary()
    if not binary.is_file():
        pytest.fail(
            f"moto_server is not installed at {binary}: the S3 storage tests need it "
            "(install the dev extras: `pip install -e '.[dev]'`, which brings moto[server])",
            pytrace=False,
        )
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "moto_server.log"
    env = {**os.environ, **TEST_CREDENTIALS}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(binary), "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    try:
        _wait_until_up(process, endpoint, log)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def s3_client(endpoint: str) -> Any:
    """A boto3 S3 client for the test server, with the test credentials passed explicitly."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=TEST_CREDENTIALS["AWS_DEFAULT_REGION"],
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def create_bucket(endpoint: str, prefix: str = "test") -> str:
    """Create a fresh bucket on the test server and return its name."""
    name = f"{prefix}-{uuid.uuid4().hex[:20]}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name


def use_test_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the standard AWS environment chain at the test credentials for one test."""
    for name in _STRAY_AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in TEST_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    # No config file on the test machine may add a profile, region or endpoint.
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
