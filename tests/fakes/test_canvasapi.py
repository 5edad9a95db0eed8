"""Every canvasapi call of reference section 5.3, unchanged, against the fake Canvas over real
sockets: only the base URL and the token differ from a script written for real Canvas."""

import httpx
import pytest
from canvasapi import Canvas
from canvasapi.exceptions import (
    BadRequest,
    Forbidden,
    InvalidAccessToken,
    ResourceDoesNotExist,
    Unauthorized,
)

from sim.transport import start_fakes

TOOL_URL = "https://tool.example/launch"


@pytest.fixture(scope="module")
def served():
    with start_fakes("socket", hostnames=False) as fakes:
        yield fakes


@pytest.fixture
def canvas_url(served):
    served.world.reset(0)
    http = served.client("canvas")
    answer = http.post(
        "/_sim/seed",
        json={"users": [
            {"name": "Ada Admin", "login_id": "ada@example.edu", "admin": True, "token": "t-admin"},
            {"name": "Tess Teacher", "login_id": "tess@example.edu", "token": "t-teacher"},
            {"name": "Sam Student", "login_id": "sam@example.edu", "token": "t-student"},
        ]},
    )  # fmt: skip
    assert answer.status_code == 200
    return served.urls["canvas"]


@pytest.fixture
def admin(canvas_url):
    return Canvas(canvas_url, "t-admin")


@pytest.fixture
def course(admin):
    """A published course with Tess teaching and Sam studying (both active)."""
    account = admin.get_account(1)
    course = account.create_course(
        course={"name": "Data Literacy", "course_code": "DATA101"}, offer=True
    )
    tess, sam = admin.get_user(2), admin.get_user(3)
    course.enroll_user(tess, enrollment={"type": "TeacherEnrollment", "enrollment_state": "active"})
    course.enroll_user(sam, enrollment={"type": "StudentEnrollment", "enrollment_state": "active"})
    return course


def test_current_user_self_and_profile(canvas_url):
    canvas = Canvas(canvas_url, "t-student")
    me = canvas.get_current_user()
    assert (me.id, me.name) == (3, "Sam Student")
    assert canvas.get_user("self").login_id == "sam@example.edu"
    profile = me.get_profile()
    assert (
        profile["primary_email"] == "sam@example.edu" and profile["login_id"] == "sam@example.edu"
    )
    assert profile["lti_user_id"]


def test_accounts_and_account_users(admin):
    assert [a.id for a in admin.get_accounts()] == [1]
    account = admin.get_account(1)
    made = account.create_user({"unique_id": "new@example.edu"}, user={"name": "New Person"})
    assert made.name == "New Person"
    assert admin.get_user(made.id).login_id == "new@example.edu"
    with pytest.raises(BadRequest):
        account.create_user({"unique_id": "NEW@example.edu"}, user={"name": "Twin"})


def test_courses_are_created_published_and_updated(admin):
    account = admin.get_account(1)
    draft = account.create_course(course={"name": "Draft"})
    assert draft.workflow_state == "unpublished"
    assert draft.update(course={"event": "offer"}) == "Draft"
    assert admin.get_course(draft.id).workflow_state == "available"
    draft.update(course={"event": "claim"})
    assert admin.get_course(draft.id).workflow_state == "unpublished"
    draft.update(course={"event": "conclude", "name": "Done"})
    concluded = admin.get_course(draft.id)
    assert (concluded.workflow_state, concluded.name) == ("completed", "Done")
    with pytest.raises(BadRequest):
        draft.update(course={"event": "explode"})


def test_enrollments_and_course_people(admin, course, canvas_url):
    enrollments = list(course.get_enrollments())
    assert sorted(e.type for e in enrollments) == ["StudentEnrollment", "TeacherEnrollment"]
    students = list(course.get_users(enrollment_type=["student"]))
    assert [u.name for u in students] == ["Sam Student"]
    assert course.get_user(3).name == "Sam Student"
    with_enrollments = list(course.get_users(include=["enrollments"], enrollment_type=["teacher"]))
    assert with_enrollments[0].enrollments[0]["type"] == "TeacherEnrollment"
    invited = admin.get_account(1).create_user(
        {"unique_id": "late@example.edu"}, user={"name": "Late Comer"}
    )
    enrollment = course.enroll_user(invited)  # the default: a student, invited
    assert (enrollment.type, enrollment.enrollment_state) == ("StudentEnrollment", "invited")
    assert [u.name for u in course.get_users(enrollment_state=["invited"])] == ["Late Comer"]


