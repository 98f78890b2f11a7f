-- 004_boards.sql: discussion boards (one per park, four camping boards, General) and their posts,
-- the places users save, and stored quiz results.
-- Everything a user owns references users(id) ON DELETE CASCADE, so deleting an account removes it.
-- Every request path reads these tables through an index (checked in test/inproc/test_posts.c,
-- test_locations.c and test_quiz.c).

CREATE TABLE channels (
  id         INTEGER PRIMARY KEY,
  slug       TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 64),
  name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
  kind       TEXT NOT NULL CHECK (kind IN ('park', 'camping', 'general')),
  park_id    INTEGER UNIQUE REFERENCES parks(id),
  -- Kept by the triggers below in the same transaction as the post written or deleted.
  post_count INTEGER NOT NULL DEFAULT 0 CHECK (post_count >= 0),
  CHECK ((kind = 'park') = (park_id IS NOT NULL))
);

-- General and the camping boards first, then one board per park in park order, so a board's id
-- is never its park's id (a mix-up of the two shows in tests).
INSERT INTO channels (id, slug, name, kind) VALUES
  (1, 'general', 'General', 'general'),
  (2, 'tundra',  'Tundra',  'camping'),
  (3, 'forest',  'Forest',  'camping'),
  (4, 'aquatic', 'Aquatic', 'camping'),
  (5, 'desert',  'Desert',  'camping');
INSERT INTO channels (slug, name, kind, park_id)
  SELECT slug, name, 'park', id FROM parks ORDER BY id;

-- AUTOINCREMENT: ids only grow, so "newest first" is id order and the keyset is the id alone.
CREATE TABLE posts (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  channel_id INTEGER NOT NULL REFERENCES channels(id),
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title      TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
  body       TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX posts_channel ON posts(channel_id, id);
CREATE INDEX posts_user ON posts(user_id);   -- the cascade when an account is deleted

-- Cascaded deletes fire these too, so post_count never disagrees with the posts.
CREATE TRIGGER posts_count_insert AFTER INSERT ON posts BEGIN
  UPDATE channels SET post_count = post_count + 1 WHERE id = NEW.channel_id;
END;
CREATE TRIGGER posts_count_delete AFTER DELETE ON posts BEGIN
  UPDATE channels SET post_count = post_count - 1 WHERE id = OLD.channel_id;
END;

CREATE TABLE locations (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  label      TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 80),
  latitude   REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude  REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  channel_id INTEGER REFERENCES channels(id),
  note       TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 500),
  visited_on TEXT CHECK (visited_on IS NULL OR (visited_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'
                                                AND substr(visited_on, 6, 2) BETWEEN '01' AND '12')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX locations_user ON locations(user_id, id);

-- answers is the canonical JSON the server wrote (question order); the parks are the result at the
-- time it was taken.
CREATE TABLE quiz_results (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  answers        TEXT NOT NULL CHECK (json_valid(answers)),
  park_id        INTEGER NOT NULL REFERENCES parks(id),
  alternative1_id INTEGER NOT NULL REFERENCES parks(id),
  alternative2_id INTEGER NOT NULL REFERENCES parks(id),
  score          INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
  explanation    TEXT NOT NULL CHECK (length(explanation) BETWEEN 1 AND 500),
  created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX quiz_results_user ON quiz_results(user_id, id);
