"""Record what the real field agents put on the wire, into tests/data/field/<impl>/.

    python3 tests/agents/field/capture.py [--venvs DIR] [--out DIR] [--only IMPL,...]

Standard library only; run it with any Python >= 3.10. It starts each agent with the
environment the integration tests provision (`cargo test -- field` does that first;
DIR defaults to $A2A_TEST_VENV_DIR or target/a2a-test-venvs), waits for READY, and
saves the raw response bodies byte for byte:

  card.agent-card.json        GET /.well-known/agent-card.json (no A2A-Version header)
  card.agent-card.v1.json     the same with `A2A-Version: 1.0` (only when it differs)
  card.agent.json             GET /.well-known/agent.json (only when served)
  <name>.sse                  POST message/stream (or SendStreamingMessage), raw SSE bytes
  <name>.json                 POST message/send / tasks/get / tasks/cancel responses
  requests.json               every request body sent, by output file name

The README.md beside the recordings says which call produced each file.
"""

from __future__ import annotations

import argparse
import http.client as http_client
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent


def venv_python(venvs: Path, key: str) -> str:
    return str(venvs / key / 'bin' / 'python')


def agents(venvs: Path) -> dict[str, list[str]]:
    return {
        'fasta2a-2.1.1': [venv_python(venvs, 'field-fasta2a'), str(HERE / 'fasta2a_agent.py')],
        'a2a-sdk-0.2.16': [venv_python(venvs, 'field-sdk02'), str(HERE / 'sdk02_agent.py')],
        'a2a-js-0.2.5': ['node', str(HERE / 'js_agent.cjs'), '--sdk-dir', str(venvs / 'field-js02')],
        'a2a-js-0.3.14': ['node', str(HERE / 'js_agent.cjs'), '--sdk-dir', str(venvs / 'field-js03')],
        'google-adk-2.13.0': [venv_python(venvs, 'field-adk'), str(HERE / 'adk_agent.py')],
    }


