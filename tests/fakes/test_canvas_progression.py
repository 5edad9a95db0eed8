"""R4 in the fake Canvas: module progressions and item locks, per requirement type, with
prerequisites, sequential progress, unlock dates on the shared clock and unpublished modules."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

pytestmark = pytest.mark.R4


@dataclass
class Course:
    world: object
    http: object
    id: int

    def call(self, who, method, path, **kwargs):
        headers = {"Authorization": f"Bearer tok-{who}"}
        return self.http.request(
            method, f"/api/v1/courses/{self.id}{path}", headers=headers, **kwargs
        )

    def ok(self, who, method, path, **kwargs):
        answer = self.call(who, method, path, **kwargs)
        assert answer.status_code < 300, f"{method} {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def module(self, name, **fields):
        data = {"module[name]": name, **{f"module[{k}]": v for k, v in fields.items()}}
        return self.ok("teacher", "POST", "/modules", data=data)

    def item(self, module, **fields):
        data = {f"module_item[{k}]": v for k, v in fields.items() if k != "requirement"}
        if "requirement" in fields:
            kind, _, score = fields["requirement"].partition(":")
            data["module_item[completion_requirement][type]"] = kind
            if score:
                data["module_item[completion_requirement][min_score]"] = score
        return self.ok("teacher", "POST", f"/modules/{module['id']}/items", data=data)

    def publish(self, module):
        return self.ok(
            "teacher", "PUT", f"/modules/{module['id']}", data={"module[published]": "true"}
        )

    def state(self, module, who="student"):
        return self.ok(who, "GET", f"/modules/{module['id']}")["state"]

    def seen(self, module, item, who="student"):
        return self.ok(
            who, "GET", f"/modules/{module['id']}/items/{item['id']}?include[]=content_details"
        )

    def tool(self, module, **extra):
        return self.item(
            module, type="ExternalTool", external_url="https://tool.example/launch", **extra
        )


@pytest.fixture
def course(canvas_world):
    return Course(canvas_world, canvas_world.http, canvas_world.ids["course"])


def _assignment(course, **fields):
    data = {
        "assignment[name]": "Essay",
        "assignment[points_possible]": "10",
        "assignment[published]": "true",
    }
    data.update({f"assignment[{k}]": v for k, v in fields.items()})
    return course.ok("teacher", "POST", "/assignments", data=data)


def test_a_module_without_requirements_is_completed_once_unlocked(course):
    module = course.module("Intro")
    course.tool(module)
    course.publish(module)
    assert course.state(module) == "completed"


def test_must_view_is_met_by_mark_read(course):
    module = course.module("Certificate")
    item = course.tool(module, requirement="must_view")
    course.publish(module)
    assert course.state(module) == "unlocked"
    course.ok("student", "POST", f"/modules/{module['id']}/items/{item['id']}/mark_read")
    assert course.state(module) == "completed"
    assert course.seen(module, item)["completion_requirement"] == {
        "type": "must_view",
        "completed": True,
    }


def test_must_view_on_a_page_is_met_by_reading_the_page(course):
    page = course.ok(
        "teacher",
        "POST",
        "/pages",
        data={"wiki_page[title]": "Read me", "wiki_page[published]": "true"},
    )
    module = course.module("Reading")
    course.item(module, type="Page", page_url=page["url"], requirement="must_view")
    course.publish(module)
    course.ok("student", "GET", f"/pages/{page['url']}")
    assert course.state(module) == "completed"


def test_must_mark_done_and_undo(course):
    module = course.module("Checklist")
    item = course.tool(module, requirement="must_mark_done")
    course.publish(module)
    course.ok("student", "POST", f"/modules/{module['id']}/items/{item['id']}/mark_read")
    assert course.state(module) == "unlocked", "viewing does not mark done"
    course.ok("student", "PUT", f"/modules/{module['id']}/items/{item['id']}/done")
    assert course.state(module) == "completed"
    course.ok("student", "DELETE", f"/modules/{module['id']}/items/{item['id']}/done")
    assert course.state(module) == "unlocked"


def test_must_submit_is_met_by_a_submission(course):
    assignment = _assignment(course)
    module = course.module("Essay")
    course.item(module, type="Assignment", content_id=assignment["id"], requirement="must_submit")
    course.publish(module)
    course.ok("student", "GET", f"/assignments/{assignment['id']}")
    assert course.state(module) == "unlocked"
    submitted = course.ok(
        "student", "POST", f"/assignments/{assignment['id']}/submissions",
        data={"submission[submission_type]": "online_text_entry", "submission[body]": "My essay"},
    )  # fmt: skip
    assert submitted["workflow_state"] == "submitted"
    assert course.state(module) == "completed"


def test_min_score_needs_a_grade_at_least_the_minimum(course):
    assignment = _assignment(course)
    module = course.module("Exam")
    course.item(module, type="Assignment", content_id=assignment["id"], requirement="min_score:7")
    course.publish(module)
    student_id = course.world.ids["sam"]
    course.ok(
        "student",
        "POST",
        f"/assignments/{assignment['id']}/submissions",
        data={"submission[submission_type]": "online_text_entry"},
    )
    assert course.state(module) == "unlocked", "submitted but not graded"
    course.ok(
        "teacher",
        "PUT",
        f"/assignments/{assignment['id']}/submissions/{student_id}",
        data={"submission[posted_grade]": "6"},
    )
    assert course.state(module) == "unlocked", "6 is below 7"
    graded = course.ok(
        "teacher",
        "PUT",
        f"/assignments/{assignment['id']}/submissions/{student_id}",
        data={"submission[posted_grade]": "80%"},
    )
    assert graded["score"] == 8.0
    assert course.state(module) == "completed"


def test_must_contribute_is_met_by_a_discussion_entry(course):
    topic = course.ok(
        "teacher",
        "POST",
        "/discussion_topics",
        data={"title": "Introduce yourself", "published": "true"},
    )
    module = course.module("Community")
    course.item(module, type="Discussion", content_id=topic["id"], requirement="must_contribute")
    course.publish(module)
    course.ok("student", "GET", f"/discussion_topics/{topic['id']}")
    assert course.state(module) == "unlocked"
    course.ok(
        "student", "POST", f"/discussion_topics/{topic['id']}/entries", data={"message": "Hello!"}
    )
    assert course.state(module) == "completed"


def test_a_quiz_is_submitted_through_a_quiz_submission_and_scored_through_its_assignment(course):
    quiz = course.ok(
        "teacher",
        "POST",
        "/quizzes",
        data={"quiz[title]": "Check", "quiz[points_possible]": "5", "quiz[published]": "true"},
    )
    module = course.module("Quiz")
    course.item(module, type="Quiz", content_id=quiz["id"], requirement="min_score:4")
    course.publish(module)
    started = course.ok("student", "POST", f"/quizzes/{quiz['id']}/submissions")[
        "quiz_submissions"
    ][0]
    done = course.ok(
        "student", "POST", f"/quizzes/{quiz['id']}/submissions/{started['id']}/complete",
        data={"attempt": started["attempt"], "validation_token": started["validation_token"]},
    )  # fmt: skip
    assert done["quiz_submissions"][0]["workflow_state"] == "complete"
    assert course.state(module) == "unlocked"
    student_id = course.world.ids["sam"]
    course.ok(
        "teacher",
        "PUT",
        f"/assignments/{quiz['assignment_id']}/submissions/{student_id}",
        data={"submission[posted_grade]": "5"},
    )
    assert course.state(module) == "completed"


def test_requirements_that_cannot_apply_are_dropped(course):
    module = course.module("Tools")
    item = course.tool(module, requirement="must_submit")
    assert "completion_requirement" not in item


def test_a_prerequisite_module_locks_until_completed(course):
    first = course.module("Week 1")
    reading = course.tool(first, requirement="must_view")
    second = course.module("Certificate", prerequisite_module_ids=str(first["id"]))
    assert second["prerequisite_module_ids"] == [first["id"]]
    accredible = course.tool(second, requirement="must_view")
    course.publish(first)
    course.publish(second)
    assert course.state(second) == "locked"
    details = course.seen(second, accredible)["content_details"]
    assert details["locked_for_user"] is True
    assert "hasn't been unlocked yet" in details["lock_explanation"]
    assert details["lock_info"]["context_module"]["id"] == second["id"]
    locked = course.call(
        "student", "POST", f"/modules/{second['id']}/items/{accredible['id']}/mark_read"
    )
    assert (locked.status_code, locked.json()) == (403, {"message": "The module item is locked."})
    course.ok("student", "POST", f"/modules/{first['id']}/items/{reading['id']}/mark_read")
    assert course.state(first) == "completed"
    assert course.state(second) == "unlocked"
    assert course.seen(second, accredible)["content_details"]["locked_for_user"] is False


def test_an_unpublished_prerequisite_module_does_not_gate(course):
    hidden = course.module("Draft")
    course.tool(hidden, requirement="must_view")
    second = course.module("Certificate", prerequisite_module_ids=str(hidden["id"]))
    course.tool(second)
    course.publish(second)
    assert course.state(second) == "completed", "Canvas counts only active prerequisites"


def test_prerequisites_must_be_earlier_modules(course):
    first = course.module("A")
    second = course.module("B")
    updated = course.ok(
        "teacher",
        "PUT",
        f"/modules/{first['id']}",
        data={"module[prerequisite_module_ids][]": str(second["id"])},
    )
    assert updated["prerequisite_module_ids"] == []


def test_sequential_progress_locks_items_after_the_first_unmet_requirement(course):
    module = course.module("Path", require_sequential_progress="true")
    step1 = course.tool(module, title="Step 1", requirement="must_view")
    step2 = course.tool(module, title="Step 2", requirement="must_mark_done")
    final = course.tool(module, title="Accredible")
    course.publish(module)
    assert course.seen(module, step1)["content_details"]["locked_for_user"] is False
    assert course.seen(module, step2)["content_details"]["locked_for_user"] is True
    assert course.seen(module, final)["content_details"]["locked_for_user"] is True
    done_early = course.call("student", "PUT", f"/modules/{module['id']}/items/{step2['id']}/done")
    assert done_early.status_code == 403
    course.ok("student", "POST", f"/modules/{module['id']}/items/{step1['id']}/mark_read")
    assert course.seen(module, step2)["content_details"]["locked_for_user"] is False
    assert course.seen(module, final)["content_details"]["locked_for_user"] is True
    assert course.state(module) == "started"
    course.ok("student", "PUT", f"/modules/{module['id']}/items/{step2['id']}/done")
    assert course.seen(module, final)["content_details"]["locked_for_user"] is False
    assert course.state(module) == "completed"


def test_an_unlock_date_locks_until_the_shared_clock_passes_it(course):
    module = course.module("Later", unlock_at="2026-01-10T09:00:00Z")
    item = course.tool(module)
    course.publish(module)
    assert course.state(module) == "locked"
    explanation = course.seen(module, item)["content_details"]["lock_explanation"]
    assert "will be unlocked Jan 10" in explanation
    course.world.http.post("/_sim/clock", json={"advance": 4 * 86400})
    assert course.state(module) == "locked"
    course.world.http.post("/_sim/clock", json={"advance": 86400})
    assert course.state(module) == "completed"


def test_unpublished_modules_and_items_are_invisible_to_students(course):
    module = course.module("Hidden")
    item = course.tool(module)
    assert course.call("student", "GET", f"/modules/{module['id']}").status_code == 404
    course.publish(module)
    course.ok(
        "teacher",
        "PUT",
        f"/modules/{module['id']}/items/{item['id']}",
        data={"module_item[published]": "false"},
    )
    assert course.ok("student", "GET", f"/modules/{module['id']}/items") == []
    assert (
        course.call(
            "student", "POST", f"/modules/{module['id']}/items/{item['id']}/mark_read"
        ).status_code
        == 404
    )


def test_a_requirement_on_an_unpublished_item_is_not_counted(course):
    module = course.module("Mixed")
    hidden = course.tool(module, title="Hidden", requirement="must_view")
    course.publish(module)
    course.ok(
        "teacher",
        "PUT",
        f"/modules/{module['id']}/items/{hidden['id']}",
        data={"module_item[published]": "false"},
    )
    assert course.state(module) == "completed"


def test_a_completed_module_stays_completed_when_requirements_are_added_until_relocked(course):
    module = course.module("Evolving")
    course.tool(module, title="First")
    course.publish(module)
    assert course.state(module) == "completed"
    added = course.tool(module, title="New", requirement="must_view")
    course.ok(
        "teacher",
        "PUT",
        f"/modules/{module['id']}/items/{added['id']}",
        data={"module_item[published]": "true"},
    )
    assert course.state(module) == "completed"
    course.ok("teacher", "PUT", f"/modules/{module['id']}/relock")
    assert course.state(module) == "unlocked"


def test_a_student_cannot_read_another_students_progress(course):
    module = course.module("M")
    course.publish(module)
    teacher_view = course.ok(
        "teacher", "GET", f"/modules/{module['id']}?student_id={course.world.ids['sam']}"
    )
    assert teacher_view["state"] == "completed"
    refused = course.call("student", "GET", f"/modules?student_id={course.world.ids['tess']}")
    assert refused.status_code == 401
    assert "state" not in course.ok("teacher", "GET", f"/modules/{module['id']}")


def test_teachers_actions_do_not_count_as_progress(course):
    module = course.module("M")
    item = course.tool(module, requirement="must_view")
    course.publish(module)
    course.ok("teacher", "POST", f"/modules/{module['id']}/items/{item['id']}/mark_read")
    assert course.state(module) == "unlocked"
