"""Credentials: create, read, update, delete, list, search, bulk create, in both regions."""

import pytest

CREDENTIAL_KEYS = {
    "id", "uuid", "name", "description", "approve", "grade", "complete", "issued_on", "expired_on",
    "published_on", "course_link", "custom_attributes", "group_name", "group_id", "url",
    "encoded_id", "private", "license_id", "seo_image", "certificate", "badge", "evidence_items",
    "references", "recipient", "issuer", "meta_data", "created_at", "updated_at",
}  # fmt: skip


@pytest.fixture
def published_group(api):
    return api.group(certificate_design_id=api.design()["id"])


def test_create_answers_the_documented_credential_shape(api, published_group):
    answer = api.credential(
        published_group["id"],
        issued_on="2026-01-02",
        custom_attributes={"Location": "London"},
        meta_data={"batch": "9"},
        id="PK-1",
    )
    assert answer.status_code == 200
    credential = answer.json()["credential"]
    assert set(credential) == CREDENTIAL_KEYS
    assert isinstance(credential["id"], int) and credential["encoded_id"] == str(credential["id"])
    assert credential["approve"] is True
    assert credential["issued_on"] == "2026-01-02" and credential["license_id"] == "PK-1"
    assert credential["group_name"] == "intro-101" and credential["name"] == "Intro to Data"
    assert credential["recipient"] == {"name": "Sam Student", "email": "sam@example.edu"}
    assert credential["certificate"]["image"]["preview"].endswith(
        f"/certificate/{credential['id']}"
    )
    assert credential["badge"]["image"]["preview"] is None
    assert credential["url"] == str(api.http.base_url).rstrip("/") + f"/{credential['id']}"


def test_issued_on_defaults_to_the_simulated_today(api, published_group):
    assert api.credential(published_group["id"]).json()["credential"]["issued_on"] == "2026-01-05"


@pytest.mark.parametrize(
    "issued_on", ["2021-01-01", "2021-01-01T10:00:00Z", "2021-01-01 00:00:00 +0000", "01/01/2021"]
)
def test_dates_are_parsed_leniently(api, published_group, issued_on):
    answer = api.credential(published_group["id"], issued_on=issued_on)
    assert answer.json()["credential"]["issued_on"] == "2021-01-01"


@pytest.mark.parametrize(
    ("extra", "body"),
    [
        ({"group_id": 424242}, {"errors": "Invalid Group"}),
        ({"group_id": "abc"}, {"errors": "Invalid Group"}),
        (
            {"recipient": {"name": "x"}},
            {"errors": "Can not create credential without recipient data"},
        ),
        (
            {"recipient": {"name": "x", "email": "not-an-email"}},
            {"errors": {"recipient.email": ["is invalid"]}},
        ),
        (
            {"issued_on": "someday"},
            {"errors": {"issued_on": ["is not a valid date (use YYYY-MM-DD)"]}},
        ),
        ({"approve": "yes"}, {"errors": {"approve": ["must be true or false"]}}),
        ({"custom_attributes": "x"}, {"errors": {"custom_attributes": ["must be an object"]}}),
    ],
)
def test_bad_credentials_are_422_and_create_nothing(api, published_group, extra, body):
    fields = {
        "group_id": published_group["id"],
        "recipient": {"name": "S", "email": "s@e.org"},
        **extra,
    }
    answer = api.call("POST", "credentials", {"credential": fields})
    assert (answer.status_code, answer.json()) == (422, body)
    assert api.call("GET", "all_credentials").json()["meta"]["total_count"] == 0


def test_legacy_group_name_picks_the_group(api, published_group):
    answer = api.call(
        "POST",
        "credentials",
        {"credential": {"group_name": "intro-101", "recipient": {"name": "A", "email": "a@b.c"}}},
    )
    assert answer.json()["credential"]["group_id"] == published_group["id"]


