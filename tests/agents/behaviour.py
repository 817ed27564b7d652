"""SDK-independent parts of the A2A test peers (agent_v03.py, agent_v1.py).

Only the standard library, starlette and uvicorn are imported here; both venvs have
those. Everything that touches a2a-sdk types lives in the two agent scripts, which
implement the small `Ops` interface used by `Brain`.

What lives here:
  * the command line (shared flags),
  * the skill list for the card,
  * `Brain`: the behaviour table (chosen by the prefix of the user text), the
    per-context turn counter, the input-required/auth-required continuations and
    cancellation of running tasks,
  * `Recorder`: an ASGI wrapper that records every JSON-RPC request and serves
    `GET {prefix}/_test/log`:
      cancelled       task ids whose cancel reached AgentExecutor.cancel()
      requests        every JSON-RPC method name, in order (null if unparsable)
      headers         A2A-Version header of each JSON-RPC request, or null
      auth            Authorization header of each JSON-RPC request, or null
      messages        {taskId, contextId, text, metadata, method, configuration,
                      paramsMetadata} for each send/stream request, as on the wire
      cancelRequests  params.id of every tasks/cancel / CancelTask request (also
                      the ones the SDK rejects, e.g. already-finished tasks)
  * `serve()`: bind 127.0.0.1:0, print `READY <url>`, exit on SIGTERM/SIGINT or
    when stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import signal
import socket
import struct
import sys
import threading
import zlib

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import uvicorn

from starlette.applications import Starlette
from starlette.routing import Mount


log = logging.getLogger('a2a-test-agent')

# ---------------------------------------------------------------------------
# Command line


def parse_args(sdk: str) -> argparse.Namespace:
    """Parse the shared command line. `sdk` is 'v03' or 'v1'."""
    p = argparse.ArgumentParser(description=f'A2A test agent ({sdk})')
    p.add_argument('--name', required=True, help='agent card name')
    p.add_argument(
        '--streaming',
        action=argparse.BooleanOptionalAction,
        default=True,
        help='capabilities.streaming in the card (default: on)',
    )
    if sdk == 'v1':
        p.add_argument(
            '--compat',
            action=argparse.BooleanOptionalAction,
            default=False,
            help='also accept v0.3 JSON-RPC methods and advertise a 0.3 '
            'interface in the card (default: off)',
        )
    p.add_argument(
        '--rest',
        action=argparse.BooleanOptionalAction,
        default=False,
        help='serve only the HTTP+JSON (REST) binding and list only it in the card '
        '(v1: at {url}/rest; v03: the SDK REST app, /v1/... under {url}) (default: off)',
    )
    p.add_argument(
        '--push',
        action=argparse.BooleanOptionalAction,
        default=False,
        help='capabilities.pushNotifications in the card, and the SDK\'s push notifications on '
        '(InMemoryPushNotificationConfigStore + BasePushNotificationSender) (default: off)',
    )
    p.add_argument(
        '--path-prefix',
        default='',
        help='mount the whole app (card + JSON-RPC) under this path',
    )
    p.add_argument(
        '--skills',
        default=None,
        help="comma-separated skill ids replacing the defaults; 'none' = no skills",
    )
    p.add_argument(
        '--extended-skills',
        default=None,
        help='comma-separated skill ids that only the authenticated extended card '
        'adds (the card then says it has one)',
    )
    p.add_argument(
        '--bearer',
        default=None,
        help='require "Authorization: Bearer <this>" on every POST (the card stays public)',
    )
    p.add_argument(
        '--no-stdin-watch',
        dest='stdin_watch',
        action='store_false',
        help='do not exit when stdin reaches EOF (for running by hand)',
    )
    args = p.parse_args()
    args.path_prefix = normalize_prefix(args.path_prefix)
    return args


def require_bearer(app: Any, token: str | None) -> Any:
    """`app` behind a check of `Authorization: Bearer <token>` on every POST (GETs, the card, stay public)."""
    if not token:
        return app
    expected = f'Bearer {token}'.encode()

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope['type'] == 'http' and scope.get('method') == 'POST':
            auth = dict(scope.get('headers') or []).get(b'authorization')
            if auth != expected:
                await send({
                    'type': 'http.response.start',
                    'status': 401,
                    'headers': [(b'content-type', b'text/plain'), (b'www-authenticate', b'Bearer')],
                })
                await send({'type': 'http.response.body', 'body': b'missing or wrong bearer token'})
                return
        await app(scope, receive, send)

    return guarded


def normalize_prefix(prefix: str) -> str:
    """'' or '/a/b' (leading slash, no trailing slash)."""
    prefix = (prefix or '').strip()
    if not prefix or prefix == '/':
        return ''
    if not prefix.startswith('/'):
        prefix = '/' + prefix
    return prefix.rstrip('/')


def skill_specs(arg: str | None) -> list[dict[str, Any]]:
    """Skills for the card as plain dicts: id, name, description, tags, examples."""
    if arg is None:
        return [
            {
                'id': 'echo',
                'name': 'Echo',
                'description': 'Echoes the input text back as an artifact.',
                'tags': ['echo', 'test'],
                'examples': ['hello'],
            },
            {
                'id': 'research',
                'name': 'Deep Research',
                'description': 'Researches a topic and writes a short report.',
                'tags': ['research', 'report'],
                'examples': ['quantum batteries'],
            },
        ]
    if arg.strip().lower() == 'none':
        return []
    out = []
    for sid in (s.strip() for s in arg.split(',')):
        if not sid:
            continue
        spec = {
            'id': sid,
            'name': sid.replace('_', ' ').replace('-', ' ').title(),
            'description': f'Skill {sid}.',
            'tags': ['test'],
            'examples': [],
        }
        if sid == 'files':
            # The one skill that takes more than text (the card's defaultInputModes are text/plain).
            spec['input_modes'] = FILES_INPUT_MODES
        out.append(spec)
    return out


FILES_INPUT_MODES = ['text/plain', 'image/*', 'application/pdf']


def skill_extra(spec: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for the SDK's AgentSkill beyond the common ones (inputModes when set)."""
    return {'input_modes': spec['input_modes']} if spec.get('input_modes') else {}


