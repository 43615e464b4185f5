"""A slow e-mail backend for tests that kill a worker while it delivers.

Each message is written as one file in ``ACSS_TEST_MAIL_DIR`` (atomically: a file is there whole or not at
all) in the middle of ``ACSS_TEST_MAIL_DELAY`` seconds of sleep, like an SMTP server that accepts the message
and is slow to answer: a worker killed in the first half has sent nothing, one killed in the second half has
sent a message it never recorded as sent.

While the file named by ``ACSS_TEST_MAIL_HOLD`` exists (at most ``HOLD_LIMIT`` seconds), a message written is
not yet reported as sent: a test that kills the worker then is sure to land between the two.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

HOLD_LIMIT = 60


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        directory = Path(os.environ["ACSS_TEST_MAIL_DIR"])
        delay = float(os.environ.get("ACSS_TEST_MAIL_DELAY", "0.5"))
        hold = os.environ.get("ACSS_TEST_MAIL_HOLD")
        for message in email_messages:
            time.sleep(delay / 2)
            name = f"{time.time_ns()}-{os.getpid()}-{uuid.uuid4().hex}"
            partial = directory / f"{name}.part"
            partial.write_bytes(message.message().as_bytes())
            partial.replace(directory / f"{name}.eml")
            held_until = time.monotonic() + HOLD_LIMIT
            while hold and Path(hold).exists() and time.monotonic() < held_until:
                time.sleep(0.01)
            time.sleep(delay / 2)
        return len(email_messages)
