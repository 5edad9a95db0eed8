"""Groups: create, read, update, delete, list, search, clone, in both regions."""

import pytest


def test_create_answers_the_documented_group_shape(api):
    group = api.group(
        attach_pdf=True, language="fr", meta_data={"batch": "7"}, learning_outcomes=["SQL"]
    )
    expected_keys = {
        "id", "name", "course_name", "course_description", "course_link", "language", "attach_pdf",
        "allow_duplicate_credentials", "design_name", "design_id", "certificate_design_id",
        "badge_design_id", "primary_design_id", "blockchain", "department_id", "meta_data",
        "learning_outcomes", "generate_private_credential", "auto_expiry", "updated_at", "created_at",
    }  # fmt: skip
    assert set(group) == expected_keys
    assert isinstance(group["id"], int)
    assert (group["attach_pdf"], group["language"], group["meta_data"]) == (
        True,
        "fr",
        {"batch": "7"},
    )
    assert group["created_at"] == "2026-01-05T09:00:00.000Z"


def test_required_fields_answer_per_field_422(api):
    answer = api.create_group(name="only-a-name")
    assert answer.status_code == 422
    assert answer.json() == {
        "errors": {"course_name": ["can't be blank"], "course_description": ["can't be blank"]}
    }


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"attach_pdf": "yes"}, {"attach_pdf": ["must be true or false"]}),
        ({"language": "xx"}, {"language": ["is not included in the list"]}),
        ({"certificate_design_id": 999}, {"certificate_design_id": ["is invalid"]}),
        ({"meta_data": [1]}, {"meta_data": ["must be an object"]}),
        ({"name": 5}, {"name": ["must be a string"]}),
    ],
)
def test_wrong_types_are_422_and_create_nothing(api, fields, errors):
    body = {"name": "g", "course_name": "c", "course_description": "d", **fields}
    answer = api.create_group(**body)
    assert (answer.status_code, answer.json()) == (422, {"errors": errors})
    assert api.call("GET", "issuer/all_groups").json()["groups"] == []


def test_names_are_unique_per_issuer(api):
    api.group()
    again = api.create_group(name="intro-101", course_name="x", course_description="y")
    assert (again.status_code, again.json()) == (
        422,
        {"errors": {"name": ["has already been taken"]}},
    )


def test_get_accepts_string_ids_and_404s_in_accredibles_words(api):
    group = api.group()
    assert api.call("GET", f"issuer/groups/{group['id']}").json() == {"group": group}
    for bad in ("999", "abc"):
        answer = api.call("GET", f"issuer/groups/{bad}")
        assert (answer.status_code, answer.json()) == (404, {"errors": "Doesn't exist"})


def test_update_is_partial_and_all_or_nothing(api):
    group = api.group()
    renamed = api.call("PUT", f"issuer/groups/{group['id']}", {"group": {"course_name": "Data 2"}})
    assert renamed.status_code == 200
    assert renamed.json()["group"]["course_name"] == "Data 2"
    assert renamed.json()["group"]["name"] == "intro-101"
    refused = api.call(
        "PUT",
        f"issuer/groups/{group['id']}",
        {"group": {"course_name": "Data 3", "attach_pdf": "no"}},
    )
    assert refused.status_code == 422
    after = api.call("GET", f"issuer/groups/{group['id']}").json()["group"]
    assert after["course_name"] == "Data 2", "a refused update changes nothing"


def test_delete_answers_the_deleted_group_and_refuses_while_credentials_exist(api):
    group = api.group()
    api.credential(group["id"])
    refused = api.call("DELETE", f"issuer/groups/{group['id']}")
    assert refused.status_code == 422 and "credentials" in refused.json()["errors"]
    credential_id = api.call("GET", "all_credentials", group_id=group["id"]).json()["credentials"][
        0
    ]["id"]
    assert api.call("DELETE", f"credentials/{credential_id}").status_code == 200
    deleted = api.call("DELETE", f"issuer/groups/{group['id']}")
    assert deleted.status_code == 200 and deleted.json()["group"]["id"] == group["id"]
    assert api.call("GET", f"issuer/groups/{group['id']}").status_code == 404


def test_all_groups_pages_with_meta_and_filters_by_name(api):
    for i in range(7):
        api.group(name=f"course-{i}")
    page = api.call("GET", "issuer/all_groups", page=2, page_size=3).json()
    assert [g["name"] for g in page["groups"]] == ["course-3", "course-4", "course-5"]
    assert page["meta"] == {
        "current_page": 2,
        "next_page": 3,
        "prev_page": 1,
        "total_pages": 3,
        "total_count": 7,
    }
    named = api.call("GET", "issuer/all_groups", name="course-6", page="").json()
    assert [g["name"] for g in named["groups"]] == ["course-6"]


def test_search_matches_names_partially_and_by_ids(api):
    a = api.group(name="Intro to SQL", course_name="Databases")
    api.group(name="Advanced SQL", course_name="Databases II")
    api.group(name="Statistics", course_name="Stats")
    found = api.call("POST", "issuer/groups/search", {"name": "sql", "page_size": 10}).json()
    assert sorted(g["name"] for g in found["groups"]) == ["Advanced SQL", "Intro to SQL"]
    assert found["meta"]["total_count"] == 2
    by_course = api.call("POST", "issuer/groups/search", {"course_name": "databases ii"}).json()
    assert [g["name"] for g in by_course["groups"]] == ["Advanced SQL"]
    by_id = api.call("POST", "issuer/groups/search", {"ids": [a["id"]]}).json()
    assert [g["id"] for g in by_id["groups"]] == [a["id"]]
    empty = api.call("POST", "issuer/groups/search", {"name": "nothing"}).json()
    assert empty == {
        "groups": [],
        "meta": {
            "current_page": 1,
            "next_page": None,
            "prev_page": None,
            "total_pages": 1,
            "total_count": 0,
        },
    }
    bad = api.call("POST", "issuer/groups/search", {"ids": "1"})
    assert bad.status_code == 400


def test_clone_copies_settings_and_designs_but_no_credentials(api):
    design = api.design("badge")
    group = api.group(badge_design_id=design["id"], attach_pdf=True)
    api.credential(group["id"])
    clone = api.call("POST", f"issuer/groups/{group['id']}/clone").json()["group"]
    assert clone["id"] != group["id"]
    assert (clone["name"], clone["badge_design_id"], clone["attach_pdf"]) == (
        "intro-101 (copy)",
        design["id"],
        True,
    )
    assert api.call("GET", "all_credentials", group_id=clone["id"]).json()["credentials"] == []
    named = api.call("POST", f"issuer/groups/{group['id']}/clone", {"group": {"name": "intro-102"}})
    assert named.json()["group"]["name"] == "intro-102"
    again = api.call("POST", f"issuer/groups/{group['id']}/clone", {"group": {"name": "intro-102"}})
    assert again.status_code == 422


def test_a_design_of_the_wrong_kind_is_refused(api):
    badge = api.design("badge")
    answer = api.create_group(
        name="g", course_name="c", course_description="d", certificate_design_id=badge["id"]
    )
    assert (answer.status_code, answer.json()) == (
        422,
        {"errors": {"certificate_design_id": ["must be a certificate design"]}},
    )
