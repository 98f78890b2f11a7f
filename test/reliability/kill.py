#!/usr/bin/env python3
"""test/reliability/kill.py [--quick]: worker kills during writes (R2, R3 in docs/reliability.md).

Starts the stack as scripts/run does (e2elib.Stack), then writers (one thread per user) create
saved locations as fast as they can, each with a unique label, while a killer sends SIGKILL every
second for a minute (--quick: every 0.25 s for 4 s) to a worker: by turns the write pool's one
worker (which serves the writes) and a random worker of the api pool; then once to every worker
of both pools at the same time. Afterwards:

- every location acknowledged with 201 is in the database, and none twice;
- PRAGMA integrity_check is ok;
- after each kill the pools are back to their full size within a second;
- the only failed requests are those in flight in a killed worker: at most one per killed api
  worker (it serves one request at a time) and at most one per writer for a killed write worker
  (it holds a group of writes: one in flight per writer). Their count is printed.

Then a kill in the middle of a group (R2, group commit): a trigger, created by the test under the
write lock, makes each write of this phase slow (a fixed cross join of the parks, ~0.2 s), so the
write worker spends seconds inside a group of writes, between their statements and the group's
COMMIT; six writers send one write each, and SIGKILL reaches the write worker after 2.5 single write
times, while a group of several writes is running. Not one of the killed group's writes may be in
the database (it was never committed, and none was acknowledged), every acknowledged one must be,
and integrity_check is ok.

Prints TAP. Python 3 standard library only; loopback only; stops everything it started."""

import fcntl
import os
import random
import signal
import sqlite3
import sys
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from e2elib import Client, Stack, Tap, children_of  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
# The writers save places as fast as they can: the per-user quota on saved places (abuse.py tests
# it) would stop them, so it is off here.
NO_PLACE_QUOTA = {"FROSTBYTE_PLACES_PER_HOUR": "0", "FROSTBYTE_MAX_PLACES": "0"}
WORKERS = 4
WRITERS = 6


def main():
    quick = "--quick" in sys.argv[1:]
    duration, period = (4.0, 0.25) if quick else (60.0, 1.0)
    tap = Tap()
    stack = Stack(REPO, workers=WORKERS, env=NO_PLACE_QUOTA)
    try:
        why = stack.start(timeout=60)
        if why is not None:
            tap.ok(False, "the stack starts", why + "\n" + stack.logs())
            return finish(tap)
        run(tap, stack, duration, period)
    finally:
        stack.stop()
        stack.cleanup()
    return finish(tap)


def finish(tap):
    tap.plan()
    return 1 if tap.failed else 0


def run(tap, stack, duration, period):
    c = Client(stack.port, timeout=30)
    tokens = []
    for i in range(WRITERS):
        r = c.post("/api/users", {"username": "killtest%d" % i, "display_name": "K", "password": "correct horse battery"})
        if r.status != 201:
            tap.ok(False, "sign-up of the writers", r.describe())
            return
        tokens.append(r.json["token"])

    stop = threading.Event()
    acked = [[] for _ in range(WRITERS)]
    failed = [[] for _ in range(WRITERS)]

    def writer(i):
        cl = Client(stack.port, timeout=30)
        n = 0
        while not stop.is_set():
            label = "w%d-%d" % (i, n)
            n += 1
            try:
                r = cl.post("/api/users/me/locations", {"label": label, "latitude": 44.0, "longitude": -110.0},
                            token=tokens[i])
                status = r.status
            except OSError as e:
                status = "connection: %s" % e
            (acked if status == 201 else failed)[i].append((label, status))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()

    pools = {stack.pool_pid("api"): WORKERS, stack.pool_pid("write"): 1}
    kills, slow, killed, recoveries = 0, [], set(), []
    write_kills = 0

    def live_workers(pool):
        """A pool's workers that are running: not a killed pid, not a zombie not yet reaped."""
        out = set()
        for pid in children_of(pool) - killed:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                        out.add(pid)
            except OSError:
                pass
        return out

    def wait_full():
        t0 = time.monotonic()
        while time.monotonic() - t0 < 5:
            if all(len(live_workers(p)) == n for p, n in pools.items()):
                return time.monotonic() - t0
            time.sleep(0.002)
        return None

    rnd = random.Random(7)
    end = time.monotonic() + duration
    order = list(pools)  # by turns: the write pool, then the api pool
    order.reverse()
    while time.monotonic() < end:
        time.sleep(period)
        workers = sorted(live_workers(order[kills % 2]))
        if not workers:
            continue
        victim = rnd.choice(workers)
        killed.add(victim)
        os.kill(victim, signal.SIGKILL)
        kills += 1
        write_kills += order[(kills - 1) % 2] == stack.pool_pid("write")
        back = wait_full()
        recoveries.append(back)
        if back is None or back > 1.0:
            slow.append(back)
    # R3: every worker of both pools at once.
    everyone = sorted(set().union(*(live_workers(p) for p in pools)))
    killed.update(everyone)
    for pid in everyone:
        os.kill(pid, signal.SIGKILL)
    kills += len(everyone)
    write_kills += 1
    back_all = wait_full()
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join(60)

    n_acked = sum(len(a) for a in acked)
    n_failed = sum(len(f) for f in failed)
    statuses = {}
    for f in failed:
        for _, s in f:
            statuses[s] = statuses.get(s, 0) + 1
    tap.diag("%.0f s of writes by %d writers: %d acknowledged, %d failed %s; %d workers killed "
             "(%d one at a time, then all %d at once)" %
             (duration, WRITERS, n_acked, n_failed, statuses, kills, kills - len(everyone), len(everyone)))
    tap.ok(n_acked > 0, "writes went on during the kills (%d acknowledged)" % n_acked)
    done = [x for x in recoveries if x is not None]
    tap.diag("pool back to full size after a kill: max %.0f ms, mean %.0f ms" %
             (1000 * max(done, default=0), 1000 * sum(done) / max(len(done), 1)))
    tap.ok(not slow, "after each single kill the pools were back to %d + 1 workers within a second" % WORKERS,
           "slow recoveries (s): %s" % slow)
    tap.ok(back_all is not None and back_all <= 1.0,
           "after killing all %d workers at once the pools were back to full size within a second (%.3f s)"
           % (len(everyone), back_all if back_all is not None else -1))
    in_flight = (kills - write_kills) + write_kills * WRITERS
    tap.ok(n_failed <= in_flight, "failed requests (%d) are no more than the requests in flight in killed "
           "workers (one per api worker, one per writer for the write worker: %d)" % (n_failed, in_flight),
           repr(statuses))

    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(stack.data, "frostbyte.db"), uri=True)
    try:
        rows = db.execute("SELECT label, count(*) FROM locations GROUP BY label").fetchall()
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
    stored = dict(rows)
    missing = [label for a in acked for label, _ in a if label not in stored]
    twice = [label for label, n in stored.items() if n > 1]
    tap.ok(not missing, "every acknowledged write is in the database (%d)" % n_acked,
           "missing: %s" % missing[:20])
    tap.ok(not twice, "no write is stored twice", "twice: %s" % twice[:20])
    unknown = len(stored) - n_acked
    tap.diag("rows stored for requests that failed in a killed worker: %d (committed before the kill)" % unknown)
    tap.ok(0 <= unknown <= n_failed, "rows beyond the acknowledged ones (%d) come only from failed requests (%d)"
           % (unknown, n_failed))
    tap.ok(integrity == "ok", "PRAGMA integrity_check after the kills: %s" % integrity)
    r = c.get("/api/health")
    tap.ok(r.status == 200, "the API answers after the kills")
    kill_mid_group(tap, stack, tokens, live_workers, pools, killed)


