"""``kb derive``: the derivative of an expression, derived step by step by the differential
method from the catalog's own rules, every step checked numerically.

``derive(catalog, expression, wrt, ...)`` returns a :class:`Derivation`; it raises
:class:`DeriveError` for a construct the engine has no rule for, :class:`kb.grammar.ExpressionError`
for an expression that does not parse or type-check, and :class:`VerificationFailed` if any
check fails (an answer is never returned unverified).
"""

from . import present  # noqa: F401  (registers the presenters of Derivation)
from .engine import derive
from .errors import DeriveError, VerificationFailed
from .result import Derivation, Step

__all__ = ["Derivation", "DeriveError", "Step", "VerificationFailed", "derive"]
