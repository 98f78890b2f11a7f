#!/usr/bin/env python3
"""test/reliability/abuse.py [--quick]: the site under attack (docs/reliability.md, "Abuse").

Starts the stack as scripts/run does (e2elib.Stack) with small quotas and throttle numbers, so
each limit is reached in a few requests (the defaults are documented in docs/operations.md), and
tries what an attacker would:

- password floods: 16 clients send wrong passwords to sign-in (over many usernames), PATCH and
  DELETE /api/users/me, with the throttle numbers raised so that every request really runs Argon2
  in the auth pool; anonymous reads keep a median within 2x of idle and a p99 under 25 ms;
- the sign-in throttle: an attacker's failures never lock the owner out from another address;
  concurrent guesses are counted exactly; the per-address and per-username limits;
- the same throttle on PATCH and DELETE /api/users/me;
- per-user quotas on posts, review writes, reports, saved places, conversations and quiz results
  (429 rate_limited with Retry-After, and the rows stored), and the caps on stored counts;
- one chat call in flight per camper;
- the production nginx (nginx-conf/prod.conf.in) limiting every password route and every write per
  address, answering in the JSON envelope.

--quick floods for 3 s; the full run for 20 s and prints the figures. Prints TAP. Python 3
standard library only; loopback addresses only (127.0.0.x as other clients); stops everything it
started."""

import multiprocessing
import os
import sqlite3
import statistics
import sys
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from e2elib import Client, Stack, Tap  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
PASSWORD = "the right password 1"
READ = "/api/parks/62"

# Small numbers, so that each limit is reached in a few requests.
LIMITS = {
    "FROSTBYTE_POSTS_PER_HOUR": "4", "FROSTBYTE_REVIEW_WRITES_PER_HOUR": "3",
    "FROSTBYTE_REPORTS_PER_DAY": "2", "FROSTBYTE_PLACES_PER_HOUR": "5", "FROSTBYTE_MAX_PLACES": "3",
    "FROSTBYTE_CONVERSATIONS_PER_DAY": "4", "FROSTBYTE_MAX_CONVERSATIONS": "3",
    "FROSTBYTE_QUIZ_RESULTS_PER_HOUR": "2",
    "FROSTBYTE_LOGIN_FAILURES_PER_PAIR": "5", "FROSTBYTE_LOGIN_FAILURES_PER_ADDRESS": "12",
    "FROSTBYTE_LOGIN_FAILURES_PER_USERNAME": "8",
}
# For the flood: throttles out of the way, so that every guess costs an Argon2 check.
UNTHROTTLED = {"FROSTBYTE_LOGIN_FAILURES_PER_PAIR": "1000", "FROSTBYTE_LOGIN_FAILURES_PER_ADDRESS": "100000",
               "FROSTBYTE_LOGIN_FAILURES_PER_USERNAME": "100000"}


class Run:
    def __init__(self, tap, stack):
        self.t, self.stack = tap, stack
        self.c = Client(stack.port, timeout=60)
        self.n = 0

    def name(self, tag):
        self.n += 1
        return ("ab_%s_%d_%d" % (tag, os.getpid() % 10000, self.n))[:32]

    def signup(self, tag, client=None):
        name = self.name(tag)
        r = (client or self.c).post("/api/users", {"username": name, "display_name": tag,
                                                             "password": PASSWORD})
        if r.status != 201:
            raise RuntimeError("sign-up failed: " + r.describe())
        return name, r.json["token"]

    def db(self):
        return sqlite3.connect(os.path.join(self.stack.data, "frostbyte.db"), timeout=10)

    def count(self, sql, *args):
        con = self.db()
        try:
            return con.execute(sql, args).fetchone()[0]
        finally:
            con.close()


def limited(r, code="rate_limited"):
    """429 with `code`, a Retry-After header of at least 1 s and the same figure in the body."""
    try:
        ra = int(r.header("Retry-After") or "0")
        return r.status == 429 and r.json["error"]["code"] == code and ra >= 1 and \
            r.json["error"]["retry_after"] == ra
    except (TypeError, ValueError, KeyError):
        return False


