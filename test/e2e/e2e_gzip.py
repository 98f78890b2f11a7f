"""End-to-end tests of compression (nginx-conf/gzip.conf): JSON answers and text assets of 1 KiB or
more come gzip-compressed to a client that accepts it; answers that carry a session token never do."""

import gzip
import json

from checks import test
from e2e_microcache import cache_status, start_of_second
from e2e_ops import scrape, req_key


@test
def gzip_answers(ctx):
    c = ctx.c
    plain = c.get("/api/parks?limit=50")
    r = c.get("/api/parks?limit=50", headers={"Accept-Encoding": "gzip"})
    body = gzip.decompress(r.body) if r.header("Content-Encoding") == "gzip" else b""
    ctx.ok(r.status == 200 and r.header("Content-Encoding") == "gzip" and "Accept-Encoding" in (r.header("Vary") or "")
           and json.loads(body) == json.loads(plain.body) and len(r.body) < len(plain.body) / 3,
           "a JSON answer over 1 KiB comes gzip-compressed to a client that accepts it (%d -> %d bytes), "
           "with Vary: Accept-Encoding" % (len(plain.body), len(r.body)), r.describe(200))
    ctx.ok(plain.header("Content-Encoding") is None, "... and plain to one that does not")
    css = c.get("/style.css", headers={"Accept-Encoding": "gzip"})
    ctx.ok(css.status == 200 and css.header("Content-Encoding") == "gzip", "the site's stylesheet comes compressed")
    small = c.get("/api/health", headers={"Accept-Encoding": "gzip"})
    ctx.ok(small.header("Content-Encoding") is None, "an answer under 1 KiB is sent as it is")
    # The longest display name the API takes, in 4-byte characters: the token answer stays under
    # the 1 KiB that compression starts at.
    name = ctx.name("gz")
    up = c.post("/api/users", {"username": name, "display_name": "\U0001F332" * 64, "password": "a long password 1"},
                headers={"Accept-Encoding": "gzip"})
    inn = c.post("/api/session", {"username": name, "password": "a long password 1"},
                 headers={"Accept-Encoding": "gzip"})
    ctx.ok(up.status == 201 and inn.status == 200 and up.header("Content-Encoding") is None and
           inn.header("Content-Encoding") is None and "token" in up.json and len(up.body) < 1024,
           "answers that carry a token (sign-up, sign-in, with the longest display name: %d bytes) are "
           "never compressed" % len(up.body), "%s / %s" % (up.header("Content-Encoding"), inn.header("Content-Encoding")))


@test
def gzip_public_copies(ctx):
    """A public page is compressed once, by the app, and nginx's micro-cache keeps that copy for every
    reader who takes gzip, however the browser spells it; a reader who does not gets the plain copy."""
    c = ctx.c
    path = "/api/parks?limit=47&sort=name"  # read by no other test: cold until here
    _, before = scrape(ctx)
    start_of_second()  # the copies last to the end of their second: the second readers come within it
    g1 = c.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    g2 = c.get(path, headers={"Accept-Encoding": "br, GZIP"})
    p1 = c.get(path)
    p2 = c.get(path, headers={"Accept-Encoding": "gzip;q=0, identity"})
    _, after = scrape(ctx)
    key = req_key("/api/parks", "GET", "2xx")
    upstream = after.get(key, 0) - before.get(key, 0)
    body = gzip.decompress(g1.body) if g1.header("Content-Encoding") == "gzip" else b""
    ctx.ok(g1.status == 200 and g1.header("Content-Encoding") == "gzip" and
           "Accept-Encoding" in (g1.header("Vary") or "") and p1.status == 200 and
           json.loads(body) == json.loads(p1.body) and len(g1.body) < len(p1.body) / 3,
           "an anonymous reader who takes gzip gets the public page compressed once (%d -> %d bytes), "
           "with Vary: Accept-Encoding" % (len(p1.body), len(g1.body)), g1.describe(200))
    ctx.ok(cache_status(g2) == "HIT" and g2.header("Content-Encoding") == "gzip" and g2.body == g1.body,
           "another spelling of Accept-Encoding gets the same compressed copy from the cache",
           "%s %s" % (cache_status(g2), g2.header("Content-Encoding")))
    ctx.ok(p1.header("Content-Encoding") is None and cache_status(p1) in ("MISS", "EXPIRED") and
           cache_status(p2) == "HIT" and p2.header("Content-Encoding") is None and p2.body == p1.body,
           "a reader who does not take gzip (none said, or gzip;q=0) gets the plain copy, kept apart",
           "%s %s / %s %s" % (cache_status(p1), p1.header("Content-Encoding"), cache_status(p2),
                              p2.header("Content-Encoding")))
    ctx.ok(upstream == 2, "the pool answered twice: once for each copy (%d)" % upstream)
    token = ctx.c.post("/api/users", {"username": ctx.name("gzs"), "display_name": "Gz",
                                      "password": "a long password 1"}).json["token"]
    mine = c.get(path, token=token, headers={"Accept-Encoding": "gzip"})
    body = gzip.decompress(mine.body) if mine.header("Content-Encoding") == "gzip" else b""
    ctx.ok(cache_status(mine) == "BYPASS" and json.loads(body) == json.loads(p1.body),
           "a signed-in reader, whom the micro-cache passes by, gets the page compressed once (by the "
           "app, which keeps that form in its answer cache)", mine.describe(200))
