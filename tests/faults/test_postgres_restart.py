"""PostgreSQL restarted while a content renders and another is prepared: every connection
of the API and of the workers drops. Meanwhile the API answers 503 with Retry-After; the
pools reconnect (pre-ping), the jobs finish or are retried, and each content ends ready,
charged once and published once."""

from __future__ import annotations

import sys
import time

import pytest

from autoclip.service.models import JobPhase
from faults.cluster import PRODUCTION, TEXTS, Cluster, assert_each_made_once, give_credits, record
from service.conftest import sign_up
from service.test_jobs_support import (
    create,
    ledger,
    row,
    run_of,
    wait_for,
)

DOWN_S = 3.0  # a restart with a slow shutdown, or a short failover
LEASE_S = 10.0
ALL_READY_WITHIN_S = 120.0


@pytest.mark.e2e
@pytest.mark.faults
def test_postgres_restarted_mid_render_every_content_ends_ready_charged_once(
    cluster: Cluster,
) -> None:
    # Leases outlast the restart, as production's 60 s do: a worker keeps its job through it.
    lease = {} if PRODUCTION else {"AUTOCLIP_WORKER__LEASE_SECONDS": str(LEASE_S)}
    cluster.spawn_many(["worker-a", "worker-b"], env=lease)
    try:
        with cluster.api() as (runtime, client):
            auth = sign_up(client)
            give_credits(runtime, 10)
            start_balance, _ = ledger(client, auth)
            ids = [create(client, auth, text) for text in TEXTS[:2]]

            def rendering() -> bool:
                return any(
                    run_of(runtime, i).phase is JobPhase.RENDER
                    and (c := row(runtime, i)).stage == "render"
                    and c.progress > 46
                    for i in ids
                )

            wait_for(rendering, 120, "a content to be rendering")
            cluster.postgres.stop("fast")  # every session is terminated
            stopped_at = time.monotonic()
            # Meanwhile the API says so, with when to come back, not a crash's 500.
            down = client.get(f"/api/v1/contents/{ids[0]}", headers=auth)
            assert down.status_code == 503, down.text
            assert down.headers["retry-after"] == "5"
            assert "127.0.0.1" not in down.text
            time.sleep(max(DOWN_S - (time.monotonic() - stopped_at), 0))
            cluster.postgres.start()
            up_at = time.monotonic()

            # The API answers again on its next request: its pool replaces dead connections.
            got = client.get(f"/api/v1/contents/{ids[0]}", headers=auth)
            assert got.status_code == 200, got.text
            api_after = time.monotonic() - up_at

            def all_finished() -> bool:
                return all(row(runtime, i).status.value in {"ready", "failed"} for i in ids)

            wait_for(all_finished, ALL_READY_WITHIN_S, "every content to finish")
            ready_after = time.monotonic() - up_at
            attempts = {i: run_of(runtime, i).attempts for i in ids}
            assert_each_made_once(runtime, client, auth, ids, start_balance)
    except BaseException:
        sys.stderr.write(cluster.logs())
        raise
    record(
        "postgresql restarted",
        down_s=round(up_at - stopped_at, 1),
        api_answers_after_s=round(api_after, 1),
        all_ready_after_s=round(ready_after, 1),
        render_attempts=max(attempts.values()),
    )
