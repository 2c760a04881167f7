"""gunicorn settings. The access log leaves out query strings (%(U)s is the path alone), and
paths that carry a secret (password-reset and invitation links) are redacted, with control
characters escaped so that a request cannot split or forge a log line (audit/redaction.py)."""

from __future__ import annotations

import os
from typing import Any

from gunicorn.glogging import Logger

from audit.redaction import escape_controls, redact_path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 60
# Longer than nginx keeps an idle upstream connection (keepalive_timeout 60s in
# deploy/nginx/default.conf.template): were gunicorn to close first (its default is 2 s),
# nginx would now and then send a request down a connection just closed and answer 502 —
# the load test found it (bench/load.py).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss rid=%({x-request-id}o)s'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker: Any) -> None:
    """Each worker, once the application is loaded and before it serves: the URLconf, the
    templates, the tasks and the broker connection made ready (config/warmup.py)."""
    from config.warmup import post_worker_init as warm_worker  # needs Django set up

    warm_worker(worker)


class RedactingLogger(Logger):
    """gunicorn's logger, with the request line's parts as they may be stored."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(environ.get("PATH_INFO", ""))
        atoms["U"] = path
        atoms["m"] = escape_controls(atoms.get("m", ""))
        atoms["r"] = f"{atoms['m']} {path} {escape_controls(environ.get('SERVER_PROTOCOL', ''))}"
        atoms.pop("q", None)  # the query string is never logged
        return atoms


logger_class = RedactingLogger
