"""Entry point: `python bench/run.py [--clients N] [--requests M] [--only NAME]`, from the project root.

See bench/README.md. The project root replaces bench/ at the head of sys.path so the harness is imported as the
`bench` package (and the gunicorn and Django subprocesses import it the same way).
"""

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
