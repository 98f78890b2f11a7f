-- 009_visit_months.sql: when campers went, by month of the year, from the visit month reviewers
-- give (ratings.visited_on, 'YYYY-MM'). Per park and month (1-12), the visible reviews that name
-- that month and their stars: the park page's "best time to visit" and the park list's good_in=
-- filter read these rows. Kept by triggers in the writing transaction, like park_months
-- (003_reviews.sql), so a hidden review leaves the figures at once.
CREATE TABLE park_visit_months (
  park_id INTEGER NOT NULL REFERENCES parks(id),
  month   INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
  visits  INTEGER NOT NULL CHECK (visits >= 0),
  stars   INTEGER NOT NULL CHECK (stars >= 0),
  PRIMARY KEY (park_id, month)
) WITHOUT ROWID;

INSERT INTO park_visit_months (park_id, month, visits, stars)
  SELECT park_id, CAST(substr(visited_on, 6, 2) AS INTEGER), count(*), sum(stars)
    FROM ratings WHERE hidden = 0 AND title IS NOT NULL AND visited_on IS NOT NULL
   GROUP BY 1, 2;

CREATE TRIGGER visit_months_insert AFTER INSERT ON ratings
  WHEN NEW.hidden = 0 AND NEW.title IS NOT NULL AND NEW.visited_on IS NOT NULL BEGIN
  INSERT INTO park_visit_months (park_id, month, visits, stars)
    VALUES (NEW.park_id, CAST(substr(NEW.visited_on, 6, 2) AS INTEGER), 1, NEW.stars)
    ON CONFLICT (park_id, month) DO UPDATE SET visits = visits + 1, stars = stars + excluded.stars;
END;

CREATE TRIGGER visit_months_delete AFTER DELETE ON ratings
  WHEN OLD.hidden = 0 AND OLD.title IS NOT NULL AND OLD.visited_on IS NOT NULL BEGIN
  UPDATE park_visit_months SET visits = visits - 1, stars = stars - OLD.stars
   WHERE park_id = OLD.park_id AND month = CAST(substr(OLD.visited_on, 6, 2) AS INTEGER);
END;

-- An update: the old row's part out (when it counted), the new row's in (when it counts).
CREATE TRIGGER visit_months_update AFTER UPDATE OF stars, hidden, title, visited_on ON ratings BEGIN
  UPDATE park_visit_months SET visits = visits - 1, stars = stars - OLD.stars
   WHERE OLD.hidden = 0 AND OLD.title IS NOT NULL AND OLD.visited_on IS NOT NULL
     AND park_id = OLD.park_id AND month = CAST(substr(OLD.visited_on, 6, 2) AS INTEGER);
  INSERT INTO park_visit_months (park_id, month, visits, stars)
    SELECT NEW.park_id, CAST(substr(NEW.visited_on, 6, 2) AS INTEGER), 1, NEW.stars
     WHERE NEW.hidden = 0 AND NEW.title IS NOT NULL AND NEW.visited_on IS NOT NULL
    ON CONFLICT (park_id, month) DO UPDATE SET visits = visits + 1, stars = stars + excluded.stars;
END;

-- The answer cache (006_cache_scopes.sql): the park's own figures, and the park list (scope 0),
-- which good_in= filters by these rows.
CREATE TRIGGER cache_park_visit_months_insert AFTER INSERT ON park_visit_months BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope IN (0, NEW.park_id);
END;
CREATE TRIGGER cache_park_visit_months_update AFTER UPDATE ON park_visit_months BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope IN (0, OLD.park_id, NEW.park_id);
END;
CREATE TRIGGER cache_park_visit_months_delete AFTER DELETE ON park_visit_months BEGIN
  UPDATE cache_scopes SET version = random() WHERE scope IN (0, OLD.park_id);
END;
