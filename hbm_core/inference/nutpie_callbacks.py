"""nutpie's numba compile with its two C callbacks kept in numba's disk cache: a fork of nutpie 0.16.11.

``nutpie.compile_pymc_model`` (numba backend) wraps two PyTensor functions, the log density with
its gradient and the "expand" function that turns a point into the traced values, in two
``numba.cfunc`` C callbacks for nutpie's Rust sampler. PyTensor's functions load from numba's disk
cache, but the callbacks are compiled anew in every process: for Explore's graph 4.7 and 1.2 s of
one core, most of a compile's 6.5 s, which a freshly started server pays for each model structure
before its first result (#19). They are never found in the cache because

- nutpie names each shared data array by ``uuid4()``, and those names are compiled into the
  callbacks (the field names of the record that carries the arrays' addresses and shapes), and
- numba keys a cached closure by a pickle of its cells, which hold numba dispatchers, whose pickle
  carries a uuid drawn per process.

This module is nutpie's ``_compile_pymc_model_numba`` (and the preamble of ``compile_pymc_model``
for the numba backend with its defaults) with three changes:

1. the shared arrays are named by their position (``d0``, ``d1``, ...), in nutpie's order;
2. each callback is compiled with a numba cache keyed by its content: a SHA-256 of the package
   versions, the callback's kind and sizes, the record layout of the shared data, and PyTensor's
   own cache key of the function the callback wraps. PyTensor loads that function from numba's
   disk cache by the same key, so a callback key is exactly as specific as PyTensor's own caching;
3. the two callbacks (nutpie's ``_make_c_logp_func`` and ``_make_c_expand_func``, copied as
   :func:`_logp_callback` and :func:`_expand_callback`) copy the result into the sampler's buffer
   element by element after checking its length, where nutpie assigns the whole array
   (``out[...] = grad``). numba compiles that assignment with a shape-mismatch error message built
   from strings at run time, and compiling numba's string functions took 1.7 s of the 14 s an
   Explore model takes on empty caches (a new host, or the container image's build). The return
   codes are nutpie's: a wrong length is an error (1 and -2) as nutpie's failed assignment was.

Everything else is nutpie's own code (its helpers ``_make_functions``, ``make_extraction_fn``,
``make_user_data``, ...), and the result is nutpie's ``CompiledPyMCModel``: ``with_data`` and
sampling are nutpie's.

It applies only with the nutpie and numba versions it was written against (:data:`FORKED_FROM`);
with any other version, when PyTensor gives no cache key for a function, or when the cache folder
cannot be written, the model (or that callback) is compiled exactly as nutpie does; an unreadable
cache entry is compiled anew. ``tests/test_nutpie_callbacks.py`` checks it against nutpie: the same
log density and gradient, the same draws for a seed, a cache hit in a fresh process, different
keys for graphs that differ only inside PyTensor's function, the fallbacks and a damaged entry.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import numba
import numpy as np
import nutpie
import pytensor

try:  # numba's cache internals; on a numba without them this module leaves compiling to nutpie
    from numba.core.caching import CompileResultCacheImpl, FunctionCache, _CacheLocator
    from numba.core.ccallback import CFunc
    from numba.core.sigutils import normalize_signature
except ImportError:  # pragma: no cover - other numba versions
    CompileResultCacheImpl = FunctionCache = _CacheLocator = object
    CFunc = normalize_signature = None

#: The versions this fork copies (nutpie) and whose cache internals it uses (numba's
#: ``CFunc._cache``, ``FunctionCache._index_key`` and the locator protocol).
FORKED_FROM = {"nutpie": "0.16.11", "numba": "0.68."}

#: Revision of this module's callback code (:func:`_logp_callback`, :func:`_expand_callback`), part
#: of every cache key: raise it when their code changes, so entries compiled from the old code are
#: not loaded.
CALLBACKS_REVISION = 2

#: Key of each callback's Python function (a fresh closure per compile) while it is compiled.
_KEYS: WeakKeyDictionary[Any, str] = WeakKeyDictionary()


def supported() -> bool:
    """Whether the installed nutpie and numba are the versions this fork was written against."""
    return (
        nutpie.__version__ == FORKED_FROM["nutpie"]
        and numba.__version__.startswith(FORKED_FROM["numba"])
        and CFunc is not None
    )


def cache_dir() -> Path | None:
    """Where the callbacks are cached: ``nutpie-callbacks`` in numba's cache folder (None: not set)."""
    base = numba.config.CACHE_DIR or os.environ.get("NUMBA_CACHE_DIR")
    return Path(base) / "nutpie-callbacks" if base else None


