"""The scenario file format, as pydantic models. Steps are listed in ``steps.py``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RuleId = Literal["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10", "R11"]
Region = Literal["us", "eu"]
#: A browser's third-party cookie policy: Chrome's default allows them, Safari blocks them.
Browser = Literal["chrome", "safari"]
#: How a person is named in a scenario: ``student1``, ``alice``.
Alias = str


class Strict(BaseModel):
    """Base of every scenario model: unknown fields are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class IssuerSpec(Strict):
    """The Accredible issuer: which server it is on and how many credits it has."""

    region: Region = Field("us", description="The Accredible server: us or eu (not geography).")
    name: str | None = Field(None, description="Organisation name (generated when absent).")
    credits: int = Field(1000, ge=0, description="Credentials the issuer can still publish.")


class PeopleSpec(Strict):
    """Who takes part: a count (``students: 3`` gives student1..student3) or a list of names."""

    admins: int | list[Alias] = Field(1, description="Canvas account admins.")
    teachers: int | list[Alias] = Field(1, description="Teachers enrolled in the course.")
    tas: int | list[Alias] = Field(0, description="Teaching assistants enrolled in the course.")
    students: int | list[Alias] = Field(1, description="Students enrolled in the course.")
    observers: int | list[Alias] = Field(0, description="Observers enrolled in the course.")
    browsers: dict[Alias, Browser] = Field(
        default_factory=dict,
        description="Browser per person when not the scenario's: chrome allows third-party cookies, "
        "safari blocks them.",
    )


class CourseSpec(Strict):
    """The Canvas course the scenario runs in (created by the admin, published)."""

    name: str | None = Field(None, description="Course name (generated when absent).")
    code: str | None = Field(None, description="Course code (generated when absent).")


class ScenarioSpec(Strict):
    """One scenario: who, where, and the steps people take, with what they expect to see."""

    name: str = Field(min_length=1, description="What the scenario shows, as a sentence.")
    description: str | None = None
    rules: list[RuleId] = Field(default_factory=list, description="Rule ids it exercises.")
    seed: int = Field(0, description="Fixes every generated name, email, id and time.")
    issuer: IssuerSpec = IssuerSpec()
    browser: Browser = Field(
        "chrome", description="Everyone's browser unless people.browsers says otherwise."
    )
    people: PeopleSpec = PeopleSpec()
    course: CourseSpec = CourseSpec()
    steps: list[dict[str, Any]] = Field(
        min_length=1, description="Steps, one key each: a built-in step or a named sequence."
    )
    include: list[str] | str | None = Field(
        None, description="Files (relative to this one) whose named sequences this file uses."
    )
    matrix: dict[str, list[Any]] | list[dict[str, Any]] | None = Field(
        None,
        description="Variables to run the scenario for, each combination a separate test case: "
        "{region: [us, eu]}, or explicit rows [{region: us, new_tab: false}, ...]; write ${region} "
        "where the value goes.",
    )
    sequences: dict[str, Any] | None = Field(
        None,
        description="Named step sequences: {name: {params: {p: default}, steps: [...]}}; use ${p}.",
    )
