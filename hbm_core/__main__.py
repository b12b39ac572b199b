"""``python -m hbm_core``: see :mod:`hbm_core.cli`."""

import sys
import warnings

warnings.filterwarnings("ignore", category=FutureWarning)

from hbm_core.cli import main  # noqa: E402

sys.exit(main())
