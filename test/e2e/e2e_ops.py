"""End-to-end tests of operations: /api/metrics across a pool's workers, the production
nginx configuration over HTTPS on loopback high ports, the systemd units, online backup under a
writing load and restore, frostbyte-ctl on damaged or outdated databases, and scripts/deploy into
a disposable root, rollback included.

Imported by run.py; the tests use the suite's stack (its pools' sockets) where they need the app.
"""

import concurrent.futures
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time

from checks import REPO, ctl, must, test  # noqa: F401
from e2elib import free_port

BUILD = os.environ.get("FROSTBYTE_BUILD_DIR", os.path.join(REPO, "build"))


# --- metrics --------------------------------------------------------------------------------

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$')


def scrape(ctx, path="/api/metrics"):
    r = ctx.c.get(path)
    if r.status != 200:
        raise RuntimeError("%s answered %s" % (path, r.describe()))
    samples = {}
    for line in r.body.decode().splitlines():
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        if not m:
            raise RuntimeError("not a Prometheus sample line: %r" % line)
        samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return r, samples


def req_key(route, method, status):
    return 'frostbyte_http_requests_total{route="%s",method="%s",status="%s"}' % (route, method, status)


def count_key(route, method):
    return 'frostbyte_http_request_duration_seconds_count{route="%s",method="%s"}' % (route, method)


@test
def metrics_counted_across_workers(ctx):
    """A known sequence of requests, sent 8 at a time so that the 3 api workers all serve some:
    the pool's counters move by exactly that sequence, whichever worker answers the scrape."""
    c = ctx.c
    _, before = scrape(ctx)
    plan = ([("GET", "/api/parks", 200)] * 30 + [("GET", "/api/health", 200)] * 20 +
            [("GET", "/api/parks/no-such-park", 404)] * 7 + [("GET", "/api/nothing/here", 404)] * 5 +
            [("GET", "/api/users/me", 401)] * 4)

    # Signed in for the park lists: nginx's micro-cache answers anonymous ones itself, and this
    # counts what the pool serves.
    reader = c.post("/api/users", {"username": ctx.name("metrics"), "display_name": "Metrics",
                                   "password": "a long password 1"}).json["token"]

    def one(item):
        method, path, status = item
        r = c.request(method, path, body="{}" if method == "POST" else None,
                      token=reader if path == "/api/parks" else None)
        return r.status == status

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        results = list(ex.map(one, plan))
    ctx.ok(all(results), "the %d requests of the sequence got their expected statuses" % len(plan))
    r, after = scrape(ctx)
    want = {
        req_key("/api/parks", "GET", "2xx"): 30,
        req_key("/api/health", "GET", "2xx"): 20,
        req_key("/api/parks/:park", "GET", "4xx"): 7,
        'frostbyte_http_requests_total{route="none",method="none",status="4xx"}': 5,
        req_key("/api/users/me", "GET", "4xx"): 4,
        req_key("/api/metrics", "GET", "2xx"): 1,  # the first scrape
        count_key("/api/parks", "GET"): 30,
        count_key("/api/health", "GET"): 20,
    }
    got = {k: after.get(k, 0) - before.get(k, 0) for k in want}
    ctx.ok(got == want, "GET /api/metrics: the counters moved by exactly the sequence (requests by "
           "route pattern and status class, histogram counts), summed over the pool's workers",
           lambda: "\n".join("%s: want %s got %s" % (k, want[k], got[k]) for k in want))
    # The sequence really was spread: several workers' pids are on its log lines (the log has
    # the worker's pid on every request line).
    with open(os.path.join(ctx.stack.data, "log", "api.log")) as f:
        tail_lines = f.read().splitlines()[-len(plan) - 2:]
    pids = set(re.findall(r" (?:/api/parks|/api/health) 200 \S+ user=- pid=(\d+)", "\n".join(tail_lines)))
    ctx.ok(len(pids) >= 2, "the sequence was served by %d different workers of the pool, and the one "
           "that answered the scrape counted them all" % len(pids), "\n".join(tail_lines[-5:]))
    # Cacheable GETs: the 30 park lists and the 7 unknown parks (a 404 is looked up, never kept).
    # Each worker builds the list once at most; the rest come from its cache.
    hits = after.get('frostbyte_cache_lookups_total{result="hit"}', 0) - \
        before.get('frostbyte_cache_lookups_total{result="hit"}', 0)
    misses = after.get('frostbyte_cache_lookups_total{result="miss"}', 0) - \
        before.get('frostbyte_cache_lookups_total{result="miss"}', 0)
    ctx.ok(hits + misses == 37 and hits >= 30 - ctx.stack.workers,
           "frostbyte_cache_lookups_total: 37 cacheable GETs looked up, at least %d of the 30 park "
           "lists answered from a worker's cache" % (30 - ctx.stack.workers), "hits %s, misses %s" % (hits, misses))
    ctx.ok((r.header("Content-Type") or "") == "text/plain; version=0.0.4; charset=utf-8",
           "metrics Content-Type is text/plain; version=0.0.4; charset=utf-8", r.header("Content-Type"))
    inf = after.get('frostbyte_http_request_duration_seconds_bucket{route="/api/parks",method="GET",le="+Inf"}')
    ctx.ok(inf == after.get(count_key("/api/parks", "GET")),
           "the histogram's +Inf bucket equals its _count")
    _, chat = scrape(ctx, "/api/chat/metrics")
    ctx.ok(chat.get(req_key("/api/parks", "GET", "2xx"), 0) == 0 and
           'frostbyte_chat_upstream_requests_total{outcome="ok"}' in chat,
           "GET /api/chat/metrics: the chat pool's own counters (no api traffic in them, "
           "upstream calls by outcome)")
    # Writes go to the write pool (nginx's map by method and path): its own counters.
    _, w0 = scrape(ctx, "/api/write/metrics")
    for _ in range(3):
        c.request("POST", "/api/users/me/locations", body="{}")  # no token: 401, from the write pool
    # The routes that check passwords go to the auth pool: its own counters.
    _, a0 = scrape(ctx, "/api/auth/metrics")
    for path in ("/api/session", "/api/users"):
        c.request("POST", path, body="{}")                       # 400 missing_field, from the auth pool
    c.request("PATCH", "/api/users/me", body="{}")               # 401, from the auth pool
    _, w1 = scrape(ctx, "/api/write/metrics")
    _, a1 = scrape(ctx, "/api/auth/metrics")
    key = req_key("/api/users/me/locations", "POST", "4xx")
    ctx.ok(w1.get(key, 0) - w0.get(key, 0) == 3 and w1.get(req_key("/api/parks", "GET", "2xx"), 0) == 0 and
           w1.get(req_key("/api/session", "POST", "4xx"), 0) == 0,
           "GET /api/write/metrics: the write pool counted the 3 writes, and no read or sign-in",
           lambda: "%s: %s -> %s" % (key, w0.get(key), w1.get(key)))
    moved = {k: a1.get(k, 0) - a0.get(k, 0) for k in (req_key("/api/session", "POST", "4xx"),
                                                      req_key("/api/users", "POST", "4xx"),
                                                      req_key("/api/users/me", "PATCH", "4xx"))}
    ctx.ok(all(v == 1 for v in moved.values()) and a1.get(req_key("/api/parks", "GET", "2xx"), 0) == 0 and
           a1.get(key, 0) == 0,
           "GET /api/auth/metrics: the auth pool counted the sign-in, sign-up and account change, and "
           "no read or other write", lambda: str(moved))


