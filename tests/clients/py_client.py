"""A real MCP client on the official Python SDK (`mcp`), driven by the integration tests (tests/it/clients.rs).

It connects to the bridge, runs one scenario against the demo agent's tools and prints exactly one JSON line on
stdout; the Rust test asserts on it. The client negotiates as the SDK does by default (`mode="auto"`: the
2026-07-28 `server/discover` probe, falling back to `initialize`).

Usage:
    python py_client.py SCENARIO stdio BRIDGE_BINARY CONFIG_FILE
    python py_client.py SCENARIO http URL [TOKEN]

SCENARIO is one of: list, call, progress, order, elicit, cancel, badarg. Any failure the scenario does not expect
prints {"error": "..."} and exits 1.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from importlib.metadata import version
from typing import Any

import anyio
import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import ElicitResult

SDK = f'python-sdk@{version("mcp")}'
SCENARIO_TIMEOUT_S = 90


def emit(client: Client | None, **fields: Any) -> None:
    protocol = None
    if client is not None:
        try:
            protocol = client.protocol_version
        except Exception:  # noqa: BLE001 - not connected yet
            protocol = None
    print(json.dumps({'client': SDK, 'protocolVersion': protocol, **fields}), flush=True)


def text_of(result: Any) -> str:
    return '\n'.join(c.text for c in result.content if getattr(c, 'type', None) == 'text')


def summary(result: Any) -> dict[str, Any]:
    return {
        'isError': result.is_error is True,
        'text': text_of(result),
        'structured': result.structured_content,
    }


class Recorder:
    """What the server sent outside the call results."""

    def __init__(self) -> None:
        self.elicitations: list[str] = []
        # Every progress notification the session saw, delivered to a call's callback or not.
        self.progress_seen = 0

    async def on_message(self, message: Any) -> None:
        method = getattr(message, 'method', None)
        if method is None:
            method = getattr(getattr(message, 'root', None), 'method', None)
        if method == 'notifications/progress':
            self.progress_seen += 1

    async def on_elicit(self, _context: Any, params: Any) -> ElicitResult:
        self.elicitations.append(params.message)
        schema = getattr(params, 'requested_schema', None) or {}
        properties = schema.get('properties', {}) if isinstance(schema, dict) else {}
        content = {key: 'Ada' for key in properties} or {'answer': 'Ada'}
        return ElicitResult(action='accept', content=content)


async def settle(client: Client) -> None:
    """Lets progress sent after a call's result reach the recorder: the answer to one more request (`tools/list`;
    2026-07-28 has no `ping`) comes after everything the bridge wrote before it (over stdio one ordered stream),
    then 0.5 s more for progress the bridge still had queued. Progress written later than that goes unseen:
    `lateProgress` is a lower bound."""
    await client.list_tools()
    await anyio.sleep(0.5)


def make_client(kind: str, target: str, extra: str | None, recorder: Recorder, elicit: bool) -> Client:
    if kind == 'stdio':
        server: Any = StdioServerParameters(
            command=target,
            args=['--config', extra or ''],
            env={'RUST_LOG': os.environ.get('RUST_LOG', 'warn')},
        )
    elif kind == 'http':
        headers = {'Authorization': f'Bearer {extra}'} if extra else {}
        http = httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300))
        server = streamable_http_client(target, http_client=http)
    else:
        raise SystemExit(f'unknown transport {kind}')
    return Client(
        server,
        read_timeout_seconds=60,
        message_handler=recorder.on_message,
        elicitation_callback=recorder.on_elicit if elicit else None,
    )


async def run(scenario: str, kind: str, target: str, extra: str | None) -> None:
    recorder = Recorder()
    client = make_client(kind, target, extra, recorder, elicit=scenario == 'elicit')
    async with client:
        if scenario == 'list':
            tools = await client.list_tools()
            emit(client, tools=[t.name for t in tools.tools])
        elif scenario == 'call':
            result = await client.call_tool('demo_echo', {'message': 'hello from the python sdk'})
            emit(client, **summary(result))
        elif scenario == 'progress':
            progress: list[str] = []

            async def on_progress(_p: float, _t: float | None, message: str | None) -> None:
                progress.append(message or '')

            result = await client.call_tool('demo_stream', {'message': 'the bridge'}, progress_callback=on_progress)
            await settle(client)
            emit(
                client,
                **summary(result),
                progress=progress,
                lateProgress=recorder.progress_seen - len(progress),
            )
        elif scenario == 'order':
            delivered = 0

            async def count(_p: float, _t: float | None, _m: str | None) -> None:
                nonlocal delivered
                delivered += 1

            for i in range(10):
                result = await client.call_tool(
                    'send_message', {'agent': 'demo', 'message': 'bench-stream 20 1'}, progress_callback=count
                )
                if result.is_error:
                    raise RuntimeError(
                        f'send_message call {i + 1} of 10 failed: {text_of(result)}; '
                        f'structuredContent: {json.dumps(result.structured_content)}'
                    )
            await settle(client)
            emit(client, calls=10, progress=delivered, lateProgress=recorder.progress_seen - delivered)
        elif scenario == 'elicit':
            result = await client.call_tool('demo_ask', {'message': 'Say hello'})
            emit(client, **summary(result), elicitations=recorder.elicitations)
        elif scenario == 'cancel':
            progress = []
            started = time.monotonic()
            outcome: dict[str, Any] = {}
            with anyio.move_on_after(5) as fallback:
                async with anyio.create_task_group() as tg:

                    async def on_first(_p: float, _t: float | None, message: str | None) -> None:
                        progress.append(message or '')
                        if len(progress) == 1:
                            await anyio.sleep(0.2)
                            tg.cancel_scope.cancel()

                    async def call() -> None:
                        result = await client.call_tool(
                            'demo_work', {'message': 'work 30'}, progress_callback=on_first
                        )
                        outcome['finished'] = summary(result)

                    tg.start_soon(call)
            if 'finished' not in outcome:
                outcome['aborted'] = 'no progress in 5 s' if fallback.cancelled_caught else 'canceled by the test'
            # Give the notifications/cancelled time to reach the bridge (and its tasks/cancel the agent) before the
            # session closes: over stdio closing ends the bridge. A fixed wait, as nothing tells the client when the
            # bridge acted on a notification; if it is too short the Rust test, which looks for the agent's cancel
            # request, fails rather than passes.
            await anyio.sleep(1.0)
            emit(client, **outcome, progress=progress, elapsedMs=int((time.monotonic() - started) * 1000))
        elif scenario == 'badarg':
            try:
                result = await client.call_tool('demo_echo', {})
                emit(client, **summary(result))
            except MCPError as e:
                emit(client, protocolError={'code': e.code, 'message': str(e)})
        else:
            raise SystemExit(f'unknown scenario {scenario}')


def main() -> int:
    if len(sys.argv) < 4:
        print('usage: py_client.py SCENARIO stdio|http BINARY_OR_URL [CONFIG_OR_TOKEN]', file=sys.stderr)
        return 2
    scenario, kind, target = sys.argv[1:4]
    extra = sys.argv[4] if len(sys.argv) > 4 else None

    async def bounded() -> None:
        with anyio.fail_after(SCENARIO_TIMEOUT_S):
            await run(scenario, kind, target, extra)

    try:
        anyio.run(bounded)
    except BaseException as e:  # noqa: BLE001 - report every failure as the one JSON line
        if isinstance(e, SystemExit):
            raise
        emit(None, error=''.join(traceback.format_exception(e)))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
