"""End-to-end tests of abuse that the contract must withstand, through nginx: moderation that a
deleted and re-posted review cannot undo, the moderators' lists of past decisions, and text that
cannot carry control characters or pass for a title when blank."""

from checks import *  # noqa: F401,F403  the registry, Ctx and the shared checks
from checks import must, test, user_body
from e2e_reviews import admin_token, check_review, signup


def figures(ctx, park, token):
    """The park's figures as a signed-in camper sees them: current, never nginx's micro-cache."""
    r = ctx.c.get("/api/parks/%d" % park, token=token)
    if r.status != 200:
        raise RuntimeError("GET /api/parks/%d: %s" % (park, r.describe()))
    return r.json["rating"]["count"], r.json["review_count"]


@test
def moderation_survives_delete_and_repost(ctx):
    c = ctx.c
    ta, ua = signup(ctx, "mod_a")
    tb, _ = signup(ctx, "mod_b")
    tm = admin_token(ctx)
    park = 23
    before = figures(ctx, park, tb)
    spam = {"stars": 1, "title": "Cheap tours", "body": "Book at example.com, best prices."}
    r = c.post("/api/parks/%d/reviews" % park, spam, token=ta)
    ctx.expect(r, 201, "A writes a review")
    rid = r.json["id"]
    c.post("/api/reviews/%d/reports" % rid, {"reason": "spam"}, token=tb)
    ctx.expect(c.patch("/api/admin/reviews/%d" % rid, {"hidden": True, "reason": "Advertising"}, token=tm),
               200, "a moderator hides it")
    ctx.ok(figures(ctx, park, tb) == before, "... its stars and the review leave the park's figures",
           lambda: "%r, expected %r" % (figures(ctx, park, tb), before))
    ctx.expect(c.delete("/api/reviews/%d" % rid, token=ta), 204, "A deletes the hidden review")
    ctx.ok(figures(ctx, park, tb) == before, "... and its stars do not come back",
           lambda: "%r, expected %r" % (figures(ctx, park, tb), before))

    r = c.post("/api/parks/%d/reviews" % park, spam, token=ta)
    ctx.expect(r, 201, "A posts it again: 201, hidden, and A is told so",
               lambda r: check_review(r.json, ua, hidden=True))
    again = r.json["id"]
    ctx.ok(figures(ctx, park, tb) == before, "... the re-post stays out of the figures",
           lambda: "%r, expected %r" % (figures(ctx, park, tb), before))
    ctx.expect(c.get("/api/parks/%d/reviews" % park), 200, "... and out of the park's public list",
               lambda r: must(again not in [i["id"] for i in r.json["items"]], "%r" % r.json))
    ctx.error(c.get("/api/reviews/%d" % again), 404, "not_found", "... and 404 to the public")

    ctx.expect(c.get("/api/admin/reviews?hidden=1", token=tm), 200,
               "the moderators' hidden list shows the re-post with the decision that holds it",
               lambda r: must(any(i["review"]["id"] == again and i["decision"]["action"] == "hide" and
                                  i["decision"]["admin"] is None for i in r.json["items"]), "%r" % r.json))
    ctx.error(c.get("/api/admin/reviews?hidden=1", token=tb), 403, "forbidden",
              "... which a user may not read: 403 forbidden")
    ctx.expect(c.patch("/api/admin/reviews/%d" % again, {"hidden": False, "reason": "Rewritten"}, token=tm),
               200, "a moderator unhides the re-post: the decision is undone")
    ctx.ok(figures(ctx, park, tb) == (before[0] + 1, before[1] + 1), "... and it counts again",
           lambda: "%r, expected one more than %r" % (figures(ctx, park, tb), before))

    # A report decided with "keep visible" is closed; the closed list finds it and its decision.
    ctx.expect(c.post("/api/reviews/%d/reports" % again, {"reason": "other", "note": "Still an ad?"}, token=tb),
               201, "B reports the visible review")
    ctx.expect(c.patch("/api/admin/reviews/%d" % again, {"hidden": False, "reason": "Fine now"}, token=tm),
               200, "a moderator keeps it visible, closing the report")
    ctx.expect(c.get("/api/admin/reports?status=closed", token=tm), 200,
               "the closed reports list it, with when it closed and the decision",
               lambda r: must(any(i["review"]["id"] == again and i["note"] == "Still an ad?" and i["resolved_at"]
                                  and i["decision"]["action"] == "unhide" and i["decision"]["reason"] == "Fine now"
                                  for i in r.json["items"]), "%r" % r.json))
    ctx.expect(c.get("/api/admin/reports", token=tm), 200, "... and the open queue no longer does",
               lambda r: must(all(i["review"]["id"] != again for i in r.json["items"]), "%r" % r.json))


