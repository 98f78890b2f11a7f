"""Shared pieces of the end-to-end suite: the test registry, the context every test gets, and the
checks of the contract's envelope, users and sessions. run.py holds the foundation's tests; each
resource's tests live in their own module (e2e_<resource>.py) imported by run.py."""

import calendar
import os
import re
import subprocess
import secrets
import time

from e2elib import ISO_SECONDS

PASSWORD = "correct horse battery"
NEW_PASSWORD = "staple glacier lantern"
EVIL = "https://evil.example"
USER_KEYS = {"id", "username", "display_name", "role", "created_at"}
SUMMARY_KEYS = {"id", "slug", "name", "states", "latitude", "longitude", "rating", "review_count"}
UTAH = {"Arches", "Bryce Canyon", "Canyonlands", "Capitol Reef", "Zion"}
TOTAL_PARKS = 63


# --- checking -------------------------------------------------------------------------------

class Problem(Exception):
    pass


def must(cond, message):
    if not cond:
        raise Problem(message)


NOFIELD = object()


class Ctx:
    def __init__(self, tap, client, stack):
        self.t = tap
        self.c = client
        self.stack = stack
        self.run_id = secrets.token_hex(3)
        self.initial_workers = set()
        self.alice = None  # {"name", "token", "user"}: a signed-up user reused by several tests

    def name(self, tag):
        """A username unique to this run (at most 32 characters)."""
        return ("e2e_%s_%s" % (tag, self.run_id))[:32]

    # Assertions: one TAP line each.
    def expect(self, r, status, desc, check=None):
        """Status must be `status` (an int or a tuple); then `check(r)` may raise Problem."""
        problems = []
        want = status if isinstance(status, tuple) else (status,)
        if r.status not in want:
            problems.append("status %d, expected %s" % (r.status, "/".join(map(str, want))))
        elif check is not None:
            try:
                check(r)
            except Problem as e:
                problems.append(str(e))
            except Exception as e:  # e.g. a KeyError on an unexpected body
                problems.append("check raised %s: %s" % (type(e).__name__, e))
        return self.t.ok(not problems, desc, lambda: "\n".join(problems) + "\n" + r.describe())

    def error(self, r, status, code, desc, field=NOFIELD, check=None):
        """An error answer: status, a JSON body {"error":{"code","message","field"?}} with
        the given code (or one of a tuple of codes), a non-empty message and, when given, field."""
        codes = code if isinstance(code, tuple) else (code,)

        def chk(r):
            check_envelope(r, codes)
            if field is not NOFIELD:
                got = r.json["error"].get("field")
                must(got == field, "error.field is %r, expected %r" % (got, field))
            if check is not None:
                check(r)
        return self.expect(r, status, desc, chk)

    def ok(self, cond, desc, diag=None):
        return self.t.ok(cond, desc, diag)


def check_envelope(r, codes=None):
    ctype = r.header("Content-Type") or ""
    must(ctype.lower().startswith("application/json"), "Content-Type is %r, not JSON" % ctype)
    j = r.json
    must(isinstance(j, dict), "body is not a JSON object")
    must(set(j) == {"error"}, "body keys are %s, expected only \"error\"" % sorted(j))
    e = j["error"]
    must(isinstance(e, dict), "\"error\" is not an object")
    must(isinstance(e.get("code"), str) and re.match(r"^[a-z][a-z0-9_]*$", e["code"]),
         "error.code %r is not a snake_case string" % e.get("code"))
    if codes is not None:
        must(e["code"] in codes, "error.code is %r, expected %s" % (e["code"], "/".join(codes)))
    msg = e.get("message")
    must(isinstance(msg, str) and msg.strip() != "", "error.message %r is not a non-empty string" % msg)
    if "field" in e:
        must(isinstance(e["field"], str) and e["field"], "error.field %r is not a string" % e["field"])


def check_user(u, username=None, display_name=None):
    must(isinstance(u, dict), "user is not an object")
    must(set(u) == USER_KEYS, "user keys are %s, expected %s" % (sorted(u), sorted(USER_KEYS)))
    must(type(u["id"]) is int and u["id"] > 0, "user.id %r is not a positive integer" % u["id"])
    must(isinstance(u["username"], str) and u["username"] == u["username"].lower(),
         "username %r is not lower-case" % u["username"])
    if username is not None:
        must(u["username"] == username, "username is %r, expected %r" % (u["username"], username))
    if display_name is not None:
        must(u["display_name"] == display_name,
             "display_name is %r, expected %r" % (u["display_name"], display_name))
    must(u["role"] == "user", "role is %r, expected \"user\"" % u["role"])
    must(isinstance(u["created_at"], str) and ISO_SECONDS.match(u["created_at"]),
         "created_at %r is not YYYY-MM-DDTHH:MM:SSZ" % u["created_at"])


def session_cookie(r):
    """The frostbyte_session Set-Cookie header, or None."""
    for v in r.header_all("Set-Cookie"):
        if v.startswith("frostbyte_session="):
            return v
    return None


def check_session_answer(r, username, display_name=None):
    j = r.json
    must(isinstance(j, dict) and set(j) == {"user", "token", "expires_at"},
         "body keys are %s, expected user, token, expires_at" % (sorted(j) if isinstance(j, dict) else j))
    check_user(j["user"], username, display_name)
    tok = j["token"]
    must(isinstance(tok, str) and tok.count(".") == 2, "token %r is not a JWT" % tok)
    must(isinstance(j["expires_at"], str) and ISO_SECONDS.match(j["expires_at"]),
         "expires_at %r is not YYYY-MM-DDTHH:MM:SSZ" % j["expires_at"])
    exp = calendar.timegm(time.strptime(j["expires_at"], "%Y-%m-%dT%H:%M:%SZ"))
    must(exp > time.time() + 3600, "expires_at %s is not in the future" % j["expires_at"])
    ck = session_cookie(r)
    must(ck is not None, "no frostbyte_session Set-Cookie header")
    attrs = [a.strip() for a in ck.split(";")]
    must(attrs[0] == "frostbyte_session=" + tok, "the cookie does not carry the token")
    low = [a.lower() for a in attrs]
    must("httponly" in low, "the cookie is not HttpOnly: %s" % ck)
    must("samesite=lax" in low, "the cookie is not SameSite=Lax: %s" % ck)
    must("path=/" in low, "the cookie is not Path=/: %s" % ck)
    must("secure" not in low, "the cookie is Secure on a plain-HTTP site: %s" % ck)


def user_body(name, display="E2E Tester", password=PASSWORD):
    return {"username": name, "display_name": display, "password": password}


TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def need_alice(ctx):
    if ctx.alice is None:
        raise RuntimeError("needs the account created by account_flow, which failed")
    return ctx.alice


REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def ctl(ctx, *args, stdin="", env_extra=None, binary="frostbyte-ctl"):
    """Runs a program of the build with the stack's configuration; returns (status, output)."""
    build = os.environ.get("FROSTBYTE_BUILD_DIR", os.path.join(REPO, "build"))
    env = dict(os.environ, FROSTBYTE_CONFIG=os.path.join(ctx.stack.data, "frostbyte.conf"))
    env.update(env_extra or {})
    p = subprocess.run([os.path.join(build, binary), *args], input=stdin.encode(), env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    return p.returncode, p.stdout.decode("utf-8", "replace")
