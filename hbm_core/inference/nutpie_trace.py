"""nutpie's raw Arrow trace to an xarray ``DataTree`` (ArviZ 1.x), in a few large steps.

nutpie 0.16 converts its trace column by column and chain by chain, warm-up included, through
a few hundred small pyarrow calls. Each of them lets go of Python's global lock, and on a busy
server (other sessions building charts) taking it back costs a thread switch interval (5 ms)
or more each time: measured with nutpie 0.16.11 on 4 x 1000 draws of 26 parameters, its 27 ms
became 95 ms to 3.9 s beside one busy thread (this one: 4-5 ms alone, 15-24 ms busy). Here each
column of a chain is one zero-copy view, the warm-up rows are dropped by slicing, and the result
is the same ``posterior`` and ``sample_stats`` nutpie would build (same variables, dims and
dtypes; the warm-up groups are not kept, as with ``save_warmup=False``).

Shapes: every posterior variable is (chain, draw, *shape) with ``shape`` and dim names from
the column's Arrow metadata (``dims``, ``shape``) or ``<name>_dim_<i>`` when it has none, as
nutpie names them. ``sample_stats`` holds nutpie's scalar statistics (chain, draw); where a
statistic is missing for a draw (e.g. ``divergence_message``) it is NaN, 0, False or None by
type, as nutpie fills it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xarray as xr

#: Per-draw columns that are bookkeeping, not statistics (they are the coordinates).
_INDEX_COLUMNS = ("chain", "draw")


def _column_values(batch: pa.RecordBatch, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Column ``name`` of one chain's batch as an array (rows, *shape), zero-copy where possible."""
    column = batch.column(name)
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        size = int(np.prod(shape)) if shape else 1
        offsets = column.offsets
        if column.null_count or offsets[0].as_py() != 0 or len(column.values) != batch.num_rows * size:
            raise ValueError(f"column {name!r} is not a fixed-size list without gaps")
        values = column.values.to_numpy(zero_copy_only=False)
        return values.reshape((batch.num_rows, *shape))
    if column.null_count and (pa.types.is_integer(column.type) or pa.types.is_boolean(column.type)):
        # nutpie's fill for missing integers and flags; floats become NaN, strings None by themselves
        column = pc.fill_null(column, False if pa.types.is_boolean(column.type) else 0)
    return column.to_numpy(zero_copy_only=False)


def _layout(field: pa.Field) -> tuple[list[str], tuple[int, ...]]:
    """(dim names, shape) of one draw of ``field``, from nutpie's metadata."""
    meta = field.metadata or {}
    shape = tuple(int(s) for s in meta[b"shape"].decode().split(",")) if meta.get(b"shape") else ()
    dims = meta[b"dims"].decode().split(",") if meta.get(b"dims") else []
    if len(dims) != len(shape):
        dims = [f"{field.name}_dim_{i}" for i in range(len(shape))]
    return dims, shape


def _stack_chains(batches: Sequence[pa.RecordBatch], skip: Sequence[int], names: Sequence[str]):
    """{name: (dims, array (chain, draw, *shape))} for ``names``, dropping ``skip[c]`` warm-up rows."""
    out = {}
    schema = batches[0].schema
    for name in names:
        dims, shape = _layout(schema.field(name))
        per_chain = [_column_values(b, name, shape)[k:] for b, k in zip(batches, skip, strict=True)]
        out[name] = (("chain", "draw", *dims), np.stack(per_chain))
    return out


def arrow_to_datatree(
    draw_batches: Sequence,
    stat_batches: Sequence,
    coords: Mapping[str, Sequence],
    unconstrained: Collection[str] = (),
) -> xr.DataTree:
    """The posterior draws (warm-up dropped) and scalar sampler statistics as a ``DataTree``
    with groups ``posterior`` and ``sample_stats``.

    ``draw_batches`` / ``stat_batches``: one Arrow record batch per chain (anything with the Arrow
    C interface, e.g. nutpie's arro3 batches), warm-up rows first, marked by the ``tuning`` stat.
    ``coords``: labels of named dims (``CompiledPyMCModel.coords``); dims without labels get 0..n-1.
    ``unconstrained``: draw columns left out of the posterior, as nutpie leaves out the sampler's
    unconstrained values such as ``tau_log__`` (``CompiledPyMCModel.reparameterized_names``).
    All chains must have the same number of kept draws (nutpie runs them to the same length).
    """
    draws = [pa.record_batch(b) for b in draw_batches]
    stats = [pa.record_batch(b) for b in stat_batches]
    warmup = [int(np.count_nonzero(s.column("tuning").to_numpy(zero_copy_only=False))) for s in stats]
    kept = {d.num_rows - k for d, k in zip(draws, warmup, strict=True)}
    if len(kept) != 1:
        raise ValueError(f"chains have different numbers of draws: {sorted(kept)}")
    (n_draws,) = kept

    names = [n for n in draws[0].schema.names if n not in set(unconstrained)]
    posterior_vars = _stack_chains(draws, warmup, names)
    scalar_stats = [
        f.name
        for f in stats[0].schema
        if f.name not in _INDEX_COLUMNS and not (pa.types.is_list(f.type) or pa.types.is_large_list(f.type))
    ]
    stat_vars = _stack_chains(stats, warmup, scalar_stats)

    base = {"chain": np.arange(len(draws)), "draw": np.arange(n_draws)}
    dim_sizes = {d: n for dims, a in posterior_vars.values() for d, n in zip(dims, a.shape, strict=True)}
    labels = {d: list(coords[d]) if d in coords else np.arange(n) for d, n in dim_sizes.items()}
    posterior = xr.Dataset(posterior_vars, coords=labels)
    sample_stats = xr.Dataset(stat_vars, coords=base)
    return xr.DataTree.from_dict({"posterior": posterior, "sample_stats": sample_stats})