def latencies(client, n, token=None):
    out = []
    for _ in range(n):
        t = time.monotonic()
        r = client.get(READ, token=token)
        out.append((time.monotonic() - t) * 1000)
        if r.status != 200:
            raise RuntimeError("read failed during the flood: " + r.describe())
    return out


def reads(client, n, token):
    """n reads of the park page each way: anonymous (mostly nginx's micro-cache), and signed in,
    which the cache never answers, so they measure the api pool itself."""
    anon, signed = [], []
    for _ in range(n // 10):
        anon += latencies(client, 10)
        signed += latencies(client, 10, token)
    return anon, signed


def p99(xs):
    return sorted(xs)[max(0, int(len(xs) * 0.99) - 1)]


# --- 1. password floods -----------------------------------------------------------------------

def attack(port, victims, stop, results):
    """16 threads sending wrong passwords until `stop`; puts (requests by kind, statuses seen)."""
    sent = {"session": 0, "patch": 0, "delete": 0}
    statuses = set()
    lock = threading.Lock()

    def attacker(k):
        c = Client(port, timeout=60)
        i = 0
        while not stop.is_set():
            i += 1
            kind = ("session", "patch", "delete")[k % 3]
            if kind == "session":  # a sign-in flood over many usernames, known or not
                r = c.post("/api/session", {"username": "nobody%d_%d" % (k, i) if i % 2 else victims[i % 4][0],
                                            "password": "wrong guess %d" % i})
            elif kind == "patch":
                r = c.patch("/api/users/me", {"password": "a new password 1", "current_password": "wrong %d" % i},
                            token=victims[k % 4][1])
            else:
                r = c.delete("/api/users/me", {"password": "wrong %d" % i}, token=victims[k % 4][1])
            with lock:
                sent[kind] += 1
                statuses.add(r.status)
    threads = [threading.Thread(target=attacker, args=(k,)) for k in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(90)
    results.put((sent, statuses))


def flood(run, quick):
    """16 clients send wrong passwords as fast as they can while one reader measures."""
    tap, stack = run.t, run.stack
    reader = Client(stack.port, timeout=30)
    _, reader_token = run.signup("reader")
    reads(reader, 50, reader_token)  # warm up
    idle = reads(reader, 300, reader_token)
    victims = [run.signup("fl%d" % i) for i in range(4)]
    # The attackers run in a process of their own: in this one they would hold Python's lock
    # and the reader would measure its own waiting, not the site's.
    ctx = multiprocessing.get_context("fork")
    stop = ctx.Event()
    results = ctx.Queue()
    attackers = ctx.Process(target=attack, args=(stack.port, victims, stop, results))
    attackers.start()
    time.sleep(1.0)
    duration = 3.0 if quick else 20.0
    during = ([], [])
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        anon, signed = reads(reader, 20, reader_token)
        during[0].extend(anon)
        during[1].extend(signed)
    stop.set()
    sent, statuses = results.get(timeout=120)
    attackers.join(30)
    tap.diag("flood: %d sign-ins, %d PATCH, %d DELETE with wrong passwords by 16 clients in %.0f s (statuses %s)"
             % (sent["session"], sent["patch"], sent["delete"], duration + 1, sorted(statuses)))
    tap.ok(statuses <= {401, 403} and min(sent.values()) > 0,
           "flood: every wrong password was checked and refused (401/403), none throttled, "
           "nothing failed", str(sorted(statuses)))
    for k, who in enumerate(("anonymous", "signed-in (the api pool itself)")):
        mi, md, pd = statistics.median(idle[k]), statistics.median(during[k]), p99(during[k])
        tap.diag("flood: GET %s %s: median %.2f ms idle, %.2f ms during; p99 %.2f -> %.2f ms (%d reads)"
                 % (READ, who, mi, md, p99(idle[k]), pd, len(during[k])))
        tap.ok(md <= 2 * mi and pd < 25, "flood: %s reads keep a median within 2x of idle and p99 < 25 ms "
               "while 16 clients flood every password route (%.2f -> %.2f ms, p99 %.2f ms)" % (who, mi, md, pd))
    with open(os.path.join(stack.data, "log", "api.log")) as f:
        api_log = f.read()
    tap.ok(" /api/session " not in api_log and " /api/users/me " not in api_log.replace("GET /api/users/me ", ""),
           "flood: no password route reached the api pool (its log holds none)")
    with open(os.path.join(stack.data, "log", "auth.log")) as f:
        auth_log = f.read()
    tap.ok(auth_log.count("POST /api/session 401") >= sent["session"] // 2 and
           "PATCH /api/users/me 403" in auth_log and "DELETE /api/users/me 403" in auth_log,
           "flood: the auth pool served them (auth.log)")


# --- 2. the sign-in throttle ------------------------------------------------------------------

def throttle(run):
    t, c = run.t, run.c
    name, _ = run.signup("owner")
    attacker = Client(run.stack.port, source="127.0.0.2")
    owner = Client(run.stack.port, source="127.0.0.3")
    wrong = [attacker.post("/api/session", {"username": name, "password": "guess %d" % i}).status
             for i in range(5)]
    r = attacker.post("/api/session", {"username": name, "password": PASSWORD})
    t.ok(wrong == [401] * 5 and limited(r, "too_many_attempts"),
         "sign-in: after 5 wrong passwords from one address, that address gets 429 too_many_attempts "
         "with Retry-After, even with the right password", "%s then %s" % (wrong, r.describe()))
    r = owner.post("/api/session", {"username": name, "password": PASSWORD})
    t.ok(r.status == 200 and r.json["user"]["username"] == name,
         "sign-in: ... while the owner, from another address, signs in at once (200)", r.describe())

    # 40 concurrent guesses for one username from one address: exactly the limit is checked.
    name2, _ = run.signup("race")
    racer = Client(run.stack.port, source="127.0.0.4", timeout=120)
    got = []
    lock = threading.Lock()

    def guess(i):
        s = racer.post("/api/session", {"username": name2, "password": "race %d" % i}).status
        with lock:
            got.append(s)
    threads = [threading.Thread(target=guess, args=(i,)) for i in range(40)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    t.ok(got.count(401) == 5 and got.count(429) == 35,
         "sign-in: 40 concurrent wrong guesses for one username from one address: exactly 5 checked "
         "(401), 35 refused (429)", "401: %d, 429: %d, other: %s" % (got.count(401), got.count(429),
                                                                      [s for s in got if s not in (401, 429)]))
    t.ok(run.count("SELECT count(*) FROM login_failures WHERE username = ?", name2) == 5,
         "sign-in: ... and 5 failures recorded for it")

    # Per address, across usernames (12 here): the 13th username from that address is refused,
    # another address is not.
    spray = Client(run.stack.port, source="127.0.0.5")
    sts = [spray.post("/api/session", {"username": "spray%d" % i, "password": "x"}).status
           for i in range(13)]
    r = Client(run.stack.port, source="127.0.0.6").post("/api/session", {"username": "spray0",
                                                                                   "password": "x"})
    t.ok(sts[:12] == [401] * 12 and sts[12] == 429 and r.status == 401,
         "sign-in: one address spraying usernames is refused after its limit (12 here), another "
         "address is not", "%s; other address %s" % (sts, r.status))

    # Per username, across addresses (8 here): addresses that failed are refused, a clean one
    # with the right password still gets in.
    name3, _ = run.signup("dist")
    sts = []
    for i in range(4):  # 4 addresses x 2 failures = 8
        cl = Client(run.stack.port, source="127.0.1.%d" % (i + 1))
        sts += [cl.post("/api/session", {"username": name3, "password": "d%d" % k}).status
                for k in range(2)]
    r1 = Client(run.stack.port, source="127.0.1.1").post("/api/session",
                                                         {"username": name3, "password": PASSWORD})
    r2 = Client(run.stack.port, source="127.0.1.9").post("/api/session",
                                                         {"username": name3, "password": PASSWORD})
    t.ok(sts == [401] * 8 and limited(r1, "too_many_attempts") and r2.status == 200,
         "sign-in: distributed guessing over 4 addresses reaches the username's ceiling (8 here): "
         "those addresses get 429, the owner from a clean address gets in",
         "%s; failed address %s; clean %s" % (sts, r1.status, r2.status))


def account_throttle(run):
    t = run.t
    for method in ("PATCH", "DELETE"):
        name, tok = run.signup("acct")
        cl = Client(run.stack.port, source="127.0.2.1")
        body = (lambda i: {"password": "a new password 1", "current_password": "wrong %d" % i}) \
            if method == "PATCH" else (lambda i: {"password": "wrong %d" % i})
        sts = [cl.request(method, "/api/users/me", json_body=body(i), token=tok).status for i in range(5)]
        r = cl.request(method, "/api/users/me", json_body=body(99), token=tok)
        ok_elsewhere = Client(run.stack.port, source="127.0.2.2").patch(
            "/api/users/me", {"display_name": "still me"}, token=tok)
        t.ok(sts == [403] * 5 and limited(r, "too_many_attempts") and ok_elsewhere.status == 200,
             "%s /api/users/me: 5 wrong current passwords, then 429 too_many_attempts from that address "
             "(the account itself untouched)" % method, "%s then %s" % (sts, r.describe()))
    t.ok(run.count("SELECT count(*) FROM users WHERE username = ?", name) == 1,
         "DELETE /api/users/me: the throttled account still exists")


# --- 3. quotas ----------------------------------------------------------------------------------

def quotas(run):
    t, c = run.t, run.c
    name, tok = run.signup("quota")
    uid = run.count("SELECT id FROM users WHERE username = ?", name)

    # Posts: 4 an hour here.
    sts = [c.post("/api/channels/1/posts", {"title": "t%d" % i, "body": "b"}, token=tok).status
           for i in range(4)]
    r = c.post("/api/channels/1/posts", {"title": "t5", "body": "b"}, token=tok)
    t.ok(sts == [201] * 4 and limited(r) and "4 posts an hour" in r.json["error"]["message"],
         "posts: the 5th within the hour gets 429 rate_limited with Retry-After (4 an hour here)",
         "%s then %s" % (sts, r.describe()))
    t.ok(run.count("SELECT count(*) FROM posts WHERE user_id = ?", uid) == 4, "posts: ... and 4 are stored")

    # Review writes: 3 an hour, creations and edits together.
    r = c.post("/api/parks/5/reviews", {"stars": 4, "title": "Good", "body": "Nice."}, token=tok)
    rid = r.json["id"] if r.status == 201 else 0
    sts = [r.status] + [c.patch("/api/reviews/%d" % rid, {"body": "Edit %d" % i}, token=tok).status
                        for i in range(2)]
    r = c.patch("/api/reviews/%d" % rid, {"body": "one edit too many"}, token=tok)
    body = run.count("SELECT body FROM ratings WHERE id = ?", rid)
    t.ok(sts == [201, 200, 200] and limited(r) and body == "Edit 1",
         "reviews: a creation and 2 edits, then the 3rd edit in the hour gets 429 and changes nothing",
         "%s then %s; body %r" % (sts, r.describe(), body))

    # Reports: 2 a day.
    _, other = run.signup("author")
    rids = []
    for park in (6, 7, 8):
        rr = c.post("/api/parks/%d/reviews" % park, {"stars": 2, "title": "Meh", "body": "Meh."},
                    token=other)
        rids.append(rr.json["id"])
    sts = [c.post("/api/reviews/%d/reports" % i, {"reason": "spam"}, token=tok).status for i in rids]
    t.ok(sts[:2] == [201, 201] and sts[2] == 429 and
         run.count("SELECT count(*) FROM reports WHERE user_id = ?", uid) == 2,
         "reports: the 3rd in a day gets 429 (2 a day here), 2 stored", str(sts))

    # Saved places: at most 3 kept, 5 saved an hour.
    place = {"latitude": 44.0, "longitude": -110.0}
    sts = [c.post("/api/users/me/locations", dict(place, label="p%d" % i), token=tok).status
           for i in range(3)]
    r = c.post("/api/users/me/locations", dict(place, label="p3"), token=tok)
    t.ok(sts == [201] * 3 and r.status == 409 and r.json["error"]["code"] == "limit_reached" and
         run.count("SELECT count(*) FROM locations WHERE user_id = ?", uid) == 3,
         "saved places: the 4th kept place gets 409 limit_reached (3 here), 3 stored", r.describe())
    ids = [row for row in c.get("/api/users/me/locations", token=tok).json["items"]]
    seq = []
    for i in range(3):  # delete one, save one: the 4th and 5th saves pass, the 6th is over the hour's 5
        c.delete("/api/users/me/locations/%d" % ids[i]["id"], token=tok)
        seq.append(c.post("/api/users/me/locations", dict(place, label="q%d" % i), token=tok))
    t.ok([x.status for x in seq[:2]] == [201, 201] and limited(seq[2]),
         "saved places: after deleting, saves pass until the hour's quota (5 here), then 429",
         str([x.status for x in seq]))

    # Conversations: at most 3 kept, 4 a day. Chat is off on this stack: 503 before any limit.
    r = c.post("/api/chat/conversations", {}, token=tok)
    t.ok(r.status == 503 and r.json["error"]["code"] == "chat_unavailable",
         "conversations: (chat is off on this stack: 503 chat_unavailable; chat() tests the limits)")

    # Quiz results: 2 an hour.
    quiz = c.get("/api/quiz").json
    answers = {q["id"]: q["options"][0]["id"] for q in quiz["questions"]}
    sts = [c.post("/api/quiz/results", {"answers": answers}, token=tok).status for _ in range(3)]
    t.ok(sts == [201, 201, 429] and run.count("SELECT count(*) FROM quiz_results WHERE user_id = ?", uid) == 2,
         "quiz results: the 3rd in an hour gets 429 (2 here), 2 stored", str(sts))
    # Anonymous quiz answers store nothing and are not limited.
    sts = [c.post("/api/quiz/results", {"answers": answers}).status for _ in range(3)]
    t.ok(sts == [200] * 3, "quiz: anonymous answers (nothing stored) are not limited", str(sts))


def chat(run):
    """Conversation quotas and one upstream call in flight per camper (the fake Gemini stalls)."""
    tap, stack = run.t, run.stack
    c = run.c
    _, tok = run.signup("chatq")
    sts = [c.post("/api/chat/conversations", {}, token=tok) for _ in range(4)]
    tap.ok([r.status for r in sts[:3]] == [201] * 3 and sts[3].status == 409 and
           sts[3].json["error"]["code"] == "limit_reached",
           "conversations: the 4th kept one gets 409 limit_reached (3 here)", sts[3].describe())
    convs = [r.json["id"] for r in sts[:3]]
    c.delete("/api/chat/conversations/%d" % convs[0], token=tok)
    r4 = c.post("/api/chat/conversations", {}, token=tok)
    c.delete("/api/chat/conversations/%d" % convs[1], token=tok)
    r5 = c.post("/api/chat/conversations", {}, token=tok)
    tap.ok(r4.status == 201 and limited(r5), "conversations: after deleting, the 4th of the day passes "
           "and the 5th gets 429 (4 a day here)", "%s, %s" % (r4.status, r5.describe()))

    # One call in flight: a stalled message, then a second from the same camper.
    conv_a, conv_b = convs[2], r4.json["id"]
    first = []
    th = threading.Thread(target=lambda: first.append(
        c.post("/api/chat/conversations/%d/messages" % conv_a, {"text": "FAKE:STALL wait"},
               token=tok)))
    th.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(x["answer"] == "STALL" for x in stack.gemini.calls()):
        time.sleep(0.02)
    t0 = time.monotonic()
    second = c.post("/api/chat/conversations/%d/messages" % conv_b, {"text": "hello"}, token=tok)
    took = time.monotonic() - t0
    _, tok2 = run.signup("chatq2")
    conv2 = c.post("/api/chat/conversations", {}, token=tok2).json["id"]
    t1 = time.monotonic()
    other = c.post("/api/chat/conversations/%d/messages" % conv2, {"text": "hi"}, token=tok2)
    took_other = time.monotonic() - t1
    tap.ok(limited(second) and took < 1.0,
           "chat: a second message while the camper's first is upstream gets 429 at once (%.2f s)" % took,
           second.describe())
    tap.ok(other.status == 201 and took_other < 2.0,
           "chat: ... while another camper's message is answered (%.2f s)" % took_other, other.describe())
    th.join(30)
    again = c.post("/api/chat/conversations/%d/messages" % conv_b, {"text": "hello again"},
                   token=tok)
    tap.ok(first and first[0].status == 504 and again.status == 201,
           "chat: once the stalled call ended (504), the camper may send again (201)",
           "%s; %s" % (first[0].status if first else None, again.describe()))


# --- 4. the production nginx -----------------------------------------------------------------

def pipelined(prod, requests):
    """Sends the requests on one TLS connection to the production nginx at once; their statuses."""
    import socket
    import ssl
    from e2elib import parse_responses
    from e2e_ops import DOMAIN
    ctx = ssl.create_default_context(cafile=prod.dir + "/cert.pem")
    with socket.create_connection(("127.0.0.1", prod.https), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname=DOMAIN) as s:
            s.sendall(b"".join(requests))
            buf, got = b"", []
            while len(got) < len(requests):
                data = s.recv(65536)
                if not data:
                    break
                buf += data
                out, buf = parse_responses(buf)
                got += [r.status for r in out]
    return got


def prod_nginx(run):
    from e2e_ops import DOMAIN, Prod
    t = run.t
    prod = Prod(run.stack)
    try:
        why = prod.start()
        if why is not None:
            t.ok(False, "the production nginx starts", why)
            return
        _, tok = run.signup("prod")
        auth = "Authorization: Bearer " + tok
        for method, path, body in (("PATCH", "/api/users/me", '{"display_name":"x"}'),
                                   ("DELETE", "/api/users/me", '{"password":"wrong"}'),
                                   ("POST", "/api/session", '{"username":"x","password":"y"}')):
            got = [prod.curl(path, method, headers=(auth,), body=body) for _ in range(8)]
            lim = [g for g in got if g[0] == 429]
            t.ok(lim and all('"code":"rate_limited"' in g[2] and g[1].get("retry-after") for g in lim),
                 "prod nginx: %s %s is rate-limited per address (429 rate_limited in the JSON envelope "
                 "after its burst)" % (method, path), str([g[0] for g in got]))
        # Writes: 5 a second with a burst of 30 per address. The password routes above were writes
        # too: wait until the burst is whole again (30 at 5 a second), then 60 requests pipelined
        # on one TLS connection arrive at once, however slow the machine is.
        time.sleep(7)
        got = pipelined(prod, [b"POST /api/users/me/locations HTTP/1.1\r\nHost: %s\r\nContent-Type: "
                               b"application/json\r\nContent-Length: 2\r\n\r\n{}" % DOMAIN.encode()] * 60)
        t.ok(got.count(429) >= 20 and got.count(401) >= 30 and got.count(401) + got.count(429) == 60,
             "prod nginx: writes from one address are limited after their burst (30): %d x 401, %d x 429"
             % (got.count(401), got.count(429)))
        st, _, _ = prod.curl("/api/parks")
        t.ok(st == 200, "prod nginx: ... while reads from that address are not")
    finally:
        prod.stop()


def on_stack(tap, env, parts, gemini=False):
    """Runs each part on one stack started as scripts/run does, with `env` as its settings; a part
    that breaks is reported and the others still run."""
    stack = Stack(REPO, workers=2, gemini=gemini, env=env)
    try:
        why = stack.start(timeout=60)
        if why is not None:
            tap.ok(False, "the stack starts", why + "\n" + stack.logs())
            return
        run = Run(tap, stack)
        for part in parts:
            try:
                part(run)
            except Exception as e:
                tap.ok(False, "%s ran to the end" % getattr(part, "__name__", "a part"), repr(e))
    finally:
        stack.stop()
        stack.cleanup()


def main():
    quick = "--quick" in sys.argv[1:]
    tap = Tap()
    on_stack(tap, UNTHROTTLED, [lambda run: flood(run, quick)])
    on_stack(tap, LIMITS, [throttle, account_throttle, quotas, prod_nginx])
    on_stack(tap, LIMITS, [chat], gemini=True)
    tap.plan()
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
