#!/usr/bin/env python3
"""End-to-end tests for Frostbyte: the real stack (nginx + spawn-fcgi + multiwatch + frostbyte-fcgi)
started by scripts/run exactly as a user starts it, driven over HTTP. Prints TAP; exits 1 when
any test failed.

  python3 test/e2e/run.py          (FROSTBYTE_BUILD_DIR picks the build; default REPO/build)
  E2E_KEEP=1 python3 test/e2e/run.py   keeps the data folder (database, logs) for a look
  E2E_ONLY=name,name python3 test/e2e/run.py   runs only those tests (and the stop checks)

Python 3 standard library only. This file holds the tests of the contract's foundation
(docs/openapi.yaml): conventions, health, accounts and sessions, parks, and robustness against
malformed requests; the e2e_*.py modules it imports hold those of each resource and of operations.
"""

import calendar
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import time
from urllib.parse import quote

sys.dont_write_bytecode = True  # leave no __pycache__ in the checkout
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2elib import (ISO_SECONDS, Client, Stack, Tap, b64url, b64url_decode,  # noqa: E402
                    pid_alive, port_open)

from checks import *  # noqa: E402,F401,F403  the registry, Ctx and the shared checks

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# --- the tests, run in this order -----------------------------------------------------------

@test
def stack_workers(ctx):
    pids = ctx.stack.worker_pids()
    ctx.initial_workers = ctx.stack.app_worker_pids()
    ctx.ok(len(pids) == 3, "the api pool runs 3 workers (scripts/run --workers 3)",
           "worker pids: %s" % sorted(pids))
    ctx.ok(len(ctx.stack.worker_pids("write")) == 1, "the write pool runs 1 worker")


@test
def health(ctx):
    def chk(r):
        j = r.json
        must(isinstance(j, dict), "body is not a JSON object")
        must((r.header("Content-Type") or "").startswith("application/json"), "not JSON")
        must(j.get("status") == "ok", "status is %r" % j.get("status"))
        must(j.get("version") == "1.0.0", "version is %r" % j.get("version"))
        sv = j.get("sqlite_version")
        must(isinstance(sv, str) and re.match(r"^\d+\.\d+\.\d+", sv), "sqlite_version %r" % sv)
        n = j.get("schema_version")
        must(type(n) is int and n >= 2, "schema_version %r is not an integer >= 2" % n)
    ctx.expect(ctx.c.get("/api/health"), 200,
               "GET /api/health: 200, status ok, version 1.0.0, sqlite_version, schema_version >= 2", chk)


@test
def account_flow(ctx):
    c = ctx.c
    mixed = "E2E_Alice_" + ctx.run_id
    name = mixed.lower()
    r = c.post("/api/users", user_body(mixed, "Alice Ranger"), ctype="application/json; charset=utf-8")
    ctx.expect(r, 201, "POST /api/users: 201 with user (username stored lower-case), token, "
               "expires_at and an HttpOnly SameSite=Lax session cookie",
               lambda r: check_session_answer(r, name, "Alice Ranger"))
    signup_token = r.json["token"]
    user = r.json["user"]
    ctx.alice = {"name": name, "token": signup_token, "user": user}

    r = c.post("/api/session", {"username": mixed, "password": PASSWORD})
    ctx.expect(r, 200, "POST /api/session (username in another case): 200 with user, token and cookie",
               lambda r: (check_session_answer(r, name, "Alice Ranger"),
                          must(r.json["user"]["id"] == user["id"], "another user's id"),
                          must(r.json["token"] != signup_token, "login returned the sign-up token")))
    login_token = r.json["token"]

    def same_user(r):
        check_user(r.json, name, "Alice Ranger")
        must(r.json == user, "GET me %r differs from the sign-up user %r" % (r.json, user))
    ctx.expect(c.get("/api/users/me", token=login_token), 200,
               "GET /api/users/me with Authorization: Bearer: 200, the user", same_user)
    ctx.expect(c.get("/api/users/me", cookie=login_token), 200,
               "GET /api/users/me with only the session cookie: 200, the user", same_user)

    def cleared(r):
        must(r.body == b"", "204 with a body: %r" % r.body[:100])
        ck = session_cookie(r)
        must(ck is not None, "no Set-Cookie clearing frostbyte_session")
        low = [a.strip().lower() for a in ck.split(";")]
        must(low[0] == "frostbyte_session=", "the cookie is not emptied: %s" % ck)
        must("max-age=0" in low, "the clearing cookie has no Max-Age=0: %s" % ck)
    ctx.expect(c.delete("/api/session", token=login_token), 204,
               "DELETE /api/session: 204 and a Set-Cookie with Max-Age=0", cleared)
    ctx.error(c.get("/api/users/me", token=login_token), 401, "unauthenticated",
              "GET /api/users/me with the signed-out token (Bearer): 401 unauthenticated")
    ctx.error(c.get("/api/users/me", cookie=login_token), 401, "unauthenticated",
              "GET /api/users/me with the signed-out token (cookie): 401 unauthenticated")
    ctx.expect(c.get("/api/users/me", token=signup_token), 200,
               "signing out one session leaves the user's other session working")


