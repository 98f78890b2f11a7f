"""End-to-end tests of the ranger chat (/api/chat/, served by its own pool), through nginx, against
the fake Gemini server the Stack runs on loopback (fake_gemini.py). Imported by run.py."""

import glob
import os
import re
import threading
import time

from checks import *  # noqa: F401,F403
from checks import ISO_SECONDS, Problem, must, need_alice, test, user_body
from e2elib import Client, Stack

REFUSAL = ("I'm sorry, I can't help with that one. Ask me about camping, gear, trails or staying "
           "safe outdoors and I'll gladly help.")
CONV_KEYS = {"id", "title", "created_at", "updated_at"}
MSG_KEYS = {"id", "role", "text", "created_at"}
PARK = "/api/parks/1"
REVIEWS = "/api/parks/1/reviews?limit=20"  # the page the isolation test times


def signup(ctx, tag):
    r = ctx.c.post("/api/users", user_body(ctx.name(tag)))
    if r.status != 201:
        raise RuntimeError("sign-up of %s failed: %s" % (tag, r.describe()))
    return r.json["token"]


def new_conv(ctx, token, title=None):
    r = ctx.c.post("/api/chat/conversations", {"title": title} if title else {}, token=token)
    if r.status != 201:
        raise RuntimeError("creating a conversation failed: %s" % r.describe())
    return r.json["id"]


def send(ctx, token, conv, text):
    return ctx.c.post("/api/chat/conversations/%d/messages" % conv, {"text": text}, token=token)


def messages(ctx, token, conv):
    r = ctx.c.get("/api/chat/conversations/%d" % conv, token=token)
    if r.status != 200:
        raise RuntimeError("reading conversation %d failed: %s" % (conv, r.describe()))
    return [(m["role"], m["text"]) for m in r.json["messages"]]


def check_message(m, role, text=None):
    must(isinstance(m, dict) and set(m) == MSG_KEYS, "message keys %s" % (sorted(m) if isinstance(m, dict) else m))
    must(type(m["id"]) is int and m["id"] > 0, "message id %r" % m["id"])
    must(m["role"] == role, "role %r, expected %r" % (m["role"], role))
    if text is not None:
        must(m["text"] == text, "text %r, expected %r" % (m["text"], text))
    must(ISO_SECONDS.match(m["created_at"] or ""), "created_at %r" % m["created_at"])


def check_conv(c, title=None):
    must(isinstance(c, dict) and set(c) == CONV_KEYS, "conversation keys %s" % (sorted(c) if isinstance(c, dict) else c))
    must(type(c["id"]) is int and c["id"] > 0, "id %r" % c["id"])
    if title is not None:
        must(c["title"] == title, "title %r, expected %r" % (c["title"], title))
    for k in ("created_at", "updated_at"):
        must(ISO_SECONDS.match(c[k] or ""), "%s %r" % (k, c[k]))


def fake(ctx):
    if ctx.stack.gemini is None:
        raise RuntimeError("the stack runs no fake Gemini server")
    return ctx.stack.gemini


@test
def chat_pool(ctx):
    chat = ctx.stack.worker_pids("chat")
    ctx.ok(len(chat) == 6 and not (chat & ctx.stack.worker_pids()),
           "chat: its own pool of 6 workers (2 x --workers), apart from the api pool",
           "chat workers %s" % sorted(chat))
    ctx.ok(os.path.exists(os.path.join(ctx.stack.data, "run", "chat.sock")),
           "chat: the chat pool listens on DATA/run/chat.sock")


