-- 003_reviews.sql: star ratings, reviews, helpful votes, reports, moderation, park figures.
--
-- One row per user per park holds the user's stars; when the user has written a review, the same
-- row holds it (title and body not null). The review's stars ARE the rating: one column, so the two
-- can never disagree. The row's id is the review's id. Writing a review moves the row to a new id
-- (delete + insert in one transaction, see reviews.c), so review ids grow with the time the review
-- was written: "newest first" is "id descending" and a keyset page never skips or repeats a review
-- while others are being written. AUTOINCREMENT: an id is never given out twice.
CREATE TABLE ratings (
  id                INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id           INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  park_id           INTEGER NOT NULL REFERENCES parks(id),
  stars             INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
  rated_at          TEXT NOT NULL,   -- when the user first rated the park
  updated_at        TEXT NOT NULL,   -- when the stars last changed
  -- The review, all null when there is none.
  title             TEXT CHECK (length(title) BETWEEN 1 AND 120),
  body              TEXT CHECK (length(body) BETWEEN 1 AND 5000),
  visited_on        TEXT CHECK (visited_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
  camper_type       TEXT CHECK (camper_type IN ('tent', 'rv', 'van', 'cabin', 'backpacking', 'day_use')),
  helpful_count     INTEGER NOT NULL DEFAULT 0 CHECK (helpful_count >= 0),
  hidden            INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
  review_created_at TEXT,
  review_updated_at TEXT,
  UNIQUE (user_id, park_id),
  CHECK ((title IS NULL) = (body IS NULL) AND (title IS NULL) = (review_created_at IS NULL)),
  CHECK (title IS NOT NULL OR (hidden = 0 AND helpful_count = 0))
);

-- The park's review lists (visible reviews only). id is the rowid: the indexes end in it, so each
-- sort walks one index in order and stops after a page.
CREATE INDEX ratings_reviews_newest ON ratings(park_id)
  WHERE title IS NOT NULL AND hidden = 0;                         -- newest: id desc
CREATE INDEX ratings_reviews_stars ON ratings(park_id, stars)
  WHERE title IS NOT NULL AND hidden = 0;                         -- highest, and stars=N newest
CREATE INDEX ratings_reviews_lowest ON ratings(park_id, stars, id DESC)
  WHERE title IS NOT NULL AND hidden = 0;                         -- lowest, newest first among equals
CREATE INDEX ratings_reviews_helpful ON ratings(park_id, helpful_count)
  WHERE title IS NOT NULL AND hidden = 0;                         -- helpful, newest first among equals
-- The caller's reviews, and the analytics' day-by-day activity.
CREATE INDEX ratings_user_reviews ON ratings(user_id) WHERE title IS NOT NULL;
CREATE INDEX ratings_rated_at ON ratings(rated_at);
CREATE INDEX ratings_review_created ON ratings(review_created_at) WHERE title IS NOT NULL;
CREATE INDEX ratings_park_review_created ON ratings(park_id, review_created_at)
  WHERE title IS NOT NULL AND hidden = 0;

-- One vote per user per review; the count on the review follows by trigger.
CREATE TABLE helpful_votes (
  review_id INTEGER NOT NULL REFERENCES ratings(id) ON DELETE CASCADE,
  user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (review_id, user_id)
) WITHOUT ROWID;
CREATE INDEX helpful_votes_user ON helpful_votes(user_id);

CREATE TRIGGER helpful_votes_add AFTER INSERT ON helpful_votes BEGIN
  UPDATE ratings SET helpful_count = helpful_count + 1 WHERE id = NEW.review_id;
END;
CREATE TRIGGER helpful_votes_remove AFTER DELETE ON helpful_votes BEGIN
  UPDATE ratings SET helpful_count = helpful_count - 1 WHERE id = OLD.review_id;
END;

-- Reports from readers. One open report per user per review; closed when a moderator acts.
CREATE TABLE reports (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  review_id   INTEGER NOT NULL REFERENCES ratings(id) ON DELETE CASCADE,
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  reason      TEXT NOT NULL CHECK (reason IN ('spam', 'offensive', 'off_topic', 'other')),
  note        TEXT CHECK (length(note) <= 500),
  created_at  TEXT NOT NULL,
  resolved_at TEXT
);
CREATE UNIQUE INDEX reports_open_once ON reports(review_id, user_id) WHERE resolved_at IS NULL;
CREATE INDEX reports_open ON reports(id) WHERE resolved_at IS NULL;
CREATE INDEX reports_review ON reports(review_id);   -- the foreign key: deleting a review finds its reports
CREATE INDEX reports_user ON reports(user_id);

-- Every moderation change. review_id is kept after the review is gone (no foreign key); the
-- moderator's account may be deleted later without losing the record.
CREATE TABLE moderation_log (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  review_id  INTEGER NOT NULL,
  admin_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,
  action     TEXT NOT NULL CHECK (action IN ('hide', 'unhide', 'delete')),
  reason     TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  created_at TEXT NOT NULL
);
CREATE INDEX moderation_log_review ON moderation_log(review_id);
CREATE INDEX moderation_log_admin ON moderation_log(admin_id);

-- The figures pages and analytics show, kept by triggers in the same transaction as the rows they
-- count, so every reader sees them agree with the rows and no request has to count rows: a
-- hidden review (and its stars) leaves every figure. An update is the old row leaving and the
-- new one arriving; a rating's park_id, rated_at and review_created_at never change in place.
--   park_stats: per park, the ratings (count, star total, one count per star), the visible
--     reviews and how their authors camped;
--   park_months: per park and month, the visible reviews written and their stars;
--   daily_counts: per day, the ratings first given and the reviews written (still visible).
CREATE TABLE park_stats (
  park_id INTEGER PRIMARY KEY REFERENCES parks(id),
  n       INTEGER NOT NULL DEFAULT 0,   -- ratings counted
  total   INTEGER NOT NULL DEFAULT 0,   -- their stars summed
  s1 INTEGER NOT NULL DEFAULT 0, s2 INTEGER NOT NULL DEFAULT 0, s3 INTEGER NOT NULL DEFAULT 0,
  s4 INTEGER NOT NULL DEFAULT 0, s5 INTEGER NOT NULL DEFAULT 0,
  reviews INTEGER NOT NULL DEFAULT 0,   -- visible reviews
  tent INTEGER NOT NULL DEFAULT 0, rv INTEGER NOT NULL DEFAULT 0, van INTEGER NOT NULL DEFAULT 0,
  cabin INTEGER NOT NULL DEFAULT 0, backpacking INTEGER NOT NULL DEFAULT 0,
  day_use INTEGER NOT NULL DEFAULT 0    -- visible reviews by camper type
);
INSERT INTO park_stats (park_id) SELECT id FROM parks;

CREATE TABLE park_months (
  park_id INTEGER NOT NULL REFERENCES parks(id),
  month   TEXT NOT NULL,                -- 'YYYY-MM' of review_created_at
  reviews INTEGER NOT NULL,
  stars   INTEGER NOT NULL,
  PRIMARY KEY (park_id, month)
) WITHOUT ROWID;

CREATE TABLE daily_counts (
  day     TEXT PRIMARY KEY,             -- 'YYYY-MM-DD'
  ratings INTEGER NOT NULL DEFAULT 0,
  reviews INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TRIGGER figures_insert AFTER INSERT ON ratings WHEN NEW.hidden = 0 BEGIN
  UPDATE park_stats SET n = n + 1, total = total + NEW.stars,
    s1 = s1 + (NEW.stars = 1), s2 = s2 + (NEW.stars = 2), s3 = s3 + (NEW.stars = 3),
    s4 = s4 + (NEW.stars = 4), s5 = s5 + (NEW.stars = 5),
    reviews = reviews + (NEW.title IS NOT NULL),
    tent = tent + (NEW.camper_type IS 'tent'), rv = rv + (NEW.camper_type IS 'rv'),
    van = van + (NEW.camper_type IS 'van'), cabin = cabin + (NEW.camper_type IS 'cabin'),
    backpacking = backpacking + (NEW.camper_type IS 'backpacking'),
    day_use = day_use + (NEW.camper_type IS 'day_use')
  WHERE park_id = NEW.park_id;
  INSERT INTO park_months (park_id, month, reviews, stars)
    SELECT NEW.park_id, substr(NEW.review_created_at, 1, 7), 1, NEW.stars WHERE NEW.title IS NOT NULL
    ON CONFLICT (park_id, month) DO UPDATE SET reviews = reviews + 1, stars = stars + excluded.stars;
  INSERT INTO daily_counts (day, ratings) VALUES (substr(NEW.rated_at, 1, 10), 1)
    ON CONFLICT (day) DO UPDATE SET ratings = ratings + 1;
  INSERT INTO daily_counts (day, reviews)
    SELECT substr(NEW.review_created_at, 1, 10), 1 WHERE NEW.title IS NOT NULL
    ON CONFLICT (day) DO UPDATE SET reviews = reviews + 1;
END;

CREATE TRIGGER figures_delete AFTER DELETE ON ratings WHEN OLD.hidden = 0 BEGIN
  UPDATE park_stats SET n = n - 1, total = total - OLD.stars,
    s1 = s1 - (OLD.stars = 1), s2 = s2 - (OLD.stars = 2), s3 = s3 - (OLD.stars = 3),
    s4 = s4 - (OLD.stars = 4), s5 = s5 - (OLD.stars = 5),
    reviews = reviews - (OLD.title IS NOT NULL),
    tent = tent - (OLD.camper_type IS 'tent'), rv = rv - (OLD.camper_type IS 'rv'),
    van = van - (OLD.camper_type IS 'van'), cabin = cabin - (OLD.camper_type IS 'cabin'),
    backpacking = backpacking - (OLD.camper_type IS 'backpacking'),
    day_use = day_use - (OLD.camper_type IS 'day_use')
  WHERE park_id = OLD.park_id;
  UPDATE park_months SET reviews = reviews - 1, stars = stars - OLD.stars
    WHERE OLD.title IS NOT NULL AND park_id = OLD.park_id AND month = substr(OLD.review_created_at, 1, 7);
  UPDATE daily_counts SET ratings = ratings - 1 WHERE day = substr(OLD.rated_at, 1, 10);
  UPDATE daily_counts SET reviews = reviews - 1
    WHERE OLD.title IS NOT NULL AND day = substr(OLD.review_created_at, 1, 10);
END;

-- An update: the old row's part out (when it counted), the new row's in (when it counts).
CREATE TRIGGER figures_update AFTER UPDATE OF stars, hidden, title, camper_type ON ratings BEGIN
  UPDATE park_stats SET
    n = n - (OLD.hidden = 0) + (NEW.hidden = 0),
    total = total - (OLD.hidden = 0) * OLD.stars + (NEW.hidden = 0) * NEW.stars,
    s1 = s1 - (OLD.hidden = 0 AND OLD.stars = 1) + (NEW.hidden = 0 AND NEW.stars = 1),
    s2 = s2 - (OLD.hidden = 0 AND OLD.stars = 2) + (NEW.hidden = 0 AND NEW.stars = 2),
    s3 = s3 - (OLD.hidden = 0 AND OLD.stars = 3) + (NEW.hidden = 0 AND NEW.stars = 3),
    s4 = s4 - (OLD.hidden = 0 AND OLD.stars = 4) + (NEW.hidden = 0 AND NEW.stars = 4),
    s5 = s5 - (OLD.hidden = 0 AND OLD.stars = 5) + (NEW.hidden = 0 AND NEW.stars = 5),
    reviews = reviews - (OLD.hidden = 0 AND OLD.title IS NOT NULL)
                      + (NEW.hidden = 0 AND NEW.title IS NOT NULL),
    tent = tent - (OLD.hidden = 0 AND OLD.camper_type IS 'tent') + (NEW.hidden = 0 AND NEW.camper_type IS 'tent'),
    rv = rv - (OLD.hidden = 0 AND OLD.camper_type IS 'rv') + (NEW.hidden = 0 AND NEW.camper_type IS 'rv'),
    van = van - (OLD.hidden = 0 AND OLD.camper_type IS 'van') + (NEW.hidden = 0 AND NEW.camper_type IS 'van'),
    cabin = cabin - (OLD.hidden = 0 AND OLD.camper_type IS 'cabin')
                  + (NEW.hidden = 0 AND NEW.camper_type IS 'cabin'),
    backpacking = backpacking - (OLD.hidden = 0 AND OLD.camper_type IS 'backpacking')
                              + (NEW.hidden = 0 AND NEW.camper_type IS 'backpacking'),
    day_use = day_use - (OLD.hidden = 0 AND OLD.camper_type IS 'day_use')
                      + (NEW.hidden = 0 AND NEW.camper_type IS 'day_use')
  WHERE park_id = NEW.park_id;
  UPDATE park_months SET reviews = reviews - 1, stars = stars - OLD.stars
    WHERE OLD.hidden = 0 AND OLD.title IS NOT NULL
      AND park_id = OLD.park_id AND month = substr(OLD.review_created_at, 1, 7);
  INSERT INTO park_months (park_id, month, reviews, stars)
    SELECT NEW.park_id, substr(NEW.review_created_at, 1, 7), 1, NEW.stars
     WHERE NEW.hidden = 0 AND NEW.title IS NOT NULL
    ON CONFLICT (park_id, month) DO UPDATE SET reviews = reviews + 1, stars = stars + excluded.stars;
  UPDATE daily_counts SET ratings = ratings - (OLD.hidden = 0) + (NEW.hidden = 0)
    WHERE day = substr(NEW.rated_at, 1, 10);
  UPDATE daily_counts SET reviews = reviews - (OLD.hidden = 0 AND OLD.title IS NOT NULL)
    WHERE OLD.title IS NOT NULL AND day = substr(OLD.review_created_at, 1, 10);
  INSERT INTO daily_counts (day, reviews)
    SELECT substr(NEW.review_created_at, 1, 10), 1 WHERE NEW.hidden = 0 AND NEW.title IS NOT NULL
    ON CONFLICT (day) DO UPDATE SET reviews = reviews + 1;
END;
