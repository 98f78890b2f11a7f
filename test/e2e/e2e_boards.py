"""End-to-end tests through nginx of boards and posts, saved locations, the park quiz.
Every route is called, and every error answer is checked for the contract's envelope."""

import os
import subprocess
from urllib.parse import quote

from checks import NOFIELD, PASSWORD, SUMMARY_KEYS, Problem, must, test, user_body
from e2elib import ISO_SECONDS

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CHANNEL_KEYS = {"id", "slug", "name", "kind", "park_id", "post_count"}
POST_KEYS = {"id", "channel_id", "author", "title", "body", "created_at", "updated_at"}
LOCATION_KEYS = {"id", "label", "latitude", "longitude", "channel_id", "note", "visited_on",
                 "created_at", "updated_at"}
QUESTIONS = ["climate", "terrain", "water", "activity", "wildlife_interest", "lodging", "wildlife_wanted"]
WHITE_SANDS = {"climate": "warm", "terrain": "desert", "water": "none", "activity": "stargazing",
               "wildlife_interest": "not_at_all", "lodging": "backcountry", "wildlife_wanted": "none"}


def new_user(ctx, tag):
    r = ctx.c.post("/api/users", user_body(ctx.name(tag)))
    if r.status != 201:
        raise Problem("sign-up %s: %s" % (tag, r.describe()))
    return r.json["token"]


def make_admin(ctx, tag):
    """An admin made the operator's way: frostbyte-ctl create-admin, password on standard input."""
    name = ctx.name(tag)
    build = os.environ.get("FROSTBYTE_BUILD_DIR", os.path.join(REPO, "build"))
    env = dict(os.environ, FROSTBYTE_CONFIG=os.path.join(ctx.stack.data, "frostbyte.conf"))
    subprocess.run([os.path.join(build, "frostbyte-ctl"), "create-admin", name], input=(PASSWORD + "\n").encode(),
                   env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30, check=True)
    r = ctx.c.post("/api/session", {"username": name, "password": PASSWORD})
    if r.status != 200 or r.json["user"]["role"] != "admin":
        raise Problem("admin sign-in: %s" % r.describe())
    return r.json["token"]


def check_keys(obj, keys, what):
    must(isinstance(obj, dict) and set(obj) == keys,
         "%s keys %s, expected %s" % (what, sorted(obj) if isinstance(obj, dict) else obj, sorted(keys)))


def check_summary(p):
    check_keys(p, SUMMARY_KEYS, "park summary")


def check_post(p):
    check_keys(p, POST_KEYS, "post")
    check_keys(p["author"], {"id", "username", "display_name"}, "author")
    must(ISO_SECONDS.match(p["created_at"]) and ISO_SECONDS.match(p["updated_at"]), "timestamps")


def check_location(loc):
    check_keys(loc, LOCATION_KEYS, "location")
    must(ISO_SECONDS.match(loc["created_at"]) and ISO_SECONDS.match(loc["updated_at"]), "timestamps")


def check_page(r, item_check):
    check_keys(r.json, {"items", "next_cursor"}, "list")
    for it in r.json["items"]:
        item_check(it)


@test
def boards_channels(ctx):
    c = ctx.c

    def listing(r):
        check_page(r, lambda ch: check_keys(ch, CHANNEL_KEYS, "channel"))
        items = r.json["items"]
        must(len(items) == 68, "%d boards, expected 68" % len(items))
        names = {ch["name"] for ch in items if ch["kind"] == "camping"}
        must(names == {"Tundra", "Forest", "Aquatic", "Desert"}, "camping boards %s" % sorted(names))
        must([ch["name"] for ch in items if ch["kind"] == "general"] == ["General"], "no General board")
        must(sum(1 for ch in items if ch["kind"] == "park" and type(ch["park_id"]) is int) == 63,
             "not one board per park")
    ctx.expect(c.get("/api/channels"), 200, "GET /api/channels: 68 boards (General, 4 camping, 63 parks)",
               listing)
    park = c.get("/api/parks/yellowstone").json
    r = c.get("/api/channels/%d" % park["channel_id"])
    ctx.expect(r, 200, "GET /api/channels/{park's channel_id}: the park's board",
               lambda r: (check_keys(r.json, CHANNEL_KEYS, "channel"),
                          must(r.json["park_id"] == park["id"] and r.json["name"] == "Yellowstone",
                               "board %r" % r.json)))
    for path in ["/api/channels/99999", "/api/channels/0", "/api/channels/abc", "/api/channels/99999/posts",
                 "/api/posts/99999", "/api/users/me/quiz-results/abc"]:
        ctx.error(c.get(path), 404, "not_found", "GET %s: 404 not_found" % path)
    ctx.error(c.request("PUT", "/api/channels/1"), 405, "method_not_allowed", "PUT /api/channels/1: 405")
    ctx.error(c.request("PUT", "/api/posts/1", body=b"{}"), 405, "method_not_allowed", "PUT /api/posts/1: 405")


