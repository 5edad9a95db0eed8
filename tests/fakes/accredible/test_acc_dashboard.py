"""The issuer's dashboard as a person clicks through it (HTML forms, a session cookie), and
the same actions as JSON for scripts."""

import re

import httpx
import pytest
from doc_client import DocClient, seed_issuer


@pytest.fixture
def browser(casim, region):
    """A cookie-keeping client of its own, as a person's browser would be."""
    app = casim.world.apps[f"accredible-{region}"]
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://dash.test"
    ) as client:
        yield client


def _sign_in(browser, key):
    return browser.post("/issuer/dashboard/login", data={"api_key": key})


def test_pages_need_a_sign_in_with_a_valid_key(api, browser):
    assert browser.get("/issuer/dashboard").headers["location"] == "/issuer/dashboard/login"
    refused = _sign_in(browser, "wrong")
    assert refused.status_code == 401 and "not valid on this server" in refused.text
    signed = _sign_in(browser, api.key)
    assert signed.status_code == 303 and "HttpOnly" in signed.headers["set-cookie"]
    assert browser.get("/issuer/dashboard").status_code == 200


def test_a_person_names_the_group_picks_a_design_and_turns_emails_off(api, browser):
    group = api.group(name="canvas-course-7", course_name="Course 7")
    waiting = api.credential(group["id"], "early@x.org").json()["credential"]
    _sign_in(browser, api.key)
    home = browser.get("/issuer/dashboard").text
    assert "canvas-course-7" in home and "<td>none</td>" in home
    page = browser.get(f"/issuer/dashboard/group/{group['id']}").text
    assert "Manage Certificate Design" in page and "Manage Badge Design" in page
    design_id = re.search(
        r"<select name='certificate_design_id'><option value=''>\(none\)</option><option value='(\d+)'",
        page,
    ).group(1)
    saved = browser.post(
        f"/issuer/dashboard/group/{group['id']}",
        data={"action": "save", "name": "Data Literacy Certificate", "course_name": "Data Literacy",
              "certificate_design_id": design_id, "badge_design_id": ""},
    )  # fmt: skip
    assert saved.status_code == 303
    shown = api.call("GET", f"issuer/groups/{group['id']}").json()["group"]
    assert (shown["name"], shown["certificate_design_id"]) == (
        "Data Literacy Certificate",
        int(design_id),
    )
    assert "name='emails'>" in browser.get(f"/issuer/dashboard/group/{group['id']}").text, (
        "unticked"
    )
    assert api.call("GET", f"credentials/{waiting['id']}").json()["credential"]["approve"] is False
    browser.post(f"/issuer/dashboard/group/{group['id']}", data={"action": "publish_all"})
    assert api.call("GET", f"credentials/{waiting['id']}").json()["credential"]["approve"] is True
    assert api.outbox() == [], "emails were switched off by the unticked box"


def test_a_bad_form_shows_why_and_changes_nothing(api, browser):
    api.group(name="taken")
    group = api.group(name="mine")
    _sign_in(browser, api.key)
    answer = browser.post(
        f"/issuer/dashboard/group/{group['id']}",
        data={"action": "save", "name": "taken", "course_name": "x", "emails": "on"},
    )
    assert answer.status_code == 200 and "has already been taken" in answer.text
    assert api.call("GET", f"issuer/groups/{group['id']}").json()["group"]["name"] == "mine"
    assert browser.get("/issuer/dashboard/group/999").status_code == 404


def test_publishing_one_credential_from_its_row(api, browser):
    group = api.group(badge_design_id=api.design("badge")["id"])
    api.dashboard("set_auto_publish", enabled=False)
    credential = api.credential(group["id"]).json()["credential"]
    assert credential["approve"] is False
    _sign_in(browser, api.key)
    assert "unapproved" in browser.get(f"/issuer/dashboard/group/{group['id']}").text
    browser.post(
        f"/issuer/dashboard/group/{group['id']}",
        data={"action": "publish", "credential_id": credential["id"]},
    )
    assert (
        api.call("GET", f"credentials/{credential['id']}").json()["credential"]["approve"] is True
    )
    assert [e["to"] for e in api.outbox()] == ["sam@example.edu"]


def test_the_settings_page_switches_automatic_publishing(api, browser):
    _sign_in(browser, api.key)
    assert "checked" in browser.get("/issuer/dashboard/settings").text
    browser.post("/issuer/dashboard/settings", data={})
    assert "checked" not in browser.get("/issuer/dashboard/settings").text
    group = api.group(certificate_design_id=api.design()["id"])
    assert api.credential(group["id"]).json()["credential"]["approve"] is False


def test_json_actions_refuse_unknown_actions_and_keys(casim, region):
    http = casim.client(f"accredible-{region}")
    seed_issuer(http, "k")
    api = DocClient(http, "k")
    unknown = api.dashboard("dance")
    assert unknown.status_code == 400 and "set_group_emails" in unknown.json()["error"]
    wrong_key = http.post(
        "/_sim/dashboard", json={"api_key": "nope", "action": "set_auto_publish", "enabled": True}
    )
    assert wrong_key.status_code == 401
    group = api.group()
    renamed = api.dashboard("rename_group", group_id=group["id"], name="Renamed")
    assert renamed.json()["name"] == "Renamed"
    assert api.dashboard("set_group_emails", group_id=group["id"], enabled="no").status_code == 400
