-- Throttles and quotas (fcgi-app/limits.c).

-- A failed password check is kept with the client address it came from, so that the throttle can
-- be keyed per (username, address), per address and per username with a much higher ceiling: an
-- attacker's failures then never lock the owner out from an address that has not failed.
ALTER TABLE login_failures ADD COLUMN addr TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_addr ON login_failures(addr, failed_at);
CREATE INDEX login_failures_time ON login_failures(failed_at);

-- One row per counted write (a post, a review edit, a report, ...), for the per-user quotas.
-- Rows older than the longest window are purged as new ones come in.
CREATE TABLE user_actions (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  action  TEXT NOT NULL,
  at      INTEGER NOT NULL   -- unix seconds
);
CREATE INDEX user_actions_user ON user_actions(user_id, action, at);
CREATE INDEX user_actions_time ON user_actions(at);

-- The one upstream chat call a camper may have in flight; a row older than the upstream timeout
-- is left by a killed worker and no longer counts.
CREATE TABLE chat_inflight (
  user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  started_at INTEGER NOT NULL
);
