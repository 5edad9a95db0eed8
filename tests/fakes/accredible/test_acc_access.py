"""Auth schemes, department keys, bad bodies, and the rate limit, in both regions."""

import pytest
from doc_client import DocClient, seed_issuer


@pytest.mark.parametrize(
    "template", ["Token token={k}", 'Token token="{k}"', "Token {k}", "Bearer {k}"]
)
def test_all_four_header_forms_real_clients_send_work(api, template):
    answer = api.http.get(
        "/v1/issuer/details", headers={"Authorization": template.format(k=api.key)}
    )
    assert answer.status_code == 200


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Token", "token=abc"])
def test_a_missing_or_malformed_header_is_the_plain_text_denial(api, header):
    headers = {} if header is None else {"Authorization": header}
    answer = api.http.get("/v1/issuer/details", headers=headers)
    assert answer.status_code == 401
    assert answer.text == "HTTP Token: Access denied.\n"
    assert answer.headers["WWW-Authenticate"] == 'Token realm="Application"'


def test_a_department_key_sees_only_its_department(casim, region):
    http = casim.client(f"accredible-{region}")
    seed_issuer(
        http,
        "org-key",
        departments=[
            {"name": "Law", "api_key": "law-key"},
            {"name": "Arts", "api_key": "arts-key"},
        ],
    )
    org, law, arts = (
        DocClient(http, "org-key"),
        DocClient(http, "law-key"),
        DocClient(http, "arts-key"),
    )
    law_designs = law.call("GET", "designs").json()["designs"]
    assert {d["department_id"] for d in law_designs} == {None, law_designs[-1]["department_id"]}
    assert not any(d["name"].startswith("Arts") for d in law_designs)
    law_group = law.group(name="law-101")
    assert law_group["department_id"] is not None
    law.credential(law_group["id"])
    assert arts.call("GET", f"issuer/groups/{law_group['id']}").status_code == 404
    assert arts.call("GET", "all_credentials").json()["credentials"] == []
    assert arts.credential(law_group["id"]).json() == {"errors": "Invalid Group"}
    assert org.call("GET", f"issuer/groups/{law_group['id']}").status_code == 200
    assert len(org.call("GET", "all_credentials").json()["credentials"]) == 1
    arts_design = next(
        d for d in arts.call("GET", "designs").json()["designs"] if d["department_id"]
    )
    refused = law.call(
        "PUT",
        f"issuer/groups/{law_group['id']}",
        {"group": {"certificate_design_id": arts_design["id"]}},
    )
    assert refused.status_code == 422


def test_malformed_json_is_400_and_changes_nothing(api):
    answer = api.http.post("/v1/issuer/groups", content=b'{"group": {', headers=api.headers)
    assert answer.status_code == 400 and answer.json()["errors"].startswith("Invalid request body")
    assert api.call("POST", "issuer/groups", ["not", "an", "object"]).status_code == 400
    assert api.call("GET", "issuer/all_groups").json()["meta"]["total_count"] == 0


def test_a_body_over_one_mebibyte_is_413_and_changes_nothing(api):
    huge = {"group": {"name": "g", "course_name": "c", "course_description": "x" * (1024 * 1024)}}
    answer = api.call("POST", "issuer/groups", huge)
    assert (answer.status_code, answer.json()) == (
        413,
        {"errors": "Request body too large (limit 1 MiB)"},
    )
    assert api.call("GET", "issuer/all_groups").json()["meta"]["total_count"] == 0


def test_unknown_paths_are_404_not_500(api):
    answer = api.call("GET", "no/such/path")
    assert (answer.status_code, answer.json()) == (404, {"error": "Not found"})
    assert api.call("DELETE", "issuer/details").status_code == 404


def test_the_rate_limit_is_off_until_switched_on_then_429_with_retry_after(api):
    for _ in range(30):
        assert api.call("GET", "issuer/details").status_code == 200
    switched = api.http.post("/_sim/rate_limit", json={"requests": 5, "window": 60})
    assert switched.json() == {"requests": 5, "window": 60, "period": 30}
    statuses = [api.call("GET", "issuer/details").status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    limited = api.call("GET", "issuer/details")
    assert limited.json() == {"errors": "Too many requests"}
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    api.http.post("/_sim/clock", json={"advance": 61})
    assert api.call("GET", "issuer/details").status_code == 200
    api.http.post("/_sim/rate_limit", json={"requests": None})
    assert all(api.call("GET", "issuer/details").status_code == 200 for _ in range(10))
    assert api.http.post("/_sim/rate_limit", json={"requests": 0}).status_code == 400
