"""Runs the Flask app under gunicorn, the production WSGI server, without a config file."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

KEEPALIVE_SECONDS = 75


class _Gunicorn(BaseApplication):
    def __init__(self, app, options: dict):
        self.application, self.options = app, options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def run(app, host: str, port: int, workers: int, threads: int) -> int:
    # The app is built before forking, so content is loaded once and shared by the workers.
    _Gunicorn(app, {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": 30,
        # Longer than a client keeps an idle connection (load balancers: 60 s), so the server never
        # closes one just as the client sends on it (the client sees "socket hang up").
        "keepalive": KEEPALIVE_SECONDS,
        "graceful_timeout": 5,
        "accesslog": None,
        "errorlog": "-",
    }).run()
    return 0