# Text other people see: one rule for every field (fcgi-app/body.c json_text).
ANSI = "\x1b[2J\x1b[31mFREE GEAR"        # clears a terminal and paints it red
BIDI = "trail\u202egnp.exe"              # a right-to-left override that disguises what follows
C1 = "tent\x9b31m"                       # the one-byte CSI
BLANKS = (" ", "\u00a0\u3000", "\u200b")  # spaces alone, visible or not


@test
def text_fields_refuse_controls_and_blank_titles(ctx):
    c = ctx.c
    tok, _ = signup(ctx, "txt")
    channel = c.get("/api/channels").json["items"][0]["id"]
    posts = "/api/channels/%d/posts" % channel
    for bad in BLANKS:
        ctx.error(c.post(posts, {"title": bad, "body": "Hello"}, token=tok), 400, "invalid_field",
                  "a post titled %r: 400 invalid_field title" % bad, field="title")
    for bad in (ANSI, BIDI, C1, "line one\rline two"):
        ctx.error(c.post(posts, {"title": "Hello", "body": bad}, token=tok), 400, "invalid_field",
                  "a post body with %r: 400 invalid_field body" % bad, field="body")
    r = c.post(posts, {"title": "Hello", "body": "Line one\r\nLine two\n\tindented"}, token=tok)
    ctx.expect(r, 201, "a post body with CRLF, newlines and a tab: 201")
    ctx.error(c.patch("/api/posts/%d" % r.json["id"], {"title": ANSI}, token=tok), 400, "invalid_field",
              "editing a post's title to an ANSI escape: 400 invalid_field title", field="title")
    ctx.expect(c.get("/api/posts/%d" % r.json["id"]), 200, "... and the post kept its title",
               lambda r: must(r.json["title"] == "Hello", "%r" % r.json))

    places = "/api/users/me/locations"
    where = {"latitude": 44.4, "longitude": -110.6}
    for bad in BLANKS + (ANSI, BIDI, "Camp\tsite"):
        ctx.error(c.post(places, dict(where, label=bad), token=tok), 400, "invalid_field",
                  "a saved place labelled %r: 400 invalid_field label" % bad, field="label")
    ctx.error(c.post(places, dict(where, label="Madison", note=ANSI), token=tok), 400, "invalid_field",
              "a saved place with an ANSI escape in its note: 400 invalid_field note", field="note")
    ctx.expect(c.post(places, dict(where, label="Madison", note=""), token=tok), 201,
               "a saved place with an empty note (no note): 201")
    ctx.expect(c.get(places, token=tok), 200, "... and only that place was saved",
               lambda r: must([p["label"] for p in r.json["items"]] == ["Madison"], "%r" % r.json))

    r = c.post("/api/chat/conversations", {}, token=tok)
    ctx.expect(r, 201, "a chat conversation")
    conv = r.json["id"]
    for bad in (ANSI, C1) + BLANKS:
        ctx.error(c.post("/api/chat/conversations/%d/messages" % conv, {"text": bad}, token=tok), 400,
                  "invalid_field", "a chat message %r: 400 invalid_field text" % bad, field="text")
    ctx.expect(c.get("/api/chat/conversations/%d" % conv, token=tok), 200, "... and none was stored or sent",
               lambda r: must(r.json["messages"] == [], "%r" % r.json))

    ctx.error(c.post("/api/users", user_body(ctx.name("txt2"), BIDI)), 400, "invalid_field",
              "a display name with a bidi override: 400 invalid_field display_name", field="display_name")
    ctx.error(c.post("/api/parks/30/reviews", {"stars": 3, "title": "\u00a0", "body": "Fine."}, token=tok), 400,
              "invalid_field", "a review titled with a no-break space alone: 400 invalid_field title", field="title")


@test
def error_messages_never_cut_a_character(ctx):
    name = "x" * 63 + "\u2026yz"  # byte 64 falls inside the 3-byte "…"
    r = ctx.c.post("/api/quiz/results", {"answers": {name: "a"}})
    ctx.error(r, 400, "unknown_field", "an unknown 68-byte quiz question: 400 unknown_field, valid UTF-8 throughout",
              field="answers." + "x" * 63 + "\u2026",
              check=lambda r: must(r.body.decode("utf-8") and "x" * 63 + "\u2026" in r.json["error"]["message"],
                                   "message %r" % r.json["error"]["message"]))