def test_get_404_is_the_moodle_fixture_body(api):
    for bad in ("1", "nope"):
        answer = api.call("GET", f"credentials/{bad}")
        assert answer.status_code == 404
        assert answer.json() == {
            "success": False,
            "data": "No credential with the id given in your account",
        }


def test_put_and_patch_update_fields_and_ignore_unknown_keys(api, published_group):
    credential = api.credential(published_group["id"]).json()["credential"]
    put = api.call(
        "PUT", f"credentials/{credential['id']}",
        {"credential": {"recipient": {"phone_number": "+14155552671"}, "approved": True, "grade": "A"}},
    )  # fmt: skip
    assert put.status_code == 200
    assert put.json()["credential"]["recipient"]["phone_number"] == "+14155552671"
    assert put.json()["credential"]["grade"] == "A"
    patch = api.call(
        "PATCH", f"credentials/{credential['id']}", {"credential": {"expired_on": "2027-01-01"}}
    )
    assert patch.json()["credential"]["expired_on"] == "2027-01-01"
    missing = api.call("PUT", "credentials/1", {"credential": {"grade": "B"}})
    assert missing.status_code == 404
    no_envelope = api.call("PUT", f"credentials/{credential['id']}", {"grade": "B"})
    assert no_envelope.status_code == 400


def test_put_approve_publishes_and_false_unpublishes(api):
    group = api.group()
    credential = api.credential(group["id"]).json()["credential"]
    refused = api.call("PUT", f"credentials/{credential['id']}", {"credential": {"approve": True}})
    assert (
        refused.status_code == 422 and "no certificate or badge design" in refused.json()["errors"]
    )
    api.call(
        "PUT",
        f"issuer/groups/{group['id']}",
        {"group": {"badge_design_id": api.design("badge")["id"]}},
    )
    published = api.call(
        "PUT", f"credentials/{credential['id']}", {"credential": {"approve": True}}
    )
    assert published.json()["credential"]["approve"] is True
    assert published.json()["credential"]["published_on"] == "2026-01-05T09:00:00.000Z"
    unpublished = api.call(
        "PUT", f"credentials/{credential['id']}", {"credential": {"approve": False}}
    )
    assert unpublished.json()["credential"]["approve"] is False


def test_delete_answers_the_deleted_credential(api, published_group):
    credential = api.credential(published_group["id"]).json()["credential"]
    deleted = api.call("DELETE", f"credentials/{credential['id']}")
    assert deleted.status_code == 200 and deleted.json()["credential"]["id"] == credential["id"]
    assert api.call("GET", f"credentials/{credential['id']}").status_code == 404


def test_all_credentials_filters_by_every_documented_parameter(api, published_group):
    other = api.group(name="other", certificate_design_id=api.design()["id"])
    api.credential(published_group["id"], "a@x.org", issued_on="2025-01-10", id="L1")
    api.http.post("/_sim/clock", json={"advance": 86400 * 3})
    api.call("POST", "credentials", {"credential": {
        "group_id": published_group["id"], "issued_on": "2025-02-10",
        "recipient": {"name": "Bea", "email": "b@x.org", "id": "R-2"}}})  # fmt: skip
    api.credential(other["id"], "a@x.org", issued_on="2025-03-10")

    def emails(**params):
        body = api.call("GET", "all_credentials", **params).json()
        return sorted(
            c["recipient"]["email"] + "/" + str(c["group_id"]) for c in body["credentials"]
        )

    g, o = published_group["id"], other["id"]
    assert emails(group_id=g) == [f"a@x.org/{g}", f"b@x.org/{g}"]
    assert emails(email="A@X.ORG") == sorted([f"a@x.org/{g}", f"a@x.org/{o}"])
    assert emails(recipient_id="R-2") == [f"b@x.org/{g}"]
    assert emails(license_id="L1") == [f"a@x.org/{g}"]
    assert emails(start_date="2025-02-01", end_date="2025-02-28") == [f"b@x.org/{g}"]
    assert emails(start_updated_date="2026-01-06") == sorted([f"b@x.org/{g}", f"a@x.org/{o}"])
    assert emails(group_id="", email="", page_size="", page=1) == emails()
    assert len(emails()) == 3