def compile_pymc_model(model) -> Any:
    """``nutpie.compile_pymc_model(model)`` (numba backend, nutpie's defaults), callbacks cached.

    Returns nutpie's ``CompiledPyMCModel``. Falls back to nutpie itself on other versions.
    """
    if not supported():
        return nutpie.compile_pymc_model(model)

    from nutpie import compile_pymc as ncp
    from pymc.initial_point import make_initial_point_fn

    # compile_pymc_model's preamble for backend="numba" and its defaults (no freezing, jitter
    # every free variable, start at the support point).
    pymc_initial_point_fn = ncp._wrap_with_lock(
        make_initial_point_fn(
            model=model,
            overrides=None,
            default_strategy="support_point",
            jitter_rvs=set(model.free_RVs),
            return_transformed=True,
        )
    )
    (n_dim, n_expanded, logp_fn_pt, expand_fn_pt, initial_point_fn, shape_info, reparameterized_names) = (
        ncp._make_functions(
            model,
            mode="NUMBA",
            compute_grad=True,
            join_expanded=True,
            pymc_initial_point_fn=pymc_initial_point_fn,
            var_names=None,
        )
    )
    logp_fn = logp_fn_pt.vm.jit_fn
    expand_fn = expand_fn_pt.vm.jit_fn

    shared_data: dict[str, np.ndarray] = {}
    shared_var_keys: dict[Any, str] = {}
    for val in [*logp_fn_pt.get_shared(), *expand_fn_pt.get_shared()]:
        if val in shared_var_keys:
            continue
        key = f"d{len(shared_var_keys)}"  # nutpie: uuid4().hex
        shared_data[key] = np.array(val.get_value(), order="C", copy=True)
        shared_var_keys[val] = key
    for arr in shared_data.values():
        arr.flags.writeable = False
    user_data = ncp.make_user_data(shared_var_keys, shared_data)

    logp_keys = [shared_var_keys[var] for var in logp_fn_pt.get_shared()]
    logp_raw, logp_sig = _logp_callback(n_dim, logp_fn, user_data, logp_keys, shared_data)
    logp_numba = cached_cfunc(
        logp_raw, logp_sig, callback_key("logp", logp_fn, (n_dim,), user_data, logp_keys, shared_data)
    )
    expand_keys = [shared_var_keys[var] for var in expand_fn_pt.get_shared()]
    expand_raw, expand_sig = _expand_callback(
        n_dim, n_expanded, expand_fn, user_data, expand_keys, shared_data
    )
    expand_numba = cached_cfunc(
        expand_raw,
        expand_sig,
        callback_key("expand", expand_fn, (n_dim, n_expanded), user_data, expand_keys, shared_data),
    )

    dims, coords = ncp._prepare_dims_and_coords(model, shape_info, reparameterized_names)
    return ncp.CompiledPyMCModel(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info, strict=True)},
        compiled_logp_func=logp_numba,
        compiled_expand_func=expand_numba,
        initial_point_func=initial_point_fn,
        shared_data=shared_data,
        shared_var_keys=shared_var_keys,
        user_data=user_data,
        n_expanded=n_expanded,
        shape_info=shape_info,
        logp_func=logp_fn_pt,
        expand_func=expand_fn_pt,
        reparameterized_names=reparameterized_names,
    )


def _logp_callback(n_dim: int, logp_fn, user_data: np.ndarray, shared_keys: list[str], shared_data):
    """nutpie's ``_make_c_logp_func`` with the gradient copied element by element (see the module's
    notes, item 3): the Python function of the log-density callback and its C signature.

    The callback fills ``out_`` (n_dim doubles) with the gradient and ``logp_`` (one double) with
    the log density at ``x_`` (n_dim doubles); returns 0, or nutpie's error codes: -1 wrong
    dimension, 1 an exception or a gradient of the wrong length, 3 a non-finite gradient, 4 a
    non-finite log density.
    """
    from nutpie.compile_pymc import make_extraction_fn

    extract = make_extraction_fn(logp_fn, shared_data, shared_keys, user_data.dtype)
    double_ptr = numba.types.CPointer(numba.types.double)
    c_sig = numba.types.int64(numba.types.uint64, double_ptr, double_ptr, double_ptr, numba.types.voidptr)

    def logp_numba(dim, x_, out_, logp_, user_data_):
        if dim != n_dim:
            return -1
        try:
            x = numba.carray(x_, (n_dim,))
            out = numba.carray(out_, (n_dim,))
            logp = numba.carray(logp_, ())
            logp_val, grad = extract(x, user_data_)
            logp[()] = logp_val
            if grad.shape[0] != n_dim:
                return 1
            for i in range(n_dim):
                out[i] = grad[i]
            if not np.all(np.isfinite(out)):
                return 3
            if not np.isfinite(logp_val):
                return 4
        except Exception:  # noqa: BLE001  (nutpie's: any error is code 1)
            return 1
        return 0

    return logp_numba, c_sig