@test
def chat_conversations(ctx):
    c, tok = ctx.c, need_alice(ctx)["token"]
    ctx.error(c.post("/api/chat/conversations", {}), 401, "unauthenticated",
              "chat: POST /api/chat/conversations without a token: 401")
    r = c.post("/api/chat/conversations", {"title": "Zion in May"}, token=tok)
    ctx.expect(r, 201, "chat: POST /api/chat/conversations {title}: 201 conversation",
               lambda r: check_conv(r.json, "Zion in May"))
    first = r.json["id"]
    r = c.request("POST", "/api/chat/conversations", token=tok)
    ctx.expect(r, 201, "chat: POST /api/chat/conversations with no body: 201 with a default title",
               lambda r: (check_conv(r.json), must(r.json["title"], "empty title")))
    second = r.json["id"]
    ctx.error(c.post("/api/chat/conversations", {"title": "x" * 121}, token=tok), 400, "invalid_field",
              "chat: a 121-character title: 400 invalid_field", field="title")
    ctx.error(c.post("/api/chat/conversations", {"title": "a\nb"}, token=tok), 400, "invalid_field",
              "chat: a title with a control character: 400 invalid_field", field="title")
    ctx.error(c.post("/api/chat/conversations", {"topic": "x"}, token=tok), 400, "unknown_field",
              "chat: an unknown field: 400 unknown_field", field="topic")
    ctx.error(c.request("POST", "/api/chat/conversations", body=b"title", token=tok, ctype="text/plain"), 415,
              "unsupported_media_type", "chat: a body that is not JSON: 415")

    r = c.get("/api/chat/conversations", token=tok)
    ctx.expect(r, 200, "chat: GET /api/chat/conversations: the caller's, newest first",
               lambda r: (must([x["id"] for x in r.json["items"]][:2] == [second, first],
                               "order %s" % [x["id"] for x in r.json["items"]]),
                          [check_conv(x) for x in r.json["items"]],
                          must(r.json["next_cursor"] is None, "next_cursor %r" % r.json["next_cursor"])))
    r = c.get("/api/chat/conversations?limit=1", token=tok)
    ctx.expect(r, 200, "chat: limit=1 gives one conversation and a cursor",
               lambda r: must(len(r.json["items"]) == 1 and isinstance(r.json["next_cursor"], str), r.json))
    r2 = c.get("/api/chat/conversations?limit=1&cursor=" + r.json["next_cursor"], token=tok)
    ctx.expect(r2, 200, "chat: the cursor gives the next (older) conversation",
               lambda r2: must(r2.json["items"][0]["id"] == first, r2.json))
    ctx.error(c.get("/api/chat/conversations?cursor=bm9wZQ", token=tok), 400, "invalid_cursor",
              "chat: a made-up cursor: 400 invalid_cursor")
    ctx.error(c.get("/api/chat/conversations?limit=51", token=tok), 400, "invalid_field",
              "chat: limit=51: 400 invalid_field", field="limit")
    for path in ("/api/chat/conversations/999999", "/api/chat/conversations/abc",
                 "/api/chat/conversations/0"):
        ctx.error(c.get(path, token=tok), 404, "not_found", "chat: GET %s: 404" % path)
    ctx.error(c.request("PUT", "/api/chat/conversations/%d" % first, token=tok), 405,
              "method_not_allowed", "chat: PUT on a conversation: 405 with Allow",
              check=lambda r: must("DELETE" in (r.header("Allow") or ""), r.header("Allow")))


@test
def chat_memory(ctx):
    tok = signup(ctx, "chat_mem")
    conv = new_conv(ctx, tok, "Gear")
    before = len(fake(ctx).calls())
    texts = ["Which tent for Denali?", "And a cheaper one?", "What about bears?"]
    for i, t in enumerate(texts):
        r = send(ctx, tok, conv, t)
        ctx.expect(r, 201, "chat: message %d: 201 {message, reply}; the reply is the model's text "
                   "(its thought part left out)" % (i + 1),
                   lambda r, i=i, t=t: (must(set(r.json) == {"message", "reply"}, sorted(r.json)),
                                        check_message(r.json["message"], "user", t),
                                        check_message(r.json["reply"], "model",
                                                      "Turn %d. You said: %s" % (2 * i + 1, t)),
                                        must(r.json["reply"]["id"] > r.json["message"]["id"], "ids")))
    calls = fake(ctx).calls()[before:]
    want = [("user", texts[0]), ("model", "Turn 1. You said: " + texts[0]),
            ("user", texts[1]), ("model", "Turn 3. You said: " + texts[1]), ("user", texts[2])]
    ctx.ok(len(calls) == 3 and [tuple(x) for x in calls[-1]["turns"]] == want,
           "chat: the third call carried the earlier turns in order, the new message last",
           lambda: "calls %d, last turns %r" % (len(calls), calls[-1]["turns"] if calls else None))
    ctx.ok(all(x["path"] == "/v1beta/models/gemini-test-model:generateContent" and
               x["key"] == ctx.stack.gemini_key for x in calls),
           "chat: POST /v1beta/models/{model}:generateContent with the key in x-goog-api-key",
           lambda: repr([(x["path"], x["key"]) for x in calls]))
    sys_text = calls[0]["body"]["systemInstruction"]["parts"][0]["text"] if calls else ""
    ctx.ok(re.search(r"ranger", sys_text, re.I) and re.search(r"cheaper", sys_text) and
           re.search(r"four sentences", sys_text), "chat: the system instruction makes it a ranger "
           "who names cheaper gear and keeps it short", sys_text)
    got = messages(ctx, tok, conv)
    ctx.ok(got == want + [("model", "Turn 5. You said: " + texts[2])],
           "chat: GET the conversation: all six messages, in order", repr(got))

    # Only the last 20 messages go upstream.
    conv2 = new_conv(ctx, tok)
    for i in range(12):
        send(ctx, tok, conv2, "question %d" % i)
    last = fake(ctx).calls()[-1]["turns"]
    ctx.ok(len(last) == 19 and tuple(last[0]) == ("user", "question 2"),
           "chat: after 12 exchanges, the call carries the last 20 messages, starting with the "
           "camper (19 turns)", "%d turns, first %r" % (len(last), last[0] if last else None))


