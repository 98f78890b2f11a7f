#!/usr/bin/env python3
"""bench/seed.py DATA USERS REVIEW_PARK: benchmark data, written straight into DATA/frostbyte.db
(the stack may be running: one write transaction, the schema's triggers keep park_stats).

- USERS accounts named bench_user_N (a password hash nobody can sign in with) and one session
  each; their bearer tokens, signed with DATA/secret exactly as auth.c signs them (HS256, iss,
  sub, jti, iat, exp), go to DATA/bench-tokens.txt, one per line;
- the id of each user's review, in the same order, to DATA/bench-reviews.txt, and its text to
  DATA/bench-texts.txt (bench/mix.lua edits reviews with these texts, so pages keep their size);
- a review of park REVIEW_PARK by every one of them (stars and text varied, 300-900 characters);
- ratings of five other parks by each user, so sort=rating has figures to order by; none of park
  REVIEW_PARK + 1, which the rating benchmark writes to.

Python 3 standard library only. Benchmark data only: nothing here is shown as real opinion."""

import base64
import hashlib
import hmac
import json
import os
import random
import secrets
import sqlite3
import sys
import time

WORDS = ("trail campsite river canyon ridge meadow ranger permit shade bear box water pump quiet "
         "crowded windy cold warm sunrise stars mosquitoes dust switchbacks lake forest granite "
         "shuttle parking loop tent pad fire ring picnic table views wildlife elk bison wildflowers").split()


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def token(key, uid, jti, now):
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {"iss": "frostbyte", "sub": str(uid), "jti": jti, "iat": now, "exp": now + 30 * 86400}
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(key, ("%s.%s" % (head, body)).encode(), hashlib.sha256).digest()
    return "%s.%s.%s" % (head, body, b64url(sig))


def main():
    data, users, park = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(os.path.join(data, "secret"), "rb") as f:
        key = f.read()
    rnd = random.Random(1)
    now = int(time.time())
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    db = sqlite3.connect(os.path.join(data, "frostbyte.db"), timeout=30, isolation_level=None)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("BEGIN IMMEDIATE")
    tokens, reviews, texts = [], [], []
    others = [p for p in range(1, 64) if p not in (park, park + 1)]
    for i in range(users):
        uid = db.execute("INSERT INTO users (username, display_name, password_hash) VALUES (?, ?, ?)"
                         " RETURNING id", ("bench_user_%d" % i, "Bench camper %d" % i, "!")).fetchone()[0]
        jti = secrets.token_hex(16)
        db.execute("INSERT INTO sessions (jti, user_id, expires_at) VALUES (?, ?, ?)", (jti, uid, now + 30 * 86400))
        tokens.append(token(key, uid, jti, now))
        text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(50, 150)))[:900].capitalize() + "."
        texts.append(text)
        reviews.append(db.execute(
                   "INSERT INTO ratings (user_id, park_id, stars, rated_at, updated_at, title, body, visited_on,"
                   " camper_type, review_created_at, review_updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                   (uid, park, rnd.choice((2, 3, 4, 4, 5, 5)), stamp, stamp, "Visit %d" % i, text,
                    "2025-%02d" % rnd.randint(1, 12), rnd.choice(("tent", "rv", "van", "cabin", None)), stamp, stamp)
        ).fetchone()[0])
        for p in rnd.sample(others, 5):
            db.execute("INSERT INTO ratings (user_id, park_id, stars, rated_at, updated_at) VALUES (?,?,?,?,?)",
                       (uid, p, rnd.randint(1, 5), stamp, stamp))
    db.execute("COMMIT")
    db.close()
    with open(os.path.join(data, "bench-tokens.txt"), "w") as f:
        f.write("\n".join(tokens) + "\n")
    with open(os.path.join(data, "bench-reviews.txt"), "w") as f:  # user i's review id on line i
        f.write("\n".join(str(r) for r in reviews) + "\n")
    with open(os.path.join(data, "bench-texts.txt"), "w") as f:  # user i's review text on line i
        f.write("\n".join(texts) + "\n")


if __name__ == "__main__":
    main()
