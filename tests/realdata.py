"""Where the real public data lives (CVE JSON 5 records, CSAF advisories, KEV, the national CERT's advisories):
a folder kept beside the checkout, not in the repository. ``ACSS_REAL_DATA`` points elsewhere; tests that need it
are skipped, with this path in their reason, when it is absent."""

import os
from pathlib import Path

REAL_DATA = Path(os.environ.get("ACSS_REAL_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
