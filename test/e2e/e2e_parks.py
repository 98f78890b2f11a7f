"""End-to-end tests of finding parks and choosing when to go, through nginx: the forgiving search,
the filters and their values, the visit months of a park and the good_in= filter (which follow
writes through the answer cache), and the caller's own helpful votes."""

import re
from urllib.parse import quote

from checks import UTAH, ctl, must, test
from e2e_reviews import signup

UTAH_SLUGS = ["arches", "bryce-canyon", "canyonlands", "capitol-reef", "zion"]


def slugs(r):
    return [p["slug"] for p in r.json["items"]]


def moderator(ctx, tag):
    """A moderator of this test's own (e2e_reviews.admin_token's name is taken once per run)."""
    name = ctx.name(tag)
    rc, out = ctl(ctx, "create-admin", name, stdin="a moderator password\n")
    if rc != 0:
        raise RuntimeError("frostbyte-ctl create-admin failed: %s" % out)
    r = ctx.c.post("/api/session", {"username": name, "password": "a moderator password"})
    if r.status != 200:
        raise RuntimeError("the moderator cannot sign in: %s" % r.describe())
    return r.json["token"]


@test
def parks_search_forgives(ctx):
    c = ctx.c
    for q, want in [("Utah", UTAH_SLUGS), ("utah", UTAH_SLUGS), ("Smokies", ["great-smoky-mountains"]),
                    ("yellow stone", ["yellowstone"]), ("Haleakala", ["haleakala"]),
                    ("Haleakalā", ["haleakala"]), ("Zion NP", ["zion"]), ("Yosemete", ["yosemite"]),
                    ("north carolina", ["great-smoky-mountains"])]:
        ctx.expect(c.get("/api/parks?limit=50&q=" + quote(q)), 200, "GET /api/parks?q=%s: %s" % (q, ", ".join(want)),
                   lambda r, want=want: must(slugs(r) == want, "items: %s" % slugs(r)))
    ctx.expect(c.get("/api/parks?limit=50&q=Utah"), 200, "... q=Utah finds the five parks the UTAH set names",
               lambda r: must({p["name"] for p in r.json["items"]} == UTAH, "%s" % slugs(r)))


@test
def parks_filters(ctx):
    c = ctx.c

    def values(r, key):
        return {v["value"]: v["parks"] for v in r.json[key]}

    def chk(r):
        j = r.json
        must(set(j) == {"regions", "states", "activity", "terrain", "water", "wildlife", "stay"}, "keys %s" % sorted(j))
        must(all(set(x) == {"value", "label", "parks"} for x in j["regions"]), "region keys")
        must(all(set(x) == {"code", "name", "region", "parks"} for x in j["states"]), "state keys")
        must({"code": "UT", "name": "Utah", "region": "southwest", "parks": 5} in j["states"], "Utah: %r" % j["states"])
        must(values(r, "stay").keys() >= {"tent", "rv", "lodge", "backcountry"}, "stay %r" % j["stay"])
        must(values(r, "activity")["caving"] == 6, "activity %r" % j["activity"])
    ctx.expect(c.get("/api/park-filters"), 200, "GET /api/park-filters: regions, states with names, trait values "
               "with their park counts", chk)
    ctx.expect(c.get("/api/parks?limit=50&region=rockies&stay=lodge"), 200,
               "GET /api/parks?region=rockies&stay=lodge: the Rocky Mountain parks with a lodge",
               lambda r: must(slugs(r) == ["glacier", "grand-teton", "mesa-verde", "yellowstone"], "%s" % slugs(r)))
    ctx.expect(c.get("/api/parks?limit=50&water=ocean&region=pacific&activity=hiking"), 200,
               "GET /api/parks?water=ocean&region=pacific&activity=hiking: Channel Islands, Olympic, Redwood",
               lambda r: must(slugs(r) == ["channel-islands", "olympic", "redwood"], "%s" % slugs(r)))
    # Filters hold across pages.
    r1 = c.get("/api/parks?limit=3&activity=caving")
    r2 = c.get("/api/parks?limit=3&activity=caving&cursor=" + quote((r1.json or {}).get("next_cursor") or ""))
    ctx.ok(r1.status == 200 and r2.status == 200 and slugs(r1) + slugs(r2) ==
           ["carlsbad-caverns", "great-basin", "mammoth-cave", "pinnacles", "sequoia", "wind-cave"] and
           r2.json["next_cursor"] is None, "activity=caving in pages of 3: the six cave parks, then no cursor",
           lambda: r1.describe() + "\n" + r2.describe())
    for param, value in [("region", "atlantis"), ("activity", "Hiking!"), ("terrain", ""), ("good_in", "13"),
                         ("good_in", "smarch")]:
        ctx.error(c.get("/api/parks?%s=%s" % (param, quote(value))), 400, "invalid_field",
                  "GET /api/parks?%s=%s: 400 invalid_field" % (param, value), field=param)


