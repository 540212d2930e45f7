"""gunicorn settings: `make run` and the deployment in README.md ("Deploying") both use them.

    .venv/bin/gunicorn --config config/gunicorn.py

Threads (gthread), not one request per process: exports stream for minutes to
slow clients, and a sync worker would be killed by its `timeout` under them.
With gthread, `timeout` only watches each worker's main loop (it notifies the
arbiter every second whatever its threads do), so it restarts a hung worker but
never cuts a long request. A request that fails after its headers were sent
(an export whose database connection died) is ended without the final chunk,
so the client sees the transfer broken (curl exits 18, requests raises
ChunkedEncodingError) instead of a short file that looks complete.
"""

import os
import sys
from typing import Any

wsgi_app = "config.wsgi:application"
bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"]

worker_class = "gthread"
# Processes x threads = requests served at once. Each thread may hold one
# database connection (CONN_MAX_AGE), so keep workers * threads below the
# database's max_connections.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))

# Seconds a worker's main loop may hang before the arbiter restarts it (not a
# limit on requests: see above).
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
# On restart or stop, running requests (exports) get this long to finish;
# any still running then are cut, visibly (no final chunk).
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "120"))
# Seconds an idle keep-alive connection stays open (behind a proxy that reuses
# connections, keep this above the proxy's own idle timeout).
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))

# Access log and errors to the terminal (or the journal under systemd).
accesslog = "-"
errorlog = "-"
loglevel = "info"
# No control socket: several servers on one machine would share its default path.
control_socket_disable = True
# Behind a proxy on the same machine, trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def when_ready(server: Any) -> None:  # gunicorn.arbiter.Arbiter (gunicorn has no types)
    """Print the address actually served (PORT=0 picks a free port)."""
    for listener in server.LISTENERS:
        print(f"claimtrack is serving {listener}/admin/ and {listener}/api/v1/", flush=True)
    sys.stdout.flush()