def test_a_listing_of_more_than_150_users_is_paged_through(admin, course):
    account = admin.get_account(1)
    for i in range(160):
        user = account.create_user(
            {"unique_id": f"s{i:03d}@example.edu"}, user={"name": f"Student {i:03d}"}
        )
        course.enroll_user(
            user, enrollment={"type": "StudentEnrollment", "enrollment_state": "active"}
        )
    students = list(course.get_users(enrollment_type=["student"]))
    assert len(students) == 161
    assert len({s.id for s in students}) == 161


def test_tokens_are_told_apart_from_permissions(canvas_url, course):
    with pytest.raises(InvalidAccessToken):
        Canvas(canvas_url, "no-such-token").get_current_user()
    student = Canvas(canvas_url, "t-student")
    with pytest.raises(Unauthorized):
        student.get_account(1)
    with pytest.raises(Unauthorized):
        student.get_course(course.id).create_module(module={"name": "Mine"})
    with pytest.raises(ResourceDoesNotExist):
        student.get_course(99999)


def test_external_tools_in_a_course_and_an_account(admin, course):
    tool = course.create_external_tool(
        name="Accredible", privacy_level="public", consumer_key="k", shared_secret="s", url=TOOL_URL,
        course_navigation={"enabled": True, "text": "Accredible"},
    )  # fmt: skip
    assert (tool.name, tool.version, tool.course_navigation["text"]) == (
        "Accredible",
        "1.1",
        "Accredible",
    )
    account_tool = admin.get_account(1).create_external_tool(
        "Campus Tool", "anonymous", "k2", "s2", url="https://campus.example/launch"
    )
    listed = [t.name for t in course.get_external_tools(include_parents=True)]
    assert listed == ["Accredible", "Campus Tool"]
    assert [t.name for t in course.get_external_tools(placement="course_navigation")] == [
        "Accredible"
    ]
    assert course.get_external_tool(tool.id).url == TOOL_URL
    assert "sessionless_launch" in tool.get_sessionless_launch_url()
    edited = tool.edit(name="Accredible (US)")
    assert edited.name == "Accredible (US)"
    tool.delete()
    with pytest.raises(ResourceDoesNotExist):
        course.get_external_tool(tool.id)
    assert account_tool.id != tool.id


def test_an_lti_13_tool_installs_from_a_developer_key(admin, course, canvas_url):
    config = {
        "developer_key": {"name": "Accredible", "redirect_uris": [TOOL_URL], "scopes": []},
        "tool_configuration": {"settings": {
            "title": "Accredible", "target_link_uri": TOOL_URL,
            "oidc_initiation_url": "https://tool.example/login",
            "public_jwk_url": "https://tool.example/jwks",
            "extensions": [{"platform": "canvas.instructure.com", "privacy_level": "public",
                            "settings": {"placements": [
                                {"placement": "course_navigation", "text": "Accredible"},
                                {"placement": "link_selection", "message_type": "LtiResourceLinkRequest"}]}}],
        }},
    }  # fmt: skip
    made = httpx.post(
        f"{canvas_url}/api/lti/accounts/1/developer_keys/tool_configuration",
        json=config,
        headers={"Authorization": "Bearer t-admin"},
    )
    assert made.status_code == 200, made.text
    client_id = made.json()["developer_key"]["id"]
    assert client_id > 10_000_000_000_000
    tool = course.create_external_tool(client_id=client_id)
    assert (tool.version, tool.developer_key_id, tool.privacy_level) == ("1.3", client_id, "public")
    assert tool.deployment_id.startswith(f"{tool.id}:")
    tabs = {t.id: t for t in course.get_tabs()}
    assert tabs[f"context_external_tool_{tool.id}"].label == "Accredible"


