-- 001_init.sql: accounts, sessions, login throttling, parks.
-- Timestamps are UTC text 'YYYY-MM-DDTHH:MM:SSZ'; unix seconds where code compares them.

-- AUTOINCREMENT: a deleted account's id is never given to a new one.
CREATE TABLE users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  username      TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 3 AND 32),
  display_name  TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- One row per issued token (its jti). Logout deletes the row; a password change deletes the
-- user's other rows; deleting the user deletes them all. A token without a row is refused.
CREATE TABLE sessions (
  jti        TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

-- Failed sign-ins per (lower-case) username, for the 5-in-15-minutes throttle.
CREATE TABLE login_failures (
  username  TEXT NOT NULL,
  failed_at INTEGER NOT NULL
);
CREATE INDEX login_failures_user ON login_failures(username, failed_at);

CREATE TABLE parks (
  id          INTEGER PRIMARY KEY,
  slug        TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  states      TEXT NOT NULL CHECK (states GLOB '[A-Z][A-Z]*' AND states NOT GLOB '*[^A-Z,]*'),  -- 'TN,NC'
  latitude    REAL NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude   REAL NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  established INTEGER NOT NULL,
  area_km2    REAL NOT NULL,
  description TEXT NOT NULL,
  traits      TEXT NOT NULL CHECK (json_valid(traits))
);
CREATE INDEX parks_name ON parks(name);
