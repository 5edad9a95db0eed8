"""The fake Accredible over HTTP: auth schemes, regions, groups, credentials, R2 and R3."""

import pytest


@pytest.mark.parametrize(
    "header", ["Token token=us-key", 'Token token="us-key"', "Token us-key", "Bearer us-key"]
)
def test_every_auth_scheme_real_clients_send_is_accepted(accredible, header):
    us = accredible["us"]
    answer = us.http.get("/v1/designs", headers={"Authorization": header})
    assert answer.status_code == 200
    kinds = {d["kind"] for d in answer.json()["designs"]}
    assert kinds == {"certificate", "badge"}


def test_a_missing_header_is_rails_plain_text_denial(accredible):
    answer = accredible["us"].http.get("/v1/designs")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.text == "HTTP Token: Access denied.\n"
    assert answer.headers["WWW-Authenticate"] == 'Token realm="Application"'


def test_a_key_is_valid_only_in_its_own_region(accredible):
    us, eu = accredible["us"], accredible["eu"]
    answer = eu.http.get("/v1/designs", headers=us.auth)
    assert answer.status_code == 401
    assert answer.json() == {"success": False, "data": "issuer_token not valid"}


def _group(region, **fields):
    body = {
        "name": "course-1",
        "course_name": "Data Literacy",
        "course_description": "Well done.",
        **fields,
    }
    answer = region.http.post("/v1/issuer/groups", json={"group": body}, headers=region.auth)
    assert answer.status_code == 200, answer.text
    return answer.json()["group"]


def _credential(region, group_id, email="sam@example.edu", **fields):
    body = {"group_id": group_id, "recipient": {"name": "Sam Student", "email": email}, **fields}
    return region.http.post("/v1/credentials", json={"credential": body}, headers=region.auth)


def test_a_group_needs_name_course_name_and_description(accredible):
    us = accredible["us"]
    answer = us.http.post("/v1/issuer/groups", json={"group": {"name": "x"}}, headers=us.auth)
    assert answer.status_code == 422
    assert answer.json() == {
        "errors": {"course_name": ["can't be blank"], "course_description": ["can't be blank"]}
    }


def test_group_names_are_unique_per_issuer_but_not_across_regions(accredible):
    _group(accredible["us"])
    again = accredible["us"].http.post(
        "/v1/issuer/groups",
        json={"group": {"name": "course-1", "course_name": "a", "course_description": "b"}},
        headers=accredible["us"].auth,
    )
    assert again.status_code == 422 and again.json() == {
        "errors": {"name": ["has already been taken"]}
    }
    assert _group(accredible["eu"])["name"] == "course-1"


def test_a_group_is_read_back_with_string_ids_in_the_path(accredible):
    us = accredible["us"]
    made = _group(us, attach_pdf=True)
    read = us.http.get(f"/v1/issuer/groups/{made['id']}", headers=us.auth).json()["group"]
    assert read == made
    assert read["created_at"].endswith(".000Z")
    missing = us.http.get("/v1/issuer/groups/abc", headers=us.auth)
    assert (missing.status_code, missing.json()) == (404, {"errors": "Doesn't exist"})


def test_a_credential_without_a_design_is_unapproved_and_sends_no_email(accredible):
    us = accredible["us"]
    group = _group(us)
    answer = _credential(us, group["id"])
    assert answer.status_code == 200
    credential = answer.json()["credential"]
    assert credential["approve"] is False
    assert (
        credential["group_id"] == group["id"]
        and credential["recipient"]["email"] == "sam@example.edu"
    )
    assert isinstance(credential["id"], int)
    assert us.http.get("/_sim/outbox").json()["emails"] == []


def test_after_a_design_is_assigned_new_credentials_publish_and_old_ones_stay_unapproved(
    accredible,
):
    us = accredible["us"]
    group = _group(us)
    old = _credential(us, group["id"], "early@example.edu").json()["credential"]
    design = us.http.get("/v1/designs?kind=certificates", headers=us.auth).json()["designs"][0]
    updated = us.http.put(
        f"/v1/issuer/groups/{group['id']}",
        json={"group": {"certificate_design_id": design["id"]}},
        headers=us.auth,
    )
    assert (
        updated.status_code == 200
        and updated.json()["group"]["certificate_design_id"] == design["id"]
    )
    new = _credential(us, group["id"], "late@example.edu").json()["credential"]
    assert new["approve"] is True
    assert (
        us.http.get(f"/v1/credentials/{old['id']}", headers=us.auth).json()["credential"]["approve"]
        is False
    )
    emails = us.http.get("/_sim/outbox").json()["emails"]
    assert [(e["to"], e["credential_id"]) for e in emails] == [("late@example.edu", new["id"])]


def test_group_emails_off_publishes_silently(accredible):
    us = accredible["us"]
    design = us.http.get("/v1/designs?kind=badges", headers=us.auth).json()["designs"][0]
    group = _group(us, badge_design_id=design["id"])
    us.http.post(
        "/_sim/dashboard",
        json={
            "api_key": us.key,
            "action": "set_group_emails",
            "group_id": group["id"],
            "enabled": False,
        },
    ).raise_for_status()
    assert _credential(us, group["id"]).json()["credential"]["approve"] is True
    assert us.http.get("/_sim/outbox").json()["emails"] == []