@test
def body_errors(ctx):
    c = ctx.c
    name = ctx.name("val")
    for desc, body in [
        ("unfinished JSON", b'{"username":'),
        ("trailing garbage after the object", b'{"username":"abc"} x'),
        ("a second JSON value after the object", b'{"username":"abc"}{}'),
        ("a JSON array", b'["username","display_name","password"]'),
        ("a JSON string", b'"hello"'),
        ("an empty body", b""),
        ("single-quoted keys", b"{'username':'abc'}"),
    ]:
        ctx.error(c.request("POST", "/api/users", body=body), 400, "malformed_json",
                  "POST /api/users with %s: 400 malformed_json" % desc)
    ctx.error(c.request("POST", "/api/session", body=b'{"username":"abc",}'), 400, "malformed_json",
              "POST /api/session with a trailing comma: 400 malformed_json")

    body = user_body(name)
    body["role"] = "admin"
    ctx.error(c.post("/api/users", body), 400, "unknown_field",
              "POST /api/users with an extra field \"role\": 400 unknown_field, field role", field="role")
    ctx.error(c.post("/api/session", {"username": name, "password": PASSWORD, "remember": True}),
              400, "unknown_field", "POST /api/session with an extra field: 400 unknown_field",
              field="remember")

    for desc, over, field in [
        ("username 5 (a number)", {"username": 5}, "username"),
        ("username true", {"username": True}, "username"),
        ("username [\"a\"]", {"username": ["abcd"]}, "username"),
        ("a 9-character password", {"password": "x" * 9}, "password"),
        ("a 129-character password", {"password": "x" * 129}, "password"),
        ("a username with a space and !", {"username": "bad name!"}, "username"),
        ("a 2-character username", {"username": "ab"}, "username"),
        ("a 33-character username", {"username": "a" * 33}, "username"),
        ("a non-ASCII username", {"username": "b\u00e4r_" + ctx.run_id}, "username"),
        ("an empty display_name", {"display_name": ""}, "display_name"),
        ("a 65-character display_name", {"display_name": "d" * 65}, "display_name"),
        ("a display_name with a control character", {"display_name": "bell\u0007"}, "display_name"),
    ]:
        b = user_body(name)
        b.update(over)
        ctx.error(c.post("/api/users", b), 400, "invalid_field",
                  "POST /api/users with %s: 400 invalid_field, field %s" % (desc, field), field=field)
    ctx.error(c.request("POST", "/api/users",
                        body=b'{"username":"abc","username":"abd","display_name":"x","password":"'
                        + PASSWORD.encode() + b'"}'),
              400, "invalid_field", "POST /api/users with a duplicated key: 400 invalid_field")
    raw = b'{"username":"ab\xff\xfe","display_name":"x","password":"' + PASSWORD.encode() + b'"}'
    ctx.error(c.request("POST", "/api/users", body=raw), 400, ("malformed_json", "invalid_field"),
              "POST /api/users with bad UTF-8 bytes inside a string: 400")
    raw = b'{"username":"' + name.encode() + b'","display_name":"nul\\u0000x","password":"' \
        + PASSWORD.encode() + b'"}'
    ctx.error(c.request("POST", "/api/users", body=raw), 400, "invalid_field",
              "POST /api/users with \\u0000 inside a string: 400 invalid_field")
    raw = b'{"username":"' + name.encode() + b'","display_name":"\\udc00x","password":"' \
        + PASSWORD.encode() + b'"}'
    ctx.error(c.request("POST", "/api/users", body=raw), 400, ("malformed_json", "invalid_field"),
              "POST /api/users with a lone UTF-16 surrogate escape: 400")

    ctx.error(c.post("/api/users", {}), 400, "missing_field",
              "POST /api/users with {}: 400 missing_field, field username", field="username")
    ctx.error(c.post("/api/users", {"username": name, "password": PASSWORD}), 400, "missing_field",
              "POST /api/users without display_name: 400 missing_field, field display_name",
              field="display_name")
    ctx.error(c.post("/api/users", {"username": name, "display_name": "x"}), 400, "missing_field",
              "POST /api/users without password: 400 missing_field, field password", field="password")
    ctx.error(c.post("/api/session", {"username": name}), 400, "missing_field",
              "POST /api/session without password: 400 missing_field, field password", field="password")
    ctx.error(c.post("/api/session", {"password": PASSWORD}), 400, "missing_field",
              "POST /api/session without username: 400 missing_field, field username", field="username")

    ctx.error(c.request("POST", "/api/users", body=json.dumps(user_body(name)), ctype="text/plain"),
              415, "unsupported_media_type", "POST /api/users with Content-Type text/plain: 415")
    ctx.error(c.request("POST", "/api/users", body=json.dumps(user_body(name)), ctype=None),
              415, "unsupported_media_type", "POST /api/users without a Content-Type: 415")
    ctx.error(c.request("POST", "/api/users", body=json.dumps(user_body(name)), ctype="application/json5"),
              415, "unsupported_media_type", "POST /api/users with Content-Type application/json5: 415")
    ctx.error(c.request("POST", "/api/session", body="username=a&password=b",
                        ctype="application/x-www-form-urlencoded"),
              415, "unsupported_media_type", "POST /api/session with a form body: 415")
    # None of the refused sign-ups created the account.
    r = c.post("/api/session", {"username": name, "password": PASSWORD})
    ctx.error(r, 401, "invalid_credentials", "no refused sign-up created the account")


@test
def payload_too_large(ctx):
    c = ctx.c
    prefix = b'{"username":"big","display_name":"'
    suffix = b'","password":"' + PASSWORD.encode() + b'"}'
    body = prefix + b"a" * (70 * 1024 - len(prefix) - len(suffix)) + suffix
    head = ("POST /api/users HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\nConnection: close\r\n\r\n" % (c.port, len(body))).encode()
    rs, _, _ = c.raw(head + body)
    ctx.ok(len(rs) == 1, "POST /api/users with a 70 KB body: one answer", "answers: %d" % len(rs))
    if rs:
        ctx.error(rs[0], 413, "payload_too_large", "POST /api/users with a 70 KB body: 413 payload_too_large")
    # The same body sent chunked (no Content-Length up front).
    half = len(body) // 2
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:half], body[half:])) + b"0\r\n\r\n"
    head = ("POST /api/users HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" % c.port).encode()
    rs, _, _ = c.raw(head + chunks)
    if ctx.ok(len(rs) == 1, "POST /api/users with a 70 KB chunked body: one answer", "answers: %d" % len(rs)):
        ctx.error(rs[0], 413, "payload_too_large",
                  "POST /api/users with a 70 KB chunked body: 413 payload_too_large")
    # Exactly the cap reaches the app (and fails validation there, not the size check); one byte
    # more does not.
    body = prefix + b"a" * (64 * 1024 - len(prefix) - len(suffix)) + suffix
    ctx.error(c.request("POST", "/api/users", body=body), 400, "invalid_field",
              "POST /api/users with a body of exactly 64 KiB: not refused for size "
              "(400 invalid_field display_name)", field="display_name")
    body = prefix + b"a" * (64 * 1024 + 1 - len(prefix) - len(suffix)) + suffix
    ctx.error(c.request("POST", "/api/users", body=body), 413, "payload_too_large",
              "POST /api/users with a body of 64 KiB + 1 byte: 413 payload_too_large")


@test
def unauthenticated(ctx):
    c = ctx.c
    alice = need_alice(ctx)
    tok = alice["token"]
    h, p, s = tok.split(".")
    cases = [
        ("no token", {}),
        ("a garbage Bearer token", {"token": "garbage"}),
        ("a Bearer token of three garbage parts", {"token": "a.b.c"}),
        ("Authorization: Basic", {"headers": {"Authorization": "Basic YWxpY2U6cGFzc3dvcmQ="}}),
        ("an empty Bearer token", {"headers": {"Authorization": "Bearer "}}),
        ("a garbage session cookie", {"cookie": "garbage"}),
    ]
    none_head = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    cases.append(("a token with alg none and no signature", {"token": "%s.%s." % (none_head, p)}))
    cases.append(("a token with alg none keeping the old signature", {"token": "%s.%s.%s" % (none_head, p, s)}))
    payload = json.loads(b64url_decode(p))
    forged = dict(payload, sub=str(int(payload["sub"]) + 1))
    cases.append(("a token whose payload was changed (sub)",
                  {"token": "%s.%s.%s" % (h, b64url(json.dumps(forged).encode()), s)}))
    later = dict(payload, exp=payload["exp"] + 86400)
    cases.append(("a token whose payload was changed (exp)",
                  {"token": "%s.%s.%s" % (h, b64url(json.dumps(later).encode()), s)}))
    signing = ("%s.%s" % (h, p)).encode()
    wrong = b64url(hmac.new(b"not-the-server-secret-0123456789abcdef", signing, hashlib.sha256).digest())
    cases.append(("a token signed with another key", {"token": "%s.%s.%s" % (h, p, wrong)}))
    cases.append(("the right token with a truncated signature", {"token": tok[:-2]}))
    cases.append(("the tampered token in the cookie",
                  {"cookie": "%s.%s.%s" % (h, b64url(json.dumps(forged).encode()), s)}))
    for desc, kw in cases:
        ctx.error(c.get("/api/users/me", **kw), 401, "unauthenticated",
                  "GET /api/users/me with %s: 401 unauthenticated" % desc)
    ctx.error(c.delete("/api/session"), 401, "unauthenticated",
              "DELETE /api/session without a token: 401 unauthenticated")
    ctx.error(c.patch("/api/users/me", {"display_name": "x"}), 401, "unauthenticated",
              "PATCH /api/users/me without a token: 401 unauthenticated")
    ctx.error(c.delete("/api/users/me", {"password": PASSWORD}), 401, "unauthenticated",
              "DELETE /api/users/me without a token: 401 unauthenticated")
    ctx.expect(c.get("/api/users/me", token=tok), 200, "the untampered token still works")


