"""`python -m assistant ...`: the same commands as `klastry ...` (see assistant/cli.py)."""

import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main())
