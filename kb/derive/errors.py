"""The two ways ``derive`` refuses to answer."""

from __future__ import annotations


class DeriveError(ValueError):
    """The engine has no rule for a construct of the expression (the message names it)."""


class VerificationFailed(ValueError):
    """A step or the result failed its numerical check: a bug of the engine, never printed
    as an answer. ``report`` is the verification report."""

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report