def test_all_credentials_pages_and_caps_page_size(api, published_group):
    for i in range(5):
        api.credential(published_group["id"], f"s{i}@x.org")
    page = api.call("GET", "all_credentials", page_size=2, page=3).json()
    assert page["meta"] == {
        "current_page": 3,
        "next_page": None,
        "prev_page": 2,
        "total_pages": 3,
        "total_count": 5,
    }
    huge = api.call("GET", "all_credentials", page_size=100000).json()
    assert len(huge["credentials"]) == 5 and huge["meta"]["total_pages"] == 1
    bad = api.call("GET", "all_credentials", page="first")
    assert bad.status_code == 400


def test_search_takes_the_documented_body(api, published_group):
    api.call("POST", "credentials", {"credential": {
        "group_id": published_group["id"], "meta_data": {"batch": "772"},
        "recipient": {"name": "Jordan Smith", "email": "j@x.org", "id": "ct992"}}})  # fmt: skip
    api.credential(published_group["id"], "k@x.org")
    for body in (
        {"recipient.name": "jordan"},
        {"recipient.email": "j@x.org"},
        {"recipient.id": "ct992"},
        {"meta_data": {"batch": "772"}},
        {
            "group_id": published_group["id"],
            "recipient.email": "J@x.org",
            "page": 1,
            "page_size": 50,
        },
    ):
        found = api.call("POST", "credentials/search", body).json()
        assert [c["recipient"]["email"] for c in found["credentials"]] == ["j@x.org"], body
        assert "seo_image" in found["credentials"][0] and "encoded_id" in found["credentials"][0]
    assert api.call("POST", "credentials/search", {"meta_data": "x"}).status_code == 400


def test_bulk_create_answers_credentials_and_is_all_or_nothing(api, published_group):
    people = [
        {"recipient": {"name": f"P{i}", "email": f"p{i}@x.org"}, "group_id": published_group["id"]}
        for i in range(3)
    ]
    made = api.call("POST", "credentials/bulk_create", {"credentials": people})
    assert made.status_code == 200
    assert [c["recipient"]["email"] for c in made.json()["credentials"]] == [
        "p0@x.org",
        "p1@x.org",
        "p2@x.org",
    ]
    mixed = [
        {"recipient": {"name": "N", "email": "new@x.org"}, "group_id": published_group["id"]},
        {"recipient": {"name": "Dup", "email": "p1@x.org"}, "group_id": published_group["id"]},
        {"recipient": {"name": "G"}, "group_id": published_group["id"]},
    ]
    refused = api.call("POST", "credentials/bulk_create", {"credentials": mixed})
    assert refused.status_code == 422
    assert [e["index"] for e in refused.json()["errors"]] == [1, 2]
    assert api.call("GET", "all_credentials", email="new@x.org").json()["credentials"] == []
    twins = [
        {"recipient": {"name": "T", "email": "t@x.org"}, "group_id": published_group["id"]}
    ] * 2
    assert api.call("POST", "credentials/bulk_create", {"credentials": twins}).status_code == 422


def test_bulk_create_takes_at_most_100(api, published_group):
    many = [
        {"recipient": {"name": "P", "email": f"p{i}@x.org"}, "group_id": published_group["id"]}
        for i in range(101)
    ]
    answer = api.call("POST", "credentials/bulk_create", {"credentials": many})
    assert answer.status_code == 422 and "at most 100" in answer.json()["errors"]
    assert (
        api.call("POST", "credentials/bulk_create", {"credentials": many[:100]}).status_code == 200
    )
    assert api.call("POST", "credentials/bulk_create", {"nope": []}).status_code == 400
