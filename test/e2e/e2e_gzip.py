"""End-to-end tests of compression (nginx-conf/gzip.conf): JSON answers and text assets of 1 KiB or
more come gzip-compressed to a client that accepts it; answers that carry a session token never do."""

import gzip
import json

from checks import test


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
