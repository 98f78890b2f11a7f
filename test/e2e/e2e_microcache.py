"""End-to-end tests of nginx's micro-cache (nginx-conf/micro-cache*.conf): anonymous readers of
public routes are answered from a copy up to a second old; a signed-in camper never is."""

import math
import os
import re
import threading
import time

from checks import test
from checks import REPO
from e2e_ops import scrape, req_key
from e2elib import Client


def cache_status(r):
    return r.header("X-Cache-Status")


def start_of_second():
    """Waits for the wall clock's next whole second: nginx keeps a copy's expiry in whole seconds."""
    now = time.time()
    time.sleep(math.ceil(now) - now + 0.02)


def new_token(ctx, tag):
    r = ctx.c.post("/api/users", {"username": ctx.name(tag), "display_name": "Cache",
                                  "password": "a long password 1"})
    if r.status != 201:
        raise RuntimeError("sign-up failed: " + r.describe())
    return r.json["token"]


@test
def micro_cache_rules(ctx):
    c = ctx.c
    path = "/api/parks?limit=37&sort=name"
    start_of_second()  # r1's copy lasts to the end of its second: r2 must come within it
    r1, r2 = c.get(path), c.get(path)
    ctx.ok(r1.status == 200 and r1.header("Cache-Control") == "public, max-age=0, s-maxage=1" and
           cache_status(r1) in ("MISS", "EXPIRED") and cache_status(r2) == "HIT" and r1.body == r2.body,
           "an anonymous public GET says Cache-Control: public, max-age=0, s-maxage=1 (nginx keeps it a "
           "second, a browser asks again); the next one is a HIT with "
           "the same body", "%s %s / %s" % (r1.header("Cache-Control"), cache_status(r1), cache_status(r2)))
    ctx.ok(r2.header("Set-Cookie") is None, "a cached answer carries no Set-Cookie")
    ctx.ok(r1.header("X-Accel-Expires") is None and r2.header("X-Accel-Expires") is None,
           "the app's X-Accel-Expires (the copy's end, for nginx) never reaches the client",
           "%s / %s" % (r1.header("X-Accel-Expires"), r2.header("X-Accel-Expires")))
    token = new_token(ctx, "mcrules")
    rb = c.get(path, token=token)
    rc = c.get(path, cookie=token)
    ctx.ok(cache_status(rb) == "BYPASS" and cache_status(rc) == "BYPASS" and
           rb.header("Cache-Control") == "private, no-store" and rc.header("Cache-Control") == "private, no-store",
           "with an Authorization header or the session cookie: BYPASS, and the app says private, no-store",
           "%s %s / %s %s" % (cache_status(rb), rb.header("Cache-Control"), cache_status(rc),
                              rc.header("Cache-Control")))
    h1, h2 = c.get("/api/health"), c.get("/api/health")
    ctx.ok(h1.header("Cache-Control") == "private, no-store" and cache_status(h2) == "BYPASS",
           "a route that is not public (GET /api/health) says private, no-store and passes by the cache",
           "%s %s" % (h1.header("Cache-Control"), cache_status(h2)))
    nf1, nf2 = c.get("/api/parks/no-such-park"), c.get("/api/parks/no-such-park")
    ctx.ok(nf1.status == 404 and nf1.header("Cache-Control") == "private, no-store" and cache_status(nf2) == "MISS",
           "a public route's 404 is not kept", "%s %s" % (nf1.header("Cache-Control"), cache_status(nf2)))
    hp = "/api/parks?limit=38&sort=name"
    head = c.request("HEAD", hp)
    got = c.get(hp)
    ctx.ok(head.status == 200 and not head.body and got.status == 200 and len(got.body) > 100,
           "a HEAD answer (no body) is kept apart from the GET answer", "GET body %d bytes" % len(got.body))
    m = c.get("/api/cache/metrics")
    ctx.ok(m.status == 200 and 'frostbyte_nginx_cache_requests_total{status="HIT"}' in m.body.decode() and
           'frostbyte_nginx_cache_requests_total{status="BYPASS"}' in m.body.decode(),
           "GET /api/cache/metrics counts the micro-cache's answers by status (HIT, MISS, BYPASS, STALE...)",
           m.describe())
    _, counts = scrape(ctx, "/api/cache/metrics")
    ctx.ok(counts.get('frostbyte_nginx_cache_requests_total{status="HIT"}', 0) >= 1 and
           counts.get('frostbyte_nginx_cache_requests_total{status="BYPASS"}', 0) >= 2,
           "... with the hits and bypasses of this test among them", str(counts))


