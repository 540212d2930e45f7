"""The server the benchmarks measure, started as `make run` starts it: gunicorn with
config/gunicorn.py, DEBUG off, plain HTTP on the loopback (as behind the HTTPS proxy of
a deployment), throttles lifted so the benchmark measures the server, not the limit."""

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_gunicorn(port: int) -> subprocess.Popen[bytes]:
    import requests

    env = {
        **os.environ,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "API_THROTTLE_USER": "1000000/minute",
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    server = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv/bin/gunicorn"), "--config", "config/gunicorn.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).raise_for_status()
            return server
        except requests.RequestException:
            time.sleep(0.1)
    server.kill()
    sys.exit("gunicorn did not start")