@test
def invalid_credentials(ctx):
    c = ctx.c
    alice = need_alice(ctx)
    r1 = c.post("/api/session", {"username": alice["name"], "password": "wrong password 123"})
    ctx.error(r1, 401, "invalid_credentials", "POST /api/session with a wrong password: 401 invalid_credentials",
              check=lambda r: must(session_cookie(r) is None, "a failed login set a cookie"))
    r2 = c.post("/api/session", {"username": ctx.name("nobody"), "password": PASSWORD})
    ctx.error(r2, 401, "invalid_credentials", "POST /api/session for an unknown user: 401 invalid_credentials")
    ctx.ok(r1.status == r2.status and r1.body == r2.body,
           "wrong password and unknown user get the same answer",
           "wrong password: %r\nunknown user: %r" % (r1.body, r2.body))


@test
def not_found(ctx):
    c = ctx.c
    for path in ["/api/nope", "/api/", "/api/users/me/nothing", "/api/parks/999999",
                 "/api/parks/no-such-park", "/api/parks/0", "/api/parks/01", "/api/parks/-1",
                 "/api/parks/99999999999999999999999", "/api/parks/yellowstone/extra",
                 "/api/parks/Yellowstone", "/api/parks/%E2%9C%93"]:
        ctx.error(c.get(path), 404, "not_found", "GET %s: 404 not_found" % path)


@test
def method_not_allowed(ctx):
    c = ctx.c

    def allow_has(*methods):
        def chk(r):
            allow = r.header("Allow")
            must(allow is not None, "no Allow header")
            got = {m.strip().upper() for m in allow.split(",")}
            missing = set(methods) - got
            must(not missing, "Allow %r lacks %s" % (allow, sorted(missing)))
        return chk
    for method, path, allowed in [
        ("PUT", "/api/users/me", ("GET", "PATCH", "DELETE")),
        ("POST", "/api/health", ("GET",)),
        ("DELETE", "/api/health", ("GET",)),
        ("GET", "/api/session", ("POST", "DELETE")),
        ("GET", "/api/users", ("POST",)),
        ("DELETE", "/api/parks", ("GET",)),
        ("POST", "/api/parks/yellowstone", ("GET",)),
    ]:
        body = b"{}" if method in ("POST", "PUT") else None
        ctx.error(c.request(method, path, body=body), 405, "method_not_allowed",
                  "%s %s: 405 method_not_allowed, Allow has %s" % (method, path, ", ".join(allowed)),
                  check=allow_has(*allowed))


@test
def username_taken(ctx):
    c = ctx.c
    alice = need_alice(ctx)
    ctx.error(c.post("/api/users", user_body(alice["name"])), 409, "username_taken",
              "POST /api/users with a taken username: 409 username_taken")
    ctx.error(c.post("/api/users", user_body(alice["name"].upper())), 409, "username_taken",
              "POST /api/users with a taken username in upper case: 409 username_taken")


@test
def login_throttle(ctx):
    c = ctx.c
    name = ctx.name("throttle")
    r = c.post("/api/users", user_body(name))
    if not ctx.expect(r, 201, "sign up a user for the throttle test"):
        return
    statuses = []
    for i in range(5):
        r = c.post("/api/session", {"username": name, "password": "wrong password %d" % i})
        statuses.append((r.status, (r.json or {}).get("error", {}).get("code")))
    ctx.ok(all(s == (401, "invalid_credentials") for s in statuses),
           "5 wrong passwords in a row: each 401 invalid_credentials", "answers: %s" % statuses)

    def retry_after(r):
        ra = r.header("Retry-After")
        must(ra is not None, "no Retry-After header")
        must(re.match(r"^[0-9]+$", ra) and 1 <= int(ra) <= 900,
             "Retry-After %r is not a positive number of seconds within 15 minutes" % ra)
    ctx.error(c.post("/api/session", {"username": name, "password": PASSWORD}), 429, "too_many_attempts",
              "after 5 failures, the right password: 429 too_many_attempts with Retry-After",
              check=lambda r: (retry_after(r), must(session_cookie(r) is None, "a cookie was set")))
    ctx.error(c.post("/api/session", {"username": name, "password": "wrong again 123"}), 429,
              "too_many_attempts", "after 5 failures, a wrong password: 429 too_many_attempts",
              check=retry_after)
    ctx.error(c.post("/api/session", {"username": name.upper(), "password": PASSWORD}), 429,
              "too_many_attempts", "after 5 failures, the username in upper case: 429 too_many_attempts",
              check=retry_after)


@test
def csrf(ctx):
    c = ctx.c
    alice = need_alice(ctx)
    tok = alice["token"]
    r = c.patch("/api/users/me", {"display_name": "Evil Was Here"}, cookie=tok, headers={"Origin": EVIL})
    ctx.error(r, 403, "csrf_rejected", "PATCH /api/users/me by cookie with Origin https://evil.example: 403 csrf_rejected")
    ctx.expect(c.get("/api/users/me", token=tok), 200, "the refused cross-site PATCH changed nothing",
               lambda r: must(r.json["display_name"] != "Evil Was Here", "display_name was changed"))
    r = c.patch("/api/users/me", {"display_name": "Alice Same Site"}, cookie=tok,
                headers={"Origin": c.origin})
    ctx.expect(r, 200, "PATCH /api/users/me by cookie with the site's own Origin: 200",
               lambda r: check_user(r.json, alice["name"], "Alice Same Site"))
    r = c.patch("/api/users/me", {"display_name": "Alice Bearer"}, token=tok, headers={"Origin": EVIL})
    ctx.expect(r, 200, "PATCH /api/users/me by Bearer with a foreign Origin: 200 (CSRF applies to cookies only)",
               lambda r: check_user(r.json, alice["name"], "Alice Bearer"))
    r = c.patch("/api/users/me", {"display_name": "Evil Was Here"}, cookie=tok,
                headers={"Sec-Fetch-Site": "cross-site"})
    ctx.error(r, 403, "csrf_rejected",
              "PATCH /api/users/me by cookie, no Origin, Sec-Fetch-Site: cross-site: 403 csrf_rejected")
    r = c.patch("/api/users/me", {"display_name": "Evil Was Here"}, cookie=tok, headers={"Origin": "null"})
    ctx.error(r, 403, "csrf_rejected", "PATCH /api/users/me by cookie with Origin null: 403 csrf_rejected")
    r = c.patch("/api/users/me", {"display_name": "Alice Fetch"}, cookie=tok,
                headers={"Sec-Fetch-Site": "same-origin"})
    ctx.expect(r, 200, "PATCH /api/users/me by cookie, no Origin, Sec-Fetch-Site: same-origin: 200")
    r = c.delete("/api/session", cookie=tok, headers={"Origin": EVIL})
    ctx.error(r, 403, "csrf_rejected", "DELETE /api/session by cookie with a foreign Origin: 403 csrf_rejected")
    r = c.delete("/api/users/me", {"password": PASSWORD}, cookie=tok, headers={"Origin": EVIL})
    ctx.error(r, 403, "csrf_rejected", "DELETE /api/users/me by cookie with a foreign Origin: 403 csrf_rejected")
    ctx.expect(c.get("/api/users/me", cookie=tok, headers={"Origin": EVIL}), 200,
               "GET /api/users/me by cookie with a foreign Origin: 200 (safe method); the session survived",
               lambda r: check_user(r.json, alice["name"], "Alice Fetch"))


