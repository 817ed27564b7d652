"""A model-free A2A agent on the official a2a-sdk 0.2.16 (protocol 0.2.x; card at
`/.well-known/agent.json` only, protocolVersion "0.2.6").

    python sdk02_agent.py [--name NAME] [--no-streaming]

Prints `READY http://127.0.0.1:PORT` once serving; exits when stdin closes.
JSON-RPC at `{url}/`. a2a-sdk 0.2.16's `message/send` always waits for the
task to finish or be interrupted, whatever `configuration.blocking` says.

Behaviour, chosen by the prefix of the user text:
  msg:X     a direct agent Message "echo: X" (no task)
  ask:X     input-required "What is your name?"; the answer (same taskId) completes
            the task with an artifact "hello, <answer>"
  slow:N    working, a status "step i/n" every 0.5 s for N seconds (at most 30),
            then an artifact "slow done"; a cancel meanwhile ends it as canceled
  context   an artifact "context <contextId> turn <n>" (n counts requests in the context)
  anything  a working status "working on it", an artifact "echo: <text>", completed
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import uuid

import warnings

from typing import Any

warnings.filterwarnings('ignore', category=DeprecationWarning)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fieldserve  # noqa: E402

from a2a.server.agent_execution import AgentExecutor, RequestContext  # noqa: E402
from a2a.server.apps import A2AStarletteApplication  # noqa: E402
from a2a.server.events import EventQueue  # noqa: E402
from a2a.server.request_handlers import DefaultRequestHandler  # noqa: E402
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater  # noqa: E402
from a2a.types import (  # noqa: E402
    AgentCapabilities,
    AgentCard,
    AgentSkill,
    Message,
    Part,
    Role,
    TaskState,
    TextPart,
)
from a2a.types import TaskNotCancelableError  # noqa: E402
from a2a.utils import new_task  # noqa: E402
from a2a.utils.errors import ServerError  # noqa: E402


def _text(message: Message | None) -> str:
    if message is None:
        return ''
    return ''.join(p.root.text for p in message.parts if isinstance(p.root, TextPart))


def _part(text: str) -> Part:
    return Part(root=TextPart(text=text))


class Executor(AgentExecutor):
    def __init__(self) -> None:
        self.turns: dict[str, int] = {}
        self.asking: set[str] = set()
        self.cancels: dict[str, asyncio.Event] = {}
        self.done: dict[str, asyncio.Event] = {}

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        text = _text(context.message)
        ctx = context.context_id or ''
        self.turns[ctx] = self.turns.get(ctx, 0) + 1
        turn = self.turns[ctx]

        if context.current_task is None and text.startswith('msg:'):
            await event_queue.enqueue_event(
                Message(
                    role=Role.agent,
                    message_id=str(uuid.uuid4()),
                    context_id=ctx,
                    parts=[_part('echo: ' + text[len('msg:') :])],
                )
            )
            return

        task = context.current_task
        if task is None:
            task = new_task(context.message)
            await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)
        cancel = self.cancels[task.id] = asyncio.Event()
        done = self.done[task.id] = asyncio.Event()
        try:
            await self._run(updater, task.id, text, ctx, turn, cancel)
        finally:
            done.set()
            self.cancels.pop(task.id, None)

    async def _run(  # noqa: PLR0913
        self,
        updater: TaskUpdater,
        tid: str,
        text: str,
        ctx: str,
        turn: int,
        cancel: asyncio.Event,
    ) -> None:
        task_id = tid

        if task_id in self.asking:
            self.asking.discard(task_id)
            await updater.start_work()
            await updater.add_artifact([_part('hello, ' + text)], name='result')
            await updater.complete()
            return
        if text.startswith('ask:'):
            self.asking.add(task_id)
            await updater.update_status(
                TaskState.input_required,
                message=updater.new_agent_message([_part('What is your name?')]),
                final=True,
            )
            return

        await updater.start_work(updater.new_agent_message([_part('working on it')]))
        if text.startswith('slow:'):
            seconds = fieldserve.parse_seconds(text[len('slow:') :])
            steps = max(1, math.ceil(seconds / 0.5))
            for i in range(1, steps + 1):
                try:
                    await asyncio.wait_for(cancel.wait(), timeout=seconds / steps)
                except (TimeoutError, asyncio.TimeoutError):
                    pass
                if cancel.is_set():
                    await updater.cancel(updater.new_agent_message([_part('Task canceled.')]))
                    return
                await updater.update_status(
                    TaskState.working,
                    message=updater.new_agent_message([_part(f'step {i}/{steps}')]),
                )
            answer = 'slow done'
        elif text.startswith('context'):
            answer = f'context {ctx} turn {turn}'
        else:
            answer = 'echo: ' + text
        await updater.add_artifact([_part(answer)], name='result')
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        tid = context.task_id or ''
        event = self.cancels.get(tid)
        if event is not None:
            # Running: execute() writes `canceled` on the task's own queue, which the
            # cancel request taps; wait (bounded) for it to stop.
            event.set()
            try:
                await asyncio.wait_for(self.done[tid].wait(), timeout=5)
            except (TimeoutError, asyncio.TimeoutError):
                pass
            return
        task = context.current_task
        terminal = {TaskState.completed, TaskState.canceled, TaskState.failed, TaskState.rejected}
        if tid not in self.asking and (task is None or task.status.state in terminal):
            raise ServerError(error=TaskNotCancelableError())
        # Parked in input-required, or left `working` by an execution the SDK stopped (0.2.16
        # stops it when the streaming client disconnects): write the state ourselves.
        self.asking.discard(tid)
        updater = TaskUpdater(event_queue, tid, context.context_id or '')
        await updater.cancel(updater.new_agent_message([_part('Task canceled.')]))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument('--name', default='sdk02-field')
    p.add_argument('--streaming', action=argparse.BooleanOptionalAction, default=True)
    args = p.parse_args()

    def build_app(base_url: str) -> Any:
        card = AgentCard(
            name=args.name,
            description='Model-free a2a-sdk 0.2.16 field agent (echo, msg:, ask:, slow:N, context).',
            url=base_url + '/',
            version='1.0.0',
            capabilities=AgentCapabilities(streaming=args.streaming, push_notifications=False),
            default_input_modes=['text/plain'],
            default_output_modes=['text/plain'],
            skills=[
                AgentSkill(
                    id='echo',
                    name='Echo',
                    description='Echoes the text back; msg:, ask:, slow:N and context change the flow.',
                    tags=['echo', 'test'],
                    examples=['hello', 'ask:', 'slow:2'],
                )
            ],
        )
        handler = DefaultRequestHandler(agent_executor=Executor(), task_store=InMemoryTaskStore())
        return A2AStarletteApplication(agent_card=card, http_handler=handler).build()

    fieldserve.serve(args.name, build_app)


if __name__ == '__main__':
    main()
