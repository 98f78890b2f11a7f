-- 010_photos.sql: campers' photos on their reviews.
--
-- A photo belongs to a review (a ratings row with a title) and goes with it: deleting the review,
-- or the account, deletes its photos. The files are named by the SHA-256 of their bytes (the
-- re-encoded thumbnail and large versions, never anything the uploader sent or named), under the
-- photos folder; a file may serve several rows (the same picture uploaded twice), so a file goes
-- only when no row names it any more: a deleted row leaves its names in photo_files_gone, and the
-- app removes the files no row names after its commit (fcgi-app/photostore.c).
CREATE TABLE photos (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  review_id  INTEGER NOT NULL REFERENCES ratings(id) ON DELETE CASCADE,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  park_id    INTEGER NOT NULL REFERENCES parks(id),
  alt        TEXT NOT NULL CHECK (length(alt) BETWEEN 1 AND 200),
  caption    TEXT CHECK (length(caption) BETWEEN 1 AND 300),
  thumb      TEXT NOT NULL CHECK (length(thumb) = 64 AND thumb NOT GLOB '*[^0-9a-f]*'),
  thumb_w    INTEGER NOT NULL CHECK (thumb_w > 0),
  thumb_h    INTEGER NOT NULL CHECK (thumb_h > 0),
  large      TEXT NOT NULL CHECK (length(large) = 64 AND large NOT GLOB '*[^0-9a-f]*'),
  large_w    INTEGER NOT NULL CHECK (large_w > 0),
  large_h    INTEGER NOT NULL CHECK (large_h > 0),
  bytes      INTEGER NOT NULL CHECK (bytes > 0),        -- the upload's size, for the quota
  hidden     INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),  -- by a moderator
  created_at TEXT NOT NULL,
  UNIQUE (review_id, large)                             -- the same picture once per review
);
CREATE INDEX photos_user ON photos (user_id);
CREATE INDEX photos_park ON photos (park_id, id);
CREATE INDEX photos_thumb ON photos (thumb);
CREATE INDEX photos_large ON photos (large);

-- Names of files whose rows went; the app unlinks those no row names any more, then forgets them.
CREATE TABLE photo_files_gone (
  name TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TRIGGER photos_files_gone AFTER DELETE ON photos BEGIN
  INSERT OR IGNORE INTO photo_files_gone (name) VALUES (OLD.thumb), (OLD.large);
END;

-- Uploads per user per UTC day (count and bytes), kept when photos are deleted so that deleting
-- and uploading again does not reset the quota.
CREATE TABLE photo_quota (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  day     TEXT NOT NULL,
  uploads INTEGER NOT NULL,
  bytes   INTEGER NOT NULL,
  PRIMARY KEY (user_id, day)
) WITHOUT ROWID;

-- The answer cache (006_cache_scopes.sql): a park's page, reviews and gallery show its photos;
-- the park list (figures across parks, scope 0) shows each park's cover photo.
CREATE TRIGGER cache_photos_insert AFTER INSERT ON photos BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope IN (0, NEW.park_id);
END;
CREATE TRIGGER cache_photos_update AFTER UPDATE ON photos BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope IN (0, OLD.park_id, NEW.park_id);
END;
CREATE TRIGGER cache_photos_delete AFTER DELETE ON photos BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope IN (0, OLD.park_id);
END;
-- The cover is the most helpful visible review's photo: a vote or a moderator's decision on a
-- review with photos can change it on the park list.
CREATE TRIGGER cache_photos_review AFTER UPDATE OF helpful_count, hidden ON ratings
  WHEN EXISTS (SELECT 1 FROM photos WHERE review_id = NEW.id) BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = 0;
END;
