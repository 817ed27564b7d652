"""A model-free A2A agent on pydantic's fasta2a (its own Worker, InMemoryBroker/Storage).

    python fasta2a_agent.py [--name NAME]

Prints `READY http://127.0.0.1:PORT` once serving; exits when stdin closes.
The JSON-RPC endpoint is `{url}/`, the card `{url}/.well-known/agent-card.json`
(fasta2a's card says protocolVersion "1.0"; the server answers both the v0.3 and
the v1.0 method names).

Behaviour, chosen by the prefix of the user text:
  slow:N    working, N seconds (at most 30) of work, then an artifact "slow done";
            a cancel requested meanwhile ends it as canceled
  context   an artifact "context <contextId> turn <n>" (n counts tasks in the context)
  anything  a working status "working on it", an artifact "echo: <text>", completed

fasta2a runs one worker that takes task operations one at a time, and answers
`message/send` at once with the task in state `submitted` (it never blocks).
Those are fasta2a's behaviours, kept as they are.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import uuid

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fieldserve  # noqa: E402

from fasta2a import FastA2A, Worker  # noqa: E402
from fasta2a.broker import InMemoryBroker  # noqa: E402
from fasta2a.schema import Artifact, Message, Skill, TaskIdParams, TaskSendParams  # noqa: E402
from fasta2a.storage import InMemoryStorage  # noqa: E402


def _text(message: Message) -> str:
    return ''.join(p.get('text', '') for p in message.get('parts', []) if 'text' in p)


def _agent_message(text: str) -> Message:
    return Message(role='agent', parts=[{'text': text}], message_id=str(uuid.uuid4()))


@dataclass
class FieldWorker(Worker[int]):
    """The context's stored value is the number of tasks seen in it."""

    cancel_requested: set[str] = field(default_factory=set)

    async def run_task(self, params: TaskSendParams) -> None:
        tid = params['id']
        ctx = params['context_id']
        text = _text(params['message'])
        turn = (await self.storage.load_context(ctx) or 0) + 1
        await self.storage.update_context(ctx, turn)

        await self.storage.update_task(tid, state='working')
        await self.publish_status(tid, ctx, 'working', _agent_message('working on it'))

        if text.startswith('slow:'):
            seconds = fieldserve.parse_seconds(text[len('slow:') :])
            steps = max(1, int(seconds / 0.1))
            for _ in range(steps):
                if tid in self.cancel_requested:
                    await self.storage.update_task(tid, state='canceled')
                    return
                await asyncio.sleep(seconds / steps)
            answer = 'slow done'
        elif text.startswith('context'):
            answer = f'context {ctx} turn {turn}'
        else:
            answer = 'echo: ' + text

        artifact = Artifact(artifact_id=str(uuid.uuid4()), name='result', parts=[{'text': answer}])
        await self.publish_artifact(tid, ctx, artifact)
        await self.storage.update_task(
            tid, state='completed', new_artifacts=[artifact], new_messages=[_agent_message(answer)]
        )

    async def cancel_task(self, params: TaskIdParams) -> None:
        tid = params['id']
        task = await self.storage.load_task(tid)
        if task is not None and task['status']['state'] in ('submitted', 'working'):
            await self.storage.update_task(tid, state='canceled')

    def build_message_history(self, history: list[Message]) -> list[Any]:
        return list(history)

    def build_artifacts(self, result: Any) -> list[Artifact]:
        return []


class FieldBroker(InMemoryBroker):
    """InMemoryBroker that also flags a cancel at once, so a running `slow:` task sees it
    (the single worker only takes the queued cancel operation after the running task)."""

    def __init__(self, cancel_requested: set[str]) -> None:
        super().__init__()
        self._cancel_requested = cancel_requested

    async def cancel_task(self, params: TaskIdParams) -> None:
        self._cancel_requested.add(params['id'])
        await super().cancel_task(params)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument('--name', default='fasta2a-field')
    args = p.parse_args()

    def build_app(base_url: str) -> Any:
        cancel_requested: set[str] = set()
        storage: InMemoryStorage[int] = InMemoryStorage()
        broker = FieldBroker(cancel_requested)
        worker = FieldWorker(broker=broker, storage=storage, cancel_requested=cancel_requested)

        @asynccontextmanager
        async def lifespan(app: FastA2A):
            async with app.task_manager:
                async with worker.run():
                    yield

        return FastA2A(
            storage=storage,
            broker=broker,
            name=args.name,
            url=base_url + '/',
            description='Model-free fasta2a field agent (echo, slow:N, context).',
            skills=[
                Skill(
                    id='echo',
                    name='Echo',
                    description='Echoes the text back as an artifact; slow:N works N seconds.',
                    tags=['echo', 'test'],
                    examples=['hello', 'slow:2'],
                )
            ],
            default_input_modes=['text/plain'],
            default_output_modes=['text/plain', 'application/json'],
            docs_url=None,
            lifespan=lifespan,
        )

    fieldserve.serve(args.name, build_app, lifespan='on')


if __name__ == '__main__':
    main()