@test
def parks_visit_months(ctx):
    c = ctx.c
    park = 47  # Olympic: no other test writes its reviews
    users = [signup(ctx, "visit%d" % i) for i in range(6)]
    tm = moderator(ctx, "visitmod")
    before = c.get("/api/parks?limit=50&good_in=aug&region=pacific")
    ctx.ok(before.status == 200 and "olympic" not in slugs(before),
           "good_in=aug&region=pacific before any review: Olympic is not in it", before.describe)
    ids = []
    for (token, _), (stars, month) in zip(users, [(5, "2025-08"), (4, "2024-08"), (5, "2025-09"),
                                                  (5, "2025-09"), (2, "2025-01"), (3, "2025-01")]):
        r = c.post("/api/parks/%d/reviews" % park, {"stars": stars, "title": "Rain forest", "body": "Moss.",
                                                    "visited_on": month}, token=token)
        ids.append(r.json["id"] if r.status == 201 else 0)

    def months(r):
        j = r.json
        must(set(j) == {"park_id", "visits", "enough_data", "min_visits", "min_month_visits", "months",
                        "best_months", "best_average"}, "keys %s" % sorted(j))
        must(len(j["months"]) == 12 and all(set(m) == {"month", "name", "visits", "average", "best"}
                                            for m in j["months"]), "months %r" % j["months"])
        return j
    # Read as a signed-in camper: nginx's micro-cache keeps anonymous answers up to a second, while
    # what is checked here is that the app's own cache follows the writes at once.
    reader = users[0][0]
    ctx.expect(c.get("/api/parks/%d/visit-months" % park, token=reader), 200,
               "GET /api/parks/47/visit-months: Aug 2 at 4.5, Sep 2 at 5, Jan 2 at 2.5; best: September at 5",
               lambda r: (months(r), must(r.json["visits"] == 6 and r.json["enough_data"] is True and
                                          r.json["months"][7]["visits"] == 2 and r.json["months"][7]["average"] == 4.5 and
                                          r.json["months"][0]["average"] == 2.5 and
                                          r.json["best_months"] == [9] and r.json["best_average"] == 5, "%r" % r.json)))
    ctx.expect(c.get("/api/parks?limit=50&good_in=aug&region=pacific", token=reader), 200,
               "... and good_in=aug now finds Olympic (the cached list followed the reviews)",
               lambda r: must("olympic" in slugs(r), "%s" % slugs(r)))
    ctx.expect(c.get("/api/parks?limit=50&good_in=1&region=pacific", token=reader), 200, "... good_in=1 (2.5 stars) does not",
               lambda r: must("olympic" not in slugs(r), "%s" % slugs(r)))
    r = c.patch("/api/admin/reviews/%d" % ids[1], {"hidden": True, "reason": "test"}, token=tm)
    ctx.expect(r, 200, "a moderator hides one August review")
    ctx.expect(c.get("/api/parks/%d/visit-months" % park, token=reader), 200,
               "... visit-months: August has one visit and no average, 5 visits in all",
               lambda r: must(r.json["visits"] == 5 and r.json["months"][7]["visits"] == 1 and
                              r.json["months"][7]["average"] is None, "%r" % r.json))
    ctx.expect(c.get("/api/parks?limit=50&good_in=aug&region=pacific", token=reader), 200,
               "... and good_in=aug no longer finds Olympic", lambda r: must("olympic" not in slugs(r), "%s" % slugs(r)))
    ctx.error(c.get("/api/parks/999/visit-months"), 404, "not_found", "GET /api/parks/999/visit-months: 404")


