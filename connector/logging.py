"""A last line of defence: mask anything shaped like a credential before it reaches a log."""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"(?i)(basic\s+)[A-Za-z0-9+/=]{8,}"),
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|consumer_secret|password|token|secret|"
        r"oauth_signature|code)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]{4,}"
    ),
    re.compile(r"(gAAAAA[A-Za-z0-9_-]{20,}=*)"),  # Fernet ciphertext: not secret, but noisy
]


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        if pattern.groups >= 1 and pattern.pattern.startswith("(gAAAAA"):
            text = pattern.sub("[encrypted]", text)
        else:
            text = pattern.sub(lambda m: m.group(1) + "[redacted]", text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
