"""Structured random draws, directions inside the structure, sizes, seeds, test functions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.dims import Shape
from kb.numeric import vec
from kb.sampling import (
    HIGH,
    LOW,
    SIZES,
    SamplingError,
    SmoothFunction,
    VarSpec,
    assign_sizes,
    direction,
    holds,
    instantiate,
    layout_jacobian,
    make_functions,
    sample,
    seed_for,
)
from kb.schema import Structure as S

BATCH = 40
SQUARE = Shape.parse(["n", "n"])
SIZES_USED = {"n": 5, "m": 3}

COMBINATIONS = [
    [S.SYMMETRIC],
    [S.SPD],
    [S.INVERTIBLE],
    [S.POSITIVE_DETERMINANT],
    [S.ORTHOGONAL],
    [S.DIAGONAL],
    [S.POSITIVE],
    [S.SKEW_SYMMETRIC],
    [S.SPD, S.DIAGONAL],
    [S.SYMMETRIC, S.INVERTIBLE],
    [S.DIAGONAL, S.INVERTIBLE],
    [S.SYMMETRIC, S.DIAGONAL],
    [S.INVERTIBLE, S.POSITIVE_DETERMINANT],
    [S.SPD, S.POSITIVE_DETERMINANT],
    [S.ORTHOGONAL, S.INVERTIBLE],
    [S.REAL_DISTINCT_EIGENVALUES],
    [S.POSITIVE_DEFINITE_PART],
    [S.SMALL],
    [S.DISTINCT_EIGENVALUES],
]
IMPLIED = {S.SPD: {S.SYMMETRIC, S.INVERTIBLE, S.POSITIVE_DETERMINANT},
           S.ORTHOGONAL: {S.INVERTIBLE}, S.POSITIVE_DETERMINANT: {S.INVERTIBLE},
           S.POSITIVE_DEFINITE_PART: {S.INVERTIBLE, S.POSITIVE_DETERMINANT},
           S.DISTINCT_EIGENVALUES: {S.SYMMETRIC}}
INVERTIBLE = {S.INVERTIBLE, S.SPD, S.POSITIVE_DETERMINANT}


def ids(combo: list[S]) -> str:
    return "+".join(combo)


def draw(structure, shape: Shape = SQUARE, seed: int = 0, sizes=SIZES_USED) -> np.ndarray:
    specs = {"X": VarSpec(shape, frozenset(structure))}
    return sample(specs, sizes, BATCH, np.random.default_rng(seed))["X"]


@pytest.mark.parametrize("combo", COMBINATIONS, ids=ids)
def test_every_draw_has_every_declared_structure(combo: list[S]) -> None:
    x = draw(combo)
    assert x.shape == (BATCH, 5, 5)
    for structure in combo:
        assert holds(structure, x).all(), f"{structure} fails on some draws"


@pytest.mark.parametrize("combo", [c for c in COMBINATIONS if set(c) & set(IMPLIED)], ids=ids)
def test_draws_have_the_implied_structures(combo: list[S]) -> None:
    x = draw(combo)
    for structure in set().union(*(IMPLIED.get(s, set()) for s in combo)):
        assert holds(structure, x).all(), structure


@pytest.mark.parametrize("combo", [c for c in COMBINATIONS if set(c) & INVERTIBLE], ids=ids)
def test_invertible_draws_are_well_conditioned(combo: list[S]) -> None:
    x = draw(combo)
    singular = np.linalg.svd(x, compute_uv=False)
    assert singular.min() >= LOW - 1e-12
    assert singular.max() <= HIGH + 1e-12
    assert np.linalg.cond(x).max() <= 4.0 + 1e-9


def test_full_column_rank_draws_are_tall_and_well_conditioned() -> None:
    x = draw([S.FULL_COLUMN_RANK], Shape.parse(["n", "m"]))
    assert x.shape == (BATCH, 5, 3)
    assert holds(S.FULL_COLUMN_RANK, x).all()
    singular = np.linalg.svd(x, compute_uv=False)
    assert singular.min() >= LOW - 1e-12 and singular.max() <= HIGH + 1e-12


def test_positive_draws_lie_in_the_documented_interval() -> None:
    x = draw([S.POSITIVE], Shape.parse(["n", "m"]))
    assert (x >= LOW).all() and (x <= HIGH).all()


def test_positive_determinant_draws_have_both_signs_before_the_flip() -> None:
    # a plain invertible draw has det < 0 about half the time: the flip is doing work
    plain = draw([S.INVERTIBLE], seed=3)
    flipped = draw([S.POSITIVE_DETERMINANT], seed=3)
    assert (np.linalg.det(plain) < 0).any()
    assert (np.linalg.det(flipped) > 0).all()


def test_unstructured_draws_are_not_accidentally_structured() -> None:
    x = draw([])
    assert not holds(S.SYMMETRIC, x).any()
    assert not holds(S.DIAGONAL, x).any()
    assert not holds(S.POSITIVE, x).all()


def test_draws_differ_between_batch_entries_and_seeds() -> None:
    x, y = draw([S.SPD], seed=1), draw([S.SPD], seed=2)
    assert not np.allclose(x[0], x[1])
    assert not np.allclose(x, y)
    np.testing.assert_array_equal(x, draw([S.SPD], seed=1))


# ---- directions stay in the structure's space ---------------------------------------------


@pytest.mark.parametrize(
    ("structure", "predicate"),
    [([S.SYMMETRIC], S.SYMMETRIC), ([S.SPD], S.SYMMETRIC), ([S.DIAGONAL], S.DIAGONAL),
     ([S.SPD, S.DIAGONAL], S.DIAGONAL), ([S.SKEW_SYMMETRIC], S.SKEW_SYMMETRIC)],
    ids=["symmetric", "spd", "diagonal", "spd+diagonal", "skew"],
)
def test_directions_lie_in_the_subspace(structure: list[S], predicate: S) -> None:
    spec = VarSpec(SQUARE, frozenset(structure))
    v = direction(spec, SIZES_USED, BATCH, np.random.default_rng(0), "X")
    assert holds(predicate, v).all()
    assert np.abs(v).max() > 0


def test_directions_of_unconstrained_variables_are_general() -> None:
    spec = VarSpec(SQUARE, frozenset({S.INVERTIBLE}))
    v = direction(spec, SIZES_USED, BATCH, np.random.default_rng(0), "X")
    assert not holds(S.SYMMETRIC, v).any()


def test_orthogonal_directions_are_refused() -> None:
    spec = VarSpec(SQUARE, frozenset({S.ORTHOGONAL}))
    with pytest.raises(SamplingError, match="orthogonal"):
        direction(spec, SIZES_USED, BATCH, np.random.default_rng(0), "Q")


# ---- sizes --------------------------------------------------------------------------------


def spec(rows, cols, *structure: S) -> VarSpec:
    return VarSpec(Shape.parse([rows, cols]), frozenset(structure))


def test_assign_sizes_gives_distinct_sizes_to_distinct_dimensions() -> None:
    specs = {"A": spec("p", "n"), "X": spec("n", "m"), "B": spec("m", "p"), "v": spec("k", 1)}
    sizes = assign_sizes(specs)
    assert set(sizes) == {"p", "n", "m", "k"}
    assert len(set(sizes.values())) == 4
    assert set(sizes.values()) <= set(SIZES)
    assert min(sizes.values()) >= 2


def test_assign_sizes_makes_full_column_rank_tall() -> None:
    specs = {"X": spec("n", "m", S.FULL_COLUMN_RANK), "Y": spec("m", "p", S.FULL_COLUMN_RANK)}
    sizes = assign_sizes(specs)
    assert sizes["n"] > sizes["m"] > sizes["p"]


def test_assign_sizes_tall_against_a_number() -> None:
    sizes = assign_sizes({"X": spec("n", 6, S.FULL_COLUMN_RANK)})
    assert sizes["n"] > 6


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from("nmpqk"), min_size=2, max_size=5, unique=True))
def test_assign_sizes_chain_of_tall_matrices(names: list[str]) -> None:
    pairs = list(itertools.pairwise(names))
    specs = {f"M{i}": spec(a, b, S.FULL_COLUMN_RANK) for i, (a, b) in enumerate(pairs)}
    sizes = assign_sizes(specs)
    assert all(sizes[a] > sizes[b] for a, b in pairs)


@pytest.mark.parametrize(
    "specs",
    [
        {"X": spec(1, "n", S.FULL_COLUMN_RANK)},
        {"X": spec("n", "m", S.FULL_COLUMN_RANK), "Y": spec("m", "n", S.FULL_COLUMN_RANK)},
    ],
    ids=["row-vector", "contradictory"],
)
def test_full_column_rank_that_cannot_be_tall(specs: dict[str, VarSpec]) -> None:
    with pytest.raises(SamplingError, match="full_column_rank"):
        assign_sizes(specs)


@pytest.mark.parametrize(
    ("shape", "structure", "fragment"),
    [
        (["n", "m"], [S.SYMMETRIC], "symmetric needs a square shape"),
        (["n", "m"], [S.SPD], "needs a square shape"),
        (["n", "m"], [S.INVERTIBLE], "needs a square shape"),
        (["n", "m"], [S.POSITIVE_DETERMINANT], "positive_determinant needs a square shape"),
        (["n", "n"], [S.ORTHOGONAL, S.POSITIVE], "no sampler"),
        (["n", "n"], [S.SYMMETRIC, S.SKEW_SYMMETRIC], "no sampler"),
        (["n", "n"], [S.ORTHOGONAL, S.POSITIVE_DETERMINANT], "no sampler"),
        # entry-wise positive and diagonal cannot both hold (write spd + diagonal)
        (["n", "n"], [S.DIAGONAL, S.POSITIVE], "no sampler"),
    ],
    ids=["symmetric-nm", "spd-nm", "invertible-nm", "posdet-nm", "orthogonal+positive",
         "symmetric+skew", "orthogonal+posdet", "diagonal+positive"],
)
def test_impossible_requests_raise_sampling_error(shape, structure, fragment) -> None:
    with pytest.raises(SamplingError, match=fragment.replace("+", r"\+")):
        draw(structure, Shape.parse(shape), sizes={"n": 5, "m": 3})


# ---- seeds ----------------------------------------------------------------------------------


def test_seed_for_is_deterministic_and_differs_by_attempt_and_id() -> None:
    assert seed_for("trace-axb") == seed_for("trace-axb", 0)
    assert seed_for("trace-axb", 1) == seed_for("trace-axb", 1)
    seeds = {seed_for("trace-axb", a) for a in range(5)} | {seed_for("log-det", 0)}
    assert len(seeds) == 6
    assert all(0 <= s < 2**64 for s in seeds)


# ---- placeholder test functions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("out_shape", "in_shape"),
    [((4, 1), (3, 1)), ((1, 1), (3, 2)), ((2, 3), (1, 1)), ((1, 1), (3, 1)), ((1, 4), (3, 1))],
    ids=["vector-by-vector", "scalar-by-matrix", "matrix-by-scalar", "scalar-by-vector",
         "row-by-vector"],
)
def test_smooth_function_jacobian_matches_finite_differences(out_shape, in_shape) -> None:
    rng = np.random.default_rng(7)
    batch = 6
    u = SmoothFunction.random(rng, batch, out_shape, in_shape[0] * in_shape[1])
    x = rng.standard_normal((batch, *in_shape))
    value, jac = u(x)
    assert value.shape == (batch, *out_shape)
    h = 1e-6
    for j in range(in_shape[0] * in_shape[1]):
        e = np.zeros(in_shape[0] * in_shape[1])
        e[j] = h
        shift = np.broadcast_to(np.swapaxes(e.reshape(in_shape[1], in_shape[0]), 0, 1), x.shape)
        column = (vec(u(x + shift)[0]) - vec(u(x - shift)[0])) / (2 * h)
        np.testing.assert_allclose(jac[:, :, j : j + 1], column, rtol=1e-6, atol=1e-8)


def test_layout_jacobian_of_a_scalar_is_the_transposed_gradient() -> None:
    rng = np.random.default_rng(1)
    f = SmoothFunction.random(rng, 3, (1, 1), 6)
    x = rng.standard_normal((3, 3, 2))
    _, jac = f(x)
    numerator = layout_jacobian(jac, (1, 1), (3, 2))
    assert numerator.shape == (3, 2, 3)
    # d f = tr(J dX): check along a random direction
    v = rng.standard_normal(x.shape)
    h = 1e-6
    fd = (f(x + h * v)[0] - f(x - h * v)[0]) / (2 * h)
    predicted = np.einsum("bij,bji->b", numerator, v)[:, None, None]
    np.testing.assert_allclose(predicted, fd, rtol=1e-6, atol=1e-9)


def test_instantiate_follows_a_chain_of_placeholders() -> None:
    specs = {"x": spec("n", 1), "u": VarSpec(Shape.parse(["m", 1]), frozenset(), "x"),
             "g": VarSpec(Shape.parse([1, 1]), frozenset(), "u")}
    sizes = assign_sizes(specs)
    rng = np.random.default_rng(0)
    values = sample(specs, sizes, 4, rng)
    assert set(values) == {"x"}
    functions = make_functions(specs, sizes, 4, rng)
    jacobians = instantiate(specs, sizes, functions, values)
    assert set(values) == {"x", "u", "g"}
    assert jacobians[("u", "x", 1)].shape == (4, sizes["m"], sizes["n"])
    assert jacobians[("g", "u", 1)].shape == (4, 1, sizes["m"])


def test_instantiate_reports_a_cycle() -> None:
    specs = {"x": spec("n", 1), "u": VarSpec(Shape.parse(["n", 1]), frozenset(), "v"),
             "v": VarSpec(Shape.parse(["n", 1]), frozenset(), "u")}
    sizes = {"n": 3}
    rng = np.random.default_rng(0)
    with pytest.raises(SamplingError, match="cycle"):
        functions = make_functions(specs, sizes, 2, rng)
        instantiate(specs, sizes, functions, sample(specs, sizes, 2, rng))


# ---- the structure registry ---------------------------------------------------------------


def test_every_structure_is_defined_once_with_its_implications() -> None:
    from kb.structures import STRUCTURES, closure, implies_symmetric

    assert set(STRUCTURES) == set(S)
    assert closure({S.SPD}) == {S.SPD, S.SYMMETRIC, S.INVERTIBLE, S.POSITIVE_DETERMINANT}
    assert {s for s in S if implies_symmetric({s})} == {
        S.SYMMETRIC, S.SPD, S.DIAGONAL, S.DISTINCT_EIGENVALUES}
    for spec in STRUCTURES.values():  # an implication never contradicts the shape rule
        assert all(STRUCTURES[i].square <= spec.square for i in spec.implies), spec.name


def test_a_structure_together_with_its_implications_is_the_structure() -> None:
    x = draw([S.POSITIVE_DEFINITE_PART, S.POSITIVE_DETERMINANT], seed=4)
    np.testing.assert_array_equal(x, draw([S.POSITIVE_DEFINITE_PART], seed=4))
    assert (np.linalg.det(x) > 0).all()


def test_new_structures_are_not_symmetric() -> None:
    for structure in (S.REAL_DISTINCT_EIGENVALUES, S.POSITIVE_DEFINITE_PART):
        x = draw([structure])
        assert not holds(S.SYMMETRIC, x).any(), structure
        assert not holds(S.SYMMETRIC, direction(VarSpec(SQUARE, frozenset({structure})),
                                                SIZES_USED, BATCH,
                                                np.random.default_rng(0), "X")).any()