@test
def boards_posts(ctx):
    c = ctx.c
    ann, bob = new_user(ctx, "pann"), new_user(ctx, "pbob")
    admin = make_admin(ctx, "padm")
    r = c.post("/api/channels/2/posts", {"title": "Permafrost tips", "body": "Bring a foam pad."}, token=ann)
    ctx.expect(r, 201, "POST /api/channels/2/posts: 201 post", lambda r: check_post(r.json))
    pid = r.json["id"]
    before = c.get("/api/channels/2").json["post_count"]
    ctx.ok(before >= 1, "the board's post_count counts it")
    ctx.expect(c.get("/api/posts/%d" % pid), 200, "GET /api/posts/{id}: 200 post without a token",
               lambda r: (check_post(r.json), must(r.json["title"] == "Permafrost tips", "title")))
    ctx.expect(c.get("/api/channels/2/posts?limit=1"), 200, "GET /api/channels/2/posts?limit=1: newest first",
               lambda r: (check_page(r, check_post), must(r.json["items"][0]["id"] == pid, "not newest")))
    for i in range(3):
        c.post("/api/channels/2/posts", {"title": "n%d" % i, "body": "b"}, token=bob)
    first = c.get("/api/channels/2/posts?limit=2").json
    oldest = min(p["id"] for p in first["items"])
    ctx.expect(c.get("/api/channels/2/posts?limit=2&cursor=" + quote(first["next_cursor"], safe="")), 200,
               "the next_cursor gives the next page, older posts",
               lambda r: (check_page(r, check_post),
                          must(r.json["items"] and all(p["id"] < oldest for p in r.json["items"]), "not older")))
    ctx.error(c.get("/api/channels/2/posts?cursor=bogus"), 400, "invalid_cursor", "a bad cursor: 400 invalid_cursor",
              field="cursor")
    ctx.error(c.get("/api/channels/2/posts?limit=51"), 400, "invalid_field", "limit=51: 400 invalid_field",
              field="limit")

    for desc, body, code, field in [
        ("a user_id", {"title": "t", "body": "b", "user_id": 1}, "unknown_field", "user_id"),
        ("no title", {"body": "b"}, "missing_field", "title"),
        ("a 121-character title", {"title": "x" * 121, "body": "b"}, "invalid_field", "title"),
        ("a numeric body", {"title": "t", "body": 3}, "invalid_field", "body"),
    ]:
        ctx.error(c.post("/api/channels/2/posts", body, token=ann), 400, code,
                  "POST a post with %s: 400 %s" % (desc, code), field=field)
    ctx.error(c.post("/api/channels/99999/posts", {"title": "t", "body": "b"}, token=ann), 404, "not_found",
              "POST to an unknown board: 404")
    ctx.error(c.post("/api/channels/2/posts", {"title": "t", "body": "b"}), 401, "unauthenticated",
              "POST a post without a token: 401")
    ctx.error(c.request("POST", "/api/channels/2/posts", body=b'{"title":"t","body":"b"}', ctype="text/plain",
                        token=ann), 415, "unsupported_media_type", "POST a post as text/plain: 415")

    ctx.error(c.patch("/api/posts/%d" % pid, {"title": "mine"}, token=bob), 403, "forbidden",
              "PATCH another user's post: 403 forbidden")
    ctx.expect(c.patch("/api/posts/%d" % pid, {"title": "Permafrost, revised"}, token=ann), 200,
               "PATCH /api/posts/{id} by the author: 200", lambda r: (check_post(r.json),
                                                                      must(r.json["title"] == "Permafrost, revised", "title")))
    ctx.error(c.patch("/api/posts/%d" % pid, {"user_id": 5}, token=ann), 400, "unknown_field",
              "PATCH a post with user_id: 400 unknown_field", field="user_id")
    ctx.error(c.delete("/api/posts/%d" % pid, token=bob), 403, "forbidden", "DELETE another user's post: 403")
    ctx.expect(c.delete("/api/posts/%d" % pid, token=ann), 204, "DELETE /api/posts/{id} by the author: 204")
    # Signed in, as the author: nginx's micro-cache may show anonymous readers the post a second more.
    ctx.error(c.get("/api/posts/%d" % pid, token=ann), 404, "not_found", "the deleted post: 404")
    bobs = c.get("/api/channels/2/posts?limit=1", token=admin).json["items"][0]["id"]
    ctx.expect(c.delete("/api/posts/%d" % bobs, token=admin), 204, "an admin deletes another user's post: 204")
    ctx.error(c.delete("/api/posts/%d" % bobs, token=admin), 404, "not_found", "... then 404")


