"""A2A test peer on a2a-sdk 1.x (protocol v1.0, JSON-RPC; optional v0.3 compat).

    python agent_v1.py --name NAME [--streaming|--no-streaming] [--compat|--no-compat]
                       [--path-prefix /some/path] [--skills echo,other|none]
                       [--rest] [--push] [--no-stdin-watch]

--rest (default off) serves only the HTTP+JSON binding, at {url}/rest, the card's one interface.
--compat (default off) turns on the SDK's v0.3 JSON-RPC compatibility layer on the
same endpoint and adds a protocolVersion "0.3" JSONRPC interface to the card, so the
served card is the merged "dual" shape (v1 fields + url/preferredTransport/protocolVersion).

Prints `READY http://127.0.0.1:PORT{prefix}` on stdout once it accepts connections.
The behaviour table lives in behaviour.py (shared with agent_v03.py).
"""

from __future__ import annotations

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
from a2a.server.events import EventQueue  # noqa: E402
from a2a.server.request_handlers import DefaultRequestHandler  # noqa: E402
from a2a.server.request_handlers.response_helpers import (  # noqa: E402
    agent_card_to_dict,
)
from a2a.server.routes import (  # noqa: E402
    create_agent_card_routes,
    create_jsonrpc_routes,
    create_rest_routes,
)
from a2a.server.tasks import (  # noqa: E402
    BasePushNotificationSender,
    InMemoryPushNotificationConfigStore,
    InMemoryTaskStore,
    TaskUpdater,
)
from a2a.types import (  # noqa: E402
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentSkill,
    Message,
    Part,
    Role,
    Task,
    TaskState,
    TaskStatus,
)
from a2a.utils.constants import AGENT_CARD_WELL_KNOWN_PATH  # noqa: E402
from google.protobuf import struct_pb2  # noqa: E402
from google.protobuf.json_format import MessageToDict, ParseDict  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402


SDK_VERSION = pkg_version('a2a-sdk')

STATES = {
    'working': TaskState.TASK_STATE_WORKING,
    'input-required': TaskState.TASK_STATE_INPUT_REQUIRED,
    'auth-required': TaskState.TASK_STATE_AUTH_REQUIRED,
    'completed': TaskState.TASK_STATE_COMPLETED,
    'failed': TaskState.TASK_STATE_FAILED,
    'rejected': TaskState.TASK_STATE_REJECTED,
    'canceled': TaskState.TASK_STATE_CANCELED,
}


def to_part(spec: tuple) -> Part:
    kind = spec[0]
    if kind == 'text':
        return Part(text=spec[1], media_type='text/plain')
    if kind == 'data':
        return Part(
            data=ParseDict(spec[1], struct_pb2.Value()), media_type='application/json'
        )
    if kind == 'bytes':
        return Part(raw=spec[1], media_type=spec[2], filename=spec[3])
    if kind == 'uri':
        return Part(url=spec[1], media_type=spec[2], filename=spec[3])
    raise ValueError(f'unknown part kind {kind}')


class Ops1:
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
        task = Task(
            id=self.task_id,
            context_id=self.context_id,
            status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED),
        )
        if self.context.message is not None:
            task.history.append(self.context.message)
        await self.queue.enqueue_event(task)

    async def reply_message(self, text: str) -> None:
        await self.queue.enqueue_event(
            Message(
                role=Role.ROLE_AGENT,
                message_id=str(uuid.uuid4()),
                context_id=self.context_id,
                parts=[Part(text=text)],
            )
        )

    async def status(self, state: str, text: str | None = None) -> None:
        msg = None
        if text is not None:
            msg = self.updater.new_agent_message([Part(text=text)])
        await self.updater.update_status(STATES[state], message=msg)

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
    return ''.join(p.text for p in message.parts if p.WhichOneof('content') == 'text')


def message_metadata(message: Message | None) -> Any:
    if message is None or not message.HasField('metadata'):
        return None
    # google.protobuf.Struct: numbers come back as floats.
    return MessageToDict(message.metadata)