@test
def chat_upstream_failures(ctx):
    c, tok = ctx.c, signup(ctx, "chat_fail")
    conv = new_conv(ctx, tok)
    ok = send(ctx, tok, conv, "hello")
    ctx.expect(ok, 201, "chat: a first normal exchange")
    for word, what in (("429", "upstream 429"), ("500", "upstream 500"), ("503", "upstream 503"),
                       ("MALFORMED", "malformed JSON"), ("EMPTY", "an empty candidate list"),
                       ("HUGE", "a 2 MB reply (over the cap)")):
        text = "FAKE:%s what now?" % word
        r = send(ctx, tok, conv, text)
        ctx.error(r, 502, "upstream_error", "chat: %s: 502 upstream_error" % what)
        got = messages(ctx, tok, conv)
        ctx.ok(got[-1] == ("user", text), "chat: ... the camper's message is kept, with no reply",
               repr(got[-3:]))
    r = send(ctx, tok, conv, "retrying my question")
    ctx.expect(r, 201, "chat: after failures, the next message works and the unanswered ones are "
               "not sent upstream (turns alternate)",
               lambda r: must(r.json["reply"]["text"] == "Turn 3. You said: retrying my question",
                              r.json["reply"]["text"]))
    for word in ("BLOCK", "BLOCK_PROMPT"):
        r = send(ctx, tok, conv, "FAKE:%s something unsafe" % word)
        ctx.expect(r, 201, "chat: blocked by the safety filter (%s): 201 with the fixed refusal" % word,
                   lambda r: check_message(r.json["reply"], "model", REFUSAL))
    got = messages(ctx, tok, conv)
    ctx.ok(got[-1] == ("model", REFUSAL), "chat: ... and the refusal is stored as the reply",
           repr(got[-2:]))

    t0 = time.monotonic()
    r = send(ctx, tok, conv, "FAKE:STALL are you there?")
    took = time.monotonic() - t0
    ctx.error(r, 504, "upstream_timeout", "chat: upstream stalls past the timeout: 504 upstream_timeout "
              "from the app (%.1f s)" % took,
              check=lambda r: must(took < Stack.GEMINI_TIMEOUT_MS / 1000 + 2, "took %.1f s" % took))
    got = messages(ctx, tok, conv)
    ctx.ok(got[-1] == ("user", "FAKE:STALL are you there?"),
           "chat: ... the camper's message stays, with no reply", repr(got[-2:]))


@test
def chat_validation(ctx):
    c, tok = ctx.c, need_alice(ctx)["token"]
    conv = new_conv(ctx, tok)
    path = "/api/chat/conversations/%d/messages" % conv
    n = len(fake(ctx).calls())
    ctx.error(c.post(path, {"text": ""}, token=tok), 400, "invalid_field", "chat: empty text: 400",
              field="text")
    ctx.error(c.post(path, {"text": "é" * 2001}, token=tok), 400, "invalid_field",
              "chat: 2001 characters: 400", field="text")
    ctx.expect(c.post(path, {"text": "é" * 2000}, token=tok), 201,
               "chat: 2000 characters (4000 bytes) are accepted")
    ctx.error(c.post(path, {}, token=tok), 400, "missing_field", "chat: no text: 400 missing_field",
              field="text")
    ctx.error(c.post(path, {"text": 5}, token=tok), 400, "invalid_field", "chat: a number: 400",
              field="text")
    ctx.error(c.post(path, {"text": "hi", "role": "model"}, token=tok), 400, "unknown_field",
              "chat: a role field: 400 unknown_field", field="role")
    ctx.error(c.request("POST", path, body=b"{", token=tok), 400, "malformed_json", "chat: malformed JSON: 400")
    ctx.error(c.post(path, {"text": "hi"}), 401, "unauthenticated", "chat: no token: 401")
    ctx.error(c.post("/api/chat/conversations/999999/messages", {"text": "hi"}, token=tok), 404,
              "not_found", "chat: a message to a conversation that does not exist: 404")
    ctx.ok(len(fake(ctx).calls()) == n + 1, "chat: refused messages never reach upstream",
           "%d calls" % (len(fake(ctx).calls()) - n))


