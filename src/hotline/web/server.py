"""Running the web processes of ``hotline serve``.

With several workers each process binds its own listening socket on the same port with
``SO_REUSEPORT``, so the kernel spreads connections evenly over the processes. (With one
shared socket, whichever process happens to be awake accepts; long-lived keep-alive
connections then pile up on one process while the other core idles.) The parent only
supervises: it forwards SIGINT/SIGTERM, and if a worker dies it stops the rest and exits
non-zero so that the service manager restarts the whole set."""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import time
from types import FrameType

APP = "hotline.app:serving_app"


def _config(host: str, port: int):  # type: ignore[no-untyped-def]
    import uvicorn

    return uvicorn.Config(APP, factory=True, host=host, port=port, log_config=None, access_log=False)


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int) -> None:
    import uvicorn

    server = uvicorn.Server(_config(host, port))
    server.run(sockets=[_listening_socket(host, port)])


def serve(host: str, port: int, workers: int = 1) -> None:
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        import uvicorn

        uvicorn.Server(_config(host, port)).run()
        return
    context = multiprocessing.get_context("spawn")
    children = [context.Process(target=_worker, args=(host, port), name=f"web-{i}") for i in range(workers)]
    for child in children:
        child.start()
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.is_alive() and child.pid is not None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping and all(child.is_alive() for child in children):
        time.sleep(0.5)
    if not stopping:
        stop(signal.SIGTERM, None)
    for child in children:
        child.join(timeout=15)
        if child.is_alive():
            child.kill()
    if not stopping:
        sys.exit(1)
