// A real MCP client on the official TypeScript SDK (@modelcontextprotocol/sdk), driven by the integration tests
// (tests/it/clients.rs). It connects to the bridge, runs one scenario against the demo agent's tools and prints
// exactly one JSON line on stdout; the Rust test asserts on it.
//
// Usage:
//   node ts_client.mjs SDK_DIR SCENARIO stdio BRIDGE_BINARY CONFIG_FILE
//   node ts_client.mjs SDK_DIR SCENARIO http URL [TOKEN]
//
// SDK_DIR is an npm prefix holding node_modules/@modelcontextprotocol/sdk (provisioned by the tests under
// target/, from tests/clients/ts-*/package-lock.json). SCENARIO is one of: list, call, progress, order, elicit,
// cancel, badarg. Any failure the scenario does not expect prints {"error": "..."} and exits 1.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [sdkDir, scenario, transportKind, target, extra] = process.argv.slice(2);
if (!sdkDir || !scenario || !transportKind || !target) {
  process.stderr.write('usage: ts_client.mjs SDK_DIR SCENARIO stdio|http BINARY_OR_URL [CONFIG_OR_TOKEN]\n');
  process.exit(2);
}

// Resolve the SDK from its own prefix, not from this file's directory.
const require = createRequire(path.join(path.resolve(sdkDir), 'package.json'));
const sdkVersion = JSON.parse(
  readFileSync(path.join(path.resolve(sdkDir), 'node_modules', '@modelcontextprotocol', 'sdk', 'package.json'), 'utf8'),
).version;
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = require('@modelcontextprotocol/sdk/client/stdio.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
const types = require('@modelcontextprotocol/sdk/types.js');

/** Errors the SDK reported outside any request (e.g. progress for a request that already has its result). */
const sdkErrors = [];
let negotiated = null;

function emit(obj) {
  process.stdout.write(`${JSON.stringify({ client: `ts-sdk@${sdkVersion}`, protocolVersion: negotiated, sdkErrors, ...obj })}\n`);
}

function textOf(result) {
  return (result.content ?? [])
    .filter((c) => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
}

function summary(result) {
  return { isError: result.isError === true, text: textOf(result), structured: result.structuredContent ?? null };
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Lets progress sent after a call's result show up before `lateProgress()` counts it. A ping's answer comes after
// everything the bridge wrote before it (over stdio one ordered stream), then 500 ms more for progress the bridge
// still had queued. Progress written later than that goes unseen: the count is a lower bound.
async function settle(client) {
  await client.ping();
  await sleep(500);
}

function lateProgress() {
  return sdkErrors.filter((e) => e.includes('unknown token')).length;
}

function makeTransport() {
  if (transportKind === 'stdio') {
    // The SDK passes only a safe subset of the environment to the server: keep RUST_LOG for its stderr.
    const env = { ...process.env };
    return new StdioClientTransport({ command: target, args: ['--config', extra], env, stderr: 'inherit' });
  }
  if (transportKind === 'http') {
    const headers = extra ? { Authorization: `Bearer ${extra}` } : {};
    return new StreamableHTTPClientTransport(new URL(target), { requestInit: { headers } });
  }
  throw new Error(`unknown transport ${transportKind}`);
}

async function main() {
  const elicits = scenario === 'elicit';
  // 2025-06-18 SDKs declare elicitation as `{}`; 2025-11-25 ones name the form mode.
  const elicitation = types.LATEST_PROTOCOL_VERSION >= '2025-11-25' ? { form: {} } : {};
  const client = new Client(
    { name: 'it-ts-client', version: sdkVersion },
    { capabilities: elicits ? { elicitation } : {} },
  );
  client.onerror = (e) => sdkErrors.push(String(e?.message ?? e));
  const elicitations = [];
  if (elicits) {
    client.setRequestHandler(types.ElicitRequestSchema, async (request) => {
      elicitations.push(request.params.message);
      // Answer every field the form asks for with the same name.
      const content = {};
      for (const [key, prop] of Object.entries(request.params.requestedSchema?.properties ?? {})) {
        content[key] = prop.type === 'string' || prop.type === undefined ? 'Ada' : prop.default;
      }
      return { action: 'accept', content };
    });
  }

  const transport = makeTransport();
  const setVersion = transport.setProtocolVersion?.bind(transport);
  transport.setProtocolVersion = (v) => {
    negotiated = v;
    setVersion?.(v);
  };
  await client.connect(transport, { timeout: 30_000 });

  const call = (name, args, options = {}) =>
    client.callTool({ name, arguments: args }, types.CallToolResultSchema, { timeout: 60_000, ...options });

  try {
    switch (scenario) {
      case 'list': {
        const { tools } = await client.listTools();
        emit({ tools: tools.map((t) => t.name) });
        break;
      }
      case 'call': {
        const result = await call('demo_echo', { message: 'hello from the ts sdk' });
        emit(summary(result));
        break;
      }
      case 'progress': {
        const progress = [];
        const result = await call(
          'demo_stream',
          { message: 'the bridge' },
          { onprogress: (p) => progress.push(p.message ?? ''), resetTimeoutOnProgress: true },
        );
        await settle(client);
        emit({ ...summary(result), progress, lateProgress: lateProgress() });
        break;
      }
      case 'order': {
        // Ten quick streamed calls (the demo agent's unlisted `bench-stream N MS` route, through send_message):
        // every progress notification of a call must arrive before its result.
        let progress = 0;
        for (let i = 0; i < 10; i++) {
          const result = await call(
            'send_message',
            { agent: 'demo', message: 'bench-stream 20 1' },
            { onprogress: () => progress++ },
          );
          if (result.isError) throw new Error(`send_message failed: ${textOf(result)}`);
        }
        await settle(client);
        emit({ calls: 10, progress, lateProgress: lateProgress() });
        break;
      }
      case 'elicit': {
        const result = await call('demo_ask', { message: 'Say hello' });
        emit({ ...summary(result), elicitations });
        break;
      }
      case 'cancel': {
        const controller = new AbortController();
        const progress = [];
        const started = Date.now();
        // Abort once the task is running (its first progress), or after 5 s whatever happened.
        const fallback = setTimeout(() => controller.abort('no progress in 5 s'), 5_000);
        let outcome;
        try {
          const result = await call(
            'demo_work',
            { message: 'work 30' },
            {
              signal: controller.signal,
              onprogress: (p) => {
                progress.push(p.message ?? '');
                if (progress.length === 1) setTimeout(() => controller.abort('canceled by the test'), 200);
              },
            },
          );
          outcome = { finished: summary(result) };
        } catch (e) {
          outcome = { aborted: String(e?.message ?? e) };
        }
        clearTimeout(fallback);
        // Give the notifications/cancelled time to reach the bridge (and its tasks/cancel the agent) before the
        // session closes: over stdio closing ends the bridge. A fixed wait, as nothing tells the client when the
        // bridge acted on a notification; if it is too short the Rust test, which looks for the agent's cancel
        // request, fails rather than passes.
        await sleep(1_000);
        emit({ ...outcome, progress, elapsedMs: Date.now() - started });
        break;
      }
      case 'badarg': {
        try {
          const result = await call('demo_echo', {});
          emit(summary(result));
        } catch (e) {
          emit({ protocolError: { code: e?.code ?? null, message: String(e?.message ?? e) } });
        }
        break;
      }
      default:
        throw new Error(`unknown scenario ${scenario}`);
    }
  } finally {
    await client.close().catch(() => {});
  }
}

const watchdog = setTimeout(() => {
  emit({ error: "the scenario did not finish within 90 s" });
  process.exit(1);
}, 90_000);

main().then(
  () => {
    clearTimeout(watchdog);
    process.exit(0);
  },
  (e) => {
    emit({ error: String(e?.stack ?? e) });
    process.exit(1);
  },
);
