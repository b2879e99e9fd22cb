"""``python -m seawall.cli``: the same as the ``seawall`` command."""

import sys

from . import main

sys.exit(main())
