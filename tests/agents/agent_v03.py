"""A2A test peer on a2a-sdk 0.3.x (protocol v0.3, JSON-RPC).

    python agent_v03.py --name NAME [--streaming|--no-streaming]
                        [--path-prefix /some/path] [--skills echo,other|none]
                        [--rest] [--push] [--no-stdin-watch]

--rest (default off) serves the SDK's REST app (`/v1/message:send`, … under the url) instead of
JSON-RPC, and the card's preferredTransport is HTTP+JSON.

Prints `READY http://127.0.0.1:PORT{prefix}` on stdout once it accepts connections.
The behaviour table lives in behaviour.py (shared with agent_v1.py).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import sys
import uuid

from importlib.metadata import version as pkg_version
from typing import Any

import httpx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import behaviour  # noqa: E402

from a2a.server.agent_execution import AgentExecutor, RequestContext  # noqa: E402
from a2a.server.apps import A2ARESTFastAPIApplication, A2AStarletteApplication  # noqa: E402
from a2a.server.events import EventQueue  # noqa: E402
from a2a.server.request_handlers import DefaultRequestHandler  # noqa: E402
from a2a.server.tasks import (  # noqa: E402
    BasePushNotificationSender,
    InMemoryPushNotificationConfigStore,
    InMemoryTaskStore,
    TaskUpdater,
)
from a2a.types import (  # noqa: E402
    AgentCapabilities,
    AgentCard,
    AgentSkill,
    DataPart,
    FilePart,
    FileWithBytes,
    FileWithUri,
    Message,
    Part,
    Role,
    Task,
    TaskState,
    TaskStatus,
    TextPart,
)


SDK_VERSION = pkg_version('a2a-sdk')

STATES = {
    'working': TaskState.working,
    'input-required': TaskState.input_required,
    'auth-required': TaskState.auth_required,
    'completed': TaskState.completed,
    'failed': TaskState.failed,
    'rejected': TaskState.rejected,
    'canceled': TaskState.canceled,
}
# Status updates that end a v0.3 stream (final: true). Interrupted states are
# final too, so streams and blocking sends return at input-/auth-required.
FINAL = {
    'input-required',
    'auth-required',
    'completed',
    'failed',
    'rejected',
    'canceled',
}


def to_part(spec: tuple) -> Part:
    kind = spec[0]
    if kind == 'text':
        return Part(root=TextPart(text=spec[1]))
    if kind == 'data':
        return Part(root=DataPart(data=spec[1]))
    if kind == 'bytes':
        return Part(
            root=FilePart(
                file=FileWithBytes(
                    bytes=base64.b64encode(spec[1]).decode('ascii'),
                    mime_type=spec[2],
                    name=spec[3],
                )
            )
        )
    if kind == 'uri':
        return Part(root=FilePart(file=FileWithUri(uri=spec[1], mime_type=spec[2], name=spec[3])))
    raise ValueError(f'unknown part kind {kind}')


class Ops03:
    def __init__(self, context: RequestContext, queue: EventQueue) -> None:
        self.context = context
        self.queue = queue
        self.task_id: str = context.task_id or ''
        self.context_id: str = context.context_id or ''
        self.updater = TaskUpdater(queue, self.task_id, self.context_id)
        self.is_new = context.current_task is None

    async def ensure_task(self) -> None:
        if not self.is_new:
            return
        self.is_new = False
        history = [self.context.message] if self.context.message else None
        await self.queue.enqueue_event(
            Task(
                id=self.task_id,
                context_id=self.context_id,
                status=TaskStatus(state=TaskState.submitted),
                history=history,
            )
        )

    async def reply_message(self, text: str) -> None:
        await self.queue.enqueue_event(
            Message(
                role=Role.agent,
                message_id=str(uuid.uuid4()),
                context_id=self.context_id,
                parts=[Part(root=TextPart(text=text))],
            )
        )

    async def status(self, state: str, text: str | None = None) -> None:
        msg = None
        if text is not None:
            msg = self.updater.new_agent_message([Part(root=TextPart(text=text))])
        await self.updater.update_status(STATES[state], message=msg, final=state in FINAL)

    async def artifact(
        self,
        artifact_id: str,
        name: str,
        parts: list[tuple],
        append: bool | None = None,
        last_chunk: bool | None = None,
    ) -> None:
        await self.updater.add_artifact(
            [to_part(p) for p in parts],
            artifact_id=artifact_id,
            name=name,
            append=append,
            last_chunk=last_chunk,
        )


def message_text(message: Message | None) -> str:
    if message is None:
        return ''
    return ''.join(p.root.text for p in message.parts if isinstance(p.root, TextPart))


def message_parts(message: Message | None) -> list[dict[str, Any]]:
    """Each part as the SDK parsed it: kind, and for files name, media type and size + sha256 or uri."""
    out: list[dict[str, Any]] = []
    for part in message.parts if message else []:
        p = part.root
        if isinstance(p, FilePart):
            f = p.file
            item: dict[str, Any] = {'kind': 'file', 'name': f.name, 'mediaType': f.mime_type}
            if isinstance(f, FileWithBytes):
                raw = base64.b64decode(f.bytes)
                item['size'] = len(raw)
                item['sha256'] = hashlib.sha256(raw).hexdigest()
            else:
                item['uri'] = f.uri
            out.append(item)
        else:
            out.append({'kind': p.kind})
    return out


class Executor(AgentExecutor):
    def __init__(self, brain: behaviour.Brain) -> None:
        self.brain = brain

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        metadata: Any = context.message.metadata if context.message else None
        await self.brain.execute(
            Ops03(context, event_queue),
            message_text(context.message),
            metadata,
            message_parts(context.message),
        )

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        await self.brain.cancel(Ops03(context, event_queue))


def build_card(args: Any, rpc_url: str) -> AgentCard:
    return AgentCard(
        name=args.name,
        description=(
            f'A2A test agent {args.name!r} built on a2a-sdk {SDK_VERSION} (protocol v0.3).'
        ),
        url=rpc_url,
        # --rest: the SDK's REST app (`/v1/message:send`, … under the url) is the only transport.
        preferred_transport='HTTP+JSON' if args.rest else 'JSONRPC',
        version='1.0.0',
        capabilities=AgentCapabilities(streaming=args.streaming, push_notifications=args.push),
        default_input_modes=['text/plain'],
        default_output_modes=['text/plain', 'application/json'],
        skills=[
            AgentSkill(
                id=s['id'],
                name=s['name'],
                description=s['description'],
                tags=s['tags'],
                examples=s['examples'] or None,
                **behaviour.skill_extra(s),
            )
            for s in behaviour.skill_specs(args.skills)
        ],
    )


def push_parts(args: Any) -> dict[str, Any]:
    """--push: the SDK's own push notification store and sender for the request handler."""
    if not args.push:
        return {}
    if not os.environ.get('A2A_TEST_AGENT_LOG'):
        # A webhook that cannot be delivered is a case under test: no traceback per event.
        logging.getLogger('a2a.server.tasks.base_push_notification_sender').setLevel(
            logging.CRITICAL
        )
    store = InMemoryPushNotificationConfigStore()
    return {
        'push_config_store': store,
        'push_sender': BasePushNotificationSender(httpx.AsyncClient(timeout=10), store),
    }


def main() -> None:
    args = behaviour.parse_args('v03')
    brain = behaviour.Brain()

    def build_app(rpc_url: str) -> Any:
        card = build_card(args, rpc_url)
        extended = None
        if args.extended_skills:
            card.supports_authenticated_extended_card = True
            extended = card.model_copy(deep=True)
            extended.skills = extended.skills + [
                AgentSkill(
                    id=s['id'], name=s['name'], description=s['description'],
                    tags=s['tags'], examples=s['examples'],
                )
                for s in behaviour.skill_specs(args.extended_skills)
            ]
        handler = DefaultRequestHandler(
            agent_executor=Executor(brain), task_store=InMemoryTaskStore(), **push_parts(args)
        )
        if args.rest:
            app = A2ARESTFastAPIApplication(agent_card=card, http_handler=handler).build()
        else:
            app = A2AStarletteApplication(
                agent_card=card, http_handler=handler, extended_agent_card=extended
            ).build()
        return behaviour.require_bearer(app, args.bearer)

    behaviour.serve(args, brain, build_app)


if __name__ == '__main__':
    main()
