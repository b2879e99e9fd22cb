"""jsii under Node 20 prints an end-of-life banner unless told the major version (the Makefile sets it too).

``tests.support`` is importable through pyproject's ``pythonpath = ["."]``.
"""

import os

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
