#!/usr/bin/env python3
"""Starts the stack for the browser tests, as the end-to-end suite does: scripts/run --no-build on a
free port with a fresh data folder and the fake Gemini server (test/e2e/e2elib.Stack), plus one
administrator made with frostbyte-ctl. Prints one JSON line {"url", "admin", "admin_password"}
(or {"error"}), then keeps the stack up until its standard input closes, and stops it.

Run by test/browser/run.mjs; FROSTBYTE_BUILD_DIR picks the build (default REPO/build)."""

import json
import os
import secrets
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "test", "e2e"))
from e2elib import Stack  # noqa: E402


def main():
    stack = Stack(REPO, workers=2, gemini=True)
    try:
        err = stack.start()
        if err:
            print(json.dumps({"error": err + "\n" + stack.logs()}), flush=True)
            return 1
        build = os.environ.get("FROSTBYTE_BUILD_DIR", os.path.join(REPO, "build"))
        password = "admin-" + secrets.token_hex(8)
        p = subprocess.run([os.path.join(build, "frostbyte-ctl"), "create-admin", "site_admin"],
                           input=password.encode(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=dict(os.environ, FROSTBYTE_CONFIG=os.path.join(stack.data, "frostbyte.conf")),
                           timeout=30)
        if p.returncode != 0:
            print(json.dumps({"error": "create-admin failed: " + p.stdout.decode("utf-8", "replace")}), flush=True)
            return 1
        print(json.dumps({"url": "http://127.0.0.1:%d" % stack.port, "admin": "site_admin",
                          "admin_password": password, "data": stack.data}), flush=True)
        sys.stdin.read()  # until the test runner closes our stdin (or exits)
        return 0
    finally:
        stack.stop()
        stack.cleanup(keep=bool(os.environ.get("BROWSER_KEEP")))


if __name__ == "__main__":
    sys.exit(main())
