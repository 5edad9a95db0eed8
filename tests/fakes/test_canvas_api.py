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
    with start_fakes("socket", hostnames=False) as fakes:
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


def test_an_admin_masquerades_with_as_user_id_and_nobody_else_can(canvas_world):
    me = canvas_world.http.get(
        f"/api/v1/users/self?as_user_id={canvas_world.ids['sam']}",
        headers=canvas_world.auth("admin"),
    ).json()
    assert me["name"] == "Sam Student"
    refused = canvas_world.http.get(
        f"/api/v1/users/self?as_user_id={canvas_world.ids['tess']}",
        headers=canvas_world.auth("student"),
    )
    assert refused.status_code == 401
    nobody = canvas_world.http.get(
        "/api/v1/users/self?as_user_id=999", headers=canvas_world.auth("admin")
    )
    assert (nobody.status_code, nobody.json()) == (401, {"errors": "Invalid as_user_id"})


def test_every_api_answer_carries_the_throttle_headers(canvas_world):
    answer = canvas_world.http.get("/api/v1/courses", headers=canvas_world.auth("teacher"))
    assert "X-Request-Cost" in answer.headers
    assert float(answer.headers["X-Rate-Limit-Remaining"]) > 0
    failed = canvas_world.http.get("/api/v1/courses/999", headers=canvas_world.auth("teacher"))
    assert "X-Rate-Limit-Remaining" in failed.headers


def test_a_switched_on_throttle_refuses_with_canvas_text(canvas_world):
    switched = canvas_world.http.post(
        "/_sim/throttle", json={"enabled": True, "hwm": 100, "cost": 50, "outflow": 10}
    )
    assert switched.json()["enabled"] is True
    statuses = [
        canvas_world.http.get("/api/v1/courses", headers=canvas_world.auth("teacher")).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 403]
    refused = canvas_world.http.get("/api/v1/courses", headers=canvas_world.auth("teacher"))
    assert refused.text == "403 Forbidden (Rate Limit Exceeded)\n"
    assert refused.headers["content-type"].startswith("text/plain")
    assert (
        canvas_world.http.get("/api/v1/courses", headers=canvas_world.auth("student")).status_code
        == 200
    )
    canvas_world.http.post("/_sim/clock", json={"advance": 60})
    assert (
        canvas_world.http.get("/api/v1/courses", headers=canvas_world.auth("teacher")).status_code
        == 200
    )
    canvas_world.http.post("/_sim/throttle", json={"enabled": False})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"module[name]": "M", "module[position]": "first"}, "module[position]"),
        ({"module[name]": "M", "module[unlock_at]": "tomorrow"}, "module[unlock_at]"),
        (
            {"module[name]": "M", "module[require_sequential_progress]": "maybe"},
            "module[require_sequential_progress]",
        ),
    ],
)
def test_wrong_types_are_400_with_the_field_and_create_nothing(canvas_world, data, field):
    course = canvas_world.ids["course"]
    answer = canvas_world.http.post(
        f"/api/v1/courses/{course}/modules", data=data, headers=canvas_world.auth("teacher")
    )
    assert answer.status_code == 400 and field in answer.json()["message"]
    listed = canvas_world.http.get(
        f"/api/v1/courses/{course}/modules", headers=canvas_world.auth("teacher")
    )
    assert listed.json() == []


def test_module_batch_update_publishes_and_deletes(canvas_world):
    course = canvas_world.ids["course"]
    made = [_module(canvas_world, f"M{i}")["id"] for i in range(3)]
    url = f"/api/v1/courses/{course}/modules"
    published = canvas_world.http.put(
        url,
        data={"event": "publish", "module_ids[]": made[:2]},
        headers=canvas_world.auth("teacher"),
    )
    assert published.json() == {"completed": made[:2]}
    as_student = canvas_world.http.get(url, headers=canvas_world.auth("student")).json()
    assert [m["id"] for m in as_student] == made[:2]
    deleted = canvas_world.http.put(
        url,
        data={"event": "delete", "module_ids[]": [made[2]]},
        headers=canvas_world.auth("teacher"),
    )
    assert deleted.json() == {"completed": [made[2]]}
    missing = canvas_world.http.put(
        url, data={"module_ids[]": made}, headers=canvas_world.auth("teacher")
    )
    assert missing.status_code == 400