def message_parts(message: Message | None) -> list[dict[str, Any]]:
    """Each part as the SDK parsed it: kind, and for files name, media type and size + sha256 or uri."""
    out: list[dict[str, Any]] = []
    for p in message.parts if message is not None else []:
        which = p.WhichOneof('content')
        if which == 'raw':
            out.append({
                'kind': 'file', 'name': p.filename, 'mediaType': p.media_type,
                'size': len(p.raw), 'sha256': hashlib.sha256(p.raw).hexdigest(),
            })
        elif which == 'url':
            out.append({'kind': 'file', 'name': p.filename, 'mediaType': p.media_type, 'uri': p.url})
        else:
            out.append({'kind': which})
    return out


class Executor(AgentExecutor):
    def __init__(self, brain: behaviour.Brain) -> None:
        self.brain = brain

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        await self.brain.execute(
            Ops1(context, event_queue),
            message_text(context.message),
            message_metadata(context.message),
            message_parts(context.message),
        )

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        await self.brain.cancel(Ops1(context, event_queue))


def build_card(args: Any, rpc_url: str) -> AgentCard:
    interfaces = [
        AgentInterface(url=rpc_url, protocol_binding='JSONRPC', protocol_version='1.0')
    ]
    if args.rest:
        # REST only: the card lists just the HTTP+JSON interface.
        interfaces = [
            AgentInterface(
                url=rpc_url.rstrip('/') + '/rest',
                protocol_binding='HTTP+JSON',
                protocol_version='1.0',
            )
        ]
    if args.compat:
        interfaces.append(
            AgentInterface(url=rpc_url, protocol_binding='JSONRPC', protocol_version='0.3')
        )
    mode = 'protocol v1.0 + v0.3 compat' if args.compat else 'protocol v1.0'
    return AgentCard(
        name=args.name,
        description=f'A2A test agent {args.name!r} built on a2a-sdk {SDK_VERSION} ({mode}).',
        supported_interfaces=interfaces,
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
                examples=s['examples'],
                **behaviour.skill_extra(s),
            )
            for s in behaviour.skill_specs(args.skills)
        ],
    )


def card_routes(card: AgentCard) -> list[Route]:
    if len(card.skills) > 0:
        return create_agent_card_routes(card)

    # ProtoJSON leaves out empty repeated fields, so the SDK would serve a card with
    # no `skills` key at all. Serve the same dict with an explicit `skills: []`.
    async def get_card(request: Request) -> JSONResponse:  # noqa: ARG001
        body = agent_card_to_dict(card)
        body['skills'] = []
        return JSONResponse(body)

    return [Route(AGENT_CARD_WELL_KNOWN_PATH, endpoint=get_card, methods=['GET'])]


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
    args = behaviour.parse_args('v1')
    brain = behaviour.Brain()

    def build_app(rpc_url: str) -> Any:
        card = build_card(args, rpc_url)
        extended = None
        if args.extended_skills:
            card.capabilities.extended_agent_card = True
            extended = AgentCard()
            extended.CopyFrom(card)
            for s in behaviour.skill_specs(args.extended_skills):
                extended.skills.append(
                    AgentSkill(
                        id=s['id'], name=s['name'], description=s['description'],
                        tags=s['tags'], examples=s['examples'],
                    )
                )
        handler = DefaultRequestHandler(
            agent_executor=Executor(brain),
            task_store=InMemoryTaskStore(),
            **push_parts(args),
            agent_card=card,
            extended_agent_card=extended,
        )
        if args.rest:
            routes = card_routes(card) + create_rest_routes(
                handler, enable_v0_3_compat=args.compat, path_prefix='/rest'
            )
        else:
            routes = card_routes(card) + create_jsonrpc_routes(
                handler, '/', enable_v0_3_compat=args.compat
            )
        return behaviour.require_bearer(Starlette(routes=routes), args.bearer)

    behaviour.serve(args, brain, build_app)


if __name__ == '__main__':
    main()
