// The official TypeScript MCP client (@modelcontextprotocol/sdk) as a benchmark driver for `cargo bench --bench
// bridge`: connects to one MCP server (the bridge or a peer bridge), times `tools/list` and one-at-a-time
// `tools/call`s, and prints one JSON line with the samples (microseconds). The bench computes the percentiles.
//
// Usage: node mcp_bench.mjs SDK_DIR JOB_JSON
//   JOB_JSON: {"transport": "http", "url": "...", "tool": "a0_echo", "message": "ping", "warmup": 200,
//              "calls": 2000, "lists": 20}
//          or {"transport": "stdio", "command": "...", "args": [...], ...}
// A failed call or a tool error fails the run (exit 1, {"error": ...}): a timing of errors means nothing.

import { createRequire } from 'node:module';
import path from 'node:path';

const [sdkDir, jobText] = process.argv.slice(2);
const job = JSON.parse(jobText ?? '{}');
const require = createRequire(path.join(path.resolve(sdkDir ?? '.'), 'package.json'));
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');

// Bounded: the bench's own timeout is the backstop, this one reports.
const watchdog = setTimeout(() => fail(new Error('mcp_bench.mjs: took longer than 300 s')), 300_000);

function fail(e) {
  process.stdout.write(`${JSON.stringify({ error: String(e?.stack ?? e) })}\n`);
  process.exit(1);
}

function micros(start) {
  return Number(process.hrtime.bigint() - start) / 1000;
}

async function main() {
  const transport =
    job.transport === 'http'
      ? new StreamableHTTPClientTransport(new URL(job.url))
      : new StdioClientTransport({ command: job.command, args: job.args ?? [], env: { ...process.env }, stderr: 'ignore' });
  const client = new Client({ name: 'bridge-bench-ts', version: '0' }, { capabilities: {} });
  await client.connect(transport, { timeout: 60_000 });
  const lists = [];
  let listBytes = 0;
  let tools = 0;
  for (let i = 0; i < (job.lists ?? 0); i++) {
    const start = process.hrtime.bigint();
    const result = await client.listTools(undefined, { timeout: 60_000 });
    lists.push(micros(start));
    tools = result.tools.length;
    listBytes = JSON.stringify(result).length;
  }
  const calls = [];
  const total = (job.warmup ?? 0) + (job.calls ?? 0);
  for (let i = 0; i < total; i++) {
    const start = process.hrtime.bigint();
    const result = await client.callTool({ name: job.tool, arguments: { message: job.message ?? 'ping' } }, undefined, {
      timeout: 60_000,
    });
    const took = micros(start);
    if (result.isError) throw new Error(`${job.tool} returned a tool error: ${JSON.stringify(result.content)}`);
    if (i >= (job.warmup ?? 0)) calls.push(took);
  }
  await client.close();
  clearTimeout(watchdog);
  process.stdout.write(`${JSON.stringify({ lists, listBytes, tools, calls })}\n`);
}

main().catch(fail);