# ---------------------------------------------------------------------------
# A valid 1x1 PNG (one opaque red pixel), built with zlib so the CRCs are right.


def _png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack('>I', len(data))
            + kind
            + data
            + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack('>IIBBBBB', 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    idat = zlib.compress(b'\x00\xff\x00\x00', 9)  # filter 0, one red pixel
    return (
        b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', ihdr)
        + chunk(b'IDAT', idat)
        + chunk(b'IEND', b'')
    )


PNG_1X1 = _png_1x1()
REPORT_URL = 'https://example.com/report.pdf'

# ---------------------------------------------------------------------------
# The behaviour table


class Ops(Protocol):
    """What `Brain` needs from an SDK, for one execute()/cancel() call.

    States are the v0.3 spellings: working, input-required, auth-required,
    completed, failed, rejected, canceled.
    Artifact parts are tuples:
      ('text', str) | ('data', dict) | ('bytes', bytes, mime, name) | ('uri', url, mime, name)
    """

    task_id: str
    context_id: str

    async def ensure_task(self) -> None:
        """Enqueue the initial Task (state submitted) unless the task already exists."""

    async def reply_message(self, text: str) -> None:
        """Enqueue a direct agent Message (no task)."""

    async def status(self, state: str, text: str | None = None) -> None:
        """Enqueue a status update, optionally with an agent message holding `text`."""

    async def artifact(
        self,
        artifact_id: str,
        name: str,
        parts: list[tuple],
        append: bool | None = None,
        last_chunk: bool | None = None,
    ) -> None:
        """Enqueue an artifact update."""


class _Cancelled(Exception):
    pass


class _Running:
    def __init__(self) -> None:
        self.cancel = asyncio.Event()
        self.done = asyncio.Event()


class TestLog:
    def __init__(self) -> None:
        self.cancelled: list[str] = []
        self.requests: list[str | None] = []
        self.headers: list[str | None] = []
        self.auth: list[str | None] = []
        self.messages: list[dict[str, Any]] = []
        self.cancel_requests: list[Any] = []

    def to_json(self) -> dict[str, Any]:
        return {
            'cancelled': self.cancelled,
            'requests': self.requests,
            'headers': self.headers,
            'auth': self.auth,
            'messages': self.messages,
            'cancelRequests': self.cancel_requests,
        }


STEP = 0.02  # pause between events of the short flows


class Brain:
    """The behaviour shared by both agents. Runs on the event loop only."""

    def __init__(self) -> None:
        self.log = TestLog()
        self.turns: dict[str, int] = {}
        self.asking: set[str] = set()  # task ids waiting in input-required
        self.auth_waiting: set[str] = set()  # task ids waiting in auth-required
        self.running: dict[str, _Running] = {}

    # -- execute ------------------------------------------------------------

    async def execute(
        self, ops: Ops, text: str, metadata: Any, parts: list[dict[str, Any]] | None = None
    ) -> None:
        """`parts`: what the SDK made of the message's parts, one dict each (see `parts:` below)."""
        ctx = ops.context_id
        self.turns[ctx] = self.turns.get(ctx, 0) + 1
        turn = self.turns[ctx]
        run = _Running()
        tid = ops.task_id
        self.running[tid] = run
        try:
            await self._dispatch(ops, run, text, metadata, turn, parts or [])
        except _Cancelled:
            log.info('task %s: cancelled while running', tid)
            await ops.status('canceled', 'Task canceled.')
        finally:
            if self.running.get(tid) is run:
                del self.running[tid]
            run.done.set()

    async def _pause(self, run: _Running, seconds: float) -> None:
        """Sleep, but raise _Cancelled as soon as a cancel arrives."""
        if run.cancel.is_set():
            raise _Cancelled
        try:
            await asyncio.wait_for(run.cancel.wait(), timeout=max(seconds, 0))
        except (TimeoutError, asyncio.TimeoutError):
            return
        raise _Cancelled

    async def _finish_text(
        self, ops: Ops, run: _Running, text: str, artifact_id: str = 'result-1'
    ) -> None:
        await ops.artifact(artifact_id, 'result', [('text', text)])
        await self._pause(run, STEP)
        await ops.status('completed')

    async def _dispatch(  # noqa: PLR0911, PLR0912, PLR0915
        self,
        ops: Ops,
        run: _Running,
        text: str,
        metadata: Any,
        turn: int,
        parts: list[dict[str, Any]],
    ) -> None:
        tid = ops.task_id

        # Continuations of interrupted tasks, whatever the text says.
        if tid in self.asking:
            self.asking.discard(tid)
            await ops.status('working')
            await self._pause(run, STEP)
            await self._finish_text(ops, run, 'hello, ' + text)
            return
        if tid in self.auth_waiting:
            self.auth_waiting.discard(tid)
            await ops.status('working')
            await self._pause(run, STEP)
            await self._finish_text(ops, run, 'authenticated: ' + text)
            return

        if text.startswith('msg:'):
            await ops.reply_message('echo: ' + text[len('msg:') :])
            return

        await ops.ensure_task()
        await self._pause(run, STEP)

        if text.startswith('fail:'):
            await ops.status('working')
            await self._pause(run, STEP)
            await ops.status('failed', text[len('fail:') :])
        elif text.startswith('reject:'):
            await ops.status('rejected', text[len('reject:') :])
        elif text.startswith('data:'):
            await ops.artifact(
                'data-1', 'data', [('data', {'echo': text[len('data:') :], 'n': 1})]
            )
            await self._pause(run, STEP)
            await ops.status('completed')
        elif text.startswith('file:'):
            await ops.artifact(
                'files-1',
                'files',
                [
                    ('bytes', PNG_1X1, 'image/png', 'dot.png'),
                    ('uri', REPORT_URL, 'application/pdf', 'report.pdf'),
                ],
            )
            await self._pause(run, STEP)
            await ops.status('completed')
        elif text.startswith('ask:'):
            self.asking.add(tid)
            await ops.status('input-required', 'What is your name?')
        elif text.startswith('auth:'):
            self.auth_waiting.add(tid)
            await ops.status(
                'auth-required', 'Sign in at https://example.com/login to continue'
            )
        elif text.startswith('slow:'):
            seconds = _parse_seconds(text[len('slow:') :])
            if seconds is None:
                await ops.status('failed', f'bad duration in {text!r}')
                return
            steps = math.ceil(seconds / 0.5)
            await ops.status('working')
            for i in range(1, steps + 1):
                await self._pause(run, 0.5)
                await ops.status('working', f'step {i}/{steps}')
            await self._pause(run, STEP)
            await self._finish_text(ops, run, 'slow done')
        elif text.startswith('silent:'):
            seconds = _parse_seconds(text[len('silent:') :])
            if seconds is None:
                await ops.status('failed', f'bad duration in {text!r}')
                return
            await ops.status('working')
            await self._pause(run, seconds)
            await self._finish_text(ops, run, 'silent done')
        elif text.startswith('context'):
            await ops.status('working')
            await self._pause(run, STEP)
            await self._finish_text(ops, run, f'context {ops.context_id} turn {turn}')
        elif text.startswith('parts:'):
            # The parts of the message as the SDK parsed them: {kind, name, mediaType, size, sha256 | uri}.
            await ops.status('working')
            await self._pause(run, STEP)
            await self._finish_text(ops, run, json.dumps(parts, sort_keys=True))
        elif text.startswith('meta'):
            await ops.status('working')
            await self._pause(run, STEP)
            await self._finish_text(ops, run, json.dumps(metadata, sort_keys=True))
        elif text.startswith('big:'):
            try:
                n = int(text[len('big:') :].strip())
            except ValueError:
                await ops.status('failed', f'bad size in {text!r}')
                return
            await ops.status('working')
            await self._pause(run, STEP)
            await self._finish_text(ops, run, 'x' * max(n, 0), artifact_id='big-1')
        else:
            await ops.status('working', 'working on it')
            await self._pause(run, STEP)
            await ops.artifact(
                'result-1', 'result', [('text', 'echo: ')], append=False, last_chunk=False
            )
            await self._pause(run, STEP)
            await ops.artifact(
                'result-1', 'result', [('text', text)], append=True, last_chunk=True
            )
            await self._pause(run, STEP)
            await ops.status('completed')

    # -- cancel -------------------------------------------------------------

    async def cancel(self, ops: Ops) -> None:
        """Called from the SDK's AgentExecutor.cancel()."""
        tid = ops.task_id
        self.log.cancelled.append(tid)
        run = self.running.get(tid)
        if run is not None:
            # Let the running execute() write `canceled` on its own queue (the one
            # every subscriber reads), then return so the SDK can tear it down.
            run.cancel.set()
            try:
                await asyncio.wait_for(run.done.wait(), timeout=5)
            except (TimeoutError, asyncio.TimeoutError):
                log.warning('task %s: execute() did not stop within 5 s', tid)
            return
        # Not running (e.g. parked in input-required): write the state ourselves.
        self.asking.discard(tid)
        self.auth_waiting.discard(tid)
        await ops.status('canceled', 'Task canceled.')


def _parse_seconds(s: str) -> float | None:
    try:
        v = float(s.strip())
    except ValueError:
        return None
    if math.isnan(v) or v < 0:
        return None
    return v


# ---------------------------------------------------------------------------
# Request recorder + /_test/log

_SEND_METHODS = {
    'message/send',
    'message/stream',
    'SendMessage',
    'SendStreamingMessage',
}


def _wire_text(parts: Any) -> str:
    out = []
    if isinstance(parts, list):
        for p in parts:
            if isinstance(p, dict) and isinstance(p.get('text'), str):
                if p.get('kind', 'text') == 'text':
                    out.append(p['text'])
    return ''.join(out)


class Recorder:
    """ASGI wrapper: records JSON-RPC POSTs, serves GET {prefix}/_test/log."""

    def __init__(self, app: Any, prefix: str, brain: Brain) -> None:
        self.app = app
        self.log_path = prefix + '/_test/log'
        self.brain = brain

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        method = scope.get('method', 'GET')
        path = scope.get('path', '')
        if method == 'GET' and path == self.log_path:
            body = json.dumps(self.brain.log.to_json()).encode()
            await send(
                {
                    'type': 'http.response.start',
                    'status': 200,
                    'headers': [
                        (b'content-type', b'application/json'),
                        (b'content-length', str(len(body)).encode()),
                    ],
                }
            )
            await send({'type': 'http.response.body', 'body': body})
            return
        if method != 'POST':
            await self.app(scope, receive, send)
            return

        # Read the whole body, record it, then replay it to the app.
        chunks = []
        while True:
            msg = await receive()
            if msg['type'] == 'http.disconnect':
                return
            chunks.append(msg.get('body', b''))
            if not msg.get('more_body', False):
                break
        body = b''.join(chunks)
        self._record(scope, body)

        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {'type': 'http.request', 'body': body, 'more_body': False}
            return await receive()

        await self.app(scope, replay, send)

    def _record(self, scope: dict, body: bytes) -> None:
        headers = {}
        for k, v in scope.get('headers', []):
            headers.setdefault(k.decode('latin-1').lower(), v.decode('latin-1'))
        try:
            req = json.loads(body)
        except ValueError:
            req = None
        if not isinstance(req, dict):
            return
        rpc_method = req.get('method')
        lg = self.brain.log
        lg.requests.append(rpc_method if isinstance(rpc_method, str) else None)
        lg.headers.append(headers.get('a2a-version'))
        lg.auth.append(headers.get('authorization'))
        params = req.get('params') if isinstance(req.get('params'), dict) else {}
        if rpc_method in ('tasks/cancel', 'CancelTask'):
            lg.cancel_requests.append(params.get('id'))
        if rpc_method in _SEND_METHODS:
            msg = params.get('message') if isinstance(params.get('message'), dict) else {}
            lg.messages.append(
                {
                    'taskId': msg.get('taskId'),
                    'contextId': msg.get('contextId'),
                    'text': _wire_text(msg.get('parts')),
                    'metadata': msg.get('metadata'),
                    # extras, handy for assertions:
                    'method': rpc_method,
                    'configuration': params.get('configuration'),
                    'paramsMetadata': params.get('metadata'),
                }
            )


# ---------------------------------------------------------------------------
# Serving


def _ignore_signal(signum: int, frame: Any) -> None:  # noqa: ARG001
    pass


def serve(
    args: argparse.Namespace,
    brain: Brain,
    build_app: Callable[[str], Awaitable[Any] | Any],
) -> None:
    """Bind, build the app for the real URL, serve, print READY, exit cleanly.

    `build_app(rpc_url)` returns the SDK's ASGI app with its routes at the root
    (card at /.well-known/agent-card.json, JSON-RPC at /). `rpc_url` is the
    absolute JSON-RPC URL to advertise in the card.
    """
    # Quiet by default (stderr is inherited by the test process): warnings from
    # our code and uvicorn, errors only from the SDK (it logs expected protocol
    # errors such as -32601/-32009 as warnings). A2A_TEST_AGENT_LOG=debug|info|...
    # sets one level for everything.
    level_name = os.environ.get('A2A_TEST_AGENT_LOG', '').upper()
    level = getattr(logging, level_name, None) if level_name else None
    logging.basicConfig(
        stream=sys.stderr,
        level=level if isinstance(level, int) else logging.WARNING,
        format=f'[agent {args.name}] %(levelname)s %(name)s: %(message)s',
    )
    if not isinstance(level, int):
        logging.getLogger('a2a').setLevel(logging.ERROR)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    prefix = args.path_prefix
    base_url = f'http://127.0.0.1:{port}{prefix}'
    rpc_url = base_url + '/'

    inner = build_app(rpc_url)
    app = Starlette(routes=[Mount(prefix, app=inner)]) if prefix else inner
    app = Recorder(app, prefix, brain)

    # uvicorn's signal capture re-raises the captured signal after shutdown with
    # the previous handler restored; make that previous handler a no-op so
    # SIGTERM/SIGINT end in a clean exit(0).
    signal.signal(signal.SIGTERM, _ignore_signal)
    signal.signal(signal.SIGINT, _ignore_signal)

    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=1,
        lifespan='off',
    )
    server = uvicorn.Server(config)

    async def main() -> int:
        loop = asyncio.get_running_loop()
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if serving.done():
                serving.result()  # re-raise the startup error
                return 1
            await asyncio.sleep(0.01)
        sys.stdout.write(f'READY {base_url}\n')
        sys.stdout.flush()
        # Nothing else may go to stdout (the parent might not drain the pipe).
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
        sys.stdout = sys.stderr

        if args.stdin_watch:

            def stop() -> None:
                server.should_exit = True

            def watch_stdin() -> None:
                try:
                    while os.read(0, 4096):
                        pass
                except OSError:
                    pass
                log.info('stdin closed; shutting down')
                loop.call_soon_threadsafe(stop)
                # Hard stop if the graceful shutdown hangs.
                killer = threading.Timer(5.0, os._exit, args=(0,))
                killer.daemon = True
                killer.start()

            threading.Thread(target=watch_stdin, daemon=True).start()

        await serving
        return 0

    code = asyncio.run(main())
    sys.exit(code)