def test_modules_items_completion_and_relock(canvas_url, course):
    teacher = Canvas(canvas_url, "t-teacher").get_course(course.id)
    module = teacher.create_module(
        module={"name": "Certificate", "require_sequential_progress": True}
    )
    assert module.published is False
    page_item = module.create_module_item(
        module_item={"type": "SubHeader", "title": "Read this first"}
    )
    tool_item = module.create_module_item(
        module_item={"type": "ExternalTool", "content_id": 0, "external_url": TOOL_URL, "new_tab": True,
                     "completion_requirement": {"type": "must_view"}}
    )  # fmt: skip
    assert [i.id for i in module.get_module_items()] == [page_item.id, tool_item.id]
    assert module.get_module_item(tool_item.id).new_tab is True
    tool_item.edit(module_item={"title": "Get your certificate"})
    module.edit(module={"published": True})
    assert teacher.get_module(module.id).published is True
    assert all(i.published for i in module.get_module_items())
    student_course = Canvas(canvas_url, "t-student").get_course(course.id)
    mine = student_course.get_module(module.id)
    assert mine.state == "unlocked"
    listed = list(teacher.get_modules(include=["items"], student_id=3))
    assert listed[0].items[1]["completion_requirement"] == {"type": "must_view", "completed": False}
    answer = httpx.post(
        f"{canvas_url}/api/v1/courses/{course.id}/modules/{module.id}/items/{tool_item.id}/mark_read",
        headers={"Authorization": "Bearer t-student"},
    )
    assert answer.json() == {"message": "OK"}
    assert student_course.get_module(module.id).state == "completed"
    relocked = module.relock()
    assert relocked.id == module.id


def test_mark_done_and_undo_through_canvasapi(canvas_url, course):
    teacher = Canvas(canvas_url, "t-teacher").get_course(course.id)
    page = httpx.post(
        f"{canvas_url}/api/v1/courses/{course.id}/pages",
        data={"wiki_page[title]": "Syllabus", "wiki_page[published]": "true"},
        headers={"Authorization": "Bearer t-teacher"},
    ).json()
    module = teacher.create_module(module={"name": "Start"})
    module.create_module_item(
        module_item={
            "type": "Page",
            "page_url": page["url"],
            "completion_requirement": {"type": "must_mark_done"},
        }
    )
    module.edit(module={"published": True})
    student_course = Canvas(canvas_url, "t-student").get_course(course.id)
    item = next(iter(student_course.get_module(module.id).get_module_items()))
    item.complete()
    assert student_course.get_module(module.id).state == "completed"
    item.uncomplete()
    assert student_course.get_module(module.id).state == "unlocked"


def test_a_locked_item_cannot_be_marked_read(canvas_url, course):
    teacher = Canvas(canvas_url, "t-teacher").get_course(course.id)
    first = teacher.create_module(module={"name": "First"})
    first.create_module_item(module_item={"type": "SubHeader", "title": "x"})
    page = httpx.post(
        f"{canvas_url}/api/v1/courses/{course.id}/pages",
        data={"wiki_page[title]": "Reading", "wiki_page[published]": "1"},
        headers={"Authorization": "Bearer t-teacher"},
    ).json()
    first.create_module_item(
        module_item={
            "type": "Page",
            "page_url": page["url"],
            "completion_requirement": {"type": "must_view"},
        }
    )
    second = teacher.create_module(module={"name": "Second", "prerequisite_module_ids": [first.id]})
    item = second.create_module_item(
        module_item={"type": "ExternalTool", "content_id": 0, "external_url": TOOL_URL}
    )
    first.edit(module={"published": True})
    second.edit(module={"published": True})
    answer = httpx.post(
        f"{canvas_url}/api/v1/courses/{course.id}/modules/{second.id}/items/{item.id}/mark_read",
        headers={"Authorization": "Bearer t-student"},
    )
    assert (answer.status_code, answer.json()) == (403, {"message": "The module item is locked."})
    with pytest.raises(Forbidden):
        next(
            iter(
                Canvas(canvas_url, "t-student")
                .get_course(course.id)
                .get_module(second.id)
                .get_module_items()
            )
        ).complete()