@test
def metrics_promtool(ctx):
    if shutil.which("promtool") is None:
        ctx.ok(False, "promtool is installed (Debian package prometheus)")
        return
    for path in ("/api/metrics", "/api/chat/metrics", "/api/write/metrics"):
        r = ctx.c.get(path)
        p = subprocess.run(["promtool", "check", "metrics"], input=r.body, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        ctx.ok(r.status == 200 and p.returncode == 0 and not p.stdout.strip(),
               "promtool check metrics accepts %s with no complaint" % path,
               p.stdout.decode(errors="replace"))


# --- the FastCGI connection --------------------------------------------------------------------

def fcgi_request(path, params, body=b""):
    """One FastCGI request over the pool socket at path, as nginx sends it (request id 1, the
    connection closed by the app). Returns the connected socket, after the app's answer and its
    end of stream have been read, with the answer's bytes."""
    import socket
    import struct

    def record(kind, content):
        return struct.pack(">BBHHBB", 1, kind, 1, len(content), 0, 0) + content

    pairs = b"".join(bytes([len(k), len(v)]) + k.encode() + v.encode() for k, v in params.items())
    out = record(1, struct.pack(">HB5x", 1, 0)) + record(4, pairs) + record(4, b"")
    out += b"".join(record(5, body[i:i + 65535]) for i in range(0, len(body), 65535)) + record(5, b"")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(out)
    answer = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return s, answer
        answer += chunk


def peer_closed(s):
    """Whether the app closed its end of s entirely: a write then fails. An app that only shut its
    sending side (libfcgi's lingering close) still reads, so the write succeeds."""
    try:
        s.sendall(b"x" * 16)
        return False
    except (BrokenPipeError, ConnectionResetError):
        return True
    finally:
        s.close()


@test
def fastcgi_close(ctx):
    """A worker closes the connection as soon as its answer is sent once it has read the request
    to its end, rather than waiting for nginx to hang up first (libfcgi's lingering close held a
    worker, or a write pool thread, through nginx's turn round its event loop). A body the app did
    not read keeps the lingering close, so nginx is never reset while it still sends one."""
    run = os.path.join(ctx.stack.data, "run")
    get = {"REQUEST_METHOD": "GET", "DOCUMENT_URI": "/api/health", "QUERY_STRING": ""}
    s, answer = fcgi_request(os.path.join(run, "api.sock"), get)
    ctx.ok(b"Status: 200" in answer and peer_closed(s),
           "fastcgi: the api pool answers a GET and closes its end at once", answer[:200])
    body = b'{"stars": 4}'
    put = {"REQUEST_METHOD": "PUT", "DOCUMENT_URI": "/api/parks/1/rating", "QUERY_STRING": "",
           "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body))}
    s, answer = fcgi_request(os.path.join(run, "write.sock"), put, body)
    ctx.ok(b"Status: 401" in answer and peer_closed(s),
           "... the write pool too, after reading the request's body (401: no token)", answer[:200])
    big = b"x" * (200 * 1024)  # past every route's cap: answered 413 before anything reads it
    post = dict(put, REQUEST_METHOD="POST", DOCUMENT_URI="/api/parks/1/reviews",
                CONTENT_LENGTH=str(len(big)))
    s, answer = fcgi_request(os.path.join(run, "write.sock"), post, big)
    ctx.ok(b"Status: 413" in answer and not peer_closed(s),
           "... but a body it did not read (413) keeps the lingering close: the app still reads "
           "what comes", answer[:200])


# --- the production nginx configuration -------------------------------------------------------

DOMAIN = "frostbyte.test"
ALLOWED = "https://app.frostbyte.test"
SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'",
    "strict-transport-security": "max-age=63072000; includeSubDomains",
}


class Prod:
    """nginx with nginx-conf/prod.conf.in rendered by scripts/lib/deploy.sh's render_nginx for a
    test domain, a self-signed certificate from openssl, loopback high ports, and the suite's
    pools behind it."""

    def __init__(self, stack):
        self.dir = tempfile.mkdtemp(prefix="frostbyte-prod-")
        self.http, self.https = free_port(), free_port()
        self.stack = stack
        self.proc = None

    def sh(self, script, env):
        return subprocess.run(["bash", "-c", script], env=dict(os.environ, **env), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=60)

    def start(self):
        d = self.dir
        for sub in ("log", "tmp", "acme/.well-known/acme-challenge"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        with open(os.path.join(d, "acme/.well-known/acme-challenge/token123"), "w") as f:
            f.write("challenge-answer")
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                            "-subj", "/CN=" + DOMAIN, "-addext", "subjectAltName=DNS:" + DOMAIN,
                            "-keyout", d + "/key.pem", "-out", d + "/cert.pem"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        if p.returncode != 0:
            return "openssl: " + p.stdout.decode(errors="replace")
        env = dict(DOMAIN=DOMAIN, ORIGINS=ALLOWED + " https://" + DOMAIN, SITE=REPO + "/site",
                   PAGES=self.stack.data + "/pages",
                   RUNDIR=self.stack.data + "/run", CONFDIR=REPO + "/nginx-conf", ACME_ROOT=d + "/acme",
                   CERT=d + "/cert.pem", CERT_KEY=d + "/key.pem", LOGDIR=d + "/log",
                   HTTP_PORT=str(self.http), HTTPS_PORT=str(self.https), LISTEN="127.0.0.1:")
        p = self.sh('source "%s/scripts/lib/common.sh"; source "%s/scripts/lib/deploy.sh"; '
                    'render_nginx "%s/nginx-conf/prod.conf.in" "%s/frostbyte.conf"' % (REPO, REPO, REPO, d), env)
        if p.returncode != 0:
            return "render_nginx: " + p.stdout.decode(errors="replace")
        owner = os.stat(self.stack.data)
        import pwd
        import grp
        user = "user %s %s;" % (pwd.getpwuid(owner.st_uid).pw_name, grp.getgrgid(owner.st_gid).gr_name) \
            if os.getuid() == 0 else ""
        with open(d + "/nginx.conf", "w") as f:
            # As Debian's nginx.conf loads them: the modules the micro-cache needs (Lua).
            f.write("%s\nload_module /usr/lib/nginx/modules/ndk_http_module.so;\n"
                    "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/log/error.log warn;\n"
                    "events { worker_connections 256; }\nhttp {\n include /etc/nginx/mime.types;\n"
                    " client_body_temp_path %s/tmp/body; fastcgi_temp_path %s/tmp/fcgi;\n"
                    " proxy_temp_path %s/tmp/proxy; uwsgi_temp_path %s/tmp/uwsgi; scgi_temp_path %s/tmp/scgi;\n"
                    " include %s/frostbyte.conf;\n}\n" % ((user,) + (d,) * 8))
        self.t = subprocess.run(["nginx", "-t", "-p", d, "-c", d + "/nginx.conf"], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=30)
        if self.t.returncode != 0:
            return "nginx -t: " + self.t.stdout.decode(errors="replace")
        self.proc = subprocess.Popen(["nginx", "-p", d, "-c", d + "/nginx.conf", "-g", "daemon off;"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if self.curl("/api/health")[0] == 200:
                return None
            time.sleep(0.05)
        return "the production nginx did not answer /api/health over HTTPS"

    def curl(self, path, method="GET", headers=(), body=None, interface=None, scheme="https"):
        """(status, {lower-case name: [values]}, body) through curl with the test certificate."""
        port = self.https if scheme == "https" else self.http
        cmd = ["curl", "-sS", "-i", "--max-time", "10", "-X", method, "--cacert", self.dir + "/cert.pem",
               "--resolve", "%s:%d:127.0.0.1" % (DOMAIN, port), "%s://%s:%d%s" % (scheme, DOMAIN, port, path)]
        for h in headers:
            cmd += ["-H", h]
        if body is not None:
            cmd += ["--data-binary", "@-", "-H", "Content-Type: application/json"]
        if interface:
            cmd += ["--interface", interface]
        p = subprocess.run(cmd, input=(body or "").encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=20)
        if p.returncode != 0:
            return None, {}, p.stderr.decode(errors="replace")
        raw = p.stdout.decode("utf-8", "replace")
        head, _, rest = raw.partition("\r\n\r\n")
        lines = head.split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            hdrs.setdefault(name.strip().lower(), []).append(value.strip())
        return status, hdrs, rest

    def stop(self):
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def gzip_equals(path):
    import gzip
    with open(path, "rb") as f, gzip.open(path + ".gz") as z:
        return f.read() == z.read()


def site_versions(site):
    """The ?v= versions of every reference to the site's own style sheet and scripts, in its pages
    and between its modules, and the references that have none or name a missing file."""
    import re
    versions, bad = set(), []
    refs = {".html": re.compile(r'(?:href|src)="(/[^"]+\.(?:css|js)(?:\?[^"]*)?)"'),
            ".js": re.compile(r"(?:from|import)\s*\(?\s*'(\.{1,2}/[^']+)'")}
    for folder, _, files in os.walk(site):
        for name in files:
            pattern = refs.get(os.path.splitext(name)[1])
            if not pattern:
                continue
            with open(os.path.join(folder, name)) as f:
                for ref in pattern.findall(f.read()):
                    path, _, query = ref.partition("?")
                    target = os.path.normpath(os.path.join(site if path.startswith("/") else folder, path.lstrip("/")))
                    if not query.startswith("v=") or not os.path.isfile(target):
                        bad.append("%s: %s" % (name, ref))
                    versions.add(query)
    return versions, bad


def exact_security(hdrs):
    """Each security header present exactly once, with exactly the value that
    nginx-conf/security-headers.conf and hsts.conf set (docs/architecture.md, security rules)."""
    bad = ["%s: %r" % (k, hdrs.get(k)) for k, v in SECURITY.items() if hdrs.get(k) != [v]]
    return not bad, "\n".join(bad)


@test
def prod_nginx_https(ctx):
    prod = Prod(ctx.stack)
    try:
        why = prod.start()
        ctx.ok(why is None, "the production nginx configuration, rendered for %s with a test certificate, "
               "passes nginx -t and serves HTTPS on loopback" % DOMAIN, why)
        if why is not None:
            return
        st, h, body = prod.curl("/")
        good, diag = exact_security(h)
        ctx.ok(st == 200 and "<html" in body.lower() and good and h.get("server") == ["nginx"],
               "GET / over HTTPS: the site, the security headers and HSTS exact, Server: nginx "
               "(no version)", lambda: "%s\n%s\n%s" % (st, diag, h))
        st, h, body = prod.curl("/api/health")
        good, diag = exact_security(h)
        ctx.ok(st == 200 and '"status":"ok"' in body and good and "access-control-allow-origin" not in h,
               "GET /api/health over HTTPS: 200 from the api pool, headers exact, no CORS header "
               "without an Origin", lambda: "%s %s\n%s" % (st, body, diag))
        st, h, _ = prod.curl("/style.css?v=3")
        ctx.ok(st == 200 and h.get("cache-control") == ["public, max-age=31536000, immutable"],
               "a versioned static asset is cached for a year", str(h.get("cache-control")))
        st, h, _ = prod.curl("/style.css")
        ctx.ok(st == 200 and h.get("cache-control") == ["no-cache"] and exact_security(h)[0],
               "an unversioned one is revalidated (no-cache), with the security headers",
               str(h))
        st, h, _ = prod.curl("/api/parks?x=1", scheme="http")
        ctx.ok(st == 301 and h.get("location") == ["https://%s:%d/api/parks?x=1" % (DOMAIN, prod.https)],
               "plain HTTP is redirected (301) to the same address over HTTPS", str((st, h.get("location"))))
        st, h, body = prod.curl("/.well-known/acme-challenge/token123", scheme="http")
        ctx.ok(st == 200 and body == "challenge-answer",
               "port 80 serves the ACME challenge from the webroot (not redirected)", "%s %r" % (st, body))

        pre = ["Origin: " + ALLOWED, "Access-Control-Request-Method: POST",
               "Access-Control-Request-Headers: content-type"]
        st, h, _ = prod.curl("/api/session", method="OPTIONS", headers=pre)
        ctx.ok(st == 204 and h.get("access-control-allow-origin") == [ALLOWED]
               and h.get("access-control-allow-credentials") == ["true"] and h.get("vary") == ["Origin"]
               and "POST" in (h.get("access-control-allow-methods") or [""])[0]
               and exact_security(h)[0],
               "CORS preflight from an allowed origin: 204 by nginx, that origin, credentials, "
               "Vary: Origin, methods, security headers", str((st, h)))
        evil = ["Origin: https://evil.example", "Access-Control-Request-Method: POST"]
        st, h, _ = prod.curl("/api/session", method="OPTIONS", headers=evil)
        ctx.ok(st == 204 and not any(k.startswith("access-control-") for k in h),
               "CORS preflight from another origin: no Access-Control-* header at all (refused)",
               str((st, h)))
        st, h, _ = prod.curl("/api/parks", headers=["Origin: " + ALLOWED])
        # Vary: Origin from cors.conf; Accept-Encoding from gzip.conf (the answer may be compressed).
        ctx.ok(st == 200 and h.get("access-control-allow-origin") == [ALLOWED] and
               sorted(h.get("vary", [])) == ["Accept-Encoding", "Origin"],
               "an API answer to an allowed origin carries Access-Control-Allow-Origin and Vary: Origin", str(h))
        st, h, _ = prod.curl("/api/parks", headers=["Origin: https://evil.example"])
        ctx.ok(st == 200 and "access-control-allow-origin" not in h and "access-control-allow-credentials" not in h,
               "... and to another origin, none", str(h))

        st, _, body = prod.curl("/api/metrics")
        ctx.ok(st == 200 and "frostbyte_http_requests_total" in body,
               "/api/metrics from 127.0.0.1: 200, the counters", "%s %s" % (st, body[:200]))
        st, h, body = prod.curl("/api/metrics", interface="127.0.0.2")
        st2, _, body2 = prod.curl("/api/chat/metrics", interface="127.0.0.2")
        st3, _, body3 = prod.curl("/api/write/metrics", interface="127.0.0.2")
        ctx.ok(st == 403 and '"code":"forbidden"' in body and st2 == 403 and "frostbyte_" not in body2 and
               st3 == 403 and "frostbyte_" not in body3,
               "/api/metrics, /api/chat/metrics and /api/write/metrics from source address 127.0.0.2: 403 JSON, no counters "
               "(the rule is on the connection's address, not on a header)", "%s %s / %s" % (st, body, st2))

        big = '{"x":"' + "a" * (65 * 1024) + '"}'
        st, _, body = prod.curl("/api/users", method="POST", body=big)
        ctx.ok(st == 413 and '"code":"payload_too_large"' in body, "a 65 KiB body: 413 JSON from nginx",
               "%s %s" % (st, body[:200]))

        rid = "prodcheck%s" % secrets.token_hex(4)
        st, _, _ = prod.curl("/api/parks?probe=" + rid)
        time.sleep(0.3)
        with open(prod.dir + "/log/frostbyte.access.json") as f:
            lines = [ln for ln in f if rid not in ln and '"uri":"/api/parks"' in ln]
        import json as _json
        last = _json.loads(lines[-1]) if lines else {}
        with open(os.path.join(ctx.stack.data, "log", "api.log")) as f:
            app = f.read()
        ctx.ok(re.fullmatch(r"[0-9a-f]{32}", last.get("req_id", "")) is not None
               and ("req=%s" % last.get("req_id")) in app and "probe" not in "".join(lines),
               "the JSON access log line's req_id is on the app's log line for that request "
               "(and the query string is not logged)", lambda: "%s" % last)

        # Rate limits: a fresh username each time, so the app itself never throttles (429 from
        # the app would say too_many_attempts, nginx says rate_limited).
        def burst(path, n, body_fn):
            out = []
            for _ in range(n):
                out.append(prod.curl(path, method="POST", body=body_fn()))
            return out
        login = burst("/api/session", 9, lambda: '{"username":"nobody%s","password":"wrong password"}'
                      % secrets.token_hex(3))
        limited = [r for r in login if r[0] == 429]
        ctx.ok(limited and all('"code":"rate_limited"' in r[2] and r[1].get("retry-after") for r in limited)
               and all(r[0] in (401, 429) for r in login) and exact_security(limited[0][1])[0],
               "POST /api/session: after the burst, 429 rate_limited in the JSON envelope with "
               "Retry-After and the security headers", lambda: str([(r[0], r[2][:80]) for r in login]))
        signup = burst("/api/users", 6, lambda: "{}")
        ctx.ok(any(r[0] == 429 and '"code":"rate_limited"' in r[2] for r in signup),
               "POST /api/users: 429 rate_limited after its burst", str([r[0] for r in signup]))
        st, _, _ = prod.curl("/api/parks")
        ctx.ok(st == 200, "... while GET /api/parks from the same address is not limited")
        chat = burst("/api/chat/conversations", 8, lambda: "{}")
        ctx.ok(any(r[0] == 429 and '"code":"rate_limited"' in r[2] for r in chat)
               and all(r[0] in (401, 429) for r in chat),
               "POST /api/chat/...: 429 rate_limited after its burst (the chat pool answered the others)",
               str([r[0] for r in chat]))
        p = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % prod.https, "-servername",
                            DOMAIN, "-tls1_1"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=20)
        q = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % prod.https, "-servername",
                            DOMAIN, "-tls1_2"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=20)
        ctx.ok(p.returncode != 0 and q.returncode == 0 and b"TLSv1.2" in q.stdout,
               "TLS 1.1 is refused, TLS 1.2 is accepted (TLS 1.3 served curl above)",
               lambda: p.stdout.decode(errors="replace")[-300:])
    finally:
        prod.stop()


# --- systemd units ----------------------------------------------------------------------------

@test
def systemd_units_verify(ctx):
    """systemd-analyze verify on every unit, with /opt/frostbyte/current pointing at a folder that
    holds this build's binaries (verify checks that ExecStart's programs exist)."""
    d = tempfile.mkdtemp(prefix="frostbyte-units-")
    try:
        os.makedirs(d + "/current/bin")
        for b in ("frostbyte-fcgi", "frostbyte-media", "frostbyte-ctl"):
            shutil.copy(os.path.join(BUILD, b), d + "/current/bin/")
        names = sorted(n for n in os.listdir(REPO + "/systemd") if n.endswith((".service", ".timer")))
        for n in names:
            with open(os.path.join(REPO, "systemd", n)) as f:
                text = f.read().replace("/opt/frostbyte/current", d + "/current")
            with open(os.path.join(d, n), "w") as f:
                f.write(text)
        p = subprocess.run(["systemd-analyze", "verify", "--man=no"] + [os.path.join(d, n) for n in names],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        out = p.stdout.decode(errors="replace").strip()
        ctx.ok(p.returncode == 0 and not out and len(names) == 7,
               "systemd-analyze verify: %s pass with no warning" % ", ".join(names), out)
        for n in ("frostbyte-api.service", "frostbyte-chat.service", "frostbyte-write.service",
                  "frostbyte-auth.service", "frostbyte-media.service"):
            with open(os.path.join(REPO, "systemd", n)) as f:
                unit = f.read()
            need = ["User=frostbyte", "NoNewPrivileges=yes", "ProtectSystem=strict",
                    "ReadWritePaths=/var/lib/frostbyte /run/frostbyte", "PrivateTmp=yes", "ProtectHome=yes",
                    "RestrictAddressFamilies=", "CapabilityBoundingSet=\n", "Restart=always",
                    "spawn-fcgi -n ", "multiwatch -f "]
            ctx.ok(all(k in unit for k in need), "%s: dedicated user, the hardening set, Restart=always, "
                   "spawn-fcgi -n + multiwatch" % n, lambda: str([k for k in need if k not in unit]))
        with open(REPO + "/systemd/frostbyte-auth.service") as f:
            ctx.ok("Nice=19" in f.read(), "frostbyte-auth.service runs Argon2 below the other pools' CPU "
                   "priority (Nice=19)")
        with open(REPO + "/systemd/frostbyte.tmpfiles") as f:
            ctx.ok("d /run/frostbyte 0750 frostbyte www-data" in f.read(),
                   "tmpfiles: /run/frostbyte is 0750 frostbyte:www-data (nginx's group only)")
    finally:
        shutil.rmtree(d, ignore_errors=True)


# --- backup and restore -------------------------------------------------------------------------

@test
def backup_under_load(ctx):
    """Writers add saved locations through nginx while frostbyte-ctl backup runs; the copy,
    restored into a fresh folder, passes integrity_check and holds every write acknowledged before
    the backup started."""
    c = ctx.c
    tokens = []  # a camper per writer, each with the per-user quota on saved places
    for k in range(4):
        r = c.post("/api/users", {"username": ctx.name("bk%d" % k), "display_name": "Backup",
                                  "password": "a long password 1"})
        if r.status != 201:
            raise RuntimeError("sign-up failed: %s" % r.describe())
        tokens.append(r.json["token"])
    acked = []  # (time the answer arrived, id)
    lock = threading.Lock()
    stop = threading.Event()
    errors = []

    def writer(k):
        i = 0
        while not stop.is_set():
            i += 1
            rr = c.post("/api/users/me/locations", {"label": "w%d-%d" % (k, i), "latitude": 44.0,
                                                    "longitude": -110.0}, token=tokens[k])
            t = time.monotonic()
            if rr.status == 201:
                with lock:
                    acked.append((t, rr.json["id"]))
            elif rr.status == 429 and rr.json["error"]["code"] == "rate_limited":
                # The per-user quota on saved places: go on as another camper.
                su = c.post("/api/users", {"username": ctx.name("bk%d_%d" % (k, i)), "display_name": "Backup",
                                           "password": "a long password 1"})
                if su.status != 201:
                    errors.append(su.describe())
                    return
                tokens[k] = su.json["token"]
            elif rr.status != 503:
                errors.append(rr.describe())
    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    bdir = tempfile.mkdtemp(prefix="frostbyte-backups-")
    try:
        time.sleep(1.0)
        started = time.monotonic()
        rc, out = ctl(ctx, "backup", bdir, "2")
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        before = [i for (t, i) in acked if t < started]
        m = re.search(r"^backup (\S+): integrity ok", out, re.M)
        ctx.ok(rc == 0 and m and not errors and len(before) > 20 and len(acked) > len(before),
               "frostbyte-ctl backup while 4 writers add rows through nginx: done, integrity ok "
               "(%d writes before, %d during and after)" % (len(before), len(acked) - len(before)),
               lambda: out + "\n" + "\n".join(errors[:3]))
        if not m:
            return
        fresh = tempfile.mkdtemp(prefix="frostbyte-restore-")
        db = os.path.join(fresh, "frostbyte.db")
        rc, out = ctl(ctx, "restore", m.group(1), env_extra={"FROSTBYTE_DATABASE": db})
        con = sqlite3.connect(db)
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        ids = {row[0] for row in con.execute("SELECT id FROM locations")}
        con.close()
        missing = [i for i in before if i not in ids]
        ctx.ok(rc == 0 and integrity == "ok" and not missing,
               "restored into a fresh folder: integrity ok and all %d writes acknowledged before the "
               "backup started are in it" % len(before), lambda: "%s\nmissing %s" % (out, missing[:10]))
        rc, out = ctl(ctx, "restore", m.group(1), env_extra={"FROSTBYTE_DATABASE": db})
        aside = [n for n in os.listdir(fresh) if ".before-restore-" in n]
        ctx.ok(rc == 0 and aside, "a second restore puts the previous database aside (%s), never "
               "deletes it" % (aside[:1] or "?"), out)
        bad = os.path.join(bdir, "broken.db")
        with open(m.group(1), "rb") as f:
            data = bytearray(f.read())
        data[len(data) // 2:len(data) // 2 + 4096] = b"\xa5" * 4096
        with open(bad, "wb") as f:
            f.write(data)
        before_bytes = open(db, "rb").read()
        rc, out = ctl(ctx, "restore", bad, env_extra={"FROSTBYTE_DATABASE": db})
        ctx.ok(rc == 1 and "refusing" in out and open(db, "rb").read() == before_bytes,
               "restore refuses a damaged copy (integrity_check) and leaves the database as it was", out)
        rc, out = ctl(ctx, "restore", m.group(1))
        ctx.ok(rc == 1 and "stop the pools" in out,
               "restore refuses while the pools have the live database open", out)
        for k in range(3):
            ctl(ctx, "backup", bdir, "2")
        kept = [n for n in os.listdir(bdir) if n.startswith("frostbyte-") and n.endswith(".db")]
        ctx.ok(len(kept) == 2, "backup keeps the KEEP newest generations (2)", str(kept))
        shutil.rmtree(fresh, ignore_errors=True)
    finally:
        stop.set()
        shutil.rmtree(bdir, ignore_errors=True)


@test
def ctl_broken_database(ctx):
    """frostbyte-ctl on a damaged or outdated database: a clear message and exit 1, never a crash
    (create-admin on a database without the tables stopped with SIGABRT)."""
    tmp = tempfile.mkdtemp(prefix="frostbyte-broken-")
    try:
        good = os.path.join(tmp, "good.db")
        rc, out = ctl(ctx, "migrate", env_extra={"FROSTBYTE_DATABASE": good})
        if rc != 0:
            raise RuntimeError("migrate failed: %s" % out)
        con = sqlite3.connect(good)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        parks_page = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'parks'").fetchone()[0]
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        con.close()

        def variant(name, change):
            path = os.path.join(tmp, name + ".db")
            shutil.copyfile(good, path)
            change(path)
            return path

        def garbage(path):
            with open(path, "wb") as f:
                f.write(os.urandom(8192))

        def bad_schema(path):
            con = sqlite3.connect(path)
            con.execute("PRAGMA writable_schema = ON")
            con.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE users (' WHERE name = 'users'")
            con.commit()
            con.close()

        def bad_page(path):
            with open(path, "r+b") as f:
                f.seek((parks_page - 1) * page_size)
                f.write(b"\x0d" + b"\xff" * 200)

        cases = [
            ("random bytes", garbage, "file is not a database"),
            ("a damaged schema", bad_schema, "malformed database schema"),
            ("a damaged table page", bad_page, "*** in database main ***"),
        ]
        for k, (what, change, want) in enumerate(cases):
            path = variant("broken%d" % k, change)
            rc, out = ctl(ctx, "check", env_extra={"FROSTBYTE_DATABASE": path})
            ctx.ok(rc == 1 and want in out and "quick_check ok" not in out,
                   "frostbyte-ctl check on a database with %s: exit 1 and says %r" % (what, want),
                   "exit %d\n%s" % (rc, out))

        empty = os.path.join(tmp, "empty.db")
        rc, out = ctl(ctx, "check", env_extra={"FROSTBYTE_DATABASE": empty})
        ctx.ok(rc == 1 and re.search(r"schema 0 of \d+", out),
               "frostbyte-ctl check on a database never migrated: exit 1, schema 0 of the latest",
               "exit %d\n%s" % (rc, out))
        rc, out = ctl(ctx, "create-admin", ctx.name("adm"), stdin="an admin password\n",
                      env_extra={"FROSTBYTE_DATABASE": empty})
        ctx.ok(rc == 1 and "run frostbyte-ctl migrate first" in out,
               "create-admin on a database never migrated: exit 1 and names migrate (not SIGABRT)",
               "exit %d\n%s" % (rc, out))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- scripts/deploy ---------------------------------------------------------------------------

@test
def deploy_disposable_root(ctx):
    """scripts/deploy --root: the first install, an upgrade whose build answers 503 on /api/health
    (rolled back by itself: binaries and database), and a good upgrade. Everything under a temporary
    folder; no packages, users, units, firewall or certificate (those steps need a real machine)."""
    root = tempfile.mkdtemp(prefix="frostbyte-deploy-")
    settings = os.path.join(root, "deploy.conf")
    with open(settings, "w") as f:
        f.write('DOMAIN=deploy.frostbyte.test\nORIGINS="https://deploy.frostbyte.test"\nAPI_WORKERS=2\n'
                'CHAT_WORKERS=1\nHEALTH_SECONDS=6\nKEEP_RELEASES=1\n')
    r = os.path.join(root, "r")
    opt = r + "/opt/frostbyte"

    def deploy(*extra):
        p = subprocess.run([REPO + "/scripts/deploy", "--settings", settings, "--root", r] + list(extra),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        return p.returncode, p.stdout.decode(errors="replace")

    def current():
        return os.path.realpath(opt + "/current")

    def tables():
        con = sqlite3.connect(r + "/var/lib/frostbyte/frostbyte.db")
        try:
            return ({row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")},
                    con.execute("PRAGMA user_version").fetchone()[0])
        finally:
            con.close()

    def users():
        con = sqlite3.connect(r + "/var/lib/frostbyte/frostbyte.db")
        try:
            return {row[0] for row in con.execute("SELECT username FROM users")}
        finally:
            con.close()

    def stop_pools():
        # Every pool the deploys started, whatever their names (a fixed list once left the auth
        # pool running after the test).
        run = r + "/run/frostbyte"
        for name in (os.listdir(run) if os.path.isdir(run) else []):
            if not name.endswith(".pid") or name == "nginx-test.pid":
                continue
            try:
                with open(os.path.join(run, name)) as f:
                    os.kill(int(f.read()), 15)
            except (OSError, ValueError):
                pass
    try:
        rc, out = deploy("--dry-run")
        ctx.ok(rc == 0 and "steps:" in out and not os.path.exists(opt), "deploy --dry-run prints the plan "
               "and changes nothing", out)
        rc, out = deploy()
        first = current()
        ctx.ok(rc == 0 and os.path.exists(first + "/bin/frostbyte-fcgi")
               and os.path.exists(r + "/etc/nginx/conf.d/frostbyte.conf")
               and os.path.exists(r + "/var/lib/frostbyte/frostbyte.db"),
               "deploy into an empty root: build, make install into a release, configuration, nginx "
               "rendered (nginx -t passes), database migrated, pools started, health check ok", out[-1500:])
        css = first + "/site/style.css"
        ctx.ok(os.path.exists(css + ".gz") and gzip_equals(css),
               "the release's text assets are precompressed for gzip_static (style.css.gz holds style.css)")
        versions, bad = site_versions(first + "/site")
        _, dev_bad = site_versions(os.path.join(REPO, "site"))
        ctx.ok(len(versions) == 1 and not bad and len(dev_bad) > 10 and gzip_equals(first + "/site/js/pages/park.js"),
               "the release's pages and modules name every style sheet and script with one ?v= version "
               "(so nginx lets browsers keep them for a year), each an existing file; the source tree's "
               "have none", lambda: "versions %s; unversioned or missing: %s" % (versions, bad[:10]))
        env = dict(os.environ, FROSTBYTE_CONFIG=r + "/etc/frostbyte/frostbyte.conf")
        subprocess.run([first + "/bin/frostbyte-ctl", "create-admin", "keeper"], input=b"a long admin password\n",
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        # A broken build: the same tree with /api/health answering 503.
        src = os.path.join(root, "broken")
        os.makedirs(src)
        subprocess.run("tar -C '%s' --exclude=./build-test --exclude=./build --exclude=./.git --exclude=./var "
                       "-cf - . | tar -C '%s' -xf -" % (REPO, src), shell=True, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        hp = src + "/fcgi-app/health.c"
        with open(hp) as f:
            text = f.read()
        with open(hp, "w") as f:
            f.write(text.replace("version >= 0 ? 200 : 503", "503"))
        # ... and a migration, so the rollback has a database change to undo.
        with open(src + "/schema/999_rollback_probe.sql", "w") as f:
            f.write("CREATE TABLE rollback_probe (x INTEGER);\n")
        rc, out = deploy("--source", src)
        ctx.ok(rc != 0 and current() == first and "rolled back" in out
               and any(os.path.exists(os.path.join(opt, "releases", d, "FAILED"))
                       for d in os.listdir(opt + "/releases"))
               and "keeper" in users() and os.listdir(r + "/var/lib/frostbyte/backups")
               and "rollback_probe" not in tables()[0] and tables()[1] < 999
               and any(".before-restore-" in n for n in os.listdir(r + "/var/lib/frostbyte")),
               "an upgrade (with a migration) whose health check fails: the database is backed up first, "
               "then the previous binaries and database (schema and data) come back by themselves (exit 1, failed release kept "
               "and marked)", out[-1500:])
        p = subprocess.run(["cgi-fcgi", "-bind", "-connect", r + "/run/frostbyte/api.sock"],
                           env=dict(os.environ, REQUEST_METHOD="GET", DOCUMENT_URI="/api/health",
                                    QUERY_STRING=""), stdout=subprocess.PIPE, timeout=20)
        ctx.ok(p.stdout.startswith(b"Status: 200"), "... and the rolled-back release is serving",
               p.stdout[:200])
        rc, out = deploy()
        ctx.ok(rc == 0 and current() != first and os.path.realpath(opt + "/previous") == first
               and "keeper" in users(),
               "a second deploy of a good tree upgrades: new release current, previous kept, data kept",
               out[-1500:])
        releases = sorted(os.listdir(opt + "/releases"))
        failed = [d for d in releases if os.path.exists(os.path.join(opt, "releases", d, "FAILED"))]
        ctx.ok(len(releases) == 3 and len(failed) == 1
               and {current(), first} <= {os.path.join(opt, "releases", d) for d in releases},
               "pruning keeps current, previous and the newest failed release (KEEP_RELEASES=1)",
               str(releases))
    finally:
        stop_pools()
        time.sleep(0.5)
        shutil.rmtree(root, ignore_errors=True)


@test
def deploy_prune(ctx):
    """step_prune of scripts/lib/deploy.sh over a releases folder made by hand: the KEEP_RELEASES
    newest good releases, current, previous and the newest failed one stay; failed releases do not
    count among the good ones; an aborted deploy (INCOMPLETE) and older failed ones go."""
    root = tempfile.mkdtemp(prefix="frostbyte-prune-")
    opt = root + "/opt/frostbyte"
    marks = {"r1": None, "r2": None, "r3": "FAILED", "r4": "FAILED", "r5": None, "r6": "INCOMPLETE",
             "r7": None}
    try:
        for name, mark in marks.items():
            os.makedirs(os.path.join(opt, "releases", name))
            if mark:
                open(os.path.join(opt, "releases", name, mark), "w").close()
        os.symlink(opt + "/releases/r7", opt + "/current")
        os.symlink(opt + "/releases/r1", opt + "/previous")
        p = subprocess.run(["bash", "-c", 'set -euo pipefail; source "%s/scripts/lib/common.sh"; '
                            'source "%s/scripts/lib/deploy.sh"; OPT=%s KEEP_RELEASES=2 step_prune'
                            % (REPO, REPO, opt)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        left = sorted(os.listdir(opt + "/releases"))
        ctx.ok(p.returncode == 0 and left == ["r1", "r4", "r5", "r7"],
               "pruning with KEEP_RELEASES=2: the two newest good releases (r5, r7 = current), previous "
               "(r1), the newest failed (r4); r2 (good, older), r3 (failed, older) and r6 (aborted) deleted",
               lambda: "%s %s" % (left, p.stdout.decode(errors="replace")))
    finally:
        shutil.rmtree(root, ignore_errors=True)
