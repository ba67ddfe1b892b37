"""What real VictorOps clients send that a strict server would refuse (reference section 2.3)."""

from fastapi.testclient import TestClient

from tests.helpers import add_user, user_body


def test_a_get_with_an_empty_json_body_is_answered(client: TestClient) -> None:
    response = client.request("GET", "/api-public/v1/user", json={})
    assert response.status_code == 200


def test_a_content_type_with_a_charset_is_accepted(client: TestClient) -> None:
    response = client.post(
        "/api-public/v1/user",
        content=b'{"username":"ada","firstName":"A","lastName":"L","email":"ada@example.com"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 200


def test_a_body_without_a_content_type_is_read_as_json(client: TestClient) -> None:
    response = client.post(
        "/api-public/v1/user",
        content=b'{"username":"ada","firstName":"A","lastName":"L","email":"ada@example.com"}',
    )
    assert response.status_code == 200


def test_unknown_query_parameters_are_ignored(client: TestClient) -> None:
    assert client.get("/api-public/v1/user", params={"startedAfterMax": "x"}).status_code == 200


def test_malformed_json_is_400_with_a_json_error(client: TestClient) -> None:
    response = client.post(
        "/api-public/v1/user",
        content=b'{"username": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("Request body is not valid JSON")


def test_a_json_array_where_an_object_belongs_is_400(client: TestClient) -> None:
    response = client.post("/api-public/v1/user", json=[user_body("ada")])
    assert response.status_code == 400
    assert "error" in response.json()


def test_an_oversize_body_is_413_and_nothing_is_stored(client: TestClient) -> None:
    huge = user_body("ada", firstName="x" * 100_000)
    response = client.post("/api-public/v1/user", json=huge)
    assert response.status_code == 413
    assert "error" in response.json()
    assert client.get("/api-public/v1/user/ada").status_code == 404


def test_an_unknown_path_is_404_with_a_json_error(client: TestClient) -> None:
    response = client.get("/api-public/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


def test_a_wrong_method_is_405_with_a_json_error(client: TestClient) -> None:
    add_user(client, "ada")
    response = client.patch("/api-public/v1/user/ada", json={})
    assert response.status_code == 405
    assert response.json() == {"error": "Method Not Allowed"}


def test_an_oversize_chunked_body_is_413(client: TestClient) -> None:
    chunks = iter([b'{"username": "', b"x" * 40_000, b"x" * 40_000, b'"}'])
    response = client.post(
        "/api-public/v1/user", content=chunks, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {"error": "Request body is larger than 65536 bytes"}
