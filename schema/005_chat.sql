-- 005_chat.sql: the ranger chat: conversations, their messages, and a ledger of upstream calls.
-- (Numbered 005: 003 and 004 belong to work landing in parallel.)

CREATE TABLE conversations (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title      TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
-- The caller's list, newest first (keyset on updated_at, id), and the owner check by id.
CREATE INDEX conversations_user ON conversations(user_id, updated_at, id);

-- role 'user' is the camper's text, 'model' the ranger's reply. A user message without a reply
-- after it is a failed call the site may offer to retry.
CREATE TABLE chat_messages (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  role            TEXT NOT NULL CHECK (role IN ('user', 'model')),
  text            TEXT NOT NULL,
  created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX chat_messages_conversation ON chat_messages(conversation_id, id);

-- One row per message sent upstream, kept apart from chat_messages so deleting a conversation
-- does not reset the per-user limit or the daily cap. Rows older than two days are purged.
CREATE TABLE chat_calls (
  user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  called_at INTEGER NOT NULL   -- unix seconds
);
CREATE INDEX chat_calls_user ON chat_calls(user_id, called_at);
CREATE INDEX chat_calls_time ON chat_calls(called_at);
