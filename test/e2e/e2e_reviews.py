"""End-to-end tests of ratings, reviews, helpful votes, reports, moderation and analytics, through
nginx: every route with its status and body or error envelope, and many processes writing ratings
and reviews of the same parks at once."""

import multiprocessing
import os
import random
import sqlite3
import time

from checks import *  # noqa: F401,F403  the registry, Ctx and the shared checks
from checks import EVIL, PASSWORD, ctl, must, test, user_body
from e2elib import ISO_SECONDS, Client

REVIEW_KEYS = {"id", "park_id", "author", "stars", "title", "body", "visited_on", "camper_type",
               "helpful_count", "created_at", "updated_at"}


def signup(ctx, tag):
    name = ctx.name(tag)
    r = ctx.c.post("/api/users", user_body(name, tag.capitalize()))
    if r.status != 201:
        raise RuntimeError("sign-up of %s failed: %s" % (name, r.describe()))
    return r.json["token"], r.json["user"]


def admin_token(ctx):
    name = ctx.name("mod")
    rc, out = ctl(ctx, "create-admin", name, stdin="a moderator password\n")
    if rc != 0:
        raise RuntimeError("frostbyte-ctl create-admin failed: %s" % out)
    r = ctx.c.post("/api/session", {"username": name, "password": "a moderator password"})
    if r.status != 200:
        raise RuntimeError("the moderator cannot sign in: %s" % r.describe())
    return r.json["token"]


def is_average(v, want):
    """An average as the API writes it: want rounded to two decimals."""
    return isinstance(v, (int, float)) and abs(v * 100 - round(v * 100)) < 1e-6 and abs(v - want) <= 0.005 + 1e-9


def check_review(v, author=None, hidden=None):
    keys = REVIEW_KEYS | ({"hidden"} if hidden is not None else set())
    must(isinstance(v, dict) and set(v) == keys,
         "review keys %s, expected %s" % (sorted(v) if isinstance(v, dict) else v, sorted(keys)))
    must(type(v["id"]) is int and v["id"] > 0, "id %r" % v["id"])
    must(set(v["author"]) == {"id", "username", "display_name"}, "author keys %s" % sorted(v["author"]))
    if author is not None:
        must(v["author"]["id"] == author["id"], "author is %r, expected %r" % (v["author"], author))
    must(type(v["stars"]) is int and 1 <= v["stars"] <= 5, "stars %r" % v["stars"])
    must(ISO_SECONDS.match(v["created_at"]) and ISO_SECONDS.match(v["updated_at"]), "timestamps")
    if hidden is not None:
        must(v["hidden"] is hidden, "hidden is %r, expected %r" % (v.get("hidden"), hidden))


