"""What of a request path may be stored or logged.

Some routes carry a secret in the path: password-reset and invitation links
(``/accounts/password/reset/key/<uid>-<token>/``), e-mail confirmation keys. Whoever can read
the access log (auditors, the gunicorn log) must not be able to use them, so the stored path of
such a route keeps its prefix and loses the rest. Control characters (a NUL, a line feed) are
written as ``\\xNN``: PostgreSQL refuses a NUL in text, and a line feed would split a log line.

Pure Python (no Django), so that gunicorn's logger can use it too (config/gunicorn.py).
"""

from __future__ import annotations

import re

REDACTED = "[redacted]"
# Paths whose remainder is a secret. Add a prefix here with any new route that carries a token.
SECRET_PATH_PREFIXES = (
    "/accounts/password/reset/key/",
    "/accounts/confirm-email/",
    # A certificate's verification code: shown to whoever holds the certificate, not to
    # whoever reads the logs (it opens a page with the person's name).
    "/verify/",
)
# URL parameters that hold secrets, whatever the route (see redact_path's `secrets`).
SECRET_PARAMETERS = frozenset({"key", "token", "uidb36", "uidb64", "code"})
# Pages under a secret prefix that hold none.
PUBLIC_PATHS = frozenset({"/accounts/password/reset/key/done/", "/accounts/confirm-email/"})

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def escape_controls(text: str) -> str:
    """Control characters as \\xNN (and a backslash doubled, so nothing is ambiguous)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text.replace("\\", "\\\\"))


def redact_path(path: str, secrets: dict[str, object] | None = None) -> str:
    """The path as it may be stored: secret remainders and secret URL parameters replaced,
    control characters escaped. `secrets` are the resolved route's keyword arguments."""
    for name, value in (secrets or {}).items():
        text = str(value)
        if name in SECRET_PARAMETERS and len(text) >= 4:
            path = path.replace(text, REDACTED)
    if path not in PUBLIC_PATHS:
        for prefix in SECRET_PATH_PREFIXES:
            if path.startswith(prefix) and len(path) > len(prefix):
                path = prefix + REDACTED
                break
    return escape_controls(path)
