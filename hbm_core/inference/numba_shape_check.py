"""PyTensor's numba ``SpecifyShape`` with a constant error message: a fork of PyTensor 3.3's
``numba_funcify_SpecifyShape`` (``pytensor/link/numba/dispatch/shape.py``).

``SpecifyShape`` is the run-time check that an array has the length a graph assumes; PyTensor's
rewrites put one into every model whose group-level vectors have a fixed capacity (Explore's
``centered`` weights, 12 entries). PyTensor compiles it to a numba function whose assertion
message is an f-string with the actual and the expected length, and numba then compiles its
string functions (integer to text, concatenation) into that function: 1.4-1.6 s of one core of
the ~13 s Explore's model takes to compile on empty disk caches (a new host, the container
image's build; issue #19 asks for its first result within 20 s there). This fork checks the same
dimensions and raises the same ``AssertionError``, with a message that names the dimension and
the op but not the two lengths, and no string is built at run time.

:func:`install` registers it through PyTensor's own dispatch for numba functions
(``register_funcify_default_op_cache_key``), with a salt that gives it cache keys of its own, so
nothing PyTensor's original compiled and cached is ever loaded for it, nor the other way round.
It applies only to the PyTensor version it was copied from (:data:`FORKED_FROM`); with another,
PyTensor's own implementation stays. ``tests/test_numba_shape_check.py`` checks it against
PyTensor's: the same results and errors, no string function compiled, distinct cache keys.
"""

from __future__ import annotations

import pytensor

#: The PyTensor version whose ``numba_funcify_SpecifyShape`` this copies (any 3.3.x).
FORKED_FROM = "3.3."

#: Part of the fork's cache keys (PyTensor adds it to the Op's own key): raise it when the
#: generated code changes.
CACHE_SALT = 20261207

_installed = False


def supported() -> bool:
    """Whether the installed PyTensor is the version this fork was copied from."""
    return pytensor.__version__.startswith(FORKED_FROM)


def install() -> bool:
    """Register the fork for ``SpecifyShape`` in this process (once); whether it is in use."""
    global _installed
    if _installed or not supported():
        return _installed
    from pytensor.link.numba.dispatch.basic import register_funcify_default_op_cache_key
    from pytensor.tensor.shape import SpecifyShape

    register_funcify_default_op_cache_key(SpecifyShape)(funcify_specify_shape)
    _installed = True
    return True


def funcify_specify_shape(op, node, **kwargs):
    """The numba function of one ``SpecifyShape`` node and the fork's cache salt.

    The function takes ``x`` and one 0-d integer array per dimension of ``x`` (PyTensor passes
    every shape input, ``None`` for an unchecked dimension), asserts each checked dimension and
    returns ``x`` unchanged.
    """
    from pytensor.link.numba.dispatch import basic as numba_basic
    from pytensor.link.utils import compile_function_src
    from pytensor.tensor.type_other import NoneTypeT

    names = [f"shape_{i}" for i in range(len(node.inputs) - 1)]
    checks = [
        f"assert x.shape[{i}] == {name}, 'SpecifyShape: dimension {i} of the input has the wrong length'"
        for i, (name, dim) in enumerate(zip(names, node.inputs[1:], strict=True))
        if not isinstance(dim.type, NoneTypeT)
    ]
    source = f"def specify_shape(x, {', '.join(names)}):\n    {'; '.join(checks) or 'pass'}\n    return x\n"
    specify_shape = compile_function_src(source, "specify_shape", {})
    return numba_basic.numba_njit(specify_shape), CACHE_SALT
