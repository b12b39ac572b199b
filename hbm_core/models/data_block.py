"""All of a model's data in two ``pm.Data`` containers, one of floats and one of integers.

Why. For every model nutpie compiles a numba C callback that unpacks each ``pm.Data`` container
from the sampler's user data, and numba types and lowers that code anew for every container; a
server pays for it on the first visit to every page with empty disk caches (with warm ones the
callback now loads from numba's cache: :mod:`hbm_core.inference.nutpie_callbacks`). Measured with
nutpie 0.16.11 and numba 0.68: a toy model with eight scalar containers compiled in 7.5 s, the same
model with one vector of eight in 3.1 s; the partial-pooling model of the Explore page (11
containers) in 19.4 s against 10.0 s packed, on a busy machine (see ``bench/cold_start.py`` for the
page's figures). So every model declares its data through a :class:`DataBlock`, which hands out
named *fields* that are slices of two containers:

    floats = [ field 0 | field 1 | ... ]            (float64)
    ints   = [ offsets (2 F + 2) | int field 0 | ... ]   (int64)

``ints[k] : ints[k + 1]`` are the positions of float field k in ``floats`` and
``ints[F + 1 + k] : ints[F + 2 + k]`` those of int field k in ``ints`` (F = :data:`MAX_FIELDS`), so a
field's length can change with the data set while the compiled model stays the same. Scalars are
fields of length 1, read as 0-d. :func:`pack` turns the named inputs of
:func:`hbm_core.models.inputs.model_inputs` (one array per field) into the two containers' values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pymc as pm

#: Fields of each kind a model may declare (the size of the offset header).
MAX_FIELDS = 16
#: Names of the two containers.
FLOATS, INTS = "floats", "ints"


@dataclass(frozen=True)
class Field:
    """One named piece of a model's data: ``kind`` "float" or "int", ``scalar`` read as 0-d."""

    name: str
    kind: str
    scalar: bool


class DataBlock:
    """Declares a model's data fields while it is built (call inside ``with pm.Model()``).

    ``vector(name, placeholder)`` / ``scalar(name, value)`` / ``index(name, placeholder)`` return the
    field as a tensor; :meth:`finish` fills the containers with the placeholders, consistently.
    """

    def __init__(self) -> None:
        self._fields: list[Field] = []
        self._placeholders: dict[str, np.ndarray] = {}
        self._floats = pm.Data(FLOATS, np.zeros(1))
        self._ints = pm.Data(INTS, np.zeros(2 * MAX_FIELDS + 2, dtype="int64"))

    def _add(self, name: str, kind: str, scalar: bool, value) -> int:
        if any(f.name == name for f in self._fields):
            raise ValueError(f"the field {name!r} is declared twice")
        k = sum(f.kind == kind for f in self._fields)
        if k >= MAX_FIELDS:
            raise ValueError(f"more than {MAX_FIELDS} {kind} fields")
        self._fields.append(Field(name, kind, scalar))
        self._placeholders[name] = np.atleast_1d(
            np.asarray(value, dtype=float if kind == "float" else "int64")
        )
        return k

    def vector(self, name: str, placeholder) -> pm.math.TensorVariable:
        """A float vector field (its length follows the data)."""
        k = self._add(name, "float", False, placeholder)
        return self._floats[self._ints[k] : self._ints[k + 1]]

    def scalar(self, name: str, value: float) -> pm.math.TensorVariable:
        """A float scalar field."""
        k = self._add(name, "float", True, value)
        return self._floats[self._ints[k]]

    def index(self, name: str, placeholder) -> pm.math.TensorVariable:
        """An integer vector field (group indices)."""
        k = self._add(name, "int", False, placeholder)
        return self._ints[self._ints[MAX_FIELDS + 1 + k] : self._ints[MAX_FIELDS + 2 + k]]

    @property
    def layout(self) -> tuple[Field, ...]:
        """The fields in the order they were declared."""
        return tuple(self._fields)

    def finish(self) -> None:
        """Set the two containers to the declared placeholders (the compiled model's start data)."""
        pm.set_data(pack(self.layout, self._placeholders))


def pack(layout: tuple[Field, ...], inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The values of the two containers for ``inputs`` (one array per field of ``layout``).

    Raises ValueError naming the fields that are missing, unknown or not scalar where a scalar is
    declared: a misnamed input must fail, never leave the model on its placeholder data.
    """
    names = {f.name for f in layout}
    missing, unknown = sorted(names - set(inputs)), sorted(set(inputs) - names)
    if missing or unknown:
        raise ValueError(
            f"The inputs do not match the model's data fields: missing {missing or 'none'}, "
            f"unknown {unknown or 'none'} (the model has {sorted(names)})."
        )
    parts: dict[str, list[np.ndarray]] = {"float": [], "int": []}
    for field in layout:
        value = np.asarray(inputs[field.name], dtype=float if field.kind == "float" else "int64")
        if field.scalar and value.size != 1:
            raise ValueError(f"The field {field.name!r} is a scalar; got shape {value.shape}.")
        parts[field.kind].append(value.reshape(-1))
    float_ends = np.cumsum([0] + [p.size for p in parts["float"]])
    int_sizes = [p.size for p in parts["int"]]
    header = 2 * MAX_FIELDS + 2
    int_ends = header + np.cumsum([0, *int_sizes])
    offsets = np.zeros(header, dtype="int64")
    # Unused header slots repeat the last offset (empty fields), so every slice stays in range.
    offsets[: MAX_FIELDS + 1] = float_ends[-1]
    offsets[: float_ends.size] = float_ends
    offsets[MAX_FIELDS + 1 :] = int_ends[-1]
    offsets[MAX_FIELDS + 1 : MAX_FIELDS + 1 + int_ends.size] = int_ends
    floats = np.concatenate(parts["float"]) if parts["float"] else np.zeros(0)
    return {
        FLOATS: floats if floats.size else np.zeros(1),  # never empty: nutpie copies the container
        INTS: np.concatenate([offsets, *parts["int"]]),
    }


def unpack(layout: tuple[Field, ...], packed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The named fields in the containers' values ``packed`` (the inverse of :func:`pack`)."""
    floats, ints = np.asarray(packed[FLOATS]), np.asarray(packed[INTS])
    out, counts = {}, {"float": 0, "int": 0}
    for field in layout:
        k = counts[field.kind]
        counts[field.kind] += 1
        if field.kind == "float":
            value = floats[ints[k] : ints[k + 1]]
        else:
            value = ints[ints[MAX_FIELDS + 1 + k] : ints[MAX_FIELDS + 2 + k]]
        out[field.name] = value.reshape(()) if field.scalar else value
    return out
