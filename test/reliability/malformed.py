#!/usr/bin/env python3
"""test/reliability/malformed.py [--quick] [--count N]: mutated HTTP requests through nginx
(R9 in docs/reliability.md).

Starts the stack as scripts/run does, on the build in FROSTBYTE_BUILD_DIR (scripts/test: the ASan +
UBSan build), and sends N requests (20 000; --quick: 600) made by mutating valid ones: flipped,
inserted, deleted and repeated bytes, cut requests, wrong Content-Length, chunked bodies, odd
methods, long and duplicated headers, bodies that are almost JSON. Checked: no answer is a 5xx
(nginx or the app), no worker crashed (the pool's pids are the same at the end), and the app's
log holds no sanitizer report. Prints TAP and the count of answers by status.

Python 3 standard library only; loopback only."""

import os
import random
import re
import socket
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from e2elib import Client, Stack, Tap  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def templates(token):
    auth = "Authorization: Bearer %s\r\n" % token
    body = b'{"stars":4,"title":"Quiet","body":"Cold nights.","visited_on":"2025-07","camper_type":"tent"}'
    loc = b'{"label":"camp","latitude":44.5,"longitude":-110.5,"note":"by the lake"}'
    out = [
        b"GET /api/parks?q=zion&state=UT&limit=5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /api/parks/12/reviews?sort=helpful&stars=5&cursor=bmV3ZXN0OjA6MTI HTTP/1.1\r\nHost: x\r\n"
        b"Connection: close\r\n\r\n",
        ("GET /api/users/me HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n" % auth).encode(),
        ("POST /api/parks/3/reviews HTTP/1.1\r\nHost: x\r\n%sContent-Type: application/json\r\n"
         "Content-Length: %d\r\nConnection: close\r\n\r\n" % (auth, len(body))).encode() + body,
        ("POST /api/users/me/locations HTTP/1.1\r\nHost: x\r\n%sContent-Type: application/json\r\n"
         "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n%x\r\n" % (auth, len(loc))).encode()
        + loc + b"\r\n0\r\n\r\n",
        ("PUT /api/parks/5/rating HTTP/1.1\r\nHost: x\r\nCookie: frostbyte_session=%s\r\nOrigin: http://x\r\n"
         "Content-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"stars\":3}"
         % token).encode(),
        b"PATCH /api/reviews/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
        b"Connection: close\r\n\r\n{}",
    ]
    return out


def mutate(rnd, req):
    b = bytearray(req)
    for _ in range(rnd.randint(1, 6)):
        op = rnd.randrange(9)
        i = rnd.randrange(len(b)) if b else 0
        if op == 0 and b:
            b[i] = rnd.randrange(256)
        elif op == 1:
            b[i:i] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 8)))
        elif op == 2 and b:
            del b[i:i + rnd.randint(1, 16)]
        elif op == 3 and b:
            j = rnd.randrange(len(b))
            b[i:i] = b[j:j + rnd.randint(1, 64)] * rnd.randint(1, 40)
        elif op == 4:
            b = b[:rnd.randrange(len(b) + 1)]
        elif op == 5:
            b = re.sub(rb"Content-Length: \d+", b"Content-Length: %d" % rnd.choice((0, 1, 99, 70000, 2**40)), bytes(b))
            b = bytearray(b)
        elif op == 6:
            k = bytes(b).find(b"\r\n")
            if k > 0:
                b[k:k] = b"\r\nX-Long: " + b"a" * rnd.choice((100, 5000, 20000))
        elif op == 7:
            b = bytearray(re.sub(rb"^[A-Z]+", rnd.choice((b"GET", b"DELETE", b"OPTIONS", b"BREW", b"get", b"")),
                                 bytes(b)))
        elif op == 8:
            for tok in (b"%00", b"%ff", b"..%2f", b"\xc3\x28", b'\\u0000', b"//", b"?&&="):
                if rnd.random() < 0.3:
                    b[i:i] = tok
    return bytes(b)


def send(port, data):
    """Sends raw bytes; returns the status of the first answer, or None when nginx just closed."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        buf = b""
        while len(buf) < 12:
            try:
                chunk = s.recv(4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    m = re.match(rb"HTTP/1\.[01] (\d{3})", buf)
    return int(m.group(1)) if m else None


def main():
    args = sys.argv[1:]
    count = 600 if "--quick" in args else 20000
    if "--count" in args:
        count = int(args[args.index("--count") + 1])
    tap = Tap()
    stack = Stack(REPO, workers=2)
    try:
        why = stack.start(timeout=60)
        if why is not None:
            tap.ok(False, "the stack starts", why + "\n" + stack.logs())
            tap.plan()
            return 1
        c = Client(stack.port)
        r = c.post("/api/users", {"username": "mutant", "display_name": "M", "password": "correct horse battery"})
        token = r.json["token"] if r.status == 201 else "x.y.z"
        pids = stack.app_worker_pids()
        rnd = random.Random(1234)
        reqs = templates(token)
        statuses = {}
        for _ in range(count):
            st = send(stack.port, mutate(rnd, rnd.choice(reqs)))
            statuses[st] = statuses.get(st, 0) + 1
        shown = ", ".join("%s: %d" % (k if k else "closed", v)
                          for k, v in sorted(statuses.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))
        tap.diag("%d mutated requests; answers by status: %s" % (count, shown))
        fives = {k: v for k, v in statuses.items() if k is not None and k >= 500}
        tap.ok(not fives, "no 5xx answer to %d mutated requests" % count, repr(fives))
        tap.ok(stack.app_worker_pids() == pids, "no worker crashed (the pools' pids are unchanged)",
               "before %s after %s" % (sorted(pids), sorted(stack.app_worker_pids())))
        log = stack.app_log()
        bad = [l for l in log.splitlines() if re.search(r"Sanitizer|runtime error|Segmentation|Aborted|bug:", l)]
        tap.ok(not bad, "the app's log holds no sanitizer report and no bug line", "\n".join(bad[:10]))
        tap.ok(c.get("/api/health").status == 200, "the API still answers")
    finally:
        stack.stop()
        stack.cleanup()
    tap.plan()
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
