"""Workflows as transition tables. No Django here.

An app declares each of its workflows once, in its `flows.py`: the states, and the steps allowed
between them, each with who may take it:

- STAFF: a user holding the step's capability over the row's own place, at one of the step's levels
  when it names them (the community reviews hardship aid first, the street decides);
- OWNER: the person the row belongs to (a volunteer checking out, the uploader of a file);
- SYSTEM: the platform itself (a recall opened by a positive pool), never offered to a user.

`core.transitions` applies a step (lock, check, write the status and an event row); nothing else
writes a workflow's status.
"""

from collections.abc import Iterable
from dataclasses import dataclass

START = ""  # the source of a step that creates the row

STAFF, OWNER, SYSTEM = "staff", "owner", "system"


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    by: str = STAFF
    capability: str | None = None  # None: the flow's
    levels: frozenset[str] | None = None  # None: any level holding the capability


class FlowError(ValueError):
    """A flow declared wrongly (a programming error, found when the module is imported)."""


class Flow:
    """The states of one workflow and the steps between them."""

    def __init__(
        self,
        name: str,
        *,
        states: Iterable[str],
        steps: Iterable[Step],
        capability: str | None = None,
        field: str | None = "status",
    ) -> None:
        self.name = name
        self.states = tuple(states)
        self.capability = capability
        # The row's column that holds the state; None for a flow whose state is not stored but
        # follows another row's (a sample's is its tube's): its steps are recorded as events only.
        self.field = field
        self._steps: dict[tuple[str, str], Step] = {}
        for step in steps:
            for state in (step.source, step.target):
                if state != START and state not in self.states:
                    raise FlowError(f"{name}: unknown state {state!r}")
            if step.target == START:
                raise FlowError(f"{name}: a step cannot end before the start")
            if step.by == STAFF and (step.capability or capability) is None:
                raise FlowError(f"{name}: staff step {step.source!r} -> {step.target!r} needs a capability")
            if (step.source, step.target) in self._steps:
                raise FlowError(f"{name}: step {step.source!r} -> {step.target!r} declared twice")
            self._steps[(step.source, step.target)] = step

    def stored_field(self) -> str:
        """The column that holds the state; a FlowError for a flow whose state is not stored."""
        if self.field is None:
            raise FlowError(f"{self.name}: its state is not stored on a row; record its steps as events")
        return self.field

    def step(self, source: str, target: str) -> Step | None:
        """The step from `source` to `target`, or None when the flow does not allow it."""
        return self._steps.get((source, target))

    def capability_of(self, step: Step) -> str | None:
        return step.capability or self.capability

    def next_states(self, source: str, *, by: str | None = None) -> tuple[str, ...]:
        """The states reachable in one step from `source` (taken by `by`, when given), in declared order."""
        return tuple(s.target for s in self._steps.values() if s.source == source and (by is None or s.by == by))

    def sources_of(self, target: str) -> tuple[str, ...]:
        """The states from which `target` can be reached in one step (for set-wise bulk moves)."""
        return tuple(s.source for s in self._steps.values() if s.target == target and s.source != START)

    def initial_states(self) -> tuple[str, ...]:
        return self.next_states(START)

    def steps(self) -> tuple[Step, ...]:
        return tuple(self._steps.values())

    def terminal_states(self) -> tuple[str, ...]:
        """States with no step out of them."""
        return tuple(s for s in self.states if not self.next_states(s))

    def check_all(self, moves: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (source, target) pairs of a bulk move that the flow does not allow (set-wise)."""
        return sorted({m for m in moves if m not in self._steps})