@test
def huge_numbers_are_refused_not_cast(ctx):
    c = ctx.c
    tok, _ = signup(ctx, "num")
    for raw in ("9223372036854775808", "9223372036854775807", "1e300", "-9223372036854775809"):
        body = '{"label":"Camp","latitude":44.4,"longitude":-110.6,"channel_id":%s}' % raw
        ctx.error(c.request("POST", "/api/users/me/locations", body=body, token=tok), 400, "invalid_field",
                  "a saved place with channel_id %s: 400 invalid_field channel_id (no cast out of range)" % raw,
                  field="channel_id")
    ctx.expect(c.get("/api/users/me/locations", token=tok), 200, "... and nothing was saved",
               lambda r: must(r.json["items"] == [], "%r" % r.json))


# nginx's own refusals: the API's JSON envelope, or the site's 404 page; never nginx's banner page.
def is_json_error(r, status, code):
    return (r.status == status and (r.header("Content-Type") or "").startswith("application/json")
            and isinstance(r.json, dict) and r.json.get("error", {}).get("code") == code)


def is_site_404(r):
    body = r.body.decode("utf-8", "replace")
    return (r.status == 404 and (r.header("Content-Type") or "").startswith("text/html")
            and "Page not found" in body and 'href="/style.css"' in body and "site-header" in body
            and "<center>nginx</center>" not in body)


def nginx_error_pages(ctx, get, where):
    """get(method, target) -> Response-like (status, header(), body, json)."""
    for target in ("/api/parks?q=" + "a" * 20000, "/" + "a" * 20000):
        r = get("GET", target)
        ctx.ok(r is not None and is_json_error(r, 414, "uri_too_long"),
               "%s: a %d-byte request line (%s...): 414 in the JSON envelope, not nginx's page"
               % (where, len(target), target[:14]), lambda: r and r.describe())
    for target in ("/api/health", "/", "/index.html"):
        r = get("TRACE", target)
        ctx.ok(r is not None and is_json_error(r, 405, "method_not_allowed"),
               "%s: TRACE %s: 405 in the JSON envelope" % (where, target), lambda: r and r.describe())
    r = get("GET", "/api")
    ctx.ok(r is not None and is_json_error(r, 404, "not_found"),
           "%s: GET /api (no slash): 404 in the JSON envelope, not nginx's redirect page" % where,
           lambda: r and r.describe())
    for target in ("/no-such-page.html", "/js/", "/404.html"):
        r = get("GET", target)
        ctx.ok(r is not None and is_site_404(r),
               "%s: GET %s: 404 with the site's own page (its stylesheet and header)" % (where, target),
               lambda: r and r.describe())
    r = get("GET", "/api/no-such-thing")
    ctx.ok(r is not None and is_json_error(r, 404, "not_found"),
           "%s: GET /api/no-such-thing: still the app's JSON 404" % where, lambda: r and r.describe())


@test
def nginx_refusals_are_json_or_the_site_404(ctx):
    nginx_error_pages(ctx, lambda m, t: ctx.c.request(m, t), "dev")


def prod_curl(prod, path, method, http11=False):
    """Prod.curl, optionally over HTTP/1.1."""
    if not http11:
        return prod.curl(path, method=method)
    from e2e_ops import DOMAIN
    import subprocess
    p = subprocess.run(["curl", "-sS", "-i", "--http1.1", "--max-time", "10", "-X", method, "--cacert",
                        prod.dir + "/cert.pem", "--resolve", "%s:%d:127.0.0.1" % (DOMAIN, prod.https),
                        "https://%s:%d%s" % (DOMAIN, prod.https, path)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
    if p.returncode != 0:
        return None, {}, p.stderr.decode(errors="replace")
    head, _, body = p.stdout.decode("utf-8", "replace").partition("\r\n\r\n")
    lines = head.split("\r\n")
    hdrs = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        hdrs.setdefault(name.strip().lower(), []).append(value.strip())
    return int(lines[0].split()[1]), hdrs, body


@test
def prod_nginx_refusals_are_json_or_the_site_404(ctx):
    from e2e_ops import Prod
    from e2elib import Response
    prod = Prod(ctx.stack)
    try:
        why = prod.start()
        ctx.ok(why is None, "the production nginx starts for the error pages", why)
        if why is not None:
            return

        def get(method, target):
            # A request line too long for the header buffers is an HTTP/1.1 notion: over HTTP/2
            # the path is a header field, and nginx resets the stream without a page.
            st, h, body = prod_curl(prod, target, method, http11=len(target) > 8000)
            if st is None:
                return None
            return Response(st, "", [(k, v) for k, vs in h.items() for v in vs], body.encode())
        nginx_error_pages(ctx, get, "prod over HTTPS")
    finally:
        prod.stop()
