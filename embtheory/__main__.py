"""``python -m embtheory``: the command line."""

import sys

from embtheory.cli import main

sys.exit(main())