@test
def patch_and_delete_me(ctx):
    c = ctx.c
    name = ctx.name("carol")
    r = c.post("/api/users", user_body(name, "Carol"))
    if not ctx.expect(r, 201, "sign up a user for the PATCH/DELETE tests"):
        return
    t1 = r.json["token"]
    r = c.post("/api/session", {"username": name, "password": PASSWORD})
    if not ctx.expect(r, 200, "a second session for the same user"):
        return
    t2 = r.json["token"]

    ctx.expect(c.patch("/api/users/me", {"display_name": "Carol Camper"}, token=t1), 200,
               "PATCH /api/users/me {display_name}: 200 with the new name",
               lambda r: check_user(r.json, name, "Carol Camper"))
    ctx.expect(c.get("/api/users/me", token=t2), 200, "the new display_name shows in GET /api/users/me",
               lambda r: check_user(r.json, name, "Carol Camper"))
    wide = "\u00e9" * 64
    ctx.expect(c.patch("/api/users/me", {"display_name": wide}, token=t1), 200,
               "PATCH display_name of 64 two-byte characters: 200 (lengths count characters)",
               lambda r: check_user(r.json, name, wide))
    ctx.error(c.patch("/api/users/me", {"display_name": wide + "\u00e9"}, token=t1), 400, "invalid_field",
              "PATCH display_name of 65 characters: 400 invalid_field", field="display_name")
    ctx.error(c.patch("/api/users/me", {"role": "admin"}, token=t1), 400, "unknown_field",
              "PATCH /api/users/me {role: admin}: 400 unknown_field, field role", field="role")
    ctx.error(c.patch("/api/users/me", {"username": "someone_else"}, token=t1), 400, "unknown_field",
              "PATCH /api/users/me {username}: 400 unknown_field, field username", field="username")
    ctx.error(c.request("PATCH", "/api/users/me", body=b"{}", ctype="text/plain", token=t1), 415,
              "unsupported_media_type", "PATCH /api/users/me with text/plain: 415")
    ctx.error(c.patch("/api/users/me", {"password": NEW_PASSWORD}, token=t1), 400, "missing_field",
              "PATCH password without current_password: 400 missing_field, field current_password",
              field="current_password")
    ctx.error(c.patch("/api/users/me", {"password": NEW_PASSWORD, "current_password": "not my password"},
                      token=t1), 403, "invalid_credentials",
              "PATCH password with a wrong current_password: 403 invalid_credentials")
    ctx.error(c.patch("/api/users/me", {"password": "short", "current_password": PASSWORD}, token=t1),
              400, "invalid_field", "PATCH a 5-character password: 400 invalid_field, field password",
              field="password")
    ctx.expect(c.get("/api/users/me", token=t2), 200, "refused password changes leave other sessions alone")

    ctx.expect(c.patch("/api/users/me", {"password": NEW_PASSWORD, "current_password": PASSWORD}, token=t1),
               200, "PATCH password with the right current_password: 200 user",
               lambda r: check_user(r.json, name, wide))
    ctx.error(c.get("/api/users/me", token=t2), 401, "unauthenticated",
              "after a password change, the user's other session: 401 unauthenticated")
    ctx.expect(c.get("/api/users/me", token=t1), 200,
               "after a password change, the session that made it still works")
    r = c.post("/api/session", {"username": name, "password": NEW_PASSWORD})
    ctx.expect(r, 200, "login with the new password: 200", lambda r: check_session_answer(r, name, wide))
    t3 = r.json["token"] if r.status == 200 else None
    ctx.error(c.post("/api/session", {"username": name, "password": PASSWORD}), 401, "invalid_credentials",
              "login with the old password: 401 invalid_credentials")

    # DELETE /api/users/me
    ctx.error(c.delete("/api/users/me", {}, token=t1), 400, "missing_field",
              "DELETE /api/users/me with {}: 400 missing_field, field password", field="password")
    ctx.error(c.delete("/api/users/me", {"password": PASSWORD}, token=t1), 403, "invalid_credentials",
              "DELETE /api/users/me with a wrong password: 403 invalid_credentials")
    ctx.expect(c.get("/api/users/me", token=t1), 200, "a refused account deletion deletes nothing")
    r = c.delete("/api/users/me", {"password": NEW_PASSWORD}, token=t1)
    ctx.expect(r, 204, "DELETE /api/users/me with the password: 204",
               lambda r: must(r.body == b"", "204 with a body"))
    ctx.error(c.get("/api/users/me", token=t1), 401, "unauthenticated",
              "after deleting the account, its token: 401 unauthenticated")
    if t3 is not None:
        ctx.error(c.get("/api/users/me", token=t3), 401, "unauthenticated",
                  "after deleting the account, its other session: 401 unauthenticated")
    ctx.error(c.post("/api/session", {"username": name, "password": NEW_PASSWORD}), 401,
              "invalid_credentials", "after deleting the account, login: 401 invalid_credentials")
    r = c.post("/api/users", user_body(name, "Carol Again"))
    ctx.expect(r, 201, "the deleted account's username can be signed up again",
               lambda r: check_session_answer(r, name, "Carol Again"))
    ctx.error(c.get("/api/users/me", token=t1), 401, "unauthenticated",
              "the old account's token does not open the new account")


# --- parks ----------------------------------------------------------------------------------

def check_summary(p, near=False):
    keys = SUMMARY_KEYS | ({"distance_km"} if near else set())
    must(isinstance(p, dict) and set(p) == keys, "park summary keys %s, expected %s" %
         (sorted(p) if isinstance(p, dict) else p, sorted(keys)))
    must(type(p["id"]) is int and p["id"] > 0, "id %r" % p["id"])
    must(isinstance(p["slug"], str) and re.match(r"^[a-z0-9-]+$", p["slug"]), "slug %r" % p["slug"])
    must(isinstance(p["name"], str) and p["name"], "name %r" % p["name"])
    must(isinstance(p["states"], list) and p["states"] and
         all(isinstance(s, str) and re.match(r"^[A-Z]{2}$", s) for s in p["states"]),
         "states %r" % p["states"])
    must(isinstance(p["latitude"], (int, float)) and -90 <= p["latitude"] <= 90, "latitude")
    must(isinstance(p["longitude"], (int, float)) and -180 <= p["longitude"] <= 180, "longitude")
    rt = p["rating"]
    must(isinstance(rt, dict) and "average" in rt and "count" in rt, "rating %r" % rt)
    must(rt["average"] is None or isinstance(rt["average"], (int, float)), "rating.average")
    must(type(rt["count"]) is int and rt["count"] >= 0, "rating.count")
    must(type(p["review_count"]) is int and p["review_count"] >= 0, "review_count")
    if near:
        must(isinstance(p["distance_km"], (int, float)) and p["distance_km"] >= 0, "distance_km")


def check_list(r, near=False):
    j = r.json
    must(isinstance(j, dict) and set(j) == {"items", "next_cursor"},
         "list keys %s" % (sorted(j) if isinstance(j, dict) else j))
    must(isinstance(j["items"], list), "items is not a list")
    must(j["next_cursor"] is None or (isinstance(j["next_cursor"], str) and j["next_cursor"]),
         "next_cursor %r" % j["next_cursor"])
    for p in j["items"]:
        check_summary(p, near)


