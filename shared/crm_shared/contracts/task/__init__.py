"""task-service's contracts: its commands, queries, replies and events."""

from __future__ import annotations

from crm_shared.contracts.task.commands import (
    CommentTask as CommentTask,
)
from crm_shared.contracts.task.commands import (
    CompleteTask as CompleteTask,
)
from crm_shared.contracts.task.commands import (
    CreateTask as CreateTask,
)
from crm_shared.contracts.task.commands import (
    RescheduleTask as RescheduleTask,
)
from crm_shared.contracts.task.events import (
    TaskClosed as TaskClosed,
)
from crm_shared.contracts.task.events import (
    TaskCommented as TaskCommented,
)
from crm_shared.contracts.task.events import (
    TaskOpened as TaskOpened,
)
from crm_shared.contracts.task.events import (
    TaskOverdue as TaskOverdue,
)
from crm_shared.contracts.task.events import (
    TaskUpdated as TaskUpdated,
)
from crm_shared.contracts.task.queries import (
    ListTasks as ListTasks,
)
from crm_shared.contracts.task.queries import (
    OverdueTasksQuery as OverdueTasksQuery,
)
from crm_shared.contracts.task.queries import (
    TaskComments as TaskComments,
)
from crm_shared.contracts.task.queries import (
    TaskTimeline as TaskTimeline,
)
from crm_shared.contracts.task.replies import (
    OverdueReply as OverdueReply,
)
from crm_shared.contracts.task.replies import (
    OverdueRow as OverdueRow,
)
from crm_shared.contracts.task.replies import (
    TaskCommentsReply as TaskCommentsReply,
)
from crm_shared.contracts.task.replies import (
    TaskPage as TaskPage,
)
from crm_shared.contracts.task.replies import (
    TaskReply as TaskReply,
)
from crm_shared.contracts.task.replies import (
    TaskTimelineReply as TaskTimelineReply,
)
