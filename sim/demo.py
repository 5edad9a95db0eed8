"""The demo world ``casim serve`` starts with: an admin, a teacher and students with Canvas
tokens, a published course they are enrolled in, and one Accredible issuer key per region."""

from __future__ import annotations

import random
from typing import Any

from faker import Faker

from sim.clients import CanvasClient, ControlClient
from sim.flows import install_accredible
from sim.transport import Fakes


def seed_demo_world(fakes: Fakes, *, seed: int = 1, students: int = 3) -> dict[str, Any]:
    """Seed ``fakes`` through the control plane and the real APIs; answer what a person needs
    to use them (URLs, tokens, keys, ids)."""
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    canvas_control = ControlClient(fakes.client("canvas"))
    canvas_control.reset(seed)
    people = (
        [("admin", "admin")]
        + [("teacher", "teacher")]
        + [("student", f"student{i}") for i in range(1, students + 1)]
    )
    specs = []
    for role, alias in people:
        name = fake.name()
        login = f"{alias}@example.edu"
        specs.append(
            {
                "name": name,
                "login_id": login,
                "email": login,
                "admin": role == "admin",
                "token": f"{alias}~{rng.randbytes(24).hex()}",
            }
        )
    answer = canvas_control.seed({"users": specs})
    users = [
        {
            "role": role,
            "name": spec["name"],
            "login_id": spec["login_id"],
            "id": rec["id"],
            "token": rec["token"],
        }
        for (role, _), spec, rec in zip(people, specs, answer["users"], strict=True)
    ]
    admin = CanvasClient(fakes.client("canvas"), users[0]["token"])
    course = admin.create_course(
        answer["account_id"], name="Data Literacy 101", course_code="DATA101", offer=True
    )
    for user in users[1:]:
        kind = "TeacherEnrollment" if user["role"] == "teacher" else "StudentEnrollment"
        admin.enroll(course["id"], user["id"], type=kind)
    accredible: dict[str, Any] = {}
    for region in ("us", "eu"):
        key = rng.randbytes(16).hex()
        name = f"{fake.company()} ({region.upper()})"
        http = fakes.client(f"accredible-{region}")
        ControlClient(http).seed(
            {"issuers": [{"name": name, "email": f"issuer-{region}@example.org", "api_key": key}]}
        )
        tool = install_accredible(
            admin, http, canvas_url=fakes.urls["canvas"], api_key=key, account_id=answer["account_id"],
            name=f"Accredible ({region.upper()})",
        )  # fmt: skip
        accredible[region] = {
            "name": name,
            "api_key": key,
            "canvas_tool_id": tool["id"],
            "client_id": tool["developer_key_id"],
            "dashboard": f"{fakes.urls[f'accredible-{region}']}/issuer/dashboard",
        }
    return {
        "urls": dict(fakes.urls),
        "account_id": answer["account_id"],
        "course": {"id": course["id"], "name": course["name"]},
        "canvas_users": users,
        "accredible": accredible,
    }
