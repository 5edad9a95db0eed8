"""Designs, issuer details, PDFs, evidence items, references and SSO links, in both regions."""

import pytest


def test_every_issuer_starts_with_certificate_and_badge_designs(api):
    designs = api.call("GET", "designs").json()["designs"]
    assert {d["kind"] for d in designs} == {"certificate", "badge"}
    certificates = api.call("GET", "designs", kind="certificates").json()["designs"]
    assert certificates and all(d["kind"] == "certificate" for d in certificates)
    assert api.call("GET", "designs", kind="stickers").status_code == 400


def test_a_design_shows_the_groups_that_use_it(api):
    design = api.design("badge")
    group = api.group(badge_design_id=design["id"])
    api.credential(group["id"])
    shown = api.call("GET", f"designs/{design['id']}").json()["design"]
    assert shown["kind"] == "badge" and shown["rasterized_content_url"].startswith("http")
    assert shown["groups"] == [
        {
            "id": group["id"],
            "name": "intro-101",
            "updated_at": group["updated_at"],
            "credentials_count": 1,
        }
    ]
    assert api.call("GET", "designs/1").json() == {"errors": "Doesn't exist"}


def test_design_search_and_all_designs_page_with_meta(api):
    found = api.call("POST", "designs/search", {"kind": "badge", "page_size": 2}).json()
    assert [d["kind"] for d in found["designs"]] == ["badge", "badge"]
    assert found["meta"]["total_count"] == 3 and found["meta"]["next_page"] == 2
    everything = api.call("GET", "issuer/all_designs", page_size=50).json()
    assert everything["meta"]["total_count"] == 6


def test_issuer_details_show_the_credits_left(api):
    before = api.call("GET", "issuer/details").json()["issuer"]
    assert before["certificate_left"] == 1000 and before["name"] == "Example Org"
    group = api.group(certificate_design_id=api.design()["id"])
    api.credential(group["id"])
    assert api.call("GET", "issuer/details").json()["issuer"]["certificate_left"] == 999


def test_pdf_links_are_stable_fake_files(api):
    group = api.group(certificate_design_id=api.design()["id"])
    ids = [api.credential(group["id"], f"s{i}@x.org").json()["credential"]["id"] for i in range(2)]
    one = api.call("POST", f"credentials/generate_single_pdf/{ids[0]}", {}).json()
    assert one["file"].endswith(".pdf")
    assert api.call("POST", f"credentials/generate_single_pdf/{ids[0]}", {}).json() == one
    zipped = api.call(
        "POST", "credentials/generate_pdf", {"credential_ids": [str(i) for i in ids]}
    ).json()
    assert zipped["file"].endswith(".zip")
    assert api.call("POST", "credentials/generate_pdf", {"credentials": ids}).json() == zipped
    assert api.call("POST", "credentials/generate_single_pdf/1", {}).status_code == 404
    assert api.call("POST", "credentials/generate_pdf", {}).status_code == 400


@pytest.fixture
def credential(api):
    group = api.group(certificate_design_id=api.design()["id"])
    return api.credential(group["id"]).json()["credential"]


def test_evidence_items_are_created_read_updated_and_deleted(api, credential):
    base = f"credentials/{credential['id']}/evidence_items"
    made = api.call(
        "POST",
        base,
        {
            "evidence_item": {
                "description": "Final Grade",
                "category": "grade",
                "string_object": "85",
                "hidden": False,
            }
        },
    )
    assert made.status_code == 200
    item = made.json()["evidence_item"]
    assert (item["type"], item["string_object"], item["position"]) == ("grade", {"grade": 85}, 1)
    assert api.call("GET", f"{base}/{item['id']}").json() == {"evidence_item": item}
    updated = api.call("PUT", f"{base}/{item['id']}", {"evidence_item": {"string_object": "90"}})
    assert updated.json()["evidence_item"]["string_object"] == {"grade": 90}
    shown = api.call("GET", f"credentials/{credential['id']}").json()["credential"][
        "evidence_items"
    ]
    assert [e["id"] for e in shown] == [item["id"]]
    assert api.call("DELETE", f"{base}/{item['id']}").json()["evidence_item"]["id"] == item["id"]
    gone = api.call("GET", f"{base}/{item['id']}")
    assert (gone.status_code, gone.json()) == (
        404,
        {"errors": "No Evidence Item with the id given on the credential"},
    )


def test_evidence_needs_a_description_and_a_known_category(api, credential):
    base = f"credentials/{credential['id']}/evidence_items"
    answer = api.call("POST", base, {"evidence_item": {"category": "poem"}})
    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == {"description", "category"}
    assert api.call("POST", base, {"description": "x"}).status_code == 400
    assert (
        api.call("POST", "credentials/1/evidence_items", {"evidence_item": {}}).status_code == 404
    )


def test_references_are_created_read_updated_and_deleted(api, credential):
    base = f"credentials/{credential['id']}/references"
    made = api.call(
        "POST",
        base,
        {
            "reference": {
                "description": "Worked hard",
                "relationship": "managed",
                "referee": {"name": "Jane Doe", "email": "jane@x.org"},
            }
        },
    )
    reference = made.json()["reference"]
    assert reference["referee"]["name"] == "Jane Doe" and reference["relationship"] == "managed"
    assert api.call("GET", f"{base}/{reference['id']}").json() == {"reference": reference}
    updated = api.call(
        "PATCH", f"{base}/{reference['id']}", {"reference": {"relationship": "mentored"}}
    )
    assert updated.json()["reference"]["relationship"] == "mentored"
    assert updated.json()["reference"]["referee"]["name"] == "Jane Doe"
    bad = api.call("PUT", f"{base}/{reference['id']}", {"reference": {"relationship": "rival"}})
    assert bad.status_code == 422
    assert (
        api.call("GET", f"{base}/{reference['id']}").json()["reference"]["relationship"]
        == "mentored"
    )
    assert api.call("DELETE", f"{base}/{reference['id']}").status_code == 200
    assert api.call("GET", f"{base}/{reference['id']}").status_code == 404


def test_sso_links_exist_only_for_published_credentials(api, credential):
    link = api.call("POST", "sso/generate_link", {"credential_id": credential["id"]}).json()["link"]
    assert link.startswith(credential["url"] + "/sso?code=")
    by_email = api.call("POST", "sso/generate_link", {"recipient_email": "SAM@example.edu"})
    assert by_email.status_code == 200
    draft_group = api.group(name="no-design")
    draft = api.credential(draft_group["id"], "d@x.org").json()["credential"]
    missing = api.call("POST", "sso/generate_link", {"credential_id": draft["id"]})
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": "No Published Credential with this attribute"},
    )
    assert api.call("POST", "sso/generate_link", {}).status_code == 400
