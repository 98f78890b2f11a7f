#!/usr/bin/env python3
"""A fake Gemini generateContent server on loopback, for the end-to-end tests of the ranger chat.

It checks what it receives (the path /v1beta/models/{model}:generateContent, the x-goog-api-key
header, no key in the URL, a system instruction, turns that start with the camper, alternate and
end with the camper's new message) and records every request and every problem it saw.

What it answers is chosen by a magic word in the camper's newest message:

  FAKE:BLOCK_PROMPT  200 with promptFeedback.blockReason SAFETY and no candidates
  FAKE:BLOCK         200 with a candidate whose finishReason is SAFETY and no text
  FAKE:EMPTY         200 with an empty candidate list
  FAKE:429 / FAKE:500 / FAKE:503   that status with Google's error JSON
  FAKE:MALFORMED     200 with a truncated JSON body
  FAKE:HUGE          200 with a valid JSON body of 2 MB
  FAKE:STALL         nothing until stall_seconds have passed (past the app's timeout)
  FAKE:SLOW          the normal answer, after one second (a "thinking" state a browser can see)
  anything else      200 "Turn N. You said: <text>" (N = the number of turns received), in two
                     text parts after a "thought" part the app must leave out

Standard library only. Run alone: fake_gemini.py --port 8199 --key KEY --model gemini-2.5-flash
"""

import argparse
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeGemini:
    def __init__(self, key, model, stall_seconds=8.0, port=0):
        self.key, self.model, self.stall_seconds = key, model, stall_seconds
        self.requests = []  # {"path", "key", "body", "answer"}
        self.problems = []
        self.lock = threading.Lock()
        self.release = threading.Event()  # set to end every stall at once
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Google's servers do
            disable_nagle_algorithm = True  # headers and body go out in two writes


            def log_message(self, *args):
                pass

            def do_POST(self):
                fake._handle(self)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                # A client that gave up (the stall case) is expected; anything else is a problem.
                exc = sys.exc_info()[1]
                if not isinstance(exc, ConnectionError):
                    fake.problem("the fake server failed: %r" % (exc,))

        self.server = Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.base_url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def problem(self, text):
        with self.lock:
            self.problems.append(text)

    def calls(self):
        with self.lock:
            return list(self.requests)

    # --- one request ---------------------------------------------------------------------------

    def _check(self, h, body):
        want = "/v1beta/models/%s:generateContent" % self.model
        if h.path != want:
            self.problem("path %r, expected %r" % (h.path, want))
        if "key=" in h.path.lower():
            self.problem("a key in the URL: %r" % h.path)
        if h.headers.get("x-goog-api-key") != self.key:
            self.problem("x-goog-api-key is %r" % h.headers.get("x-goog-api-key"))
        if not (h.headers.get("Content-Type") or "").startswith("application/json"):
            self.problem("Content-Type %r" % h.headers.get("Content-Type"))
        if not isinstance(body, dict):
            self.problem("the body is not a JSON object")
            return []
        sys_text = "".join(p.get("text", "") for p in
                           (body.get("systemInstruction") or {}).get("parts", []) or [])
        if "camp" not in sys_text.lower() or "safety" not in sys_text.lower():
            self.problem("no camping system instruction: %r" % sys_text[:200])
        contents = body.get("contents")
        if not isinstance(contents, list) or not contents:
            self.problem("no contents")
            return []
        turns = []
        for c in contents:
            parts = c.get("parts") if isinstance(c, dict) else None
            if not isinstance(parts, list) or not parts or not isinstance(parts[0].get("text"), str):
                self.problem("a turn without text: %r" % (c,))
                return []
            turns.append((c.get("role"), "".join(p.get("text", "") for p in parts)))
        roles = [r for r, _ in turns]
        if roles[0] != "user" or roles[-1] != "user":
            self.problem("turns must start and end with the user: %s" % roles)
        if any(a == b for a, b in zip(roles, roles[1:])) or set(roles) - {"user", "model"}:
            self.problem("turns do not alternate user/model: %s" % roles)
        if len(turns) > 20:
            self.problem("%d turns sent; the last 20 are enough" % len(turns))
        return turns

    def _send(self, h, status, obj=None, raw=None):
        data = raw if raw is not None else json.dumps(obj).encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json; charset=UTF-8")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the app gave up waiting (the stall case)

    def _handle(self, h):
        n = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(n)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        turns = self._check(h, body)
        last = turns[-1][1] if turns else ""
        m = re.search(r"FAKE:([A-Z_0-9]+)", last)
        answer = m.group(1) if m else "NORMAL"
        with self.lock:
            self.requests.append({"path": h.path, "key": h.headers.get("x-goog-api-key"),
                                  "turns": turns, "answer": answer, "body": body})
        if answer == "STALL":
            self.release.wait(self.stall_seconds)
            return self._send(h, 200, text_reply("too late"))
        if answer == "SLOW":
            time.sleep(1.0)
        if answer == "BLOCK_PROMPT":
            return self._send(h, 200, {"promptFeedback": {"blockReason": "SAFETY"}})
        if answer == "BLOCK":
            return self._send(h, 200, {"candidates": [{"finishReason": "SAFETY", "index": 0,
                                                       "safetyRatings": []}]})
        if answer == "EMPTY":
            return self._send(h, 200, {"candidates": []})
        if answer in ("429", "500", "503"):
            return self._send(h, int(answer), {"error": {"code": int(answer), "message": "fake",
                                                         "status": "UNAVAILABLE"}})
        if answer == "MALFORMED":
            return self._send(h, 200, raw=b'{"candidates": [{"content": {"parts": [{"text": "Hi')
        if answer == "HUGE":
            return self._send(h, 200, text_reply("x" * (2 * 1024 * 1024)))
        said = re.sub(r"\s+", " ", last)
        reply = text_reply("Turn %d. " % len(turns), "You said: %s" % said)
        self._send(h, 200, reply)


def text_reply(*texts):
    parts = [{"text": "(thinking that must not be shown)", "thought": True}]
    parts += [{"text": t} for t in texts]
    return {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP",
                            "index": 0}],
            "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=8199)
    ap.add_argument("--key", default="fake-key")
    ap.add_argument("--model", default="gemini-2.5-flash")
    ap.add_argument("--stall", type=float, default=8.0)
    a = ap.parse_args()
    fake = FakeGemini(a.key, a.model, a.stall, a.port).start()
    print("fake Gemini at %s (model %s); Ctrl-C stops it" % (fake.base_url, a.model), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