@test
def helpful_votes_remembered(ctx):
    c = ctx.c
    ta, _ = signup(ctx, "helpa")
    tb, _ = signup(ctx, "helpb")
    r = c.post("/api/parks/46/reviews", {"stars": 5, "title": "Cascades", "body": "Glaciers."}, token=ta)
    rid = r.json["id"] if r.status == 201 else 0
    ctx.expect(c.get("/api/users/me/helpful?park=46", token=tb), 200, "GET /api/users/me/helpful?park=46: none yet",
               lambda r: must(r.json == {"park_id": 46, "review_ids": []}, "%r" % r.json))
    c.put("/api/reviews/%d/helpful" % rid, token=tb)
    ctx.expect(c.get("/api/users/me/helpful?park=46", token=tb), 200, "... after a vote it lists the review",
               lambda r: must(r.json == {"park_id": 46, "review_ids": [rid]}, "%r" % r.json))
    ctx.expect(c.get("/api/users/me/helpful?park=46", cookie=tb), 200, "... also with the session cookie",
               lambda r: must(r.json["review_ids"] == [rid], "%r" % r.json))
    ctx.expect(c.delete("/api/reviews/%d/helpful" % rid, token=tb), 204, "DELETE the vote: 204")
    ctx.expect(c.get("/api/users/me/helpful?park=46", token=tb), 200, "... and the list is empty again",
               lambda r: must(r.json["review_ids"] == [], "%r" % r.json))
    ctx.expect(c.get("/api/reviews/%d" % rid, token=tb), 200, "... helpful_count back to 0",
               lambda r: must(r.json["helpful_count"] == 0, "%r" % r.json))
    ctx.error(c.get("/api/users/me/helpful?park=46"), 401, "unauthenticated", "without a token: 401")
    ctx.error(c.get("/api/users/me/helpful", token=tb), 400, "missing_field", "without ?park: 400", field="park")


@test
def park_pages_shareable(ctx):
    c = ctx.c

    def page(r):
        must("text/html" in (r.header("Content-Type") or ""), "Content-Type %r" % r.header("Content-Type"))
        body = r.body.decode("utf-8")
        must("<title>Yellowstone National Park" in body, "no title with the name")
        must(re.search(r'<meta name="description" content="The world&#39;s first national park[^"]{20,}">', body),
             "no meta description")
        for tag in ('<meta property="og:title" content="Yellowstone National Park">',
                    '<meta property="og:type" content="website">', '<meta property="og:description" content="',
                    '<h1 id="page-title">Yellowstone</h1>', '<script type="module" src="/js/pages/park.js">'):
            must(tag in body, "missing %s" % tag)
        must(r.header("Content-Security-Policy"), "no CSP header")
    ctx.expect(c.get("/parks/yellowstone"), 200, "GET /parks/yellowstone: its own HTML with the name in <title>, "
               "a meta description, Open Graph tags and the h1, before any script runs", page)
    ctx.expect(c.get("/parks/hawaii-volcanoes"), 200, "GET /parks/hawaii-volcanoes: the name escaped and whole",
               lambda r: must("<h1 id=\"page-title\">Hawaiʻi Volcanoes</h1>" in r.body.decode("utf-8"), "h1"))
    ctx.expect(c.get("/park.html?park=yellowstone"), 200, "the old park.html?park= link still answers the page",
               lambda r: must(b'src="/js/pages/park.js"' in r.body, "not the park page"))

    def not_found(r):
        must("text/html" in (r.header("Content-Type") or ""), "Content-Type %r" % r.header("Content-Type"))
        must(b"<title>Page not found" in r.body and b'href="/style.css"' in r.body, "not the site's 404 page")
    for path in ("/parks/no-such-park", "/parks/", "/no-such-page.html", "/parks/yellowstone/x"):
        ctx.expect(c.get(path), 404, "GET %s: 404 with the site-styled page" % path, not_found)
    ctx.error(c.get("/api/no-such-thing"), 404, "not_found", "GET /api/no-such-thing: still the API's JSON 404")