@test
def ratings_and_reviews(ctx):
    c = ctx.c
    ta, ua = signup(ctx, "rev_a")
    tb, ub = signup(ctx, "rev_b")
    tm = admin_token(ctx)
    park = 17

    # Ratings.
    ctx.error(c.put("/api/parks/%d/rating" % park, {"stars": 4}), 401, "unauthenticated",
              "PUT rating without a token: 401 unauthenticated")
    ctx.error(c.request("PUT", "/api/parks/%d/rating" % park, body=b"stars=4", token=ta,
                        ctype="application/x-www-form-urlencoded"), 415, "unsupported_media_type",
              "PUT rating as a form: 415 unsupported_media_type")
    for bad in (0, 6, 4.5, "4", None):
        ctx.error(c.put("/api/parks/%d/rating" % park, {"stars": bad}, token=ta), 400,
                  ("invalid_field", "missing_field"), "PUT rating with stars %r: 400, field stars" % (bad,),
                  field="stars")
    ctx.error(c.put("/api/parks/%d/rating" % park, {"stars": 4, "user_id": ub["id"]}, token=ta), 400,
              "unknown_field", "PUT rating with a user_id: 400 unknown_field", field="user_id")
    ctx.expect(c.put("/api/parks/%d/rating" % park, {"stars": 4}, token=ta), 201,
               "PUT rating: 201 {park_id, stars, updated_at}",
               lambda r: must(set(r.json) == {"park_id", "stars", "updated_at"} and r.json["stars"] == 4 and
                              r.json["park_id"] == park, "body %r" % r.json))
    ctx.expect(c.put("/api/parks/%d/rating" % park, {"stars": 3}, token=ta), 200,
               "PUT rating again: 200 with the new stars", lambda r: must(r.json["stars"] == 3, "%r" % r.json))
    ctx.expect(c.get("/api/parks/%d/rating" % park, token=ta), 200, "GET rating: 200, stars 3",
               lambda r: must(r.json["stars"] == 3, "%r" % r.json))
    ctx.error(c.get("/api/parks/%d/rating" % park, token=tb), 404, "not_rated",
              "GET rating of a park the caller did not rate: 404 not_rated")
    r = c.post("/api/parks/%d/rating" % park, {"stars": 3}, token=ta)
    ctx.error(r, 405, "method_not_allowed", "POST to the rating: 405 with Allow",
              check=lambda r: must(set((r.header("Allow") or "").replace(" ", "").split(",")) >=
                                   {"GET", "PUT", "DELETE"}, "Allow %r" % r.header("Allow")))
    ctx.error(c.put("/api/parks/%d/rating" % park, {"stars": 5}, cookie=ta, headers={"Origin": EVIL}), 403,
              "csrf_rejected", "PUT rating with the cookie from a foreign origin: 403 csrf_rejected")
    ctx.expect(c.get("/api/parks/%d/rating" % park, token=ta), 200, "... and the rating did not change",
               lambda r: must(r.json["stars"] == 3, "%r" % r.json))

    # Reviews.
    body = {"stars": 5, "title": "Dark skies", "body": "Saw the Milky Way.\nBring a red light.",
            "visited_on": "2025-08", "camper_type": "van"}
    ctx.error(c.post("/api/parks/%d/reviews" % park, dict(body, visited_on="2025-13"), token=ta), 400,
              "invalid_field", "POST review with month 13: 400", field="visited_on")
    ctx.error(c.post("/api/parks/%d/reviews" % park, dict(body, camper_type="yacht"), token=ta), 400,
              "invalid_field", "POST review with an unknown camper type: 400", field="camper_type")
    ctx.error(c.post("/api/parks/%d/reviews" % park, dict(body, title="x" * 121), token=ta), 400,
              "invalid_field", "POST review with a 121-character title: 400", field="title")
    ctx.error(c.post("/api/parks/%d/reviews" % park, dict(body, body="y" * 5001), token=ta), 400,
              "invalid_field", "POST review with a 5001-character body: 400", field="body")
    r = c.post("/api/parks/%d/reviews" % park, body, token=ta)
    ctx.expect(r, 201, "POST review: 201 with the review object",
               lambda r: (check_review(r.json, ua), must(r.json["stars"] == 5 and r.json["title"] == "Dark skies"
                                                         and r.json["visited_on"] == "2025-08", "%r" % r.json)))
    rid = r.json["id"] if r.status == 201 else 0
    ctx.expect(c.get("/api/parks/%d/rating" % park, token=ta), 200, "... the rating became the review's stars",
               lambda r: must(r.json["stars"] == 5, "%r" % r.json))
    ctx.error(c.post("/api/parks/%d/reviews" % park, body, token=ta), 409, "already_reviewed",
              "a second review of the park: 409 already_reviewed with review_id",
              check=lambda r: must(r.json["error"].get("review_id") == rid, "%r" % r.json))
    ctx.error(c.delete("/api/parks/%d/rating" % park, token=ta), 409, "rating_has_review",
              "DELETE the rating under a review: 409 rating_has_review")
    ctx.expect(c.get("/api/reviews/%d" % rid), 200, "GET /api/reviews/{id} without a token: 200",
               lambda r: check_review(r.json, ua))
    ctx.error(c.get("/api/reviews/999999999"), 404, "not_found", "GET an unknown review: 404 not_found")
    ctx.error(c.get("/api/reviews/abc"), 404, "not_found", "GET /api/reviews/abc: 404 not_found")
    ctx.expect(c.get("/api/parks/%d/reviews?sort=highest&stars=5" % park), 200,
               "GET the park's reviews (sort=highest, stars=5): the review is listed",
               lambda r: must([v["id"] for v in r.json["items"]] == [rid] and r.json["next_cursor"] is None,
                              "%r" % r.json))
    ctx.error(c.get("/api/parks/%d/reviews?sort=best" % park), 400, "invalid_field",
              "reviews with sort=best: 400", field="sort")
    ctx.error(c.get("/api/parks/%d/reviews?cursor=Zm9v" % park), 400, "invalid_cursor",
              "reviews with a made-up cursor: 400 invalid_cursor")
    ctx.error(c.patch("/api/reviews/%d" % rid, {"title": "Mine"}, token=tb), 403, "forbidden",
              "B edits A's review: 403 forbidden")
    ctx.error(c.delete("/api/reviews/%d" % rid, token=tb), 403, "forbidden", "B deletes A's review: 403 forbidden")
    ctx.expect(c.patch("/api/reviews/%d" % rid, {"stars": 4, "camper_type": None}, token=ta), 200,
               "A edits the review: 200, stars 4, camper_type cleared",
               lambda r: (check_review(r.json, ua),
                          must(r.json["stars"] == 4 and r.json["camper_type"] is None, "%r" % r.json)))

    # Helpful votes and reports.
    ctx.error(c.put("/api/reviews/%d/helpful" % rid, token=ta), 403, "own_review",
              "A marks own review helpful: 403 own_review")
    ctx.expect(c.put("/api/reviews/%d/helpful" % rid, token=tb), 204, "B marks it helpful: 204")
    ctx.expect(c.put("/api/reviews/%d/helpful" % rid, token=tb), 204, "... twice: 204")
    ctx.expect(c.get("/api/reviews/%d" % rid), 200, "... helpful_count 1",
               lambda r: must(r.json["helpful_count"] == 1, "%r" % r.json))
    ctx.expect(c.delete("/api/reviews/%d/helpful" % rid, token=tb), 204, "B takes the vote back: 204")
    ctx.error(c.post("/api/reviews/%d/reports" % rid, {"reason": "spam", "user_id": ua["id"]}, token=tb), 400,
              "unknown_field", "a report with a user_id: 400 unknown_field")
    ctx.expect(c.post("/api/reviews/%d/reports" % rid, {"reason": "off_topic", "note": "About a hotel"},
                      token=tb), 201, "B reports the review: 201",
               lambda r: must(r.json["review_id"] == rid and r.json["reason"] == "off_topic", "%r" % r.json))
    ctx.error(c.post("/api/reviews/%d/reports" % rid, {"reason": "spam"}, token=tb), 409, "already_reported",
              "a second open report by B: 409")
    ctx.error(c.get("/api/admin/reports", token=tb), 403, "forbidden", "a user reads the report queue: 403")
    ctx.expect(c.get("/api/admin/reports", token=tm), 200, "the admin reads the queue: the report, with its review",
               lambda r: must(any(it["review"]["id"] == rid and it["reason"] == "off_topic"
                                  for it in r.json["items"]), "%r" % r.json))
    ctx.error(c.patch("/api/admin/reviews/%d" % rid, {"hidden": True, "reason": "x"}, token=tb), 403,
              "forbidden", "a user hides a review: 403")
    ctx.expect(c.patch("/api/admin/reviews/%d" % rid, {"hidden": True, "reason": "Not about the park"},
                       token=tm), 200, "the admin hides it: 200, hidden true",
               lambda r: check_review(r.json, ua, hidden=True))
    ctx.error(c.get("/api/reviews/%d" % rid), 404, "not_found", "the hidden review to a reader: 404")
    ctx.error(c.get("/api/reviews/%d" % rid, token=tb), 404, "not_found", "... to another user: 404")
    ctx.expect(c.get("/api/reviews/%d" % rid, token=ta), 200, "... to its author: 200, hidden true",
               lambda r: check_review(r.json, ua, hidden=True))
    ctx.expect(c.get("/api/parks/%d/reviews" % park), 200, "the park's list leaves it out",
               lambda r: must(rid not in [v["id"] for v in r.json["items"]], "%r" % r.json))
    ctx.expect(c.get("/api/users/me/reviews", token=ta), 200, "A's own list still holds it, marked hidden",
               lambda r: must([(v["id"], v.get("hidden")) for v in r.json["items"]] == [(rid, True)],
                              "%r" % r.json))
    ctx.expect(c.patch("/api/admin/reviews/%d" % rid, {"hidden": False, "reason": "Edited"}, token=tm), 200,
               "the admin unhides it: 200", lambda r: check_review(r.json, ua, hidden=False))

    # Analytics.
    def park_figures(r):
        j = r.json
        must(set(j) == {"park_id", "rating", "review_count", "reviews_by_month", "camper_types"}, "keys %s" % sorted(j))
        must(j["rating"]["count"] == 1 and j["rating"]["average"] == 4.0, "rating %r" % j["rating"])
        must(j["rating"]["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}, "distribution")
        must(j["review_count"] == 1 and len(j["reviews_by_month"]) == 24, "review_count, 24 months")
        must(j["reviews_by_month"][-1]["count"] == 1 and j["reviews_by_month"][-1]["average"] == 4.0, "this month")
        must(set(j["camper_types"]) == {"tent", "rv", "van", "cabin", "backpacking", "day_use"}, "camper types")
    ctx.expect(c.get("/api/analytics/parks/%d" % park), 200, "GET /api/analytics/parks/{id}: the park's figures",
               park_figures)
    ctx.error(c.get("/api/analytics/parks/999"), 404, "not_found", "analytics of an unknown park: 404")

    def summary(r):
        j = r.json
        must(set(j) == {"parks", "users", "reviews", "ratings", "average_rating", "top_rated", "most_reviewed",
                        "activity"}, "keys %s" % sorted(j))
        must(j["parks"] == 63 and j["reviews"] >= 1 and j["ratings"] >= 1, "%r" % j)
        must(any(p["id"] == park and "score" in p for p in j["top_rated"]), "top_rated lacks the park")
        must(len(j["activity"]) == 30 and j["activity"][-1]["reviews"] >= 1, "activity %r" % j["activity"][-3:])
    ctx.expect(c.get("/api/analytics/summary"), 200, "GET /api/analytics/summary: totals, top parks, 30 days",
               summary)
    ctx.expect(c.get("/api/parks/%d" % park), 200, "the park page shows the same figures",
               lambda r: must(r.json["rating"]["count"] == 1 and r.json["review_count"] == 1 and
                              r.json["rating"]["distribution"]["4"] == 1, "%r" % r.json["rating"]))

    ctx.expect(c.delete("/api/reviews/%d" % rid, token=ta), 204, "A deletes the review: 204")
    ctx.error(c.get("/api/reviews/%d" % rid), 404, "not_found", "... then it is 404")
    ctx.expect(c.get("/api/parks/%d/rating" % park, token=ta), 200, "... and A's rating stays (stars 4)",
               lambda r: must(r.json["stars"] == 4, "%r" % r.json))
    ctx.expect(c.delete("/api/parks/%d/rating" % park, token=ta), 204, "A deletes the rating: 204")


# --- many writers at once ---------------------------------------------------------------------

WRITERS = 8
OPS = 100
PARKS = (31, 32)


def writer(port, token, seed, out):
    """One user's sequence of writes; the model keeps only what the server acknowledged."""
    c = Client(port, timeout=30)
    rnd = random.Random(seed)
    model = {p: {"stars": None, "review": None} for p in PARKS}
    statuses = {}
    for _ in range(OPS):
        p = rnd.choice(PARKS)
        m = model[p]
        stars = rnd.randint(1, 5)
        op = rnd.choice(("rate", "rate", "review", "edit", "unreview", "unrate"))
        if op == "rate":
            r = c.put("/api/parks/%d/rating" % p, {"stars": stars}, token=token)
            if r.status in (200, 201):
                m["stars"] = stars
        elif op == "review":
            r = c.post("/api/parks/%d/reviews" % p, {"stars": stars, "title": "T%d" % seed, "body": "B"},
                       token=token)
            if r.status == 201:
                m["stars"], m["review"] = stars, r.json["id"]
        elif op == "edit" and m["review"]:
            r = c.patch("/api/reviews/%d" % m["review"], {"stars": stars}, token=token)
            if r.status == 200:
                m["stars"] = stars
        elif op == "unreview" and m["review"]:
            r = c.delete("/api/reviews/%d" % m["review"], token=token)
            if r.status == 204:
                m["review"] = None
        elif op == "unrate" and not m["review"]:
            r = c.delete("/api/parks/%d/rating" % p, token=token)
            if r.status == 204:
                m["stars"] = None
        else:
            continue
        statuses[r.status] = statuses.get(r.status, 0) + 1
        if r.status >= 500 and r.status != 503:
            statuses.setdefault("bodies", []).append(r.describe(200))
    out.put((token, model, statuses))


@test
def concurrent_writers(ctx):
    tokens = [signup(ctx, "conc%d" % i)[0] for i in range(WRITERS)]
    out = multiprocessing.get_context("fork").Queue()
    procs = [multiprocessing.get_context("fork").Process(target=writer, args=(ctx.stack.port, t, i, out))
             for i, t in enumerate(tokens)]
    t0 = time.monotonic()
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(10)
    took = time.monotonic() - t0

    statuses = {}
    for _, _, st in results:
        for k, v in st.items():
            if k != "bodies":
                statuses[k] = statuses.get(k, 0) + v
    busy = statuses.get(503, 0)
    bad = {k: v for k, v in statuses.items() if k >= 500 and k != 503}
    ctx.t.diag("%d processes x %d writes to parks %s in %.1f s: statuses %s; 503 busy: %d" %
               (WRITERS, OPS, PARKS, took, dict(sorted(statuses.items())), busy))
    ctx.ok(not bad, "%d processes writing ratings and reviews of the same parks at once: no 5xx but "
           "the contract's 503 busy" % WRITERS,
           "%r\n%s" % (bad, "\n".join(b for _, _, st in results for b in st.get("bodies", []))))

    # Every acknowledged write is there: each user's rating and review per park as last acknowledged.
    c = ctx.c
    wrong = []
    for token, model, _ in results:
        mine = c.get("/api/users/me/reviews?limit=50", token=token).json["items"]
        for p in PARKS:
            r = c.get("/api/parks/%d/rating" % p, token=token)
            got = r.json["stars"] if r.status == 200 else None
            if got != model[p]["stars"]:
                wrong.append("park %d rating %r, acknowledged %r" % (p, got, model[p]["stars"]))
            ids = [v["id"] for v in mine if v["park_id"] == p]
            want = [model[p]["review"]] if model[p]["review"] else []
            if ids != want:
                wrong.append("park %d reviews %r, acknowledged %r" % (p, ids, want))
    ctx.ok(not wrong, "every acknowledged rating and review is present, as last acknowledged, none twice",
           "\n".join(wrong[:20]))

    # The park figures equal the acknowledged state, and the rows.
    for p in PARKS:
        stars = [m[p]["stars"] for _, m, _ in results if m[p]["stars"] is not None]
        reviews = sum(1 for _, m, _ in results if m[p]["review"])
        r = c.get("/api/parks/%d" % p)
        rt = r.json["rating"]
        dist = {str(s): stars.count(s) for s in range(1, 6)}
        ctx.ok(r.status == 200 and rt["count"] == len(stars) and rt["distribution"] == dist and
               r.json["review_count"] == reviews and
               (is_average(rt["average"], sum(stars) / len(stars)) if stars else rt["average"] is None),
               "park %d: count, average, distribution and review count equal the acknowledged writes" % p,
               "got %r, %d reviews; expected %d ratings %r, %d reviews" % (rt, r.json["review_count"], len(stars),
                                                                         dist, reviews))
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(ctx.stack.data, "frostbyte.db"), uri=True)
    try:
        rows = db.execute("SELECT count(*) FROM ratings WHERE park_id IN (?, ?)", PARKS).fetchone()[0]
        want = sum(1 for _, m, _ in results for p in PARKS if m[p]["stars"] is not None)
        recount = db.execute(
            "SELECT count(*) FROM park_stats s WHERE n <> (SELECT count(*) FROM ratings r"
            " WHERE r.park_id = s.park_id AND hidden = 0) OR reviews <> (SELECT count(*) FROM ratings r"
            " WHERE r.park_id = s.park_id AND hidden = 0 AND title IS NOT NULL)").fetchone()[0]
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
    ctx.ok(rows == want and recount == 0 and integrity == "ok",
           "the database holds exactly the acknowledged rows; park_stats equals a recount; integrity ok",
           "rows %d, expected %d; parks whose figures differ from a recount: %d; integrity %s" %
           (rows, want, recount, integrity))


@test
def cached_pages_follow_writes(ctx):
    """Workers keep recent park pages, review lists and analytics; a write through any worker must
    show in the next answer of every worker to the camper who wrote it (signed in, so nginx's
    micro-cache, which serves anonymous readers, is bypassed)."""
    c = ctx.c
    token = signup(ctx, "cache")[0]
    park = 40
    paths = ["/api/parks/%d" % park, "/api/parks/%d/reviews" % park, "/api/parks?sort=reviews&limit=50",
             "/api/analytics/parks/%d" % park, "/api/analytics/summary"]
    for _ in range(30):  # enough requests that every worker has the answers cached
        for p in paths:
            c.get(p, token=token)
    stale = []
    for stars in (5, 2):
        site_reviews = c.get(paths[4], token=token).json["reviews"]
        r = c.post("/api/parks/%d/reviews" % park, {"stars": stars, "title": "Fresh", "body": "Just now"}, token=token)
        rid = r.json["id"] if r.status == 201 else None
        for _ in range(15):
            page = c.get(paths[0], token=token).json
            revs = c.get(paths[1], token=token).json["items"]
            listed = [p for p in c.get(paths[2], token=token).json["items"] if p["id"] == park]
            figures = c.get(paths[3], token=token).json
            summary = c.get(paths[4], token=token).json
            if (page["review_count"] != 1 or page["rating"]["distribution"][str(stars)] != 1 or
                    [v["id"] for v in revs] != [rid] or not listed or listed[0]["review_count"] != 1 or
                    figures["review_count"] != 1 or figures["rating"]["distribution"][str(stars)] != 1 or
                    summary["reviews"] != site_reviews + 1):
                stale.append("after the review with %d stars: page %r, list %r, analytics %r, site reviews %r (was %r)" %
                             (stars, page["rating"], [v["id"] for v in revs], figures["rating"],
                              summary["reviews"], site_reviews))
        c.delete("/api/reviews/%d" % rid, token=token)
        c.delete("/api/parks/%d/rating" % park, token=token)
    ctx.ok(not stale, "after a write, every worker's next answer for the park page, its reviews, the "
           "park list, its analytics and the site summary shows it (no stale cached answer)", "\n".join(stale[:5]))
