"""Partial Pooling Lab core: data, hierarchical models, fast refits and exact posteriors.

No Streamlit here: everything in this package can be imported and tested on its own.
"""

import os
from pathlib import Path

# Numba (nutpie's compiler) caches compiled models on disk: point it somewhere writable before
# numba loads, so a restarted server compiles in seconds instead of tens of seconds.
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "partial-pooling-lab" / "numba"))

# Text columns as Python objects, not pyarrow strings: under load, pyarrow's many short calls each
# wait for the GIL (see hbm_core/library_settings.py).
from hbm_core.library_settings import use_object_strings  # noqa: E402

use_object_strings()
