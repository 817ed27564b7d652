"""A model-free agent on python-a2a 0.5.10, served by python-a2a's own Flask app.

    python pya2a_agent.py [--name NAME]

Prints `READY http://127.0.0.1:PORT` once serving; exits when stdin closes.
python-a2a's card (at `/.well-known/agent-card.json` and `/agent.json`) says protocolVersion
"0.3.0", but the server answers only the pre-0.2 draft's `tasks/send`, `tasks/get` and
`tasks/cancel`, each at a path of its own (`/tasks/send`, `/a2a/tasks/send`, …), and
`tasks/sendSubscribe` at `/tasks/stream`; a JSON-RPC envelope POSTed to `/` gets HTTP 500.

Behaviour, chosen by the prefix of the user text (the task id is the client's):
  ask:X     input-required "What is your name?"; the answer (same task id) completes the
            task with an artifact "hello, <answer>"
  fail:X    failed, status message "failed on purpose"
  anything  an artifact "echo: <text>", completed
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading

import warnings

warnings.filterwarnings('ignore')

from python_a2a import A2AServer, AgentCard, AgentSkill  # noqa: E402
from python_a2a.models import TaskState, TaskStatus  # noqa: E402
from python_a2a.server.http import create_flask_app  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402


def _text(message: object) -> str:
    if not isinstance(message, dict):
        return ''
    for part in message.get('parts') or []:
        if isinstance(part, dict) and part.get('type') == 'text':
            return str(part.get('text', ''))
    content = message.get('content')
    if isinstance(content, dict):
        return str(content.get('text', ''))
    return ''


def _agent_message(text: str) -> dict:
    return {'role': 'agent', 'parts': [{'type': 'text', 'text': text}]}


class FieldAgent(A2AServer):
    def __init__(self, card: AgentCard) -> None:
        super().__init__(agent_card=card)
        self.asking: set[str] = set()

    def handle_task(self, task):  # noqa: ANN001, ANN201 (python-a2a's signature)
        text = _text(task.message)
        if task.id in self.asking:
            self.asking.discard(task.id)
            task.artifacts = [{'parts': [{'type': 'text', 'text': 'hello, ' + text}]}]
            task.status = TaskStatus(state=TaskState.COMPLETED)
            return task
        if text.startswith('ask:'):
            self.asking.add(task.id)
            task.status = TaskStatus(
                state=TaskState.INPUT_REQUIRED, message=_agent_message('What is your name?')
            )
            return task
        if text.startswith('fail:'):
            task.status = TaskStatus(
                state=TaskState.FAILED, message=_agent_message('failed on purpose')
            )
            return task
        task.artifacts = [{'parts': [{'type': 'text', 'text': 'echo: ' + text}]}]
        task.status = TaskStatus(state=TaskState.COMPLETED)
        return task


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--name', default='pya2a_field')
    args = parser.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    logging.getLogger('werkzeug').setLevel(logging.ERROR)

    server = make_server('127.0.0.1', 0, None, threaded=True)
    url = f'http://127.0.0.1:{server.server_port}'
    card = AgentCard(
        name=args.name,
        description='python-a2a field agent (model-free)',
        url=url,
        version='1.0.0',
        skills=[
            AgentSkill(
                id='echo',
                name='Echo',
                description='Echoes the text; ask: asks a question first.',
                tags=['echo'],
                examples=['hello', 'ask:'],
            )
        ],
    )
    server.app = create_flask_app(FieldAgent(card))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f'READY {url}', flush=True)
    # Exit when stdin closes (the test dropped us).
    for _ in sys.stdin:
        pass
    server.shutdown()
    os._exit(0)


if __name__ == '__main__':
    main()
