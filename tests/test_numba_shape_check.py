"""The fork of PyTensor's numba SpecifyShape (constant error message), against PyTensor's own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.tensor.shape import SpecifyShape

from hbm_core.inference import numba_shape_check


@pytest.mark.parametrize("shape", [(3,), (3, None), (None, 2), (3, 2)])
def test_checks_each_given_dimension_in_a_compiled_graph(shape):
    assert numba_shape_check.install()
    x = pt.tensor("x", shape=(None,) * len(shape), dtype="float64")
    fn = pytensor.function([x], pt.specify_shape(x, shape), mode="NUMBA")
    assert any(isinstance(node.op, SpecifyShape) for node in fn.maker.fgraph.toposort())
    good = np.arange(6.0).reshape(shape[0] or 3, -1) if len(shape) == 2 else np.arange(3.0)
    np.testing.assert_array_equal(fn(good), good)
    first_checked = next(i for i, d in enumerate(shape) if d is not None)
    bad = good.copy()
    bad = np.concatenate([bad, bad], axis=first_checked)
    with pytest.raises(AssertionError, match=f"dimension {first_checked} of the input has the wrong length"):
        fn(bad)


def test_other_pytensor_versions_keep_pytensors_own(monkeypatch):
    monkeypatch.setattr(numba_shape_check, "_installed", False)
    monkeypatch.setattr(pytensor, "__version__", "3.4.0")
    assert not numba_shape_check.supported()
    assert numba_shape_check.install() is False


def test_in_a_graph_no_string_function_is_compiled_and_the_cache_key_is_its_own(tmp_path, repo_root):
    """In a fresh process: PyTensor's SpecifyShape compiles numba's string functions, the fork none;
    a graph with it gives the same values, raises on a wrong length, and its cache key differs."""
    script = textwrap.dedent(
        """
        import json, sys
        import numba.core.event as ev
        import numpy as np
        import pytensor, pytensor.tensor as pt
        from pytensor.link.numba.dispatch.basic import numba_funcify_and_cache_key
        from hbm_core.inference import numba_shape_check

        class Strings(ev.Listener):
            count = 0
            def on_start(self, event):
                if "numba.cpython.unicode" in (event.data["dispatcher"].py_func.__module__ or ""):
                    Strings.count += 1
            def on_end(self, event):
                pass

        ev.register("numba:compile", Strings())
        x = pt.vector("x")
        y = pt.specify_shape(x, (3,)) * 2.0
        node = y.owner.inputs[0].owner
        out = {}
        for name in ("pytensor", "fork"):
            if name == "fork":
                assert numba_shape_check.install()
            Strings.count = 0
            fn = pytensor.function([x], y, mode="NUMBA")
            value = fn(np.arange(3.0)).tolist()
            try:
                fn(np.arange(4.0))
                raised = False
            except AssertionError:
                raised = True
            out[name] = dict(strings=Strings.count, value=value, raised=raised,
                             key=numba_funcify_and_cache_key(node.op, node=node)[1])
        print(json.dumps(out))
        """
    )
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "numba"), "PYTENSOR_FLAGS": f"base_compiledir={tmp_path / 'pt'}"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
        cwd=repo_root,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["pytensor"]["strings"] > 0, "PyTensor's own SpecifyShape no longer compiles strings"
    assert out["fork"]["strings"] == 0
    assert out["fork"]["value"] == out["pytensor"]["value"] == [0.0, 2.0, 4.0]
    assert out["fork"]["raised"] and out["pytensor"]["raised"]
    assert out["fork"]["key"] != out["pytensor"]["key"]
