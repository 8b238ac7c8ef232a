"""gunicorn's settings for Créneau (`make serve`, the Dockerfile): from the environment.

    gunicorn -c config/gunicorn.conf.py config.wsgi

- GUNICORN_BIND (127.0.0.1:8000; 0.0.0.0:8000 in the container): where it listens. Behind
  a reverse proxy on the same machine, keep 127.0.0.1.
- WEB_CONCURRENCY: worker processes, one per CPU core by default (at most 8); each of the
  gthread class with GUNICORN_THREADS threads (4). Measured in docs/performance.md (the
  portal's load test): a page is mostly Python CPU, which the GIL serialises within a
  process, so processes add CPU and threads do not; but waiting on PostgreSQL, the disk
  and Argon2's password hash release the GIL, so a process keeps serving pages while a
  user logs in. Each thread keeps one PostgreSQL connection (DB_CONN_MAX_AGE): workers x
  threads connections per server, to count against max_connections.
- GUNICORN_TIMEOUT (60 s): a request silent longer is killed (a large PDF or CSV export
  takes a few seconds; the billing run and imports run in the task worker, not here).
- GUNICORN_MAX_REQUESTS (1000): a worker is replaced after that many requests (with
  jitter), which bounds any slow growth of its memory.
- GUNICORN_ACCESS_LOG: "-" writes gunicorn's access log to stdout (off by default:
  LOG_FORMAT=json writes a line per request with its request id; docs/deploy.md).
- FORWARDED_ALLOW_IPS (127.0.0.1): the proxies whose X-Forwarded-* headers gunicorn trusts.
"""

import multiprocessing
import os


def setting(name: str, default: str) -> str:
    """The variable's value, or the default when it is unset or empty (as .env.example has)."""
    return os.environ.get(name, "").strip() or default


bind = [address.strip() for address in setting("GUNICORN_BIND", "127.0.0.1:8000").split(",")]
workers = int(setting("WEB_CONCURRENCY", str(min(multiprocessing.cpu_count(), 8))))
threads = int(setting("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(setting("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = int(setting("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = setting("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = setting("GUNICORN_ACCESS_LOG", "") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
errorlog = "-"
# gunicorn 25+ opens a control socket in the home folder by default: two servers on one
# machine (or one user) would share it. Not used here.
control_socket_disable = True
# Heartbeat files of gunicorn's workers in memory, not on a container's overlay disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
