"""Keys that name the task a run was on (`env`, `dataset`, `game`), by their words: cells of different
tasks hold scores in each task's own units, so bold that compares them says nothing of the methods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from resultsbook.query.model import MetricSpec, ResultTable

_TASK_WORDS = frozenset(
    {
        "env", "environment", "env_id", "env_name", "domain", "task", "task_name", "dataset",
        "dataset_name", "game", "benchmark", "suite",
    }
)  # fmt: skip


def is_task_key(key: str) -> bool:
    """Tell whether a key names a run's task by its last dotted part (`env`, `Args.env_name`)."""
    return key.rsplit(".", 1)[-1].lower() in _TASK_WORDS


@dataclass(frozen=True)
class TasksCompared:
    """A highlight whose competing cells differ in the task: which keys compete, which of them name
    tasks, and the keys that stay fixed within each contest."""

    competing: tuple[str, ...]
    tasks: tuple[str, ...]
    fixed: tuple[str, ...]

    @property
    def methods(self) -> tuple[str, ...]:
        """The competing keys that do not name a task (the method, where the rows hold task and method)."""
        return tuple(key for key in self.competing if key not in self.tasks)


def tasks_compared_in(table: ResultTable, highlight: str) -> TasksCompared | None:
    """Return what competes for a table's bold when it differs in a task key; None also for a table
    over tasks (its cells aggregate them) and one whose metrics have no goal (nothing is bold, as a
    note of its own says)."""
    if table.query.tasks or not _any_goal(table.query.metrics):
        return None
    return tasks_compared(table.row_keys, table.column_keys, highlight)


def tasks_compared(
    row_keys: Sequence[str], column_keys: Sequence[str], highlight: str
) -> TasksCompared | None:
    """Return what competes for bold when the cells competing differ in a task key, else None."""
    if highlight == "none":
        return None
    competing = {"column": tuple(row_keys), "row": tuple(column_keys)}.get(highlight, (highlight,))
    tasks = tuple(key for key in competing if is_task_key(key))
    if not tasks:
        return None
    fixed = tuple(key for key in (*row_keys, *column_keys) if key not in competing)
    return TasksCompared(competing, tasks, fixed)


def compared_text(compared: TasksCompared) -> str:
    """Say what a highlight across tasks bolds, up to the fix."""
    each = f"of each {'/'.join(compared.fixed)}" if compared.fixed else "of the whole table"
    return (
        f"bolds the best {'/'.join(compared.competing)} {each}: its cells compete across the tasks "
        f"({', '.join(compared.tasks)}), whose scores are in each task's own units, comparing tasks, "
        "not methods; "
    )


def better_highlight(compared: TasksCompared, highlight: str) -> tuple[str, str]:
    """Return the highlight that bolds the best method of each task instead, and what it bolds; the
    method's key where tasks and methods compete together, ("none", "") when no highlight does."""
    tasks = "/".join(compared.tasks)
    if compared.methods:
        return compared.methods[0], f"the best {compared.methods[0]} of each {tasks}"
    if highlight in ("column", "row") and compared.fixed:
        other = "row" if highlight == "column" else "column"
        return other, f"the best {'/'.join(compared.fixed)} of each {tasks}"
    return "none", ""


def _any_goal(metrics: Sequence[MetricSpec]) -> bool:
    """Tell whether any of a table's metrics has a goal (stated, recorded or named), so a cell is bold."""
    from resultsbook.query.goal import metric_goal

    return any(metric_goal(metric.name, metric.direction).source != "unknown" for metric in metrics)