def get_routes():
    """The GET routes of the app's route table (fcgi-app/router.c): (pattern, public?)."""
    with open(os.path.join(REPO, "fcgi-app", "router.c")) as f:
        rows = re.findall(r'\{\s*M_GET,\s*"([^"]+)",\s*\w+,\s*([^}]*)\}', f.read())
    return [(pattern, "R_PUBLIC" in flags) for pattern, flags in rows]


@test
def micro_cache_follows_route_table(ctx):
    """nginx's list of public routes (micro-cache.conf) is the route table's: a route the app may
    let be kept goes through the cache, and any other passes by it, so that its anonymous
    readers never wait on the cache lock for an answer that cannot be stored."""
    routes = get_routes()
    wrong = []
    for pattern, public in routes:
        path = re.sub(r":\w+", "1", pattern)
        r = ctx.c.get(path)
        passed_by = cache_status(r) in (None, "BYPASS")
        if passed_by == public:
            wrong.append("%s (public %s): X-Cache-Status %s" % (path, public, cache_status(r)))
    ctx.ok(len(routes) > 20 and sum(p for _, p in routes) >= 10 and not wrong,
           "every public GET route of the route table goes through nginx's micro-cache and every other "
           "GET route passes by it (%d routes)" % len(routes), "\n".join(wrong) or str(routes))
    threads, results = [], []

    def health():
        results.append(Client(ctx.c.port).get("/api/health"))
    for _ in range(16):
        threads.append(threading.Thread(target=health))
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ctx.ok(len(results) == 16 and all(r.status == 200 and cache_status(r) == "BYPASS" for r in results),
           "16 anonymous health checks at once all pass by the cache (none waits on its lock)",
           "%s in %.2f s" % ([(r.status, cache_status(r)) for r in results], time.monotonic() - t0))


@test
def micro_cache_freshness(ctx):
    """The camper who writes sees it at once; anonymous readers within a second, even when the copy
    they read was made at the start of a second (with s-maxage=1 alone nginx kept that one to the
    end of the next second: 2 s)."""
    c = ctx.c
    token = new_token(ctx, "mcfresh")
    park = 41
    path = "/api/parks/%d/reviews?limit=19" % park  # read by no other test: cold until here
    start_of_second()
    for _ in range(3):
        c.get(path)  # warm: anonymous readers now get the copy
    r = c.post("/api/parks/%d/reviews" % park, {"stars": 4, "title": "Fresh", "body": "Seen at once?"},
               token=token)
    rid = r.json["id"] if r.status == 201 else None
    t0 = time.monotonic()
    mine = c.get(path, token=token)
    ctx.ok(rid and rid in [v["id"] for v in mine.json["items"]],
           "a signed-in camper sees their new review at once", mine.describe())
    seen = None
    while time.monotonic() - t0 < 5:
        if rid in [v["id"] for v in c.get(path).json["items"]]:
            seen = time.monotonic() - t0
            break
        time.sleep(0.05)
    ctx.ok(seen is not None and seen < 1.5,
           "anonymous readers see it within a second, as the copy ends with its second (%.2f s)"
           % (seen if seen is not None else -1))
    c.delete("/api/reviews/%d" % rid, token=token)
    c.delete("/api/parks/%d/rating" % park, token=token)


@test
def micro_cache_herd(ctx):
    """200 anonymous readers at once on a cold key, some reading on across second boundaries: one
    request reaches the pool per second."""
    path = "/api/parks?limit=41&sort=name"
    time.sleep(3.5)  # past inactive=3s: the key is cold even if a test read it
    _, before = scrape(ctx)
    start = threading.Barrier(200)
    statuses = []
    lock = threading.Lock()

    def reader():
        cl = Client(ctx.stack.port, timeout=30)
        start.wait()
        r = cl.get(path)
        with lock:
            statuses.append(r.status)
    def keep_reading():  # then readers all the time, across second boundaries
        cl = Client(ctx.stack.port, timeout=30)
        start.wait()
        while time.monotonic() - t0 < 3.2:
            r = cl.get(path)
            with lock:
                statuses.append(r.status)
    threads = [threading.Thread(target=reader) for _ in range(192)]
    threads += [threading.Thread(target=keep_reading) for _ in range(8)]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    took = time.monotonic() - t0
    _, after = scrape(ctx)
    key = req_key("/api/parks", "GET", "2xx")
    upstream = after.get(key, 0) - before.get(key, 0)
    ctx.ok(len(statuses) > 200 and set(statuses) == {200} and 1 <= upstream <= math.ceil(took) + 1,
           "200 readers at once on a cold public key, 8 of them reading on for 3 s: all %d answers "
           "200, and %d request(s) reached the pool in %.1f s (one per key per second)"
           % (len(statuses), upstream, took), "statuses %s" % sorted(set(statuses)))
