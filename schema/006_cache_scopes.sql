-- 006_cache_scopes.sql: what a worker's answer cache (fcgi-app/cache.c) checks before it serves a
-- kept answer. Each cached answer depends on the everything scope (-1) and on one other: a park
-- (its page, its reviews, its analytics) or the figures across parks (0: the park list, the site
-- summary). A trigger draws a new random version for a scope whenever a row its answers are built
-- from changes, in the writing transaction, whoever writes (a worker, frostbyte-ctl, an operator's
-- sqlite3). A random version, not a counter: after a restore the versions are the backup's, and
-- a counter could come back to a value a worker kept for other rows.
CREATE TABLE cache_scopes (
  scope   INTEGER PRIMARY KEY,   -- a park's id; 0: figures across parks and site totals; -1: everything
  version INTEGER NOT NULL
);
INSERT INTO cache_scopes (scope, version) SELECT id, random() FROM parks;
INSERT INTO cache_scopes (scope, version) VALUES (0, random()), (-1, random());

-- A park's reviews (and every other column of its ratings).
CREATE TRIGGER cache_ratings_insert AFTER INSERT ON ratings BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = NEW.park_id;
END;
CREATE TRIGGER cache_ratings_update AFTER UPDATE ON ratings BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope IN (OLD.park_id, NEW.park_id);
END;
CREATE TRIGGER cache_ratings_delete AFTER DELETE ON ratings BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = OLD.park_id;
END;

-- The figures: a park's own, and those across parks (list order, summary). The triggers of
-- 003_reviews.sql keep them with every rating; these also catch a change made by hand.
CREATE TRIGGER cache_park_stats_update AFTER UPDATE ON park_stats BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope IN (0, OLD.park_id, NEW.park_id);
END;
CREATE TRIGGER cache_park_months_insert AFTER INSERT ON park_months BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = NEW.park_id;
END;
CREATE TRIGGER cache_park_months_update AFTER UPDATE ON park_months BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope IN (OLD.park_id, NEW.park_id);
END;
CREATE TRIGGER cache_park_months_delete AFTER DELETE ON park_months BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = OLD.park_id;
END;
CREATE TRIGGER cache_daily_counts_insert AFTER INSERT ON daily_counts BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = 0;
END;
CREATE TRIGGER cache_daily_counts_update AFTER UPDATE ON daily_counts BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = 0;
END;
CREATE TRIGGER cache_daily_counts_delete AFTER DELETE ON daily_counts BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = 0;
END;

-- The summary counts the users; reviews show their authors' names.
CREATE TRIGGER cache_users_insert AFTER INSERT ON users BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = 0;
END;
CREATE TRIGGER cache_users_delete AFTER DELETE ON users BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = 0;
END;
CREATE TRIGGER cache_users_rename AFTER UPDATE OF username, display_name ON users BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = -1;
END;

-- Parks and their boards change with a release, if ever: everything goes.
CREATE TRIGGER cache_parks_insert AFTER INSERT ON parks BEGIN
  INSERT INTO cache_scopes (scope, version) VALUES (NEW.id, random());
  UPDATE cache_scopes SET version = random() WHERE scope = -1;
END;
CREATE TRIGGER cache_parks_update AFTER UPDATE ON parks BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = -1;
END;
CREATE TRIGGER cache_parks_delete AFTER DELETE ON parks BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = -1;
END;
CREATE TRIGGER cache_park_stats_insert AFTER INSERT ON park_stats BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = -1;
END;
CREATE TRIGGER cache_park_stats_delete AFTER DELETE ON park_stats BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = -1;
END;
CREATE TRIGGER cache_channels_insert AFTER INSERT ON channels BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = -1;
END;
-- A park's page names its board; a post only moves the board's post_count, which no cached
-- answer shows.
CREATE TRIGGER cache_channels_update AFTER UPDATE OF id, park_id ON channels BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = -1;
END;
CREATE TRIGGER cache_channels_delete AFTER DELETE ON channels BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope = -1;
END;
