from __future__ import annotations

from fastapi.testclient import TestClient

from service.conftest import sign_up

TEXT = (
    "수면은 건강의 기본입니다. 매일 같은 시간에 잠자리에 들면 몸의 리듬이 안정됩니다. "
    "잠들기 전에 화면을 멀리하면 깊은 잠을 잘 수 있습니다. 낮에 햇볕을 쬐면 밤에 잠이 잘 옵니다."
)


def test_register_login_create_and_read(client: TestClient) -> None:
    auth = sign_up(client)
    me = client.get("/api/v1/users/me", headers=auth)
    assert me.status_code == 200, me.text
    assert me.json()["credit_balance"] == 3
    made = client.post(
        "/api/v1/contents", json={"generation_type": "text", "text": TEXT}, headers=auth
    )
    assert made.status_code == 202, made.text
    got = client.get(f"/api/v1/contents/{made.json()['id']}", headers=auth)
    assert got.status_code == 200, got.text
    assert got.json()["status"] == "queued"
    assert got.json()["language"] == "ko"
    assert client.get("/api/v1/users/me", headers=auth).json()["credit_balance"] == 2