@test
def boards_locations(ctx):
    c = ctx.c
    ann, bob = new_user(ctx, "lann"), new_user(ctx, "lbob")
    body = {"label": "Old Faithful Inn", "latitude": 44.4605, "longitude": -110.8281, "channel_id": 66,
            "note": "Room 12", "visited_on": "2024-09"}
    r = c.post("/api/users/me/locations", body, token=ann)
    ctx.expect(r, 201, "POST /api/users/me/locations: 201 location",
               lambda r: (check_location(r.json), must(r.json["latitude"] == 44.4605, "latitude")))
    lid = r.json["id"]
    ctx.expect(c.get("/api/users/me/locations", token=ann), 200, "GET /api/users/me/locations: the caller's",
               lambda r: (check_page(r, check_location), must([x["id"] for x in r.json["items"]] == [lid], "items")))
    ctx.expect(c.get("/api/users/me/locations/%d" % lid, token=ann), 200, "GET /api/users/me/locations/{id}: 200",
               lambda r: check_location(r.json))
    ctx.expect(c.patch("/api/users/me/locations/%d" % lid, {"note": "Room 14", "visited_on": None}, token=ann), 200,
               "PATCH /api/users/me/locations/{id}: 200",
               lambda r: must(r.json["note"] == "Room 14" and r.json["visited_on"] is None, "not patched"))
    for method, b in [("GET", None), ("PATCH", {"label": "x"}), ("DELETE", None)]:
        ctx.error(c.request(method, "/api/users/me/locations/%d" % lid, json_body=b, token=bob), 404, "not_found",
                  "%s another user's location: 404 not_found, never 403" % method)
    ctx.expect(c.get("/api/users/me/locations", token=bob), 200, "another user's list does not show it",
               lambda r: must(r.json["items"] == [], "items %r" % r.json["items"]))
    for desc, raw, code, field in [
        ("latitude 91", b'{"label":"x","latitude":91,"longitude":0}', "invalid_field", "latitude"),
        ("longitude -180.5", b'{"label":"x","latitude":0,"longitude":-180.5}', "invalid_field", "longitude"),
        ("latitude as a string", b'{"label":"x","latitude":"45","longitude":0}', "invalid_field", "latitude"),
        ("latitude 1e999 (infinite)", b'{"label":"x","latitude":1e999,"longitude":0}', "invalid_field", "latitude"),
        ("a bare NaN (not JSON)", b'{"label":"x","latitude":NaN,"longitude":0}', "malformed_json", None),
        ("a bare Infinity (not JSON)", b'{"label":"x","latitude":0,"longitude":Infinity}', "malformed_json", None),
        ("an unknown board", b'{"label":"x","latitude":0,"longitude":0,"channel_id":99999}', "invalid_field",
         "channel_id"),
        ("month 2024-13", b'{"label":"x","latitude":0,"longitude":0,"visited_on":"2024-13"}', "invalid_field",
         "visited_on"),
        ("a user_id", b'{"label":"x","latitude":0,"longitude":0,"user_id":1}', "unknown_field", "user_id"),
        ("no label", b'{"latitude":0,"longitude":0}', "missing_field", "label"),
    ]:
        ctx.error(c.request("POST", "/api/users/me/locations", body=raw, token=ann), 400, code,
                  "POST a location with %s: 400 %s" % (desc, code), field=field if field else NOFIELD)
    ctx.error(c.get("/api/users/me/locations"), 401, "unauthenticated", "GET locations without a token: 401")
    ctx.expect(c.delete("/api/users/me/locations/%d" % lid, token=ann), 204, "DELETE /api/users/me/locations/{id}: 204")
    ctx.error(c.get("/api/users/me/locations/%d" % lid, token=ann), 404, "not_found", "... then 404")