def walk(ctx, query, near=False, max_pages=20):
    """Follows next_cursor from the first page; returns (items, pages) or raises Problem."""
    items, pages, cursor = [], 0, None
    while True:
        path = "/api/parks?" + query + ("&cursor=" + quote(cursor, safe="") if cursor else "")
        r = ctx.c.get(path)
        if r.status != 200:
            raise Problem("GET %s: %s" % (path, r.describe()))
        check_list(r, near)
        items += r.json["items"]
        pages += 1
        cursor = r.json["next_cursor"]
        if cursor is None:
            return items, pages
        if pages >= max_pages:
            raise Problem("more than %d pages" % max_pages)


@test
def parks_list(ctx):
    c = ctx.c

    def first_page(r):
        check_list(r)
        n = len(r.json["items"])
        must(n == 20, "%d items, expected the default limit 20" % n)
        must(isinstance(r.json["next_cursor"], str), "next_cursor is not a string")
    ctx.expect(c.get("/api/parks"), 200, "GET /api/parks: 200, 20 summaries (default limit), next_cursor", first_page)

    for query, desc in [("limit=20", "limit=20"), ("limit=50", "limit=50"), ("limit=21", "limit=21 (63 = 3 full pages)"),
                        ("limit=7&sort=name", "limit=7&sort=name")]:
        def chk(query=query):
            items, pages = walk(ctx, query)
            ids = [p["id"] for p in items]
            names = [p["name"] for p in items]
            must(len(ids) == len(set(ids)), "a park repeats across pages")
            must(len(set(ids)) == TOTAL_PARKS, "%d distinct parks, expected %d" % (len(set(ids)), TOTAL_PARKS))
            must(names == sorted(names), "parks are not sorted by name: %s" % names)
            limit = int(query.split("&")[0].split("=")[1])
            must(pages == -(-TOTAL_PARKS // limit), "%d pages for limit %d" % (pages, limit))
        try:
            chk()
            ctx.ok(True, "following next_cursor with %s to the end: exactly %d distinct parks, sorted by "
                   "name, no repeats" % (desc, TOTAL_PARKS))
        except Problem as e:
            ctx.ok(False, "following next_cursor with %s to the end: exactly %d distinct parks, sorted by "
                   "name, no repeats" % (desc, TOTAL_PARKS), str(e))

    for value in ["0", "51", "abc", "-1", "1.5", "", "99999999999999999999"]:
        ctx.error(c.get("/api/parks?limit=" + value), 400, "invalid_field",
                  "GET /api/parks?limit=%s: 400 invalid_field, field limit" % value, field="limit")
    ctx.error(c.get("/api/parks?cursor=garbage"), 400, "invalid_cursor",
              "GET /api/parks?cursor=garbage: 400 invalid_cursor")
    ctx.error(c.get("/api/parks?cursor=%21%21%21"), 400, "invalid_cursor",
              "GET /api/parks?cursor=!!!: 400 invalid_cursor")
    r = c.get("/api/parks?limit=5")
    cur = (r.json or {}).get("next_cursor")
    if ctx.ok(isinstance(cur, str), "a name-sorted page has a cursor", r.describe):
            ctx.error(c.get("/api/parks?near=44.6,-110.5&cursor=" + quote(cur, safe="")), 400, "invalid_cursor",
                  "a name-sort cursor used with sort=distance: 400 invalid_cursor")

    def names_of(r):
        return [p["name"] for p in r.json["items"]]
    for q in ["yellow", "YELLOW", "yElLoWsToNe"]:
        ctx.expect(c.get("/api/parks?q=" + q), 200, "GET /api/parks?q=%s: Yellowstone in items" % q,
                   lambda r: (check_list(r), must("Yellowstone" in names_of(r), "items: %s" % names_of(r))))
    ctx.expect(c.get("/api/parks?q=grand%20canyon"), 200, "GET /api/parks?q=grand canyon: Grand Canyon",
               lambda r: must("Grand Canyon" in names_of(r), "items: %s" % names_of(r)))
    ctx.expect(c.get("/api/parks?q=%25"), 200, "GET /api/parks?q=%: no park (% is not a wildcard)",
               lambda r: must(names_of(r) == [], "items: %s" % names_of(r)))
    ctx.expect(c.get("/api/parks?q=_"), 200, "GET /api/parks?q=_: no park (_ is not a wildcard)",
               lambda r: must(names_of(r) == [], "items: %s" % names_of(r)))
    ctx.expect(c.get("/api/parks?q=zzzzqqq"), 200, "GET /api/parks?q=zzzzqqq: empty list, next_cursor null",
               lambda r: (check_list(r), must(r.json == {"items": [], "next_cursor": None}, "not empty")))
    ctx.error(c.get("/api/parks?q=%zz"), 400, "invalid_field", "GET /api/parks?q=%zz (bad escape): 400")
    ctx.error(c.get("/api/parks?q=a%00b"), 400, "invalid_field", "GET /api/parks?q=a%00b (NUL): 400")
    ctx.error(c.get("/api/parks?q=%FF%FE"), 400, "invalid_field", "GET /api/parks?q=%FF%FE (bad UTF-8): 400",
              field="q")

    for st in ["UT", "ut"]:
        ctx.expect(c.get("/api/parks?state=" + st + "&limit=50"), 200,
                   "GET /api/parks?state=%s: exactly the Utah parks" % st,
                   lambda r: (check_list(r), must(set(names_of(r)) == UTAH and len(names_of(r)) == 5,
                                                  "items: %s" % names_of(r)),
                              must(all("UT" in p["states"] for p in r.json["items"]), "states")))
    ctx.expect(c.get("/api/parks?state=WY&q=yellow"), 200, "GET /api/parks?state=WY&q=yellow: Yellowstone only",
               lambda r: must(names_of(r) == ["Yellowstone"], "items: %s" % names_of(r)))
    for st in ["XYZ", "U", "1A", ""]:
        ctx.error(c.get("/api/parks?state=" + st), 400, "invalid_field",
                  "GET /api/parks?state=%s: 400 invalid_field, field state" % st, field="state")

    def by_distance(r):
        check_list(r, near=True)
        items = r.json["items"]
        must(items and items[0]["name"] == "Yellowstone", "first item is %r" % (items[0]["name"] if items else None))
        must(items[0]["distance_km"] < 1, "Yellowstone is %r km away" % items[0]["distance_km"])
        d = [p["distance_km"] for p in items]
        must(d == sorted(d), "distances are not ascending: %s" % d)
    ctx.expect(c.get("/api/parks?near=44.6,-110.5"), 200,
               "GET /api/parks?near=44.6,-110.5: Yellowstone first, distance_km ascending", by_distance)
    ctx.expect(c.get("/api/parks?near=44.6,-110.5&sort=distance&limit=3"), 200,
               "GET /api/parks?near=...&sort=distance&limit=3: Yellowstone first", by_distance)
    try:
        items, _ = walk(ctx, "near=44.6,-110.5&limit=20", near=True)
        d = [p["distance_km"] for p in items]
        ids = [p["id"] for p in items]
        must(len(ids) == TOTAL_PARKS and len(set(ids)) == TOTAL_PARKS, "%d items, %d distinct" % (len(ids), len(set(ids))))
        must(d == sorted(d), "distances not ascending across pages")
        ctx.ok(True, "following next_cursor by distance: all %d parks once, distances ascending" % TOTAL_PARKS)
    except Problem as e:
        ctx.ok(False, "following next_cursor by distance: all %d parks once, distances ascending" % TOTAL_PARKS, str(e))
    for sort in ["rating", "reviews"]:
        try:
            items, _ = walk(ctx, "sort=%s&limit=25" % sort)
            ids = [p["id"] for p in items]
            must(len(ids) == TOTAL_PARKS and len(set(ids)) == TOTAL_PARKS, "%d items, %d distinct" % (len(ids), len(set(ids))))
            ctx.ok(True, "following next_cursor with sort=%s: all %d parks once" % (sort, TOTAL_PARKS))
        except Problem as e:
            ctx.ok(False, "following next_cursor with sort=%s: all %d parks once" % (sort, TOTAL_PARKS), str(e))
    for near in ["91,0", "-91,0", "0,181", "0,-181", "abc", "44.6", "44.6,", ",1", "nan,0", "inf,0", "1e999,0"]:
        ctx.error(c.get("/api/parks?near=" + near), 400, "invalid_field",
                  "GET /api/parks?near=%s: 400 invalid_field, field near" % near, field="near")
    ctx.error(c.get("/api/parks?sort=distance"), 400, "invalid_field",
              "GET /api/parks?sort=distance without near: 400 invalid_field, field sort", field="sort")
    ctx.error(c.get("/api/parks?sort=bogus"), 400, "invalid_field",
              "GET /api/parks?sort=bogus: 400 invalid_field, field sort", field="sort")


@test
def park_detail(ctx):
    c = ctx.c
    r = c.get("/api/parks/yellowstone")

    def detail(r):
        p = r.json
        must(isinstance(p, dict), "not an object")
        keys = SUMMARY_KEYS | {"description", "established", "area_km2", "channel_id", "traits"}
        must(set(p) == keys, "keys %s, expected %s" % (sorted(p), sorted(keys)))
        summary = dict(p)
        for k in ("description", "established", "area_km2", "channel_id", "traits"):
            summary.pop(k)
        summary["rating"] = {k: v for k, v in p["rating"].items() if k != "distribution"}
        check_summary(summary)
        must(p["slug"] == "yellowstone" and p["name"] == "Yellowstone", "slug/name %r %r" % (p["slug"], p["name"]))
        must("WY" in p["states"], "states %r" % p["states"])
        must(isinstance(p["description"], str) and len(p["description"]) > 50, "description %r" % p["description"])
        must(p["established"] == 1872 and type(p["established"]) is int, "established %r" % p["established"])
        must(isinstance(p["area_km2"], (int, float)) and p["area_km2"] > 0, "area_km2 %r" % p["area_km2"])
        must(isinstance(p["traits"], dict) and p["traits"], "traits %r" % p["traits"])
        must(type(p.get("channel_id")) is int and p["channel_id"] > 0, "channel_id %r (the park's board)" % p.get("channel_id"))
        dist = p["rating"].get("distribution")
        must(isinstance(dist, dict) and set(dist) == {"1", "2", "3", "4", "5"},
             "rating.distribution %r lacks keys 1..5" % dist)
        must(all(type(v) is int and v >= 0 for v in dist.values()), "distribution counts %r" % dist)
        must(sum(dist.values()) == p["rating"]["count"], "distribution does not add up to rating.count")
    if not ctx.expect(r, 200, "GET /api/parks/yellowstone: 200 detail (description, established 1872, area_km2, "
                      "traits, rating.distribution 1..5, channel_id of its board)", detail):
        return
    pid = r.json["id"]
    r2 = c.get("/api/parks/%d" % pid)
    ctx.expect(r2, 200, "GET /api/parks/%d (Yellowstone's id): the same detail as by slug" % pid,
               lambda r2: must(r2.json == r.json, "by id %r\nby slug %r" % (r2.json, r.json)))
    r3 = c.get("/api/parks?q=yellowstone")
    ctx.expect(r3, 200, "the list summary agrees with the detail page",
               lambda r3: must(any(s["id"] == pid and all(s[k] == r.json[k] for k in
                                                          ("slug", "name", "states", "latitude", "longitude"))
                                   for s in r3.json["items"]), "no matching summary"))


# --- robustness -----------------------------------------------------------------------------

@test
def robustness(ctx):
    c = ctx.c
    before = ctx.stack.app_worker_pids()
    ctx.ok(len(before) == 4, "robustness: read the 3 + 1 worker pids first", "pids: %s" % sorted(before))
    alice = ctx.alice
    pw = PASSWORD.encode()

    def any_4xx(r):
        if r.status >= 500 or r.status < 400:
            raise Problem("not a 4xx")
        check_envelope(r)

    bodies = [
        ("unfinished object", b'{"username":"abc"'),
        ("missing value", b'{"username":}'),
        ("a bare word", b"nul"),
        ("a trailing comma", b'{"a":1,}'),
        ("a raw NUL byte", b'{"username":"a\x00b","display_name":"x","password":"' + pw + b'"}'),
        ("only a NUL byte", b"\x00"),
        ("bytes ff fe", b"\xff\xfe"),
        ("bad UTF-8 in a key", b'{"user\xffname":"abc"}'),
        ("an overlong UTF-8 slash", b'{"username":"\xc0\xafabc","display_name":"x","password":"' + pw + b'"}'),
        ("a UTF-8 surrogate", b'{"username":"abc","display_name":"\xed\xa0\x80","password":"' + pw + b'"}'),
        ("a \\u0000 escape", b'{"username":"abc","display_name":"a\\u0000","password":"' + pw + b'"}'),
        ("a \\u0000 escape in a key", b'{"a\\u0000b":"abc"}'),
        ("10000 [", b"[" * 10000),
        ("10000 { levels", b'{"a":' * 10000),
        ("balanced 10000-deep arrays", b"[" * 10000 + b"]" * 10000),
        ("deep arrays in a field", b'{"username":' + b"[" * 5000 + b"]" * 5000 + b"}"),
        ("a 60000-character string", b'{"username":"' + b"a" * 60000 + b'"}'),
        ("a 100-digit number", b'{"username":' + b"9" * 100 + b"}"),
    ]
    for tag, num in [("1e999", b"1e999"), ("-1e999", b"-1e999"), ("-1", b"-1"),
                     ("99999999999999999999", b"99999999999999999999"), ("1e-999", b"1e-999"),
                     ("-0", b"-0"), ("0x10", b"0x10"), ("NaN", b"NaN"), ("Infinity", b"Infinity")]:
        for fld in ("username", "display_name", "password"):
            b = {"username": '"rob_abc"', "display_name": '"x"', "password": '"%s"' % PASSWORD}
            b[fld] = num.decode()
            bodies.append(("%s as %s" % (tag, fld),
                           ("{" + ",".join('"%s":%s' % kv for kv in b.items()) + "}").encode()))
    for desc, body in bodies:
        ctx.expect(c.request("POST", "/api/users", body=body), 400,
                   "robustness: POST /api/users with %s: 400 in the error envelope" % desc, any_4xx)
    for desc, body in [("1e999", b'{"username":1e999,"password":"x"}'),
                       ("-1 as password", b'{"username":"abc","password":-1}'),
                       ("bytes ff fe", b"\xff\xfe"), ("10000 [", b"[" * 10000)]:
        ctx.expect(c.request("POST", "/api/session", body=body), 400,
                   "robustness: POST /api/session with %s: 400" % desc, any_4xx)
    if alice is not None:
        for desc, body in [("display_name 1e999", b'{"display_name":1e999}'),
                           ("display_name 99999999999999999999", b'{"display_name":99999999999999999999}'),
                           ("display_name -1", b'{"display_name":-1}'),
                           ("password 1e999", b'{"password":1e999,"current_password":"x"}'),
                           ("bad UTF-8", b'{"display_name":"\xff\xfe"}'),
                           ("a \\u0000 escape", b'{"display_name":"\\u0000"}'),
                           ("10000 [", b"[" * 10000)]:
            ctx.expect(c.request("PATCH", "/api/users/me", body=body, token=alice["token"]), 400,
                       "robustness: PATCH /api/users/me with %s: 400" % desc, any_4xx)

    host = ("Host: 127.0.0.1:%d\r\n" % c.port).encode()

    def req(first, headers=b"", body=b""):
        return first.encode() + b"\r\n" + host + headers + b"\r\n" + body

    def all_4xx(desc, rs, closed, allow_silent_close=False):
        problems = []
        if not rs and not (allow_silent_close and closed):
            problems.append("no answer" + ("" if closed else " and the connection stayed open"))
        for r in rs:
            if not 400 <= r.status < 500:
                problems.append("answered %d" % r.status)
        if not closed and not rs:
            problems.append("read timed out")
        ctx.ok(not problems, "robustness: %s: %s" % (
            desc, "4xx or closed by the server" if allow_silent_close else "every answer a 4xx"),
            lambda: "\n".join(problems + [r.describe() for r in rs]))
        # nginx answers some malformed requests itself: in the JSON envelope too (checked below).
        for r in rs:
            try:
                check_envelope(r)
            except Problem:
                not_json.append("%s (%d %s)" % (desc, r.status, r.header("Content-Type")))

    not_json = []
    ctype = b"Content-Type: application/json\r\n"
    # Content-Length: 100 but only 10 bytes, then our write side is shut.
    rs, closed, _ = c.raw(req("POST /api/users HTTP/1.1", ctype + b"Content-Length: 100\r\n",
                              b'{"username'), after="shut")
    all_4xx("a truncated body (Content-Length 100, 10 bytes sent, write side shut)", rs, closed, True)
    c.raw_close(req("POST /api/users HTTP/1.1", ctype + b"Content-Length: 100\r\n", b'{"username'))
    c.raw_close(req("PATCH /api/users/me HTTP/1.1", ctype + b"Content-Length: 5000\r\n" +
                    (b"Authorization: Bearer " + alice["token"].encode() + b"\r\n" if alice else b""),
                    b'{"display_name":"' + b"x" * 1000))
    body = b'{"username":"rob_abc","display_name":"x","password":"' + pw + b'"}'
    rs, closed, _ = c.raw(req("POST /api/users HTTP/1.1", ctype + b"Content-Length: %d\r\n" % (len(body) + 20),
                              body), after="shut")
    all_4xx("Content-Length 20 larger than the body, write side shut", rs, closed, True)
    rs, closed, _ = c.raw(req("POST /api/users HTTP/1.1", ctype + b"Content-Length: 5\r\n", body))
    all_4xx("Content-Length 5, smaller than the body (the rest is read as a next request)", rs, closed)
    rs, closed, _ = c.raw(req("POST /api/users HTTP/1.1", ctype + b"Content-Length: 5\r\nConnection: close\r\n", body))
    all_4xx("Content-Length 5, smaller than the body, Connection: close", rs, closed)
    for cl in [b"-1", b"-100", b"abc", b"1e3", b"0x10", b"99999999999999999999999", b"+10", b"10, 10"]:
        rs, closed, _ = c.raw(req("POST /api/users HTTP/1.1", ctype + b"Content-Length: " + cl +
                                  b"\r\nConnection: close\r\n", body))
        all_4xx("Content-Length: %s" % cl.decode(), rs, closed)
    rs, closed, _ = c.raw(req("POST /api/users HTTP/1.1", ctype + b"Content-Length: 5\r\nContent-Length: 50\r\n"
                              b"Connection: close\r\n", body))
    all_4xx("two different Content-Length headers", rs, closed)
    rs, closed, _ = c.raw(req("POST /api/users HTTP/1.1", ctype + b"Transfer-Encoding: chunked\r\n"
                              b"Connection: close\r\n", b"zz\r\nabc\r\n0\r\n\r\n"))
    all_4xx("a malformed chunked body", rs, closed)
    rs, closed, _ = c.raw(req("GET /api/users/me HTTP/1.1", b"Authorization: Bearer " + b"a" * 8192 +
                              b"\r\nConnection: close\r\n"))
    all_4xx("an 8 KB Authorization header", rs, closed)
    for n in (4000, 5000):
        ctx.error(c.get("/api/users/me", headers={"Authorization": "Bearer " + "a" * n}), 401, "unauthenticated",
                  "robustness: a %d-byte Bearer token: 401 unauthenticated" % n)
    if alice is not None:
        h, p, s = alice["token"].split(".")
        big = b64url(json.dumps(dict(json.loads(b64url_decode(p)), pad="x" * 3500)).encode())
        ctx.error(c.get("/api/users/me", token="%s.%s.%s" % (h, big, s)), 401, "unauthenticated",
                  "robustness: a token with a 3.5 KB forged payload: 401 unauthenticated")
    for junk in ["frostbyte_session=", "frostbyte_session", "=frostbyte_session=abc", ";;;; ;",
                 "frostbyte_session=%%%%; frostbyte_session=a.b.c", "a=b; frostbyte_session=..;",
                 "frostbyte_session=" + "x" * 6000, "frostbyte_session=a.b.c.d.e"]:
        ctx.error(c.get("/api/users/me", headers={"Cookie": junk}), 401, "unauthenticated",
                  "robustness: Cookie %r: 401 unauthenticated" % (junk[:40] + ("..." if len(junk) > 40 else "")))
    rs, closed, _ = c.raw(req("GET /api/users/me HTTP/1.1", b"Cookie: frostbyte_session=\x01\xff\xfe%00; \x7f=;\r\n"
                              b"Connection: close\r\n"))
    all_4xx("a Cookie header with control and non-UTF-8 bytes", rs, closed)
    rs, closed, _ = c.raw(req("PATCH /api/users/me HTTP/1.1", ctype + b"Cookie: frostbyte_session=\xff\r\n"
                              b"Content-Length: 2\r\nConnection: close\r\n", b"{}"))
    all_4xx("PATCH with a junk cookie", rs, closed)
    rs, closed, _ = c.raw(req("FROB /api/health HTTP/1.1", b"Connection: close\r\n"))
    all_4xx("an unknown method FROB", rs, closed)
    rs, closed, _ = c.raw(req("GET /api/parks?q=%GG%%%00 HTTP/1.1", b"Connection: close\r\n"))
    all_4xx("a query string full of bad escapes", rs, closed)
    rs, closed, _ = c.raw(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + os.urandom(64))
    all_4xx("TLS bytes sent to the plain-HTTP port", rs, closed, True)

    ctx.ok(not not_json, "robustness: every answer, nginx's own included, is the JSON error envelope "
           "(never an HTML page)", "not JSON: " + "; ".join(not_json))
    after = ctx.stack.app_worker_pids()
    ctx.ok(after == before, "robustness: no worker crashed or restarted (worker pids unchanged)",
           "before: %s\nafter: %s" % (sorted(before), sorted(after)))
    ctx.expect(c.get("/api/health"), 200, "robustness: GET /api/health is still 200")


@test
def operator_commands(ctx):
    name = "admin_%s" % ctx.run_id
    rc, out = ctl(ctx, "create-admin", name, stdin="an admin password\n")
    ctx.ok(rc == 0, "frostbyte-ctl create-admin makes an admin (exit 0)", out)
    r = ctx.c.post("/api/session", {"username": name, "password": "an admin password"})
    ctx.ok(r.status == 200 and (r.json or {}).get("user", {}).get("role") == "admin",
           "the new admin signs in with the password given on standard input and has role admin",
           r.describe())
    rc, out = ctl(ctx, "create-admin", name, stdin="an admin password\n")
    ctx.ok(rc == 1 and "already exists" in out, "create-admin refuses an existing username", out)
    rc, out = ctl(ctx, "create-admin", "Bad Name!", stdin="an admin password\n")
    ctx.ok(rc == 1, "create-admin refuses an invalid username", out)
    rc, out = ctl(ctx, "create-admin", "short_pw_%s" % ctx.run_id, stdin="short\n")
    ctx.ok(rc == 1 and "10 to 128" in out, "create-admin refuses a short password", out)
    rc, out = ctl(ctx, "migrate")
    ctx.ok(rc == 0 and re.search(r"schema version (\d+) \(was \1\)", out),
           "frostbyte-ctl migrate on an up-to-date database changes nothing", out)
    rc, out = ctl(ctx, "check")
    ctx.ok(rc == 0 and "quick_check ok" in out, "frostbyte-ctl check passes", out)

    missing = os.path.join(ctx.stack.data, "no-such-secret")
    rc, out = ctl(ctx, env_extra={"FROSTBYTE_SECRET_FILE": missing}, binary="frostbyte-fcgi")
    ctx.ok(rc == 1 and "refusing to start" in out and "secret" in out,
           "frostbyte-fcgi without its secret refuses to start with a clear message", out)
    loose = os.path.join(ctx.stack.data, "loose-secret")
    with open(loose, "wb") as f:
        f.write(os.urandom(48))
    os.chmod(loose, 0o644)
    rc, out = ctl(ctx, env_extra={"FROSTBYTE_SECRET_FILE": loose}, binary="frostbyte-fcgi")
    ctx.ok(rc == 1 and "chmod 600" in out, "a secret readable by others refuses to start", out)
    rc, out = ctl(ctx, "check", env_extra={"FROSTBYTE_SECRET_FILE": missing})
    ctx.ok(rc == 1, "frostbyte-ctl check fails without the secret", out)


# --- each resource's tests live in their own module; importing one registers its tests here --------

import e2e_reviews  # noqa: E402,F401
import e2e_boards  # noqa: E402,F401
import e2e_chat  # noqa: E402,F401
import e2e_ops  # noqa: E402,F401
import e2e_microcache  # noqa: E402,F401


# --- last: what the whole run must have left behind ----------------------------------------------

@test
def whole_run(ctx):
    after = ctx.stack.app_worker_pids()
    ctx.ok(ctx.initial_workers and after == ctx.initial_workers,
           "no worker restarted during the whole run",
           "at start: %s\nnow: %s" % (sorted(ctx.initial_workers), sorted(after)))
    log = ctx.stack.app_log()
    writes = [l for l in log.splitlines() if re.search(r" (POST|PUT|PATCH|DELETE) /api/\S+ 2\d\d ", l)]
    ctx.ok(len(writes) > 100, "the run's writes were served and logged (%d lines)" % len(writes))
    bad = [l for l in log.splitlines()
           if re.search(r"Sanitizer|runtime error:|Segmentation|Aborted|stack-overflow", l)]
    ctx.ok(not bad, "the api and write pools' logs show no sanitizer report or crash", "\n".join(bad[:20]))
    fivexx = [l for l in log.splitlines() if re.search(r" 5\d\d [0-9.]+ms user=", l)]
    ctx.ok(not fivexx, "the app answered no request with a 5xx", "\n".join(fivexx[:20]))


# --- main -----------------------------------------------------------------------------------

def main():
    t0 = time.monotonic()
    tap = Tap()
    stack = Stack(REPO, workers=3)
    keep = os.environ.get("E2E_KEEP") == "1"
    try:
        why = stack.start(timeout=60)
        if why is not None:
            tap.ok(False, "scripts/run starts the stack and prints its URL", why + "\n" + stack.logs())
            return finish(tap, t0)
        tap.diag("stack up at http://127.0.0.1:%d/ (data %s)" % (stack.port, stack.data))
        ctx = Ctx(tap, Client(stack.port), stack)
        only = [n for n in os.environ.get("E2E_ONLY", "").split(",") if n]  # while working on a few
        for fn in [f for f in TESTS if not only or f.__name__ in only]:
            try:
                fn(ctx)
            except Exception as e:
                tap.crashed(fn.__name__, e)
        if tap.failed:
            tap.diag("last lines of the logs:\n" + stack.logs(10))
    except BaseException as e:  # KeyboardInterrupt too: still stop the stack below
        tap.crashed("the suite", e)
    finally:
        servers = stack.server_pids() if stack.proc is not None else set()
        port = stack.port
        stack.stop()
        if servers:
            time.sleep(0.2)
            alive = sorted(p for p in servers if pid_alive(p))
            tap.ok(getattr(stack, "stopped_by_itself", False) and not alive,
                   "SIGTERM to scripts/run stops nginx, the api, chat, write and auth pools and every worker it "
                   "started",
                   "still alive: %s" % alive)
            tap.ok(not any(os.path.exists(os.path.join(stack.data, "run", s))
                           for s in ("api.sock", "chat.sock", "write.sock", "auth.sock"))
                   and not port_open(port),
                   "... and leaves no socket behind: the port is closed, the four FastCGI sockets removed")
        if keep:
            tap.diag("kept the data folder %s" % stack.tmpdir)
        stack.cleanup(keep)
    ctrl_c(tap)
    return finish(tap, t0)


def ctrl_c(tap):
    """A second stack, stopped the way a person stops scripts/run: Ctrl-C, which the terminal
    sends as SIGINT to the whole foreground process group."""
    import signal
    stack = Stack(REPO, workers=2, own_session=True)
    try:
        why = stack.start(timeout=60)
        if why is not None:
            tap.ok(False, "Ctrl-C: a second scripts/run starts", why)
            return
        servers = stack.server_pids()
        chat = stack.worker_pids("chat")
        os.killpg(stack.proc.pid, signal.SIGINT)
        try:
            rc = stack.proc.wait(timeout=20)
        except Exception:
            rc = None
        time.sleep(0.2)
        alive = sorted(p for p in servers if pid_alive(p))
        tap.ok(rc == 130 and len(servers) >= 4 and chat and chat <= servers and not alive,
               "Ctrl-C stops scripts/run (exit 130) with nginx, the pools and their workers",
               "exit %s, servers %s, chat workers %s, still alive %s\n%s"
               % (rc, sorted(servers), sorted(chat), alive, stack.logs(5)))
    finally:
        stack.stop()
        stack.cleanup()


def finish(tap, t0):
    tap.plan()
    tap.diag("%d tests, %d failed, %.1f s" % (tap.n, tap.failed, time.monotonic() - t0))
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
