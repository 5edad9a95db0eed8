"""The four rules of the fake Accredible, held across both regions at once: R2 approval,
R3 delivery email, R6 one credential per email and group, R8 separate regions."""

import pytest
from doc_client import DocClient, seed_issuer


@pytest.fixture
def both(casim):
    clients = {}
    for region in ("us", "eu"):
        http = casim.client(f"accredible-{region}")
        seed_issuer(http, f"{region}-key")
        clients[region] = DocClient(http, f"{region}-key")
    return clients


def test_r2_no_design_means_unapproved_whatever_was_asked(both):
    for api in both.values():
        group = api.group()
        asked = api.credential(group["id"], approve=True).json()["credential"]
        assert asked["approve"] is False


def test_r2_after_a_design_new_credentials_publish_and_old_ones_wait(both):
    for api in both.values():
        group = api.group()
        early = api.credential(group["id"], "early@x.org").json()["credential"]
        api.dashboard("set_design", group_id=group["id"], kind="certificate").raise_for_status()
        late = api.credential(group["id"], "late@x.org").json()["credential"]
        held = api.credential(group["id"], "held@x.org", approve=False).json()["credential"]
        assert late["approve"] is True and held["approve"] is False
        assert (
            api.call("GET", f"credentials/{early['id']}").json()["credential"]["approve"] is False
        )


def test_r2_auto_publish_off_and_no_credits_leave_credentials_unapproved(casim):
    http = casim.client("accredible-eu")
    seed_issuer(http, "k", certificate_left=1)
    api = DocClient(http, "k")
    group = api.group(certificate_design_id=api.design()["id"])
    api.dashboard("set_auto_publish", enabled=False).raise_for_status()
    assert api.credential(group["id"], "a@x.org").json()["credential"]["approve"] is False
    api.dashboard("set_auto_publish", enabled=True).raise_for_status()
    assert api.credential(group["id"], "b@x.org").json()["credential"]["approve"] is True
    assert api.call("GET", "issuer/details").json()["issuer"]["certificate_left"] == 0
    assert api.credential(group["id"], "c@x.org").json()["credential"]["approve"] is False


def test_r3_one_email_at_publication_none_while_unapproved_none_when_off(both):
    for api in both.values():
        group = api.group(attach_pdf=True)
        waiting = api.credential(group["id"], "w@x.org").json()["credential"]
        assert api.outbox() == []
        api.dashboard("set_design", group_id=group["id"], kind="badge").raise_for_status()
        api.dashboard("publish_credential", credential_id=waiting["id"]).raise_for_status()
        api.call("PUT", f"credentials/{waiting['id']}", {"credential": {"approve": False}})
        api.call("PUT", f"credentials/{waiting['id']}", {"credential": {"approve": True}})
        emails = api.outbox()
        assert [(e["to"], e["credential_id"], e["pdf_attached"]) for e in emails] == [
            ("w@x.org", waiting["id"], True)
        ]
        assert emails[0]["credential_url"].endswith(f"/{waiting['id']}")
        api.dashboard("set_group_emails", group_id=group["id"], enabled=False).raise_for_status()
        api.credential(group["id"], "quiet@x.org")
        assert len(api.outbox()) == 1


def test_r6_a_second_credential_for_one_email_is_refused_unless_duplicates_are_allowed(both):
    for api in both.values():
        strict = api.group()
        assert api.credential(strict["id"], "s@x.org").status_code == 200
        again = api.credential(strict["id"], "S@X.org")
        assert again.status_code == 422
        assert again.json() == {"errors": {"credential": [
            "Recipient email has already been taken. Your group settings do not allow duplicates "
            "of this credential to be sent to the same email."]}}  # fmt: skip
        relaxed = api.group(name="relaxed", allow_duplicate_credentials=True)
        assert api.credential(relaxed["id"], "s@x.org").status_code == 200
        assert api.credential(relaxed["id"], "s@x.org").status_code == 200
        moved = api.credential(relaxed["id"], "m@x.org").json()["credential"]
        into_strict = api.call(
            "PUT",
            f"credentials/{moved['id']}",
            {"credential": {"group_id": strict["id"], "recipient": {"email": "s@x.org"}}},
        )
        assert into_strict.status_code == 422


def test_r8_regions_share_nothing(both):
    us, eu = both["us"], both["eu"]
    group = eu.group()
    credential = eu.credential(group["id"]).json()["credential"]
    assert us.call("GET", f"issuer/groups/{group['id']}").status_code == 404
    assert us.call("GET", f"credentials/{credential['id']}").status_code == 404
    assert us.call("GET", "all_credentials").json()["credentials"] == []
    assert us.outbox() == []
    wrong_region = DocClient(us.http, "eu-key").call("GET", "issuer/details")
    assert (wrong_region.status_code, wrong_region.json()) == (
        401,
        {"success": False, "data": "issuer_token not valid"},
    )
    assert us.group()["id"] != group["id"], "ids never collide across regions"
