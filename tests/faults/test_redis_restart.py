"""Redis killed while contents are being prepared, and started again empty (a failover
without persistence): every queued message and every hand-over to the render queue is
lost. Work must resume within a minute of the broker coming back, every content must end
ready, charged once, published once; and a content created while the broker is down is
accepted (it waits in the database), not answered with an error after being charged."""

from __future__ import annotations

import sys
import time

import pytest

from autoclip.service.models import ContentStatus, JobPhase
from faults.cluster import TEXTS, Cluster, assert_each_made_once, give_credits, record
from service.conftest import sign_up
from service.test_jobs_support import (
    create,
    ledger,
    row,
    run_of,
    wait_for,
)

RESUME_WITHIN_S = 60.0
ALL_READY_WITHIN_S = 300.0


@pytest.mark.e2e
@pytest.mark.faults
def test_redis_restarted_empty_mid_prepare_resumes_within_a_minute(cluster: Cluster) -> None:
    cluster.spawn_many(["worker-a", "worker-b"])
    try:
        with cluster.api() as (runtime, client):
            auth = sign_up(client)
            give_credits(runtime, 10)
            start_balance, _ = ledger(client, auth)
            ids = [create(client, auth, text) for text in TEXTS[:3]]

            def preparing() -> bool:
                rows = [row(runtime, i) for i in ids]
                return sum(c.status is ContentStatus.PROCESSING for c in rows) >= 2

            wait_for(preparing, 120, "two contents to be in their prepare phase")
            assert all(run_of(runtime, i).phase is JobPhase.PREPARE for i in ids)
            cluster.redis.kill()
            killed_at = time.monotonic()

            # While the broker is down: a new content is taken (and charged) and kept in
            # the database for when the broker is back; the answer must say so, not fail.
            late = create(client, auth, TEXTS[3])
            ids.append(late)

            def handed_over() -> bool:
                # prepares finished while the broker was down: their hand-over to the render
                # queue was lost (it failed, or went into a Redis that is about to vanish)
                return sum(run_of(runtime, i).phase is JobPhase.RENDER for i in ids) >= 2

            wait_for(handed_over, 120, "two prepares to finish while Redis is down")

            owners_before = {run_of(runtime, i).lease_owner for i in ids} - {None}
            waiting = [
                i
                for i in ids
                if run_of(runtime, i).lease_owner is None and row(runtime, i).status.is_active
            ]
            assert waiting, "every content was held by a job: nothing was left to lose"
            cluster.redis.start()  # empty
            up_at = time.monotonic()
            taken_after: dict[str, float] = {}

            def waiting_taken() -> bool:
                # Each content that waited for a lost message is taken by a job again (a
                # lease owner not seen before the restart), or already finished.
                for i in waiting:
                    content, owner = row(runtime, i), run_of(runtime, i).lease_owner
                    new_owner = owner not in (None, *owners_before)
                    if i not in taken_after and (new_owner or content.status.value == "ready"):
                        taken_after[i] = time.monotonic() - up_at
                return len(taken_after) == len(waiting)

            wait_for(waiting_taken, RESUME_WITHIN_S, "the waiting contents to be taken again")
            resumed_after = min(taken_after.values())
            all_taken_after = max(taken_after.values())

            def all_finished() -> bool:
                return all(row(runtime, i).status.value in {"ready", "failed"} for i in ids)

            wait_for(all_finished, ALL_READY_WITHIN_S, "every content to finish")
            ready_after = time.monotonic() - up_at
            assert_each_made_once(runtime, client, auth, ids, start_balance)
    except BaseException:
        sys.stderr.write(cluster.logs())
        raise
    record(
        "redis restarted empty",
        down_s=round(up_at - killed_at, 1),
        first_taken_after_s=round(resumed_after, 1),
        all_taken_after_s=round(all_taken_after, 1),
        all_ready_after_s=round(ready_after, 1),
        contents=len(ids),
    )
