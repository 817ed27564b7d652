"""A model-free Google ADK agent (a custom `BaseAgent` that yields events, no LLM)
served through ADK's own A2A server (`google.adk.a2a.utils.agent_to_a2a.to_a2a`,
on a2a-sdk 1.3.0 with ADK's v0.3 compatibility layer on).

    python adk_agent.py [--name NAME]

Prints `READY http://127.0.0.1:PORT` once serving; exits when stdin closes.
Everything the client sees is produced by ADK's converters from the events below.

Behaviour, chosen by the prefix of the user text:
  code:     one event with three parts, as ADK's code executor produces them:
            executable code, its result "Execution result: 45", and the answer text
  approve:X a long-running function call `ask_for_approval` (ADK: input-required whose
            status message is a data part); the next message on the task completes it
            with "approval received: <text>"
  slow:N    N seconds (at most 30) of silence, then "slow done"
  context   "context <session id> turn <n>" (n counts the user messages of the session)
  anything  "echo: <text>"
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import warnings

from collections.abc import AsyncGenerator
from typing import Any

warnings.filterwarnings('ignore')
import logging  # noqa: E402

logging.getLogger('google_adk').setLevel(logging.ERROR)
logging.getLogger('a2a.server.events').setLevel(logging.ERROR)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fieldserve  # noqa: E402

from google.adk.agents import BaseAgent  # noqa: E402
from google.adk.agents.invocation_context import InvocationContext  # noqa: E402
from google.adk.a2a.utils.agent_to_a2a import to_a2a  # noqa: E402
from google.adk.events import Event  # noqa: E402
from google.genai import types  # noqa: E402


def _user_text(ctx: InvocationContext) -> str:
    content = ctx.user_content
    if content is None or not content.parts:
        return ''
    return ''.join(p.text for p in content.parts if p.text)


def _user_turns(ctx: InvocationContext) -> int:
    return sum(1 for e in ctx.session.events if e.author == 'user')


def _has_pending_approval(ctx: InvocationContext) -> bool:
    """The last function call of the session was ask_for_approval with no response yet."""
    for event in reversed(ctx.session.events):
        for part in (event.content.parts if event.content and event.content.parts else []):
            if part.function_response is not None:
                return False
            if part.function_call is not None and part.function_call.name == 'ask_for_approval':
                return True
    return False


class FieldAgent(BaseAgent):
    """Deterministic skills; see the module docstring."""

    async def _run_async_impl(self, ctx: InvocationContext) -> AsyncGenerator[Event, None]:
        text = _user_text(ctx)

        def reply(*parts: types.Part, **kw: Any) -> Event:
            return Event(
                author=self.name,
                invocation_id=ctx.invocation_id,
                content=types.Content(role='model', parts=list(parts)),
                **kw,
            )

        if _has_pending_approval(ctx) and not text.startswith('approve:'):
            yield reply(types.Part(text='approval received: ' + text))
            return
        if text.startswith('code:'):
            yield reply(
                types.Part(
                    executable_code=types.ExecutableCode(
                        language=types.Language.PYTHON, code='print(sum(range(10)))'
                    )
                ),
                types.Part(
                    code_execution_result=types.CodeExecutionResult(
                        outcome=types.Outcome.OUTCOME_OK, output='Execution result: 45'
                    )
                ),
                types.Part(text='The sum of the numbers 0 to 9 is 45.'),
            )
            return
        if text.startswith('approve:'):
            call = types.FunctionCall(
                id='adk-call-approval-1',
                name='ask_for_approval',
                args={'purpose': text[len('approve:') :].strip() or 'deploy', 'amount': 3},
            )
            yield reply(types.Part(function_call=call), long_running_tool_ids={call.id})
            return
        if text.startswith('slow:'):
            await asyncio.sleep(fieldserve.parse_seconds(text[len('slow:') :]))
            yield reply(types.Part(text='slow done'))
            return
        if text.startswith('context'):
            yield reply(types.Part(text=f'context {ctx.session.id} turn {_user_turns(ctx)}'))
            return
        yield reply(types.Part(text='echo: ' + text))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument('--name', default='adk_field')
    args = p.parse_args()

    def build_app(base_url: str) -> Any:
        host, port = base_url.removeprefix('http://').split(':')
        agent = FieldAgent(
            name=args.name,
            description='Model-free ADK field agent (echo, code:, approve:, slow:N, context).',
        )
        return to_a2a(agent, host=host, port=int(port))

    fieldserve.serve(args.name, build_app, lifespan='on')


if __name__ == '__main__':
    main()
