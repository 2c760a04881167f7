#!/usr/bin/env python3
"""The production shape on one machine (`make cluster`): nginx (Debian's nginx-light) balancing
two gunicorn web nodes, two Celery workers and one beat, on the PostgreSQL and Redis in
DATABASE_URL and REDIS_URL, under supervisord (a web node or worker that dies is started
again, as the service manager of a real host would). Static files are served by each node
(WhiteNoise, after collectstatic), materials by nginx from the one shared directory
(X-Accel-Redirect); sessions, cache, locks and the broker are in Redis; files in the shared
MATERIALS_ROOT.

    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python scripts/cluster.py [--nodes 2]
        [--workers 2] [--port 8080] [--web-workers 4] [--web-threads 2] [--pin-web]

Prints the URL and runs until Ctrl-C. bench/load.py and the scale-out tests start it as a
library: ``with Cluster(...) as shape: shape.url …``.

The connection budget: each web node holds up to web-workers × web-threads connections to
PostgreSQL (CONN_MAX_AGE keeps them; the access log has its own connection per thread, so
twice that), each worker its concurrency, beat one: with the defaults 2 × (4 × 2 × 2) + 2 × 2 +
1 = 37, under PostgreSQL's default max_connections of 100 (README: "Scaling out").

A node is four gunicorn processes of two threads rather than two of four: the same eight
requests at once and the same connections, but Python runs one thread of a process at a time
(the GIL), and a page that renders for 50 ms holds up the other threads of its process. On
this 2-core machine under bench/load.py (100,000 trainees, one node, two runs of each) the most
requests/s went from 33.2–33.9 to 36.2–37.6 and p95 at 50 users from 460–810 to 330–370 ms; a
process takes about 150 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TASKSET = shutil.which("taskset") or "/usr/bin/taskset"  # util-linux
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _nginx_conf(directory: Path, port: int, upstreams: list[int], materials: Path) -> str:
    server = (ROOT / "deploy" / "nginx" / "default.conf.template").read_text(encoding="utf-8")
    lines = "\n    ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in upstreams)
    server = (
        server.replace("server ${PORTAL_UPSTREAM};", lines)
        .replace("${MATERIALS_ROOT}", str(materials))
        .replace("listen 80 default_server;", f"listen 127.0.0.1:{port};")
        # A node that stops answering mid-request: its request fails (a POST is never sent
        # twice), the next ones go to the other node.
        .replace("location / {\n        proxy_pass http://portal;",
                 "location / {\n        proxy_next_upstream error timeout;\n"
                 "        proxy_pass http://portal;")
    )  # fmt: skip
    user = "user root;" if os.geteuid() == 0 else ""
    return (
        f"{user}\ndaemon off;\nworker_processes 2;\npid {directory}/nginx.pid;\n"
        f"error_log {directory}/nginx-error.log;\n"
        "events { worker_connections 1024; }\nhttp {\n  include /etc/nginx/mime.types;\n"
        "  access_log off;\n"
        f"  client_body_temp_path {directory}/body;\n  proxy_temp_path {directory}/proxy;\n"
        f"{server}\n}}\n"
    )


def _program(name: str, command: list[str], directory: Path) -> str:
    line = " ".join(command).replace("%", "%%")
    return (
        f"[program:{name}]\ncommand={line}\ndirectory={ROOT}\nautorestart=true\n"
        "startsecs=1\nstopasgroup=true\nkillasgroup=true\nstopwaitsecs=20\n"
        f"stdout_logfile={directory}/{name}.log\nredirect_stderr=true\n\n"
    )


class Cluster:
    """Start the shape, wait until it answers through nginx, stop it on exit."""

    def __init__(
        self, *, nodes: int = 2, workers: int = 2, port: int | None = None,
        web_workers: int = 4, web_threads: int = 2, directory: Path | None = None,
        environment: dict[str, str] | None = None, beat: bool = True,
        worker_loglevel: str = "WARNING", pin_web: bool = False,
    ) -> None:  # fmt: skip
        """``pin_web``: each web node on a CPU of its own (web1 on CPU 0, web2 on CPU 1, …,
        round the machine's CPUs), as nodes on separate hosts have theirs — for measuring the
        scale-out of the web tier on one machine; nginx, the workers and PostgreSQL are not
        pinned."""
        self.nodes, self.workers, self.beat = nodes, workers, beat
        self.pin_web = pin_web
        self.worker_loglevel = worker_loglevel
        self.started_at = 0.0
        self.web_workers, self.web_threads = web_workers, web_threads
        self.port = port or free_port()
        self.directory = directory or Path(tempfile.mkdtemp(prefix="kenshu-cluster-"))
        self.environment = {**os.environ, **(environment or {})}
        self.web_ports = [free_port() for _ in range(nodes)]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        for needed in ("DATABASE_URL", "REDIS_URL"):
            if not self.environment.get(needed, "").strip():
                raise SystemExit(
                    f"{needed} must be set: several nodes share one database and one Redis "
                    "(the embedded SQLite and eager tasks are one process)"
                )
        materials = self.environment.get("MATERIALS_ROOT") or str(self.directory / "materials")
        return {
            **self.environment,
            "DJANGO_DEBUG": "false",
            # VAR_DIR as the caller has it: in development the secret key and the encryption
            # keys are kept there (in production they come from the environment), and the
            # nodes must share them with whoever wrote the data (TOTP secrets are encrypted).
            "STATIC_ROOT": str(self.directory / "static"),
            "MATERIALS_ROOT": materials,
            "MATERIALS_SERVE": "nginx",
            # One proxy in front: the client's address is the one nginx saw.
            "TRUSTED_PROXY_COUNT": "1",
            "GUNICORN_WORKERS": str(self.web_workers),
            "GUNICORN_THREADS": str(self.web_threads),
            "LOG_LEVEL": self.environment.get("LOG_LEVEL", "WARNING"),
            "PYTHONUNBUFFERED": "1",
        }

    def _config(self, env: dict[str, str]) -> Path:
        d = self.directory
        for sub in ("body", "proxy"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        Path(env["MATERIALS_ROOT"]).mkdir(parents=True, exist_ok=True)
        (d / "nginx.conf").write_text(
            _nginx_conf(d, self.port, self.web_ports, Path(env["MATERIALS_ROOT"])),
            encoding="utf-8",
        )
        conf = (
            f"[supervisord]\nnodaemon=true\nlogfile={d}/supervisord.log\n"
            f"pidfile={d}/supervisord.pid\nchildlogdir={d}\n\n"
            f"[unix_http_server]\nfile={d}/supervisor.sock\n\n"
            "[rpcinterface:supervisor]\n"
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n"
            f"[supervisorctl]\nserverurl=unix://{d}/supervisor.sock\n\n"
        )
        conf += _program("nginx", [NGINX, "-p", str(d), "-c", str(d / "nginx.conf")], d)
        for n, port in enumerate(self.web_ports, start=1):
            pin = [TASKSET, "-c", str(self.web_cpu(n))] if self.pin_web else []
            conf += _program(f"web{n}", [
                *pin, PYTHON, "-m", "gunicorn", "--config", "config/gunicorn.py",
                "--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
                "config.wsgi:application"], d)  # fmt: skip
        for n in range(1, self.workers + 1):
            conf += _program(f"worker{n}", [
                PYTHON, "-m", "celery", "-A", "config", "worker", "--hostname",
                f"worker{n}@%h", "--concurrency", "2", "--without-gossip", "--without-mingle",
                "--loglevel", self.worker_loglevel], d)  # fmt: skip
        if self.beat:
            conf += _program("beat", [
                PYTHON, "-m", "celery", "-A", "config", "beat", "--schedule",
                str(d / "celerybeat-schedule"), "--loglevel", "WARNING"], d)  # fmt: skip
        path = d / "supervisord.conf"
        path.write_text(conf, encoding="utf-8")
        return path

    @staticmethod
    def web_cpu(node: int) -> int:
        """The CPU web node ``node`` (1, 2, …) runs on when the nodes are pinned."""
        cpus = sorted(os.sched_getaffinity(0))
        return cpus[(node - 1) % len(cpus)]

    def start(self) -> Cluster:
        env = self._env()
        subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                       env=env, check=True)  # fmt: skip
        conf = self._config(env)
        self.started_at = time.time()
        self.process = subprocess.Popen(
            [PYTHON, "-m", "supervisor.supervisord", "-c", str(conf)], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while True:
            if all(self.answers(f"http://127.0.0.1:{p}/healthz") for p in self.web_ports) and (
                self.answers(f"{self.url}/healthz")
            ):
                return self
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the cluster did not start; logs in {self.directory}")
            time.sleep(0.3)

    @staticmethod
    def answers(url: str) -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1
                return bool(response.status == 200)
        except OSError:
            return False

    def ctl(self, *args: str) -> str:
        result = subprocess.run(
            [PYTHON, "-m", "supervisor.supervisorctl", "-c",
             str(self.directory / "supervisord.conf"), *args],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        return result.stdout.strip()

    def pid(self, program: str) -> int:
        return int(self.ctl("pid", program))

    def kill(self, program: str) -> int:
        """SIGKILL a program's main process (gunicorn's master, a worker): its children go with
        it; supervisord starts it again. Returns the pid killed."""
        pid = self.pid(program)
        os.killpg(os.getpgid(pid), signal.SIGKILL)
        return pid

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--web-threads", type=int, default=2)
    parser.add_argument(
        "--pin-web",
        action="store_true",
        help="each web node on a CPU of its own (for measuring scale-out)",
    )
    options = parser.parse_args()
    shape = Cluster(nodes=options.nodes, workers=options.workers, port=options.port,
                    web_workers=options.web_workers, web_threads=options.web_threads,
                    directory=ROOT / "var" / "cluster", pin_web=options.pin_web)  # fmt: skip
    shape.start()
    print(f"研修管理システム (cluster): {shape.url}/ — nginx → {options.nodes} web nodes "
          f"(ports {', '.join(map(str, shape.web_ports))}), {options.workers} Celery workers, "
          f"beat; logs in {shape.directory}. Ctrl-C stops it.")  # fmt: skip
    try:
        while shape.process is not None and shape.process.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        shape.stop()


if __name__ == "__main__":
    main()