def _expand_callback(
    n_dim: int, n_expanded: int, expand_fn, user_data: np.ndarray, shared_keys: list[str], shared_data
):
    """nutpie's ``_make_c_expand_func`` with the values copied element by element (see the module's
    notes, item 3): the Python function of the expand callback and its C signature.

    The callback fills ``out_`` (n_expanded doubles) with the traced values at ``x_`` (n_dim
    doubles); returns 0, or nutpie's error codes: -1 wrong sizes, -2 an exception or values of the
    wrong length.
    """
    from nutpie.compile_pymc import make_extraction_fn

    extract = make_extraction_fn(expand_fn, shared_data, shared_keys, user_data.dtype)
    double_ptr = numba.types.CPointer(numba.types.double)
    c_sig = numba.types.int64(
        numba.types.uint64, numba.types.uint64, double_ptr, double_ptr, numba.types.voidptr
    )

    def expand_numba(dim, expanded, x_, out_, user_data_):
        if dim != n_dim:
            return -1
        if expanded != n_expanded:
            return -1
        try:
            x = numba.carray(x_, (n_dim,))
            out = numba.carray(out_, (n_expanded,))
            (values,) = extract(x, user_data_)
            if values.shape[0] != n_expanded:
                return -2
            for i in range(n_expanded):
                out[i] = values[i]
        except Exception:  # noqa: BLE001  (nutpie's: any error is code -2)
            return -2
        return 0

    return expand_numba, c_sig


def callback_key(
    kind: str,
    inner,
    sizes: tuple[int, ...],
    user_data: np.ndarray,
    shared_keys: list[str],
    shared_data: dict[str, np.ndarray],
) -> str | None:
    """SHA-256 naming one callback's compiled code, or None when PyTensor has no cache key for ``inner``.

    ``inner``: the numba dispatcher of the PyTensor function the callback calls; ``sizes``: the
    callback's compiled-in sizes (``n_dim`` and, for expand, ``n_expanded``). The placeholder
    values of the shared arrays are not part of it: the callback replaces them with the arrays
    ``user_data`` points to before every call, so only their order, shapes and dtypes count.
    """
    from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS

    py_func = getattr(inner, "py_func", None)
    inner_key = CACHED_SRC_FUNCTIONS.get(py_func) if py_func is not None else None
    if inner_key is None:
        return None
    parts = [
        f"nutpie {nutpie.__version__} numba {numba.__version__} pytensor {pytensor.__version__}",
        f"callbacks {CALLBACKS_REVISION}",
        kind,
        repr(sizes),
        inner_key,
        repr(user_data.dtype.descr),
        repr([(k, shared_data[k].shape, shared_data[k].dtype.str) for k in shared_keys]),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cached_cfunc(pyfunc, sig, key: str | None) -> CFunc:
    """``numba.cfunc(sig)(pyfunc)``, stored in and loaded from numba's disk cache under ``key``.

    With ``key=None`` or no writable cache folder: compiled without a cache, as nutpie does.
    """
    cfunc = CFunc(pyfunc, normalize_signature(sig), locals={}, options={})  # as numba.cfunc does
    folder = cache_dir()
    if key is not None and folder is not None and _writable(folder):
        _KEYS[pyfunc] = key
        cfunc._cache = _KeyedCache(pyfunc)
    with warnings.catch_warnings():
        # As in nutpie: a callback numba cannot cache is compiled all the same.
        warnings.filterwarnings(
            "ignore", message="Cannot cache compiled function", category=numba.NumbaWarning
        )
        cfunc.compile()
    return cfunc


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


class _KeyedLocator(_CacheLocator):
    """Puts a keyed callback in :func:`cache_dir`, its file named by the key."""

    def __init__(self, py_func, py_file: str) -> None:
        self._py_func, self._py_file = py_func, py_file
        self._key = _KEYS[py_func]

    def ensure_cache_path(self) -> None:
        os.makedirs(self.get_cache_path(), exist_ok=True)

    def get_cache_path(self) -> str:
        return str(cache_dir())

    def get_source_stamp(self) -> str:
        # The key already names the versions and the code; an index written by other code is
        # also told apart by numba's own version in the index file.
        return self._key

    def get_disambiguator(self) -> str:
        return self._key[:32]

    @classmethod
    def from_function(cls, py_func, py_file: str):
        return cls(py_func, py_file) if py_func in _KEYS else None


class _KeyedImpl(CompileResultCacheImpl):
    _locator_classes = [_KeyedLocator]


class _KeyedCache(FunctionCache):
    """numba's function cache, with the callback's content key as its index key.

    numba's own index key hashes a pickle of the closure's cells, which differs in every process.
    """

    _impl_class = _KeyedImpl

    def _index_key(self, sig, codegen):
        return (sig, codegen.magic_tuple(), _KEYS[self._py_func])

    def _load_overload(self, sig, target_context):
        try:
            return super()._load_overload(sig, target_context)
        except Exception as error:  # noqa: BLE001  a damaged entry: compiled anew and stored over it
            warnings.warn(
                f"nutpie callback cache entry unreadable, compiling anew: {error!r}",
                RuntimeWarning,
                stacklevel=2,
            )
            return None

    def _save_overload(self, sig, data) -> None:
        try:
            super()._save_overload(sig, data)
        except OSError as error:  # a full or read-only disk: the callback still works, uncached
            warnings.warn(f"nutpie callback not cached: {error}", RuntimeWarning, stacklevel=2)
