"""Serving helper shared by the Python field agents (fasta2a, a2a-sdk 0.2, ADK).

Standard library + uvicorn only (every field venv has uvicorn). Binds 127.0.0.1:0,
builds the app for the real URL, prints `READY <url>` on stdout once uvicorn
accepts connections, and exits when stdin closes (or on SIGTERM/SIGINT).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
import threading

from collections.abc import Callable
from typing import Any

import uvicorn


def setup_logging(name: str) -> None:
    """Warnings to stderr by default; A2A_TEST_AGENT_LOG=debug|info|... sets the level."""
    level_name = os.environ.get('A2A_TEST_AGENT_LOG', '').upper()
    level = getattr(logging, level_name, None) if level_name else None
    logging.basicConfig(
        stream=sys.stderr,
        level=level if isinstance(level, int) else logging.WARNING,
        format=f'[field agent {name}] %(levelname)s %(name)s: %(message)s',
    )


def serve(name: str, build_app: Callable[[str], Any], lifespan: str = 'off') -> None:
    """`build_app(base_url)` returns the ASGI app; `base_url` is `http://127.0.0.1:PORT`."""
    setup_logging(name)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    base_url = f'http://127.0.0.1:{port}'
    app = build_app(base_url)

    signal.signal(signal.SIGTERM, lambda *_: None)
    signal.signal(signal.SIGINT, lambda *_: None)
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=1,
        lifespan=lifespan,
    )
    server = uvicorn.Server(config)

    async def main() -> int:
        loop = asyncio.get_running_loop()
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        for _ in range(6000):  # 60 s at most
            if server.started:
                break
            if serving.done():
                serving.result()
                return 1
            await asyncio.sleep(0.01)
        if not server.started:
            return 1
        sys.stdout.write(f'READY {base_url}\n')
        sys.stdout.flush()
        # Nothing else may go to stdout (the parent might not drain the pipe).
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
        sys.stdout = sys.stderr

        if os.environ.get('A2A_FIELD_NO_STDIN_WATCH') != '1':

            def watch_stdin() -> None:
                try:
                    while os.read(0, 4096):
                        pass
                except OSError:
                    pass
                loop.call_soon_threadsafe(lambda: setattr(server, 'should_exit', True))
                killer = threading.Timer(5.0, os._exit, args=(0,))
                killer.daemon = True
                killer.start()

            threading.Thread(target=watch_stdin, daemon=True).start()

        await serving
        return 0

    sys.exit(asyncio.run(main()))


def parse_seconds(s: str) -> float:
    """`slow:N` durations: a non-negative float, capped at 30 s; 1 s when unreadable."""
    try:
        v = float(s.strip())
    except ValueError:
        return 1.0
    if v != v or v < 0:
        return 1.0
    return min(v, 30.0)
