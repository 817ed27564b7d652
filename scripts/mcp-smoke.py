#!/usr/bin/env python3
"""Smoke test of an installed bridge binary, with nothing but the Python standard library.

    python3 scripts/mcp-smoke.py PATH/TO/mcp-a2a-bridge [--expect-version X.Y.Z]

Checks, each printed as one line:
  1. `mcp-a2a-bridge --version` prints the expected version;
  2. `mcp-a2a-bridge demo-agent` serves its A2A agent card on a free loopback port;
  3. the bridge over stdio (`--config` naming that agent) answers MCP `initialize` and `tools/list` with the demo
     agent's four tools (MCP 2025-06-18 lifecycle and tools);
  4. `tools/call demo_echo` returns the message (the whole path: MCP -> bridge -> A2A -> agent and back);
  5. the bridge exits when its stdin closes.
Ends with "N passed, N failed"; exit status 1 if any check failed. Every wait is bounded.
"""

import argparse
import json
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

TIMEOUT = 30.0  # seconds for any single step (a cold start on a loaded 2-core machine included)
DEMO_TOOLS = ["demo_stream", "demo_work", "demo_ask", "demo_echo"]


class Failed(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_card(base, proc):
    deadline = time.monotonic() + TIMEOUT
    url = base + ".well-known/agent-card.json"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failed(f"demo-agent exited with {proc.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                card = json.load(resp)
                return card
        except OSError:
            time.sleep(0.1)
    raise Failed(f"no agent card at {url} within {TIMEOUT:.0f} s")


class StdioClient:
    """Newline-delimited JSON-RPC over the child's stdin/stdout (MCP stdio transport)."""

    def __init__(self, argv, env):
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.lines = queue.Queue()
        self.stderr = []
        threading.Thread(target=self._read, args=(self.proc.stdout, self.lines.put), daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr.append), daemon=True).start()
        self.next_id = 1

    @staticmethod
    def _read(stream, sink):
        for line in stream:
            sink(line.decode("utf-8", "replace"))
        sink(None)

    def send(self, message):
        self.proc.stdin.write((json.dumps(message) + "\n").encode())
        self.proc.stdin.flush()

    def request(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        deadline = time.monotonic() + TIMEOUT
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failed(f"no answer to {method} within {TIMEOUT:.0f} s; stderr: {self.stderr_tail()}")
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise Failed(f"the bridge closed stdout during {method}; stderr: {self.stderr_tail()}")
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                raise Failed(f"stdout carried a line that is not JSON: {line[:200]!r}")
            if msg.get("id") == rid and ("result" in msg or "error" in msg):
                if "error" in msg:
                    raise Failed(f"{method} failed: {msg['error']}")
                return msg["result"]
            # Notifications (logging, progress, list_changed) are allowed in between.

    def stderr_tail(self):
        return "".join(line for line in self.stderr[-10:] if line).strip()[-1500:]

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            return self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=TIMEOUT)
            return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bridge", help="the mcp-a2a-bridge executable to test")
    ap.add_argument("--expect-version", help="the version `--version` must print")
    args = ap.parse_args()

    passed, failed = 0, 0

    def check(name, fn):
        nonlocal passed, failed
        try:
            detail = fn()
            passed += 1
            print(f"ok   {name}{': ' + detail if detail else ''}", flush=True)
            return True
        except Failed as e:
            failed += 1
            print(f"FAIL {name}: {e}", flush=True)
            return False

    env = dict(os.environ)
    env.setdefault("RUST_LOG", "warn")

    def version():
        out = subprocess.run([args.bridge, "--version"], capture_output=True, text=True, timeout=TIMEOUT, env=env)
        line = out.stdout.strip()
        if out.returncode != 0:
            raise Failed(f"exit {out.returncode}: {out.stderr.strip()}")
        if not line.startswith("mcp-a2a-bridge "):
            raise Failed(f"unexpected output {line!r}")
        if args.expect_version and line != f"mcp-a2a-bridge {args.expect_version}":
            raise Failed(f"printed {line!r}, expected version {args.expect_version}")
        return line

    check("--version", version)

    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    agent = subprocess.Popen(
        [args.bridge, "demo-agent", "--listen", f"127.0.0.1:{port}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    client = None
    try:
        if not check("demo-agent serves its card", lambda: "skills: " + ", ".join(
                s["id"] for s in wait_for_card(base, agent).get("skills", []))):
            raise SystemExit(report(passed, failed + 3))
        with tempfile.TemporaryDirectory() as tmp:
            config = os.path.join(tmp, "bridge.toml")
            with open(config, "w") as f:
                f.write(f'[[agents]]\nname = "demo"\nurl = "{base}"\n')
            client = StdioClient([args.bridge, "--config", config], env)

            def initialize_and_list():
                init = client.request("initialize", {
                    "protocolVersion": "2025-06-18",
                    "capabilities": {},
                    "clientInfo": {"name": "mcp-smoke", "version": "1"},
                })
                if "tools" not in init.get("capabilities", {}):
                    raise Failed(f"initialize result has no tools capability: {init}")
                client.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
                # Tools appear once the agent's card is read; start-up discovery is bounded, so retry briefly.
                deadline = time.monotonic() + TIMEOUT
                while True:
                    names = [t["name"] for t in client.request("tools/list", {}).get("tools", [])]
                    missing = [t for t in DEMO_TOOLS if t not in names]
                    if not missing:
                        return f"{len(names)} tools: " + ", ".join(names)
                    if time.monotonic() > deadline:
                        raise Failed(f"missing {missing} in {names}")
                    time.sleep(0.2)

            if check("stdio initialize + tools/list", initialize_and_list):
                def echo():
                    result = client.request("tools/call", {"name": "demo_echo",
                                                           "arguments": {"message": "hello from the wheel"}})
                    text = "\n".join(c.get("text", "") for c in result.get("content", []) if c.get("type") == "text")
                    if result.get("isError") or not text.startswith("hello from the wheel"):
                        raise Failed(f"unexpected result: {json.dumps(result)[:500]}")
                    return text.splitlines()[0]

                check("tools/call demo_echo", echo)
            else:
                failed += 1
                print("FAIL tools/call demo_echo: skipped because tools/list failed", flush=True)

            def exits_on_eof():
                code = client.close()
                if code is None:
                    raise Failed(f"still running {TIMEOUT:.0f} s after stdin closed")
                if code != 0:
                    raise Failed(f"exit status {code}; stderr: {client.stderr_tail()}")
                return "exit 0"

            check("exits when stdin closes", exits_on_eof)
    finally:
        if client is not None and client.proc.poll() is None:
            client.proc.kill()
        agent.terminate()
        try:
            agent.wait(timeout=10)
        except subprocess.TimeoutExpired:
            agent.kill()
    return report(passed, failed)


def report(passed, failed):
    print(f"mcp-smoke: {passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
