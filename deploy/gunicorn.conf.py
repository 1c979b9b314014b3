"""gunicorn settings for the Postdesk web panel: `gunicorn --config deploy/gunicorn.conf.py`.

Read by the systemd unit (deploy/systemd/postdesk-web.service) and the container
(deploy/Dockerfile). Everything that differs per host comes from the environment:

- POSTDESK_WEB_LISTEN   address to bind (default 127.0.0.1:8000: nginx in front)
- POSTDESK_WEB_WORKERS  worker processes (default 2 x CPU cores + 1)

The app itself reads the POSTDESK_* settings (README, Configuration). Behind nginx set
POSTDESK_TRUSTED_PROXIES=1 so client addresses (sign-in throttling) come from the proxy's
X-Forwarded-For."""

import multiprocessing
import os

wsgi_app = "webadmin.wsgi:application_from_environment()"
bind = [os.environ.get("POSTDESK_WEB_LISTEN", "127.0.0.1:8000")]
workers = int(os.environ.get("POSTDESK_WEB_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
# Every page is a few short queries; a request still running after 30 s is stuck.
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow forever; jitter avoids all at once.
max_requests = 2000
max_requests_jitter = 200
# Not preloaded: each worker builds its own database engine after the fork, so no
# connection is ever shared between processes.
preload_app = False
accesslog = "-"
errorlog = "-"
# The proxy's X-Forwarded-Proto marks https requests (nginx on this host).
forwarded_allow_ips = os.environ.get("POSTDESK_WEB_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "postdesk-web"
