"""R4, completion gating: how a student's module progressions and item locks are decided.

Follows canvas-lms ``ContextModuleProgression#evaluate`` and ``ContextModule`` as summarised in
``shared/reference/canvas-and-lti.md`` section 1.6, and read in the canvas-lms source:

- a progression is ``locked`` while the module's ``unlock_at`` is in the future (on the shared
  clock) or a prerequisite module is not ``completed``; only *published* prerequisite modules
  count (``active_prerequisites``);
- once unlocked: all requirements met → ``completed``; some → ``started``; none → ``unlocked``;
  a module without requirements is ``completed`` as soon as it unlocks;
- only requirements on items the student can see (published) count
  (``completion_requirements_visible_to``);
- with ``require_sequential_progress`` the items after the first unmet requirement are locked
  (``current_position``);
- actions meet requirements: ``must_view`` ← read or contributed; ``must_mark_done`` ← done;
  ``must_contribute`` ← contributed; ``must_submit`` ← submitted or scored; ``min_score`` ←
  scored at least the minimum; actions on a locked item change nothing;
- a completed module stays completed when requirements are added later, until relocked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Any

from fakes.canvas.records import Module, ModuleItem, Progression, User

if TYPE_CHECKING:
    from fakes.core.clock import SimClock

#: Which recorded actions meet which requirement type.
MEETS = {
    "must_view": {"read", "contributed"},
    "must_mark_done": {"done"},
    "must_contribute": {"contributed"},
    "must_submit": {"submitted", "scored"},
    "min_score": {"scored"},
}


@dataclass(frozen=True)
class ModuleStatus:
    """A student's progression through one module, as the API shows it."""

    state: str  # locked | unlocked | started | completed
    completed_at: datetime | None
    requirements_met: frozenset[int]
    #: The first item (by position) whose requirement is unmet, under sequential progress.
    current_position: int | None
    #: Why it is locked (for ``lock_explanation``): "unlock_at" or "prerequisites".
    locked_by: str | None = None


class ProgressionRules:
    """The R4 half of the Canvas backend (mixed into :class:`CanvasBackend`)."""

    modules: dict[int, Module]
    progressions: dict[tuple[int, int], Progression]
    clock: SimClock

    def module_items(self, module: Module) -> list[ModuleItem]:  # provided by the backend
        raise NotImplementedError

    # -- evaluation ---------------------------------------------------------------------------
    def progression(self, user: User, module: Module) -> Progression:
        key = (user.id, module.id)
        found = self.progressions.get(key)
        if found is None:
            found = self.progressions[key] = Progression(user.id, module.id)
        return found

    def visible_requirements(self, module: Module) -> list[ModuleItem]:
        """Published items of ``module`` that carry a completion requirement, by position."""
        return [i for i in self.module_items(module) if i.published and i.completion_requirement]

    def module_status(
        self, user: User, module: Module, _seen: frozenset[int] = frozenset()
    ) -> ModuleStatus:
        """Evaluate ``user``'s progression through ``module`` now."""
        progression = self.progression(user, module)
        met = frozenset(progression.requirements_met)
        if not module.published:
            return ModuleStatus("locked", None, met, None, "unpublished")
        if module.unlock_at is not None and module.unlock_at > self.clock.now():
            return ModuleStatus("locked", None, met, None, "unlock_at")
        for prerequisite_id in module.prerequisite_module_ids:
            prerequisite = self.modules.get(prerequisite_id)
            if prerequisite is None or not prerequisite.published or prerequisite_id in _seen:
                continue  # only active (published) prerequisites count
            if self.module_status(user, prerequisite, _seen | {module.id}).state != "completed":
                return ModuleStatus("locked", None, met, None, "prerequisites")
        requirements = self.visible_requirements(module)
        done = [i for i in requirements if i.id in met]
        current = next((i.position for i in requirements if i.id not in met), None)
        if len(done) == len(requirements) or progression.keeps_completion:
            if progression.completed_at is None:
                progression.completed_at = self.clock.now()
                progression.keeps_completion = True
            return ModuleStatus("completed", progression.completed_at, met, None)
        progression.completed_at = None
        state = "started" if done else "unlocked"
        return ModuleStatus(
            state, None, met, current if module.require_sequential_progress else None
        )

    def item_lock(self, user: User, item: ModuleItem) -> tuple[bool, ModuleStatus]:
        """Is ``item`` locked for ``user`` (a student), and the module status that decides it."""
        module = self.modules[item.module_id]
        status = self.module_status(user, module)
        if "ignore_gating" in self.world.quirks:  # type: ignore[attr-defined]
            return False, status
        if status.state == "locked":
            return True, status
        if status.current_position is not None and item.position > status.current_position:
            return True, status
        return False, status

    # -- actions ------------------------------------------------------------------------------
    def record_action(
        self, user: User, item: ModuleItem, action: str, score: float | None = None
    ) -> bool:
        """Record that ``user`` did ``action`` (read, done, contributed, submitted, scored) on
        ``item``; answer whether a requirement became met. Locked items change nothing."""
        requirement = item.completion_requirement
        if not requirement or not item.published:
            return False
        locked, _ = self.item_lock(user, item)
        if locked:
            return False
        if action not in MEETS[requirement["type"]]:
            return False
        if requirement["type"] == "min_score" and (
            score is None or score < requirement["min_score"]
        ):
            return False
        progression = self.progression(user, self.modules[item.module_id])
        if item.id in progression.requirements_met:
            return False
        progression.requirements_met.add(item.id)
        self.module_status(user, self.modules[item.module_id])  # stamps completed_at now
        return True

    def undo_action(self, user: User, item: ModuleItem) -> None:
        """``DELETE .../done``: the requirement is unmet again and the module re-evaluated."""
        progression = self.progression(user, self.modules[item.module_id])
        progression.requirements_met.discard(item.id)
        progression.keeps_completion = False
        progression.completed_at = None

    def relock_module(self, module: Module) -> None:
        """``PUT .../relock``: every student's progression is recalculated from the current
        requirements (completed modules may become incomplete)."""
        for (_, module_id), progression in self.progressions.items():
            if module_id == module.id:
                progression.keeps_completion = False
                progression.completed_at = None


def lock_explanation(module: Module, status: ModuleStatus, item: ModuleItem | None = None) -> str:
    """Canvas's generic "content" wording for a locked item (reference 1.5), as HTML."""
    module = Module(
        module.id,
        module.course_id,
        escape(module.name),
        module.position,
        unlock_at=module.unlock_at,
    )
    if status.locked_by == "unpublished":
        return "This content is part of an unpublished module and is not available yet."
    if status.locked_by == "unlock_at" and module.unlock_at is not None:
        when = (
            module.unlock_at.strftime("%b %-d at %-I:%M%p").replace("AM", "am").replace("PM", "pm")
        )
        return f"This content is part of the module <b>{module.name}</b> and hasn't been unlocked yet. It will be unlocked {when}."
    if status.locked_by == "prerequisites":
        return (
            f"This content is part of the module <b>{module.name}</b> and hasn't been unlocked yet."
            " You must complete the prerequisite modules first."
        )
    return (
        f"This content is part of the module <b>{module.name}</b> and hasn't been unlocked yet."
        " Complete the earlier items in this module first."
    )


def lock_info(module: Module, status: ModuleStatus) -> dict[str, Any]:
    info: dict[str, Any] = {"context_module": {"id": module.id, "name": module.name}}
    if status.locked_by == "unlock_at" and module.unlock_at is not None:
        info["unlock_at"] = module.unlock_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return info
