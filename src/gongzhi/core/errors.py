"""Errors and problems. No Django here.

A pure rule module says what is wrong as a `Problem`: a code and its parameters. The words are in
the app's message table (`<app>/messages.py`), translated where they are shown. A service that
refuses raises `ApplicationError` with the words already chosen.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """What a rule found wrong: a code from the rule module and the values its message names."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


class ApplicationError(Exception):
    """A business rule said no. `message` is shown to the user (Chinese, translated in the catalogue)."""

    def __init__(self, message: str, extra: dict[str, Any] | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        self.status = status
