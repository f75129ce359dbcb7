"""`python -m coopscore ...`: see coopscore/cli.py."""

import sys

from .cli import main

sys.exit(main())