def under_write_lock(path, sql):
    """Runs sql on the database holding the write lock, as every writer of Frostbyte does."""
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute(sql)
        finally:
            db.close()
            fcntl.flock(lock, fcntl.LOCK_UN)


def kill_mid_group(tap, stack, tokens, live_workers, pools, killed):
    path = os.path.join(stack.data, "frostbyte.db")
    # The slow part: a cross join of the parks whose size is set so that it takes ~0.2 s here.
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        t0 = time.monotonic()
        db.execute("SELECT count(*) FROM parks a, parks b, parks c").fetchone()
        per = max(time.monotonic() - t0, 1e-4)
        nparks = db.execute("SELECT count(*) FROM parks").fetchone()[0]
    finally:
        db.close()
    k = max(1, min(nparks, round(0.2 / per)))
    under_write_lock(path, "CREATE TRIGGER kill_test_slow BEFORE INSERT ON locations WHEN NEW.label GLOB 'g*'"
                           " BEGIN SELECT count(*) FROM parks a, parks b, parks c, parks d WHERE a.id <= %d; END" % k)
    try:
        c = Client(stack.port, timeout=30)
        t0 = time.monotonic()
        r = c.post("/api/users/me/locations", {"label": "g-alone", "latitude": 44.0, "longitude": -110.0},
                   token=tokens[0])
        one = time.monotonic() - t0
        tap.ok(r.status == 201 and one >= 0.05, "a slowed write alone: 201 in %.0f ms" % (1000 * one), r.describe())
        status = {}

        def writer(i):
            label = "g%d" % i
            try:
                status[label] = Client(stack.port, timeout=30).post(
                    "/api/users/me/locations", {"label": label, "latitude": 44.0, "longitude": -110.0},
                    token=tokens[i]).status
            except OSError as e:
                status[label] = "connection: %s" % e

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
        for t in threads:
            t.start()
        time.sleep(2.5 * one)
        victims = sorted(live_workers(stack.pool_pid("write")))
        killed.update(victims)
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        for t in threads:
            t.join(60)
    finally:
        under_write_lock(path, "DROP TRIGGER kill_test_slow")
    acked = sorted(l for l, s in status.items() if s == 201)
    failed = sorted(l for l, s in status.items() if s != 201)
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        stored = {row[0] for row in db.execute("SELECT label FROM locations WHERE label GLOB 'g[0-9]*'")}
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
    tap.diag("kill in the middle of a group: acknowledged %s, failed %s %s, stored %s" %
             (acked, failed, sorted(set(status[l] for l in failed), key=str), sorted(stored)))
    tap.ok(len(victims) == 1, "the write worker was killed while its writes ran (%d)" % len(victims))
    tap.ok(len(failed) >= 2, "the kill hit a group of several writes in flight (%d of %d failed)" %
           (len(failed), WRITERS))
    tap.ok(not [l for l in failed if l in stored],
           "none of the killed group's writes is in the database (never committed, never acknowledged)",
           "stored: %s" % [l for l in failed if l in stored])
    tap.ok(all(l in stored for l in acked), "every acknowledged write of this phase is in the database (%d)"
           % len(acked))
    tap.ok(integrity == "ok", "PRAGMA integrity_check after the kill in the middle of a group: %s" % integrity)


if __name__ == "__main__":
    sys.exit(main())