@test
def chat_ownership(ctx):
    c, a = ctx.c, need_alice(ctx)["token"]
    b = signup(ctx, "chat_bob")
    conv = new_conv(ctx, a, "Alice's plans")
    send(ctx, a, conv, "secret campsite")
    n = len(fake(ctx).calls())
    p = "/api/chat/conversations/%d" % conv
    ctx.error(c.get(p, token=b), 404, "not_found", "chat: user B reading A's conversation: 404")
    ctx.error(send(ctx, b, conv, "hijack"), 404, "not_found", "chat: B posting to A's conversation: 404")
    ctx.error(c.delete(p, token=b), 404, "not_found", "chat: B deleting A's conversation: 404")
    r = c.get("/api/chat/conversations", token=b)
    ctx.expect(r, 200, "chat: B's list does not show A's conversations",
               lambda r: must(all(x["id"] != conv for x in r.json["items"]), r.json))
    ctx.ok(len(fake(ctx).calls()) == n and messages(ctx, a, conv)[0] == ("user", "secret campsite")
           and len(messages(ctx, a, conv)) == 2, "chat: ... nothing of B's reached upstream or A's conversation")
    ctx.expect(c.delete(p, token=a), 204, "chat: A deletes the conversation: 204")
    ctx.error(c.get(p, token=a), 404, "not_found", "chat: ... then it is gone: 404")
    ctx.error(c.delete(p, token=a), 404, "not_found", "chat: ... and deleting it again: 404")


@test
def chat_rate_limit(ctx):
    c, tok = ctx.c, signup(ctx, "chat_rate")
    conv = new_conv(ctx, tok)
    statuses = [send(ctx, tok, conv, "q%d" % i).status for i in range(20)]
    ctx.ok(statuses == [201] * 20, "chat: 20 messages in 10 minutes are answered", repr(statuses))
    r = send(ctx, tok, conv, "one too many")
    ctx.error(r, 429, "rate_limited", "chat: the 21st in 10 minutes: 429 rate_limited with Retry-After",
              check=lambda r: must(re.match(r"^\d+$", r.header("Retry-After") or "") and
                                   1 <= int(r.header("Retry-After")) <= 600, r.header("Retry-After")))
    ctx.ok(messages(ctx, tok, conv)[-1] == ("model", "Turn 19. You said: q19"),
           "chat: ... and the refused message is not stored")
    ctx.expect(c.delete("/api/chat/conversations/%d" % conv, token=tok), 204,
               "chat: deleting the conversation ...")
    ctx.error(send(ctx, tok, new_conv(ctx, tok), "fresh start?"), 429, "rate_limited",
              "chat: ... does not reset the limit (it counts calls, not stored messages)")
    ctx.expect(send(ctx, need_alice(ctx)["token"], new_conv(ctx, need_alice(ctx)["token"]), "hi"), 201,
               "chat: another user is not limited by it")


def p99(samples):
    s = sorted(samples)
    return s[min(len(s) - 1, int(len(s) * 0.99))]


def latencies(c, n):
    out = []
    for _ in range(n):
        t0 = time.monotonic()
        r = c.get(REVIEWS)
        out.append((time.monotonic() - t0) * 1000)
        if r.status != 200:
            raise RuntimeError("GET %s: %s" % (REVIEWS, r.describe()))
    return out


