"""Redis clients with bounds: every one the service makes (rate limits, the job broker).

redis-py waited for ever on a server that accepted a connection and never answered until
version 6 (no socket timeout by default), and its retry defaults have changed across
versions; so the service says what it wants: connecting and each reply within
`REDIS_TIMEOUT_S`, then `REDIS_RETRIES` retries with a short backoff. The longest a caller
can wait on a Redis that does not answer is `redis_deadline(settings)` (33 s with the
defaults; 11 s for the usual case, a server that accepts and then says nothing).
"""

from __future__ import annotations

from typing import Any

from redis import ConnectionPool, Redis
from redis.backoff import EqualJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from autoclip.settings import Settings

BACKOFF_BASE_S = 0.1
BACKOFF_CAP_S = 1.0
HEALTH_CHECK_S = 30  # a pooled connection idle this long is pinged before use


def redis_options(settings: Settings) -> dict[str, Any]:
    timeout = settings.redis_timeout_s
    errors: list[type[Exception]] = [RedisConnectionError, RedisTimeoutError, TimeoutError]
    return {
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "socket_keepalive": True,
        "health_check_interval": HEALTH_CHECK_S,
        "retry": Retry(EqualJitterBackoff(cap=BACKOFF_CAP_S, base=BACKOFF_BASE_S),
                       settings.redis_retries, supported_errors=tuple(errors)),
        # Older redis-py retries only the errors listed here, whatever `retry` says.
        "retry_on_error": errors,
    }  # fmt: skip


def redis_client(settings: Settings) -> Redis:
    if not settings.redis_url:
        raise ValueError("redis_client needs AUTOCLIP_REDIS_URL")
    return Redis(connection_pool=redis_pool(settings))


def redis_pool(settings: Settings) -> ConnectionPool:
    if not settings.redis_url:
        raise ValueError("redis_pool needs AUTOCLIP_REDIS_URL")
    pool: ConnectionPool = ConnectionPool.from_url(settings.redis_url, **redis_options(settings))
    return pool


def redis_deadline(settings: Settings) -> float:
    """The longest one command can take against a server that never answers. redis-py
    uses the one retry policy twice: around opening the socket, and around the whole
    command (connect, handshake, send, reply). So each of the command's tries may open
    the socket `tries` times (each within REDIS_TIMEOUT_S, with backoffs between) and
    then wait REDIS_TIMEOUT_S for a reply; backoffs are at most BACKOFF_CAP_S."""
    tries = settings.redis_retries + 1
    timeout, pause = settings.redis_timeout_s, settings.redis_retries * BACKOFF_CAP_S
    one_try = tries * timeout + pause + timeout
    return tries * one_try + pause
