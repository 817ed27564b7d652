// A model-free A2A agent on the official @a2a-js/sdk (0.2.x or 0.3.x: the same
// AgentExecutor / DefaultRequestHandler / A2AExpressApp API in both).
//
//   node js_agent.cjs --sdk-dir DIR [--name NAME] [--no-streaming]
//
// DIR is the provisioned package directory whose node_modules holds @a2a-js/sdk and
// express (see tests/agents/field/js02 and js03). Prints `READY http://127.0.0.1:PORT`
// once listening; exits when stdin closes. JSON-RPC at `{url}/`; the card at
// `/.well-known/agent.json` (0.2.x) or `/.well-known/agent-card.json` (0.3.x, which
// also still serves agent.json).
//
// Behaviour, chosen by the prefix of the user text:
//   msg:X     a direct agent Message "echo: X" (no task)
//   ask:X     input-required "What is your name?"; the answer (same taskId) completes
//             the task with an artifact "hello, <answer>"
//   slow:N    working, a status "step i/n" every 0.5 s for N seconds (at most 30),
//             then an artifact "slow done"; a cancel meanwhile ends it as canceled
//   context   an artifact "context <contextId> turn <n>" (n counts requests in the context)
//   anything  a working status "working on it", an artifact "echo: <text>", completed
'use strict';

const path = require('node:path');
const { createRequire } = require('node:module');
const { randomUUID } = require('node:crypto');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const sdkDir = arg('--sdk-dir', null);
if (!sdkDir) {
  process.stderr.write('js_agent.cjs: --sdk-dir is required\n');
  process.exit(2);
}
const name = arg('--name', 'js-field');
const streaming = !process.argv.includes('--no-streaming');
const req = createRequire(path.join(path.resolve(sdkDir), 'package.json'));
const fs = require('node:fs');
const sdkVersion = JSON.parse(
  fs.readFileSync(path.join(path.resolve(sdkDir), 'node_modules', '@a2a-js', 'sdk', 'package.json'), 'utf8'),
).version;
const server = req('@a2a-js/sdk/server');
const express = req('express');
// 0.3.x moved the Express app to its own entry point; 0.2.x has it in /server.
const A2AExpressApp = server.A2AExpressApp || req('@a2a-js/sdk/server/express').A2AExpressApp;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const textOf = (msg) =>
  ((msg && msg.parts) || [])
    .filter((p) => p.kind === 'text' && typeof p.text === 'string')
    .map((p) => p.text)
    .join('');

function agentMessage(taskId, contextId, text) {
  return {
    kind: 'message',
    role: 'agent',
    messageId: randomUUID(),
    taskId,
    contextId,
    parts: [{ kind: 'text', text }],
  };
}

class Executor {
  constructor() {
    this.turns = new Map();
    this.asking = new Set();
    this.cancelled = new Set();
  }

  status(bus, taskId, contextId, state, text, final) {
    bus.publish({
      kind: 'status-update',
      taskId,
      contextId,
      status: {
        state,
        message: text === undefined ? undefined : agentMessage(taskId, contextId, text),
        timestamp: new Date().toISOString(),
      },
      final,
    });
  }

  artifact(bus, taskId, contextId, text) {
    bus.publish({
      kind: 'artifact-update',
      taskId,
      contextId,
      artifact: { artifactId: randomUUID(), name: 'result', parts: [{ kind: 'text', text }] },
      append: false,
      lastChunk: true,
    });
  }

  async execute(ctx, bus) {
    const text = textOf(ctx.userMessage);
    const { taskId, contextId } = ctx;
    const turn = (this.turns.get(contextId) || 0) + 1;
    this.turns.set(contextId, turn);

    if (!ctx.task && text.startsWith('msg:')) {
      bus.publish({
        kind: 'message',
        role: 'agent',
        messageId: randomUUID(),
        contextId,
        parts: [{ kind: 'text', text: 'echo: ' + text.slice(4) }],
      });
      bus.finished();
      return;
    }
    if (!ctx.task) {
      bus.publish({
        kind: 'task',
        id: taskId,
        contextId,
        status: { state: 'submitted', timestamp: new Date().toISOString() },
        history: [ctx.userMessage],
      });
    }
    if (this.asking.has(taskId)) {
      this.asking.delete(taskId);
      this.status(bus, taskId, contextId, 'working', undefined, false);
      this.artifact(bus, taskId, contextId, 'hello, ' + text);
      this.status(bus, taskId, contextId, 'completed', undefined, true);
      bus.finished();
      return;
    }
    if (text.startsWith('ask:')) {
      this.asking.add(taskId);
      this.status(bus, taskId, contextId, 'input-required', 'What is your name?', true);
      bus.finished();
      return;
    }
    this.status(bus, taskId, contextId, 'working', 'working on it', false);
    let answer;
    if (text.startsWith('slow:')) {
      let seconds = Number.parseFloat(text.slice(5));
      if (!Number.isFinite(seconds) || seconds < 0) seconds = 1;
      seconds = Math.min(seconds, 30);
      const steps = Math.max(1, Math.ceil(seconds / 0.5));
      for (let i = 1; i <= steps; i++) {
        for (let t = 0; t < 10; t++) {
          if (this.cancelled.has(taskId)) break;
          await sleep((seconds * 1000) / steps / 10);
        }
        if (this.cancelled.has(taskId)) {
          this.status(bus, taskId, contextId, 'canceled', 'Task canceled.', true);
          bus.finished();
          return;
        }
        this.status(bus, taskId, contextId, 'working', `step ${i}/${steps}`, false);
      }
      answer = 'slow done';
    } else if (text.startsWith('context')) {
      answer = `context ${contextId} turn ${turn}`;
    } else {
      answer = 'echo: ' + text;
    }
    this.artifact(bus, taskId, contextId, answer);
    this.status(bus, taskId, contextId, 'completed', undefined, true);
    bus.finished();
  }

  async cancelTask(taskId, bus) {
    this.cancelled.add(taskId);
    if (this.asking.has(taskId)) {
      this.asking.delete(taskId);
      this.status(bus, taskId, '', 'canceled', 'Task canceled.', true);
      bus.finished();
    }
  }
}

const app = express();
const listener = app.listen(0, '127.0.0.1', () => {
  const port = listener.address().port;
  const base = `http://127.0.0.1:${port}`;
  const card = {
    name,
    description: `Model-free @a2a-js/sdk ${sdkVersion} field agent (echo, msg:, ask:, slow:N, context).`,
    url: base + '/',
    protocolVersion: sdkVersion.startsWith('0.2') ? '0.2.5' : '0.3.0',
    preferredTransport: 'JSONRPC',
    version: '1.0.0',
    capabilities: { streaming, pushNotifications: false },
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [
      {
        id: 'echo',
        name: 'Echo',
        description: 'Echoes the text back; msg:, ask:, slow:N and context change the flow.',
        tags: ['echo', 'test'],
        examples: ['hello', 'ask:', 'slow:2'],
      },
    ],
  };
  const handler = new server.DefaultRequestHandler(card, new server.InMemoryTaskStore(), new Executor());
  new A2AExpressApp(handler).setupRoutes(app, '');
  process.stdout.write(`READY ${base}\n`);
});

if (process.env.A2A_FIELD_NO_STDIN_WATCH !== '1') {
  process.stdin.on('data', () => {});
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