@test
def chat_isolation(ctx):
    """Ten chats stalled upstream (ten campers: one may have one call in flight) must not slow the
    api pool: p99 of GET /api/parks/1/reviews with and without them."""
    toks = [signup(ctx, "chat_iso%d" % i) for i in range(10)]
    conv = [new_conv(ctx, toks[i]) for i in range(10)]
    c = Client(ctx.stack.port, timeout=30)
    latencies(c, 20)  # warm up
    base = latencies(c, 200)
    stalled_before = sum(1 for x in fake(ctx).calls() if x["answer"] == "STALL")
    results = []

    def stalled_chat(i):
        results.append(send(ctx, toks[i], conv[i], "FAKE:STALL slow question %d" % i).status)
    threads = [threading.Thread(target=stalled_chat, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and \
            sum(1 for x in fake(ctx).calls() if x["answer"] == "STALL") - stalled_before < 6:
        time.sleep(0.02)
    waiting = sum(1 for x in fake(ctx).calls() if x["answer"] == "STALL") - stalled_before
    during = latencies(c, 200)
    all_busy = not results  # no stalled chat had finished while we measured
    for t in threads:
        t.join(30)
    bp, dp = p99(base), p99(during)
    ctx.t.diag("isolation: GET %s p99 %.1f ms alone, %.1f ms with 10 chats stalled upstream "
               "(%d in the fake server, 4 queued; median %.1f / %.1f ms; 200 requests each)"
               % (REVIEWS, bp, dp, waiting, sorted(base)[100], sorted(during)[100]))
    ctx.ok(waiting == 6 and all_busy, "chat: every chat worker (6) was stuck upstream while measuring",
           "%d stalled upstream, finished early: %s" % (waiting, results))
    ctx.ok(dp < max(3 * bp, bp + 25), "chat: GET %s keeps its latency while 10 chats stall "
           "(p99 %.1f ms, alone %.1f ms)" % (REVIEWS, dp, bp))
    ctx.ok(sorted(results) == [504] * 10, "chat: ... and each stalled chat ends in 504 upstream_timeout",
           repr(results))


@test
def chat_logs(ctx):
    key = ctx.stack.gemini_key
    files = glob.glob(os.path.join(ctx.stack.data, "log", "*")) + \
        [os.path.join(ctx.stack.data, "scripts-run.log")]
    leaks = []
    for f in files:
        with open(f, "rb") as fh:
            if key.encode() in fh.read():
                leaks.append(os.path.basename(f))
    ctx.ok(key and not leaks, "chat: the Gemini key appears in no log (%d files read)" % len(files),
           "found in %s" % leaks)
    with open(os.path.join(ctx.stack.data, "log", "chat.log"), "rb") as f:
        log = f.read().decode("utf-8", "replace")
    with open(os.path.join(ctx.stack.data, "log", "api.log"), "rb") as f:
        api = f.read().decode("utf-8", "replace")
    ctx.ok(re.search(r"POST /api/chat/conversations/:id/messages 201", log) and "/api/chat/" not in api,
           "chat: chat requests are served (and logged) by the chat pool only, in chat.log")
    bad = [l for l in log.splitlines() if re.search(r"Sanitizer|runtime error:|Segmentation|Aborted", l)]
    ctx.ok(not bad, "chat: chat.log shows no sanitizer report or crash", "\n".join(bad[:20]))
    ctx.ok(not fake(ctx).problems, "chat: the fake Gemini server found nothing wrong in any request "
           "(path, model, key header, system instruction, alternating turns)",
           "\n".join(fake(ctx).problems[:20]))


@test
def chat_without_key(ctx):
    """A second stack with no key file: the chat routes answer 503, the rest works."""
    stack = Stack(ctx.stack.repo, workers=1, gemini=False)
    try:
        why = stack.start(timeout=60)
        if why is not None:
            ctx.ok(False, "chat: a stack without a Gemini key starts", why + "\n" + stack.logs())
            return
        c = Client(stack.port)
        r = c.post("/api/users", user_body(ctx.name("nokey")))
        ctx.expect(r, 201, "chat off: sign-up works")
        tok = r.json["token"] if r.status == 201 else None
        for method, path, body in (("POST", "/api/chat/conversations", {}),
                                   ("GET", "/api/chat/conversations", None),
                                   ("GET", "/api/chat/conversations/1", None),
                                   ("POST", "/api/chat/conversations/1/messages", {"text": "hi"})):
            r = c.request(method, path, json_body=body, token=tok)
            ctx.error(r, 503, "chat_unavailable", "chat off: %s %s: 503 chat_unavailable" % (method, path))
        ctx.expect(c.get(PARK), 200, "chat off: GET %s still works" % PARK)
        ctx.expect(c.get("/api/health"), 200, "chat off: GET /api/health still works")
        with open(os.path.join(stack.data, "log", "chat.log"), "rb") as f:
            log = f.read().decode("utf-8", "replace")
        ctx.ok("ranger chat is off" in log, "chat off: the chat pool says why in chat.log", log[-500:])
    finally:
        stack.stop()
        stack.cleanup()


@test
def chat_run_help(ctx):
    import subprocess
    p = subprocess.run([os.path.join(ctx.stack.repo, "scripts", "run"), "--help"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
    out = p.stdout.decode("utf-8", "replace")
    ctx.ok(p.returncode == 0 and "--chat-workers" in out and "gemini.key" in out and
           all(l.startswith("#") for l in out.splitlines()),
           "chat: scripts/run --help describes the chat pool and the key file", out)