def test_a_design_of_the_wrong_kind_or_issuer_is_refused(accredible):
    us, eu = accredible["us"], accredible["eu"]
    badge = us.http.get("/v1/designs?kind=badges", headers=us.auth).json()["designs"][0]
    wrong_kind = us.http.post(
        "/v1/issuer/groups",
        json={
            "group": {
                "name": "g",
                "course_name": "a",
                "course_description": "b",
                "certificate_design_id": badge["id"],
            }
        },
        headers=us.auth,
    )
    assert wrong_kind.status_code == 422
    other_region = eu.http.post(
        "/v1/issuer/groups",
        json={
            "group": {
                "name": "g",
                "course_name": "a",
                "course_description": "b",
                "badge_design_id": badge["id"],
            }
        },
        headers=eu.auth,
    )
    assert other_region.json() == {"errors": {"badge_design_id": ["is invalid"]}}


def test_a_second_credential_for_the_same_email_is_refused_unless_duplicates_are_allowed(
    accredible,
):
    us = accredible["us"]
    strict, relaxed = _group(us), _group(us, name="course-2", allow_duplicate_credentials=True)
    assert _credential(us, strict["id"]).status_code == 200
    again = _credential(us, strict["id"], "SAM@example.edu")
    assert (
        again.status_code == 422
        and "do not allow duplicates" in again.json()["errors"]["credential"][0]
    )
    assert _credential(us, relaxed["id"]).status_code == 200
    assert _credential(us, relaxed["id"]).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "errors"),
    [
        ({"group_id": 1, "recipient": {"name": "x", "email": "x@y.z"}}, 422, "Invalid Group"),
        (
            {"group_name": "nope", "recipient": {"name": "x", "email": "x@y.z"}},
            422,
            "Invalid Group",
        ),
        ({"group_name": "course-1"}, 422, "Can not create credential without recipient data"),
        (
            {
                "group_name": "course-1",
                "recipient": {"name": "x", "email": "x@y.z"},
                "issued_on": "soon",
            },
            422,
            {"issued_on": ["is not a valid date (use YYYY-MM-DD)"]},
        ),
    ],
)
def test_bad_credentials_get_accredible_error_bodies_and_change_nothing(
    accredible, body, status, errors
):
    us = accredible["us"]
    group = _group(us)
    answer = us.http.post("/v1/credentials", json={"credential": body}, headers=us.auth)
    assert (answer.status_code, answer.json()) == (status, {"errors": errors})
    listed = us.http.get(f"/v1/all_credentials?group_id={group['id']}", headers=us.auth).json()
    assert listed["credentials"] == []


def test_legacy_group_name_and_lenient_dates_are_accepted(accredible):
    us = accredible["us"]
    _group(us)
    answer = us.http.post(
        "/v1/credentials",
        json={
            "credential": {
                "group_name": "course-1",
                "recipient": {"name": "A", "email": "a@b.c"},
                "issued_on": "2021-01-01 00:00:00 +0000",
            }
        },
        headers=us.auth,
    )
    assert answer.status_code == 200 and answer.json()["credential"]["issued_on"] == "2021-01-01"


def test_malformed_json_and_a_missing_envelope_are_400(accredible):
    us = accredible["us"]
    headers = {**us.auth, "Content-Type": "application/json"}
    assert us.http.post("/v1/credentials", content=b"{nope", headers=headers).status_code == 400
    answer = us.http.post("/v1/credentials", json={"recipient": {}}, headers=us.auth)
    assert answer.status_code == 400 and "credential" in answer.json()["errors"]


def test_an_unknown_credential_is_moodles_not_found_body(accredible):
    us = accredible["us"]
    answer = us.http.get("/v1/credentials/123", headers=us.auth)
    assert answer.status_code == 404
    assert answer.json() == {
        "success": False,
        "data": "No credential with the id given in your account",
    }


def test_all_credentials_filters_pages_and_ignores_empty_parameters(accredible):
    us = accredible["us"]
    design = us.http.get("/v1/designs?kind=certificates", headers=us.auth).json()["designs"][0]
    group = _group(us, certificate_design_id=design["id"])
    for i in range(5):
        _credential(us, group["id"], f"s{i}@example.edu")
    page = us.http.get(
        f"/v1/all_credentials?group_id={group['id']}&email=&page_size=2&page=3", headers=us.auth
    ).json()
    assert page["meta"] == {
        "current_page": 3,
        "next_page": None,
        "prev_page": 2,
        "total_pages": 3,
        "total_count": 5,
    }
    assert [c["recipient"]["email"] for c in page["credentials"]] == ["s4@example.edu"]
    one = us.http.get("/v1/all_credentials?email=S2@example.edu", headers=us.auth).json()
    assert [c["recipient"]["email"] for c in one["credentials"]] == ["s2@example.edu"]


def test_eu_data_never_shows_on_the_us_instance(accredible):
    eu, us = accredible["eu"], accredible["us"]
    group = _group(eu)
    credential = _credential(eu, group["id"]).json()["credential"]
    assert us.http.get(f"/v1/issuer/groups/{group['id']}", headers=us.auth).status_code == 404
    assert us.http.get(f"/v1/credentials/{credential['id']}", headers=us.auth).status_code == 404
    assert us.http.get("/v1/all_credentials", headers=us.auth).json()["credentials"] == []
