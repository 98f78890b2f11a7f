#!/usr/bin/env python3
"""test/reliability/diskfull.py [--quick]: the disk fills up during writes (R7 in
docs/reliability.md).

The stack (as scripts/run starts it) runs with its data folder on a small tmpfs (needs root to
mount it). A filler file takes all but a little of the space; writers then save locations until
the disk is full. Checked: writes answer 507 insufficient_storage in the error envelope; reads keep
answering 200; no worker dies (same pids); once the filler is removed, writes work again without a
restart; every acknowledged write is stored; PRAGMA integrity_check is ok.

Prints TAP. Python 3 standard library only; loopback only; unmounts what it mounted."""

import os
import sqlite3
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from e2elib import Client, Stack, Tap  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
# The writers save places as fast as they can: the per-user quota on saved places (abuse.py tests
# it) would stop them, so it is off here.
NO_PLACE_QUOTA = {"FROSTBYTE_PLACES_PER_HOUR": "0", "FROSTBYTE_MAX_PLACES": "0"}
TMPFS_MB = 24


def main():
    tap = Tap()
    if os.geteuid() != 0:
        tap.ok(True, "disk full: skipped, mounting a tmpfs needs root # SKIP not root")
        tap.plan()
        return 0
    stack = Stack(REPO, workers=2, env=NO_PLACE_QUOTA)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0755" % TMPFS_MB, "tmpfs",
                              stack.tmpdir]).returncode == 0
    try:
        if not mounted:
            tap.ok(False, "a %d MB tmpfs is mounted for the data folder" % TMPFS_MB)
            return finish(tap)
        why = stack.start(timeout=60)
        if why is not None:
            tap.ok(False, "the stack starts on the tmpfs", why + "\n" + stack.logs())
            return finish(tap)
        run(tap, stack)
    finally:
        stack.stop()
        if mounted:
            subprocess.run(["umount", stack.tmpdir])
        stack.cleanup()
    return finish(tap)


def finish(tap):
    tap.plan()
    return 1 if tap.failed else 0


def fill(path, leave_kb):
    """Writes zeros into path until only about leave_kb KB are free on its filesystem."""
    st = os.statvfs(os.path.dirname(path))
    free = st.f_bavail * st.f_frsize - leave_kb * 1024
    with open(path, "wb") as f:
        chunk = b"\0" * (1 << 20)
        while free > 0:
            n = min(free, len(chunk))
            try:
                f.write(chunk[:n])
            except OSError:
                break
            free -= n


def run(tap, stack):
    c = Client(stack.port, timeout=30)
    r = c.post("/api/users", {"username": "diskfull", "display_name": "D", "password": "correct horse battery"})
    if r.status != 201:
        tap.ok(False, "sign-up", r.describe())
        return
    token = r.json["token"]
    pids = stack.app_worker_pids()
    filler = os.path.join(stack.data, "filler.bin")
    fill(filler, leave_kb=256)

    acked, full, other, n = [], [], [], 0
    note = "x" * 500
    while len(full) < 20 and n < 5000:
        label = "d%d" % n
        n += 1
        r = c.post("/api/users/me/locations", {"label": label, "latitude": 1.0, "longitude": 2.0, "note": note},
                   token=token)
        if r.status == 201:
            acked.append(label)
        elif r.status == 507:
            full.append(r)
        else:
            other.append(r)
    tap.diag("%d writes: %d acknowledged before the disk was full, then %d answered 507, %d other" %
             (n, len(acked), len(full), len(other)))
    env = full[0].json if full else None
    tap.ok(full and all(x.json and x.json.get("error", {}).get("code") == "insufficient_storage" for x in full),
           "with the disk full, writes answer 507 insufficient_storage in the error envelope",
           env and repr(env) or "no 507 after %d writes" % n)
    tap.ok(not other, "and nothing else (no 500, no 502)", "\n".join(x.describe(300) for x in other[:3]))
    reads = [c.get("/api/parks/1").status, c.get("/api/users/me/locations", token=token).status,
             c.get("/api/parks?sort=rating").status, c.get("/api/health").status]
    tap.ok(reads == [200] * 4, "with the disk full, reads answer 200 (%s)" % reads)
    tap.ok(stack.app_worker_pids() == pids, "no worker died (pids unchanged)",
           "before %s, after %s" % (sorted(pids), sorted(stack.app_worker_pids())))

    os.unlink(filler)
    later = []
    for i in range(5):
        r = c.post("/api/users/me/locations", {"label": "after%d" % i, "latitude": 1.0, "longitude": 2.0},
                   token=token)
        later.append(r.status)
        if r.status == 201:
            acked.append("after%d" % i)
    tap.ok(later == [201] * 5, "once space is freed, writes work again without a restart (%s)" % later)
    tap.ok(stack.app_worker_pids() == pids, "still the same workers")

    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(stack.data, "frostbyte.db"), uri=True)
    try:
        stored = {row[0] for row in db.execute("SELECT label FROM locations")}
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
    missing = [x for x in acked if x not in stored]
    tap.ok(not missing, "every acknowledged write is stored (%d)" % len(acked), "missing %s" % missing[:10])
    tap.ok(integrity == "ok", "PRAGMA integrity_check: %s" % integrity)


if __name__ == "__main__":
    sys.exit(main())
