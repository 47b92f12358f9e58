"""What an attacker can work out from suppressed tables, and the complementary suppressions that stop it.

The published numbers and the tables' margins form a system of linear equations. An *attacker* is a set of
municipalities whose exact tables it knows (the empty set: the public): for every number it knows its own part
(a municipality's row in the person tables; its share of every cell of a national table), and that every other
part is non-negative. A suppressed number whose part outside the attacker is non-zero must not be determined.

A sufficient test, by linear algebra only: treat as known every suppressed number whose outside part is 0 (the
attacker's own numbers, and the zeros, which non-negativity could pin); a suppressed number is then determined
exactly when no vector of the null space of the equations (restricted to the suppressed numbers) vanishes on the
known ones and not on it. If one does, the true values plus or minus a small multiple of it satisfy every
equation and every bound (all the moving numbers have a positive outside part), so no linear program pins it.

The null space is computed once per round (SVD), and with it the projector onto it; per attacker only its own
few numbers are taken out (a Schur complement on the projector, ``_explained``), so checking every municipality
costs a small fraction of the SVD.

>>> members = [[("t", "*"), ("t", "a"), ("t", "b")]]           # t* = ta + tb
>>> values = {("t", "*"): 12, ("t", "a"): 5, ("t", "b"): 7}
>>> exposed(members, {("t", "a"), ("t", "b")}, values, {}, [frozenset()])
set()
>>> owner = {("t", "a"): {"GM1": 5}}                              # GM1 knows ta, and so tb = 12 - 5
>>> sorted(exposed(members, {("t", "a"), ("t", "b")}, values, owner, [frozenset({"GM1"})]))
[(frozenset({'GM1'}), ('t', 'b'))]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

Key = tuple[str, ...]
Attacker = frozenset[str]
#: Singular values below this (relative to the largest) count as zero.
TOLERANCE = 1e-9
#: A hidden number with less than this (squared length) of its own in the null space is determined.
FREE = 1e-11


def own_part(key: Key, attacker: Attacker, parts: Mapping[Key, Mapping[str, int]]) -> int:
    """What ``attacker`` itself holds of the number ``key``."""
    held = parts.get(key, {})
    return sum(held.get(g, 0) for g in attacker)


def null_basis(members: Sequence[Sequence[Key]], hidden: Iterable[Key]) -> tuple[dict[Key, int], np.ndarray]:
    """An orthonormal basis (rows) of the null space of the equations restricted to the ``hidden`` numbers
    (each equation: its first member equals the sum of the others), and the column of each hidden number."""
    unknowns = sorted(hidden)
    index = {k: i for i, k in enumerate(unknowns)}
    rows = []
    for total, *parts in members:
        if not any(k in index for k in (total, *parts)):
            continue
        row = np.zeros(len(unknowns))
        if total in index:
            row[index[total]] -= 1.0
        for k in parts:
            if k in index:
                row[index[k]] += 1.0
        rows.append(row)
    if not rows:
        return index, np.eye(len(unknowns))
    _, singular, vt = np.linalg.svd(np.array(rows), full_matrices=True)
    rank = int((singular > TOLERANCE * max(1.0, singular.max(initial=0.0))).sum())
    return index, vt[rank:]


def _without(basis: np.ndarray, columns: Sequence[int]) -> np.ndarray:
    """An orthonormal basis of the vectors of ``basis``'s span that vanish on ``columns``."""
    if not columns or basis.shape[0] == 0:
        return basis
    u, singular, _ = np.linalg.svd(basis[:, columns], full_matrices=True)
    rank = int((singular > TOLERANCE * max(1.0, singular.max(initial=0.0))).sum())
    return np.asarray(u[:, rank:].T @ basis)


def exposed(members: Sequence[Sequence[Key]], hidden: set[Key], values: Mapping[Key, int],
            parts: Mapping[Key, Mapping[str, int]], attackers: Iterable[Attacker]) -> set[tuple[Attacker, Key]]:
    """The (attacker, number) pairs where the attacker can determine a hidden number with a non-zero part
    outside it (see the module docstring)."""
    index, basis = null_basis(members, hidden)
    zeros = [index[k] for k in hidden if values[k] == 0]
    basis = _without(basis, zeros)  # every attacker may know the zeros: project them out once
    # The projector onto the remaining null space, in the hidden numbers' coordinates: number j is free once the
    # numbers K are known exactly when P[j, j] - P[K, j]' P[K, K]^+ P[K, j] > 0 (a Schur complement), so each
    # attacker costs a few small products instead of a projection of the whole basis.
    projector = basis.T @ basis
    free = np.diag(projector).copy()
    positive = sorted(k for k in hidden if values[k] > 0)
    held: dict[str, list[tuple[Key, int]]] = {}
    for key in hidden:
        for gemeente, count in parts.get(key, {}).items():
            if count:
                held.setdefault(gemeente, []).append((key, count))
    found: set[tuple[Attacker, Key]] = set()
    for attacker in attackers:
        own: dict[Key, int] = {}
        for gemeente in attacker:
            for key, count in held.get(gemeente, ()):
                own[key] = own.get(key, 0) + count
        known = sorted(index[k] for k, n in own.items() if n == values[k])
        left = free if not known else free - _explained(projector, known)
        known_set = set(known)
        found.update((attacker, k) for k in positive if index[k] not in known_set and left[index[k]] < FREE)
    return found


def _explained(projector: np.ndarray, known: Sequence[int]) -> np.ndarray:
    """For every column j: P[K, j]' P[K, K]^+ P[K, j], the part of j's null-space component that knowing the
    numbers ``known`` (K) takes away."""
    rows = projector[known]
    gram = rows[:, known]
    eigenvalues, vectors = np.linalg.eigh(gram)
    keep = eigenvalues > TOLERANCE * max(1.0, float(eigenvalues.max(initial=0.0)))
    scaled = (vectors[:, keep] / np.sqrt(eigenvalues[keep])).T @ rows
    return np.asarray((scaled * scaled).sum(axis=0))


def attackers_of(parts: Mapping[Key, Mapping[str, int]], coalitions: Iterable[Iterable[str]] = ()) -> list[Attacker]:
    """The public, every single municipality that holds a part of some number, and the given coalitions."""
    singles = sorted({g for held in parts.values() for g in held})
    found: list[Attacker] = [frozenset()]
    for attacker in [frozenset({g}) for g in singles] + [frozenset(c) for c in coalitions]:
        if attacker not in found:
            found.append(attacker)
    return found


__all__ = ["Attacker", "attackers_of", "exposed", "null_basis", "own_part"]
