"""A person's own tasks (issue 22): who may set one on a deal, who may move a deadline.

Pure rules over a task, the deal's applied state and the actor's role; the handlers load,
call, save.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from crm_shared.contracts.dto import TaskReschedule
from crm_shared.contracts.refusals import ErrorCode, Refused
from task_service.domain.model import DealState, Task

GRACE = timedelta(minutes=1)
"""A deadline this little in the past is a clock's skew, not a mistake."""


def check_deadline(deadline: datetime, now: datetime) -> None:
    """Refuse (`invalid`) a deadline in the past."""
    if deadline < now - GRACE:
        raise Refused(
            ErrorCode.invalid,
            f"deadline: {deadline.isoformat()} is in the past",
            reason="past_deadline",
        )


def own_task(
    state: DealState,
    *,
    actor_id: str,
    is_rop: bool,
    sees_all: bool,
    title: str,
    deadline: datetime,
    description: str | None,
    now: datetime,
    names: tuple[str | None, str | None] = (None, None),
) -> Task:
    """A task the actor sets on the deal of `state`, or a refusal.

    A РОП sets it on any deal, for its responsible; a manager on a deal they may work
    (`sees_all`, or responsible for it), for themselves. `names` are the deal's title and
    contact name as the deal's latest task knows them.
    """
    if state.version == 0:
        raise Refused(ErrorCode.not_found, f"deal {state.deal_id!r} not found")
    if state.closed:
        raise Refused(
            ErrorCode.transition_not_allowed, f"the deal {state.deal_id} is closed: no new tasks"
        )
    if not (is_rop or sees_all or state.responsible_id == actor_id):
        raise Refused(
            ErrorCode.forbidden,
            f"{actor_id!r} may not set tasks on deal {state.deal_id}: a manager sets them on "
            "the deals they work (access: own)",
        )
    check_deadline(deadline, now)
    title = title.strip()
    if not title:
        raise Refused(ErrorCode.invalid, "title: a task needs a title")
    return Task(
        id=str(uuid.uuid4()),
        deal_id=state.deal_id,
        stage=None,
        title=title,
        description=(description or "").strip(),
        creator_id=actor_id,
        responsible_id=state.responsible_id if is_rop else actor_id,
        deadline=deadline,
        opened_at=now,
        deal_version=state.version,
        deal_title=names[0],
        contact_name=names[1],
        kind="own",
        rop_id=state.rop_id,
    )


def reschedule(
    task: Task, *, actor_id: str, is_rop: bool, deadline: datetime, reason: str, now: datetime
) -> None:
    """Move an open task's deadline, keeping the reason; or a refusal.

    A РОП moves any task; a manager the own tasks that are theirs (they are its responsible:
    set by them, for them by a РОП, or by the deal's previous responsible, as a deal given to
    another takes its tasks along). A stage task's creator is the РОП: its deadline, and the
    free plan's РОП task's, are the РОП's to move.
    """
    if not task.is_open:
        raise Refused(ErrorCode.transition_not_allowed, f"task {task.id} is closed")
    if not is_rop and not (task.kind == "own" and task.responsible_id == actor_id):
        raise Refused(
            ErrorCode.forbidden,
            f"{actor_id!r} may not move task {task.id}'s deadline: a manager moves only the "
            "own tasks they are responsible for; a stage task's deadline only the РОП moves",
        )
    check_deadline(deadline, now)
    reason = reason.strip()
    if not reason:
        raise Refused(ErrorCode.invalid, "reason: say why the deadline moves")
    task.reschedules.append(
        TaskReschedule(
            actor_id=actor_id,
            from_deadline=task.deadline,
            to_deadline=deadline,
            reason=reason,
            at=now,
        )
    )
    task.deadline = deadline