def start(cmd: list[str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline() if proc.stdout else ''
        if not line:
            break
        if line.startswith('READY '):
            return proc, line.split(' ', 1)[1].strip()
    proc.kill()
    raise SystemExit(f'{cmd}: no READY line')


def http(url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, str, bytes]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method='GET' if body is None else 'POST')
    req.add_header('Accept', 'application/json, text/event-stream')
    if body is not None:
        req.add_header('Content-Type', 'application/json')
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers.get('Content-Type', ''), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get('Content-Type', ''), e.read()


def v03_message(text: str, n: int, task_id: str | None = None, context_id: str | None = None) -> dict:
    msg: dict = {
        'kind': 'message',
        'messageId': f'field-capture-{n}',
        'role': 'user',
        'parts': [{'kind': 'text', 'text': text}],
    }
    if task_id:
        msg['taskId'] = task_id
    if context_id:
        msg['contextId'] = context_id
    return msg


def v1_message(text: str, n: int) -> dict:
    return {'messageId': f'field-capture-{n}', 'role': 'ROLE_USER', 'parts': [{'text': text}]}


class Recorder:
    def __init__(self, out: Path, base: str) -> None:
        self.out = out
        self.base = base
        self.rpc = base + '/'
        self.requests: dict[str, dict] = {}
        self.n = 0
        out.mkdir(parents=True, exist_ok=True)

    def save(self, name: str, data: bytes) -> None:
        (self.out / name).write_bytes(data)

    def call(self, name: str, method: str, params: dict, v1: bool = False) -> dict | None:
        self.n += 1
        body = {'jsonrpc': '2.0', 'id': self.n, 'method': method, 'params': params}
        headers = {'A2A-Version': '1.0'} if v1 else {}
        status, ctype, data = http(self.rpc, body, headers)
        self.requests[name] = {'http_status': status, 'content_type': ctype, 'headers': headers, 'body': body}
        self.save(name, data)
        try:
            return json.loads(data)
        except ValueError:
            return None

    def stream_then_cancel(self, name: str, message: dict) -> None:
        """message/stream a long task; after its first event, tasks/cancel it on another
        connection (saved as cancel.json, then tasks/get as cancel.get-after.json) and keep
        reading the stream to its end."""
        self.n += 1
        body = {'jsonrpc': '2.0', 'id': self.n, 'method': 'message/stream', 'params': {'message': message}}
        req = urllib.request.Request(self.rpc, data=json.dumps(body).encode(), method='POST')
        req.add_header('Content-Type', 'application/json')
        req.add_header('Accept', 'text/event-stream')
        raw = b''
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.requests[name] = {'http_status': resp.status, 'content_type': resp.headers.get('Content-Type', ''), 'body': body}
            tid = None
            while tid is None:
                line = resp.readline()
                if not line:
                    break
                raw += line
                text = line.decode().strip()
                if text.startswith('data:'):
                    event = json.loads(text[5:])
                    result = event.get('result') or {}
                    inner = result.get('task', result)
                    tid = inner.get('id') or inner.get('taskId')
            if tid:
                time.sleep(0.3)
                self.call('cancel.json', 'tasks/cancel', {'id': tid})
            try:
                raw += resp.read()
            except http_client.IncompleteRead as e:
                # The server cut the chunked body (a2a-sdk 0.2.16 does when the task is cancelled).
                raw += e.partial
                self.requests[name]['incomplete_body'] = True
        self.save(name, raw)
        if tid:
            time.sleep(0.5)
            self.call('cancel.get-after.json', 'tasks/get', {'id': tid})

    def cards(self) -> None:
        s1, _, plain = http(self.base + '/.well-known/agent-card.json')
        if s1 == 200:
            self.save('card.agent-card.json', plain)
            s2, _, v1 = http(self.base + '/.well-known/agent-card.json', headers={'A2A-Version': '1.0'})
            if s2 == 200 and v1 != plain:
                self.save('card.agent-card.v1.json', v1)
        s3, _, old = http(self.base + '/.well-known/agent.json')
        if s3 == 200:
            self.save('card.agent.json', old)

    def finish(self) -> None:
        self.save('requests.json', (json.dumps(self.requests, indent=2) + '\n').encode())


def task_of(resp: dict | None) -> dict:
    """The task object of a send/get response in either wire shape."""
    result = (resp or {}).get('result') or {}
    return result.get('task', result) if isinstance(result, dict) else {}


def capture(impl: str, cmd: list[str], out: Path) -> None:
    proc, base = start(cmd)
    try:
        r = Recorder(out, base)
        r.cards()
        n = lambda: r.n + 1  # noqa: E731
        r.call('stream.echo.sse', 'message/stream', {'message': v03_message('hello field', n())})
        blocking = impl != 'a2a-sdk-0.2.16'
        sent = r.call(
            'send.echo.json',
            'message/send',
            {'message': v03_message('hello field', n()), 'configuration': {'acceptedOutputModes': ['text/plain'], 'blocking': blocking}},
        )
        if impl == 'a2a-sdk-0.2.16':
            # 0.2.16 ignores blocking:false: this answer only comes back once the work is done.
            sent = r.call(
                'send.slow.nonblocking.json',
                'message/send',
                {'message': v03_message('slow:1', n()), 'configuration': {'acceptedOutputModes': ['text/plain'], 'blocking': False}},
            )
        tid = task_of(sent).get('id')
        time.sleep(0.5)
        if tid:
            r.call('get.json', 'tasks/get', {'id': tid})
        if impl.startswith('a2a-js') or impl.startswith('fasta2a'):
            r.call(
                'send.slow.nonblocking.json',
                'message/send',
                {
                    'message': v03_message('slow:1', n()),
                    'configuration': {'acceptedOutputModes': ['text/plain'], 'blocking': False},
                },
            )
        # A long task, cancelled from another connection while its stream runs.
        r.stream_then_cancel('stream.slow-cancel.sse', v03_message('slow:3', n()))
        if impl.startswith('fasta2a'):
            # fasta2a requires acceptedOutputModes whenever `configuration` is sent.
            r.call(
                'send.no-output-modes.http500.txt',
                'message/send',
                {'message': v03_message('hello field', n()), 'configuration': {'blocking': True}},
            )
        if impl.startswith('a2a-js') or impl == 'a2a-sdk-0.2.16':
            r.call('send.msg.json', 'message/send', {'message': v03_message('msg:hi', n())})
            r.call('stream.ask.sse', 'message/stream', {'message': v03_message('ask:', n())})
        if impl.startswith('google-adk'):
            r.call('stream.code.sse', 'message/stream', {'message': v03_message('code:', n())})
            r.call('stream.approve.sse', 'message/stream', {'message': v03_message('approve:deploy', n())})
            r.call(
                'send.approve.json',
                'message/send',
                {'message': v03_message('approve:deploy', n()), 'configuration': {'blocking': True}},
            )
        if impl.startswith('google-adk') or impl.startswith('fasta2a'):
            # The cards say protocolVersion 1.0: the same calls with the v1.0 method names.
            r.call('stream.echo.v1.sse', 'SendStreamingMessage', {'message': v1_message('hello field', n())}, v1=True)
            sent = r.call(
                'send.echo.v1.json',
                'SendMessage',
                {
                    'message': v1_message('hello field', n()),
                    'configuration': {'acceptedOutputModes': ['text/plain'], 'returnImmediately': False},
                },
                v1=True,
            )
            time.sleep(0.5)
            tid = task_of(sent).get('id')
            if tid:
                r.call('get.v1.json', 'GetTask', {'id': tid}, v1=True)
        r.finish()
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    p = argparse.ArgumentParser()
    default_venvs = os.environ.get('A2A_TEST_VENV_DIR') or str(ROOT / 'target' / 'a2a-test-venvs')
    p.add_argument('--venvs', default=default_venvs)
    p.add_argument('--out', default=str(ROOT / 'tests' / 'data' / 'field'))
    p.add_argument('--only', default='')
    args = p.parse_args()
    only = {s for s in args.only.split(',') if s}
    for impl, cmd in agents(Path(args.venvs)).items():
        if only and impl not in only:
            continue
        print(f'capturing {impl} ...', file=sys.stderr)
        capture(impl, cmd, Path(args.out) / impl)


if __name__ == '__main__':
    main()