def test_items_move_between_modules_and_delete(canvas_world):
    course = canvas_world.ids["course"]
    a, b = _module(canvas_world, "A"), _module(canvas_world, "B")
    item = canvas_world.http.post(
        f"/api/v1/courses/{course}/modules/{a['id']}/items",
        data={"module_item[type]": "SubHeader", "module_item[title]": "Heading"},
        headers=canvas_world.auth("teacher"),
    ).json()
    moved = canvas_world.http.put(
        f"/api/v1/courses/{course}/modules/{a['id']}/items/{item['id']}",
        data={"module_item[module_id]": b["id"]},
        headers=canvas_world.auth("teacher"),
    ).json()
    assert moved["module_id"] == b["id"]
    bad = canvas_world.http.put(
        f"/api/v1/courses/{course}/modules/{b['id']}/items/{item['id']}",
        data={"module_item[module_id]": 999},
        headers=canvas_world.auth("teacher"),
    )
    assert (bad.status_code, bad.json()) == (400, {"message": "invalid module_id"})
    deleted = canvas_world.http.delete(
        f"/api/v1/courses/{course}/modules/{b['id']}/items/{item['id']}",
        headers=canvas_world.auth("teacher"),
    )
    assert deleted.json()["id"] == item["id"]
    gone = canvas_world.http.get(
        f"/api/v1/courses/{course}/modules/{b['id']}/items/{item['id']}",
        headers=canvas_world.auth("teacher"),
    )
    assert gone.status_code == 404


def test_an_accredible_item_resolves_the_installed_tool_by_url(canvas_world):
    course = canvas_world.ids["course"]
    tool = canvas_world.http.post(
        f"/api/v1/courses/{course}/external_tools",
        data={"name": "Accredible", "privacy_level": "public", "consumer_key": "k", "shared_secret": "s",
              "url": "https://api.accredible.test/v1/canvas/lti/launch"},
        headers=canvas_world.auth("teacher"),
    ).json()  # fmt: skip
    module = _module(canvas_world, "Certificate")
    item = canvas_world.http.post(
        f"/api/v1/courses/{course}/modules/{module['id']}/items",
        data={
            "module_item[type]": "ExternalTool",
            "module_item[external_url]": "https://api.accredible.test/v1/canvas/lti/launch",
        },
        headers=canvas_world.auth("teacher"),
    ).json()
    assert item["content_id"] == tool["id"] and item["title"] == "Accredible"
    launch = canvas_world.http.get(
        f"/api/v1/courses/{course}/external_tools/sessionless_launch?launch_type=module_item&module_item_id={item['id']}",
        headers=canvas_world.auth("teacher"),
    ).json()
    assert launch["id"] == tool["id"] and launch["url"].startswith(canvas_world.base_url)


def test_a_file_uploads_in_two_steps_and_becomes_a_module_item(canvas_world):
    course = canvas_world.ids["course"]
    step1 = canvas_world.http.post(
        f"/api/v1/courses/{course}/files", data={"name": "notes.pdf", "content_type": "application/pdf"},
        headers=canvas_world.auth("teacher"),
    ).json()  # fmt: skip
    path = step1["upload_url"].removeprefix(canvas_world.base_url)
    step2 = canvas_world.http.post(path, files={"file": ("notes.pdf", b"%PDF-1.4 hello")})
    assert step2.status_code == 201
    record = step2.json()
    assert (record["display_name"], record["size"]) == ("notes.pdf", 14)
    module = _module(canvas_world, "Files")
    item = canvas_world.http.post(
        f"/api/v1/courses/{course}/modules/{module['id']}/items",
        data={"module_item[type]": "File", "module_item[content_id]": record["id"]},
        headers=canvas_world.auth("teacher"),
    ).json()
    assert item["title"] == "notes.pdf" and item["url"].endswith(f"/api/v1/files/{record['id']}")


def test_an_invited_student_accepts_and_then_sees_the_course(canvas_world):
    course = canvas_world.ids["course"]
    enrollment = canvas_world.http.post(
        f"/api/v1/courses/{course}/enrollments",
        data={"enrollment[user_id]": canvas_world.ids["otto"]},
        headers=canvas_world.auth("admin"),
    ).json()
    assert (enrollment["type"], enrollment["enrollment_state"]) == ("StudentEnrollment", "invited")
    assert (
        canvas_world.http.get(
            f"/api/v1/courses/{course}", headers=canvas_world.auth("outsider")
        ).status_code
        == 401
    )
    stranger = canvas_world.http.post(
        f"/api/v1/courses/{course}/enrollments/{enrollment['id']}/accept",
        headers=canvas_world.auth("student"),
    )
    assert stranger.status_code == 401
    accepted = canvas_world.http.post(
        f"/api/v1/courses/{course}/enrollments/{enrollment['id']}/accept",
        headers=canvas_world.auth("outsider"),
    )
    assert accepted.json() == {"success": True}
    assert (
        canvas_world.http.get(
            f"/api/v1/courses/{course}", headers=canvas_world.auth("outsider")
        ).status_code
        == 200
    )
    mine = canvas_world.http.get(
        f"/api/v1/users/{canvas_world.ids['otto']}/enrollments",
        headers=canvas_world.auth("outsider"),
    ).json()
    assert [e["enrollment_state"] for e in mine] == ["active"]
