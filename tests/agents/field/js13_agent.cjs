// A model-free A2A agent on the official @a2a-js/sdk 1.3.0 (protocol v1.0), served ONLY over the
// HTTP+JSON (REST) binding by the SDK's own `restHandler` at `{url}/rest`; the card (at
// `/.well-known/agent-card.json`) lists just that interface.
//
//   node js13_agent.cjs --sdk-dir DIR [--name NAME] [--no-streaming]
//
// DIR is the provisioned package directory (tests/agents/field/js13). Prints
// `READY http://127.0.0.1:PORT` once listening; exits when stdin closes.
//
// Behaviour, chosen by the prefix of the user text:
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
  process.stderr.write('js13_agent.cjs: --sdk-dir is required\n');
  process.exit(2);
}
const name = arg('--name', 'js13-field');
const streaming = !process.argv.includes('--no-streaming');
const req = createRequire(path.join(path.resolve(sdkDir), 'package.json'));
const a2a = req('@a2a-js/sdk');
const server = req('@a2a-js/sdk/server');
const { agentCardHandler, restHandler, UserBuilder } = req('@a2a-js/sdk/server/express');
const express = req('express');
const { TaskState, Role } = a2a;
const { AgentEvent } = server;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const textPart = (text) => ({ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' });
const textOf = (msg) =>
  ((msg && msg.parts) || [])
    .filter((p) => p.content && p.content.$case === 'text')
    .map((p) => p.content.value)
    .join('');

function agentMessage(taskId, contextId, text) {
  return { role: Role.ROLE_AGENT, messageId: randomUUID(), parts: [textPart(text)], taskId, contextId, extensions: [], metadata: {}, referenceTaskIds: [] };
}

class Executor {
  constructor() {
    this.turns = new Map();
    this.asking = new Set();
    this.cancelled = new Set();
  }

  cancelTask = async (taskId) => {
    this.cancelled.add(taskId);
  };

  status(bus, taskId, contextId, state, text) {
    bus.publish(AgentEvent.statusUpdate({
      taskId, contextId, metadata: {},
      status: { state, timestamp: new Date().toISOString(), message: text ? agentMessage(taskId, contextId, text) : undefined },
    }));
  }

  artifact(bus, taskId, contextId, text) {
    bus.publish(AgentEvent.artifactUpdate({
      taskId, contextId, append: false, lastChunk: true, metadata: {},
      artifact: { artifactId: 'result-1', name: 'result', description: '', parts: [textPart(text)], metadata: {}, extensions: [] },
    }));
  }

  async execute(ctx, bus) {
    const text = textOf(ctx.userMessage);
    const { taskId, contextId } = ctx;
    const turn = (this.turns.get(contextId) || 0) + 1;
    this.turns.set(contextId, turn);
    // Every turn starts with a Task event (the SDK refuses updates before one), a continued task too.
    // A continued task is working again from its first event on.
    const now = new Date().toISOString();
    bus.publish(AgentEvent.task(ctx.task
      ? { ...ctx.task, status: { state: TaskState.TASK_STATE_WORKING, timestamp: now, message: undefined } }
      : {
        id: taskId, contextId, artifacts: [], history: [ctx.userMessage], metadata: {},
        status: { state: TaskState.TASK_STATE_SUBMITTED, timestamp: now, message: undefined },
      }));
    try {
      if (this.asking.has(taskId)) {
        this.asking.delete(taskId);
        this.artifact(bus, taskId, contextId, 'hello, ' + text);
        this.status(bus, taskId, contextId, TaskState.TASK_STATE_COMPLETED);
        return;
      }
      if (text.startsWith('ask:')) {
        this.asking.add(taskId);
        this.status(bus, taskId, contextId, TaskState.TASK_STATE_INPUT_REQUIRED, 'What is your name?');
        return;
      }
      if (text.startsWith('slow:')) {
        const seconds = Math.min(30, Math.max(0, Number(text.slice(5)) || 0));
        const steps = Math.ceil(seconds / 0.5);
        this.status(bus, taskId, contextId, TaskState.TASK_STATE_WORKING);
        for (let i = 1; i <= steps; i++) {
          await sleep(500);
          if (this.cancelled.has(taskId)) {
            this.status(bus, taskId, contextId, TaskState.TASK_STATE_CANCELED);
            return;
          }
          this.status(bus, taskId, contextId, TaskState.TASK_STATE_WORKING, `step ${i}/${steps}`);
        }
        this.artifact(bus, taskId, contextId, 'slow done');
        this.status(bus, taskId, contextId, TaskState.TASK_STATE_COMPLETED);
        return;
      }
      this.status(bus, taskId, contextId, TaskState.TASK_STATE_WORKING, 'working on it');
      const answer = text.startsWith('context') ? `context ${contextId} turn ${turn}` : 'echo: ' + text;
      this.artifact(bus, taskId, contextId, answer);
      this.status(bus, taskId, contextId, TaskState.TASK_STATE_COMPLETED);
    } finally {
      this.cancelled.delete(taskId);
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
    description: `@a2a-js/sdk 1.3.0 field agent (HTTP+JSON only)`,
    supportedInterfaces: [{ url: `${base}/rest`, protocolBinding: 'HTTP+JSON', tenant: '', protocolVersion: a2a.A2A_PROTOCOL_VERSION }],
    version: '1.0.0',
    capabilities: { streaming, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: 'echo', name: 'Echo', description: 'Echoes the input text back as an artifact.', tags: ['echo'], examples: ['hello'], inputModes: [], outputModes: [], securityRequirements: [] }],
    documentationUrl: '',
    signatures: [],
  };
  const handler = new server.DefaultRequestHandler(card, new server.InMemoryTaskStore(), new Executor());
  app.use(`/${a2a.AGENT_CARD_PATH}`, agentCardHandler({ agentCardProvider: handler }));
  app.use('/rest', restHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  process.stdout.write(`READY ${base}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
