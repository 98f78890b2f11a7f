-- 011_moderation.sql: moderation that sticks, and the moderators' lists of past decisions.
--
-- A hold per (author, park), set when a moderator hides the author's review of the park and lifted
-- when a moderator unhides one. While it holds, a review the author writes of that park again
-- (after deleting the hidden one) is stored hidden, so deleting and re-posting cannot undo a
-- moderator's decision, and its stars stay out of the figures (reviews.c). review_id is the review
-- whose hiding set the hold; it may be gone since (no foreign key, as in moderation_log).
CREATE TABLE moderation_holds (
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  park_id    INTEGER NOT NULL REFERENCES parks(id),
  review_id  INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (user_id, park_id)
) WITHOUT ROWID;

-- Reviews hidden before this migration hold their authors too.
INSERT INTO moderation_holds (user_id, park_id, review_id, created_at)
  SELECT user_id, park_id, id, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM ratings WHERE hidden = 1;

-- The moderators' lists, newest first: hidden reviews, and reports already decided.
CREATE INDEX ratings_hidden ON ratings(hidden) WHERE hidden = 1;
CREATE INDEX reports_closed ON reports(id) WHERE resolved_at IS NOT NULL;
