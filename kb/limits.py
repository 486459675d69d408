"""Every bound on what a record (untrusted input) can make the machine do, in one place.

Records are contributed by strangers, so each thing a record controls that costs time or
memory has a limit here, with the reason it is safe for every honest record. A record over a
limit gets a located diagnostic (``site/records.md`` lists the limits, section "Limits").
"""

from __future__ import annotations

# ---- files
MAX_FILE_BYTES = 256 * 1024
"""Size of one YAML file; the largest file of the catalog is about 6 KB, and the size is
checked before the file is read, so a 50 MB file is refused at once."""

MAX_YAML_DEPTH = 16
"""Nesting of YAML mappings and lists; the deepest record (a derivation step's einsum
arrays) nests 6 levels, and the loaders and validators recurse once per level."""

# ---- expressions
MAX_EXPRESSION_LENGTH = 2000
"""Characters of one expression: ten times the longest in the catalog."""

MAX_EXPRESSION_DEPTH = 100
"""Nesting of one expression's tree: every later stage walks trees recursively, and this
keeps them far from Python's recursion limit."""

MAX_LITERAL_DIGITS = 17
"""Significant digits of a number literal: any double is written exactly in 17 (π as
3.141592653589793 takes 16); more would be rounded away, and 400 overflow to infinity."""

MAX_INTEGER = 1000
"""Magnitude of an integer in an expression (an exponent, a summation bound) and of an
integer variable's range; the catalog's integers are below 10."""

MAX_SUM_TERMS = 100
"""Evaluations of a summation's body for one draw, nested summations multiplied: each is a
pass over the batch, so a huge range (sum_{r=0}^{1000000000}) would loop for good."""

MAX_ENTRIES = 1_000_000
"""Entries of one value of an expression (for one draw), counting each named dimension at
LARGEST_NAMED_SIZE, so an upper bound: a Kronecker product of four n×n matrices would ask for
gigabytes. The catalog's largest bound is 531,441 ((A⊗B)⊗C, six names; 5,040 as drawn)."""

LARGEST_NAMED_SIZE = 9
"""The largest size the verifier gives a named dimension (kb.sampling.SIZES; a test keeps
the two consistent)."""

# ---- records
MAX_DIMENSION = 16
"""A dimension given as an integer in a shape ([3, 1]); named dimensions get sizes 3, 4, 5,
… when a record is verified, and the catalog's integer dimensions are at most 5."""

MAX_ID_LENGTH = 100
"""Characters of a record id: a file name and part of a URL; the longest in the catalog has
45."""
