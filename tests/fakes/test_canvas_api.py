"""The fake Canvas over HTTP: auth, courses, modules, items and Link-header pagination, as
canvasapi and raw HTTP clients see them."""

import pytest
from canvasapi import Canvas
from canvasapi.exceptions import InvalidAccessToken, Unauthorized

from sim.transport import start_fakes


def test_no_token_is_unauthenticated_with_a_bearer_challenge(canvas_world):
    answer = canvas_world.http.get("/api/v1/courses")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="canvas-lms"'
    assert answer.json() == {
        "status": "unauthenticated",
        "errors": [{"message": "user authorization required"}],
    }


def test_an_unknown_token_is_an_invalid_access_token(canvas_world):
    answer = canvas_world.http.get("/api/v1/users/self", headers={"Authorization": "Bearer nope"})
    assert answer.status_code == 401
    assert answer.json() == {"errors": [{"message": "Invalid access token."}]}
    assert "WWW-Authenticate" in answer.headers


def test_the_access_token_parameter_works_like_the_header(canvas_world):
    answer = canvas_world.http.get(
        "/api/v1/users/self", params={"access_token": canvas_world.teacher}
    )
    assert answer.status_code == 200 and answer.json()["name"] == "Tess Teacher"


def test_a_teacher_may_not_create_courses_in_the_account(canvas_world):
    answer = canvas_world.http.post(
        f"/api/v1/accounts/{canvas_world.account_id}/courses",
        data={"course[name]": "Mine"},
        headers=canvas_world.auth("teacher"),
    )
    assert answer.status_code == 401
    assert "WWW-Authenticate" not in answer.headers
    assert answer.json()["errors"][0]["message"] == "user not authorized to perform that action"


def test_the_callers_courses_are_those_they_are_enrolled_in(canvas_world):
    mine = canvas_world.http.get("/api/v1/courses", headers=canvas_world.auth("student")).json()
    assert [c["name"] for c in mine] == ["Data Literacy"]
    assert mine[0]["enrollments"][0]["type"] == "student"
    assert (
        canvas_world.http.get("/api/v1/courses", headers=canvas_world.auth("outsider")).json() == []
    )


def test_an_unknown_course_is_404_in_canvas_words(canvas_world):
    answer = canvas_world.http.get("/api/v1/courses/999", headers=canvas_world.auth("admin"))
    assert answer.status_code == 404
    assert answer.json() == {"errors": [{"message": "The specified resource does not exist."}]}


