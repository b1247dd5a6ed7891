"""`python -m bot.cli`: the same as `familyteam`."""

import sys

from bot.cli import main

sys.exit(main())