@test
def boards_quiz(ctx):
    c = ctx.c
    ann, bob = new_user(ctx, "qann"), new_user(ctx, "qbob")

    def questions(r):
        qs = r.json["questions"]
        must([q["id"] for q in qs] == QUESTIONS, "question ids %r" % [q["id"] for q in qs])
        for q in qs:
            must(isinstance(q["text"], str) and len(q["options"]) >= 4, "question %r" % q["id"])
    ctx.expect(c.get("/api/quiz"), 200, "GET /api/quiz: the seven questions", questions)

    def result(r, stored):
        keys = {"answers", "park", "alternatives", "score", "explanation"} | ({"id", "created_at"} if stored else set())
        check_keys(r.json, keys, "result")
        check_summary(r.json["park"])
        must(len(r.json["alternatives"]) == 2, "alternatives")
        for p in r.json["alternatives"]:
            check_summary(p)
        must(r.json["park"]["slug"] == "white-sands", "park %r" % r.json["park"]["slug"])
        must(type(r.json["score"]) is int and 0 <= r.json["score"] <= 100, "score %r" % r.json["score"])
        must("White Sands" in r.json["explanation"], "explanation %r" % r.json["explanation"])
    r1 = c.post("/api/quiz/results", {"answers": WHITE_SANDS})
    ctx.expect(r1, 200, "POST /api/quiz/results anonymously: 200, White Sands, not stored", lambda r: result(r, False))
    r2 = c.post("/api/quiz/results", {"answers": WHITE_SANDS})
    ctx.ok(r1.body == r2.body, "the same answers give the same answer", r2.describe())
    r = c.post("/api/quiz/results", {"answers": WHITE_SANDS}, token=ann)
    ctx.expect(r, 201, "POST /api/quiz/results signed in: 201 with id, stored", lambda r: result(r, True))
    rid = r.json["id"]
    ctx.expect(c.get("/api/users/me/quiz-results", token=ann), 200, "GET /api/users/me/quiz-results: the caller's",
               lambda r: must([x["id"] for x in r.json["items"]] == [rid], "items %r" % r.json["items"]))
    ctx.expect(c.get("/api/users/me/quiz-results", token=bob), 200, "another user's list is empty",
               lambda r: must(r.json["items"] == [], "items"))
    ctx.error(c.delete("/api/users/me/quiz-results/%d" % rid, token=bob), 404, "not_found",
              "DELETE another user's quiz result: 404")
    ctx.expect(c.delete("/api/users/me/quiz-results/%d" % rid, token=ann), 204,
               "DELETE /api/users/me/quiz-results/{id}: 204")
    ctx.error(c.delete("/api/users/me/quiz-results/%d" % rid, token=ann), 404, "not_found", "... then 404")
    partial = dict(WHITE_SANDS)
    del partial["lodging"]
    for desc, body, code, field in [
        ("a question unanswered", {"answers": partial}, "missing_field", "answers.lodging"),
        ("an unknown option", {"answers": dict(WHITE_SANDS, climate="tropical")}, "invalid_field", "answers.climate"),
        ("an unknown question", {"answers": dict(WHITE_SANDS, mood="calm")}, "unknown_field", "answers.mood"),
        ("a user_id", {"answers": WHITE_SANDS, "user_id": 1}, "unknown_field", "user_id"),
        ("no answers", {}, "missing_field", "answers"),
    ]:
        ctx.error(c.post("/api/quiz/results", body, token=ann), 400, code, "POST a quiz with %s: 400 %s" % (desc, code),
                  field=field)
    ctx.error(c.get("/api/users/me/quiz-results"), 401, "unauthenticated", "GET quiz results without a token: 401")
    ctx.error(c.request("DELETE", "/api/quiz"), 405, "method_not_allowed", "DELETE /api/quiz: 405")