def _module(world, name, **extra):
    data = {"module[name]": name, **{f"module[{k}]": v for k, v in extra.items()}}
    answer = world.http.post(
        f"/api/v1/courses/{world.ids['course']}/modules", data=data, headers=world.auth("teacher")
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_new_modules_start_unpublished_and_students_do_not_see_them(canvas_world):
    module = _module(canvas_world, "Certificate", require_sequential_progress="true")
    assert module["published"] is False
    assert module["require_sequential_progress"] is True
    assert module["items_url"].startswith(canvas_world.base_url + "/api/v1/courses/")
    as_student = canvas_world.http.get(
        f"/api/v1/courses/{canvas_world.ids['course']}/modules",
        headers=canvas_world.auth("student"),
    )
    assert as_student.status_code == 200 and as_student.json() == []


def test_a_module_needs_a_name(canvas_world):
    course = canvas_world.ids["course"]
    missing = canvas_world.http.post(
        f"/api/v1/courses/{course}/modules", headers=canvas_world.auth("teacher")
    )
    assert (missing.status_code, missing.json()) == (400, {"message": "missing module parameter"})
    blank = canvas_world.http.post(
        f"/api/v1/courses/{course}/modules",
        data={"module[name]": " "},
        headers=canvas_world.auth("teacher"),
    )
    assert (blank.status_code, blank.json()) == (400, {"message": "missing module name"})


def test_json_bodies_work_like_forms_and_malformed_json_is_a_400(canvas_world):
    course = canvas_world.ids["course"]
    headers = {**canvas_world.auth("teacher"), "Content-Type": "application/json"}
    made = canvas_world.http.post(
        f"/api/v1/courses/{course}/modules",
        content=b'{"module": {"name": "JSON"}}',
        headers=headers,
    )
    assert made.status_code == 200 and made.json()["name"] == "JSON"
    broken = canvas_world.http.post(
        f"/api/v1/courses/{course}/modules", content=b'{"module": ', headers=headers
    )
    assert (
        broken.status_code == 400 and broken.json()["errors"][0]["message"] == "An error occurred."
    )


def test_modules_page_with_canvas_link_headers(canvas_world):
    for i in range(25):
        _module(canvas_world, f"Week {i + 1}")
    url = f"/api/v1/courses/{canvas_world.ids['course']}/modules?include[]=items"
    names, pages = [], 0
    while url:
        answer = canvas_world.http.get(url, headers=canvas_world.auth("teacher"))
        pages += 1
        names += [m["name"] for m in answer.json()]
        link = answer.headers["Link"]
        assert ", <" not in link, "Canvas joins links with ',' and no space"
        assert f"<{canvas_world.base_url}/api/v1/courses/" in link
        assert "include%5B%5D=items" in link
        url = answer.links.get("next", {}).get("url")
    assert pages == 3
    assert names == [f"Week {i + 1}" for i in range(25)]
    first = canvas_world.http.get(
        f"/api/v1/courses/{canvas_world.ids['course']}/modules?per_page=500",
        headers=canvas_world.auth("teacher"),
    )
    assert len(first.json()) == 25 and 'rel="next"' not in first.headers["Link"]


def test_an_accredible_item_keeps_new_tab_and_starts_unpublished(canvas_world):
    module = _module(canvas_world, "Certificate")
    answer = canvas_world.http.post(
        f"/api/v1/courses/{canvas_world.ids['course']}/modules/{module['id']}/items",
        data={
            "module_item[type]": "ExternalTool",
            "module_item[title]": "Accredible",
            "module_item[external_url]": "http://eu.api.accredible.test/v1/canvas/lti/launch",
            "module_item[new_tab]": "1",
            "module_item[completion_requirement][type]": "must_view",
        },
        headers=canvas_world.auth("teacher"),
    )
    assert answer.status_code == 200, answer.text
    item = answer.json()
    assert item["module_id"] == module["id"]
    assert item["type"] == "ExternalTool" and item["new_tab"] is True and item["published"] is False
    assert item["completion_requirement"] == {"type": "must_view"}
    assert item["content_id"] == 0, "no installed tool matches the URL: Canvas's placeholder tool"
    course = canvas_world.ids["course"]
    assert (
        item["html_url"] == f"{canvas_world.base_url}/courses/{course}/modules/items/{item['id']}"
    )
    assert "launch_type=module_item" in item["url"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "missing module item parameter"),
        ({"module_item[type]": "ExternalTool"}, "missing external_url parameter"),
        ({"module_item[type]": "Page"}, "missing page_url parameter"),
        (
            {"module_item[type]": "Assignment", "module_item[content_id]": "5"},
            "Could not find content",
        ),
        (
            {
                "module_item[type]": "SubHeader",
                "module_item[title]": "x",
                "module_item[completion_requirement][type]": "must_dance",
            },
            "Invalid completion requirement type",
        ),
    ],
)
def test_bad_module_items_are_refused_with_canvas_messages(canvas_world, data, message):
    module = _module(canvas_world, "M")
    answer = canvas_world.http.post(
        f"/api/v1/courses/{canvas_world.ids['course']}/modules/{module['id']}/items",
        data=data,
        headers=canvas_world.auth("teacher"),
    )
    assert (answer.status_code, answer.json()) == (400, {"message": message})


def test_a_student_cannot_add_module_items(canvas_world):
    module = _module(canvas_world, "M")
    answer = canvas_world.http.post(
        f"/api/v1/courses/{canvas_world.ids['course']}/modules/{module['id']}/items",
        data={"module_item[type]": "SubHeader", "module_item[title]": "x"},
        headers=canvas_world.auth("student"),
    )
    assert answer.status_code == 401


@pytest.fixture(scope="module")
def socket_canvas():
    """canvasapi speaks requests over real sockets, so it needs a served fake."""
    with start_fakes("socket") as fakes:
        http = fakes.client("canvas")
        answer = http.post(
            "/_sim/seed",
            json={
                "users": [
                    {"name": "Ada Admin", "login_id": "ada", "admin": True, "token": "t-admin"},
                    {"name": "Tess Teacher", "login_id": "tess", "token": "t-teacher"},
                ]
            },
        ).json()
        yield fakes.urls["canvas"], answer["account_id"]


def test_canvasapi_builds_a_course_with_modules_and_items_unchanged(socket_canvas):
    url, account_id = socket_canvas
    canvas = Canvas(url, "t-admin")
    account = canvas.get_account(account_id)
    course = account.create_course(
        course={"name": "Via canvasapi", "course_code": "CAPI"}, offer=True
    )
    assert canvas.get_course(course.id).workflow_state == "available"
    for i in range(12):
        course.create_module(module={"name": f"Unit {i}"})
    modules = list(course.get_modules())
    assert [m.name for m in modules] == [f"Unit {i}" for i in range(12)]
    item = modules[0].create_module_item(
        module_item={
            "type": "ExternalTool",
            "content_id": 0,
            "external_url": "https://tool/launch",
            "new_tab": True,
        }
    )
    assert item.new_tab is True and item.module_id == modules[0].id
    assert [i.id for i in modules[0].get_module_items()] == [item.id]
    assert canvas.get_current_user().name == "Ada Admin"


def test_canvasapi_tells_a_bad_token_from_a_forbidden_action(socket_canvas):
    url, account_id = socket_canvas
    with pytest.raises(InvalidAccessToken):
        Canvas(url, "wrong").get_current_user()
    with pytest.raises(Unauthorized):
        Canvas(url, "t-teacher").get_account(account_id)
