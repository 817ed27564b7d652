"""The official Python MCP client (`mcp`) as a benchmark driver for `cargo bench --bench bridge`.

Connects to one MCP server over Streamable HTTP, times `tools/list` and one-at-a-time `tools/call`s, and prints one
JSON line with the samples (microseconds); the bench computes the percentiles.

Usage: python mcp_bench.py JOB_JSON, with JOB_JSON {"url": "...", "tool": "a0_echo", "message": "ping",
"warmup": 200, "calls": 2000, "lists": 0}. A failed call or a tool error fails the run (exit 1, {"error": ...}).
"""

from __future__ import annotations

import json
import sys
import time
import traceback

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


async def run(job: dict) -> dict:
    http = httpx2.AsyncClient(timeout=httpx2.Timeout(30, read=300))
    client = Client(streamable_http_client(job['url'], http_client=http), read_timeout_seconds=60, mode='legacy')
    lists: list[float] = []
    calls: list[float] = []
    async with client:
        for _ in range(job.get('lists', 0)):
            start = time.perf_counter_ns()
            await client.list_tools()
            lists.append((time.perf_counter_ns() - start) / 1000)
        warmup = job.get('warmup', 0)
        for i in range(warmup + job.get('calls', 0)):
            start = time.perf_counter_ns()
            result = await client.call_tool(job['tool'], {'message': job.get('message', 'ping')})
            took = (time.perf_counter_ns() - start) / 1000
            if result.is_error:
                raise RuntimeError(f'{job["tool"]} returned a tool error: {result.content!r}')
            if i >= warmup:
                calls.append(took)
    return {'lists': lists, 'calls': calls}


def main() -> None:
    job = json.loads(sys.argv[1])
    try:
        out = anyio.run(bounded, job)
    except Exception:  # noqa: BLE001 - reported to the bench as JSON
        print(json.dumps({'error': traceback.format_exc()}), flush=True)
        sys.exit(1)
    print(json.dumps(out), flush=True)


async def bounded(job: dict) -> dict:
    with anyio.fail_after(300):
        return await run(job)


if __name__ == '__main__':
    main()
