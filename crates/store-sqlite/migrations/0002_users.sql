-- Users, their searchable and unique attributes, groups and memberships, refresh tokens, one-time
-- codes and deployment secrets. Everything of a pool hangs off `user_pools` or `users` through
-- ON DELETE CASCADE foreign keys, so deleting a pool or a user removes all of it. Every foreign key
-- has an index led by its columns, so cascades and lookups by user never scan a table.

CREATE TABLE users (
    pool_id               TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    username_key          TEXT    NOT NULL,
    username              TEXT    NOT NULL,
    sub                   TEXT    NOT NULL,
    status                TEXT    NOT NULL,
    is_enabled            INTEGER NOT NULL CHECK (is_enabled IN (0, 1)),
    password_hash         TEXT,
    created_ms            INTEGER NOT NULL,
    updated_ms            INTEGER NOT NULL,
    tokens_valid_after_ms INTEGER NOT NULL,
    failed_attempts       INTEGER NOT NULL,
    locked_until_ms       INTEGER NOT NULL,
    document              TEXT    NOT NULL,
    PRIMARY KEY (pool_id, username_key)
) STRICT;

-- Searchable (attribute, value) pairs: ListUsers filters (`=` and `^=` as a range on `value`)
-- and sign-in by alias. Its key is a named unique index rather than a PRIMARY KEY so that those
-- queries can insist on it (INDEXED BY): with statistics, SQLite would otherwise rather walk
-- `user_index_by_user` over the whole pool in username order than sort a page of matches.
CREATE TABLE user_index (
    pool_id      TEXT NOT NULL,
    attribute    TEXT NOT NULL,
    value        TEXT NOT NULL,
    username_key TEXT NOT NULL,
    FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
) STRICT;

CREATE UNIQUE INDEX user_index_by_value ON user_index (pool_id, attribute, value, username_key);

-- Covering, so reading a user's pairs needs no table access.
CREATE INDEX user_index_by_user ON user_index (pool_id, username_key, attribute, value);

-- (attribute, value) pairs at most one user of a pool may hold.
CREATE TABLE user_unique (
    pool_id      TEXT NOT NULL,
    attribute    TEXT NOT NULL,
    value        TEXT NOT NULL,
    username_key TEXT NOT NULL,
    PRIMARY KEY (pool_id, attribute, value),
    FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
) STRICT;

CREATE INDEX user_unique_by_user ON user_unique (pool_id, username_key, attribute, value);

CREATE TABLE groups (
    pool_id     TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    description TEXT,
    precedence  INTEGER,
    role_arn    TEXT,
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    PRIMARY KEY (pool_id, name)
) STRICT;

CREATE TABLE group_members (
    pool_id      TEXT NOT NULL,
    group_name   TEXT NOT NULL,
    username_key TEXT NOT NULL,
    PRIMARY KEY (pool_id, group_name, username_key),
    FOREIGN KEY (pool_id, group_name) REFERENCES groups (pool_id, name) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
) STRICT;

CREATE INDEX group_members_by_user ON group_members (pool_id, username_key, group_name);

-- Refresh tokens by the SHA-256 hex of their value. `origin_jti` groups the tokens of a sign-in.
CREATE TABLE refresh_tokens (
    token_sha256 TEXT    NOT NULL PRIMARY KEY,
    pool_id      TEXT    NOT NULL,
    client_id    TEXT    NOT NULL,
    username_key TEXT    NOT NULL,
    origin_jti   TEXT    NOT NULL,
    issued_ms    INTEGER NOT NULL,
    expires_ms   INTEGER NOT NULL,
    revoked_ms   INTEGER,
    FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
) STRICT;

CREATE INDEX refresh_tokens_by_origin ON refresh_tokens (origin_jti);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (pool_id, username_key);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_ms);

-- One-time codes, one per user and purpose, stored as hashes.
CREATE TABLE codes (
    pool_id         TEXT    NOT NULL,
    username_key    TEXT    NOT NULL,
    purpose         TEXT    NOT NULL,
    code_hash       TEXT    NOT NULL,
    expires_ms      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    sent_count      INTEGER NOT NULL,
    window_start_ms INTEGER NOT NULL,
    PRIMARY KEY (pool_id, username_key, purpose),
    FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
) STRICT;

-- Deployment-wide secrets (e.g. keys for encrypted session tokens) every node must agree on.
CREATE TABLE secrets (
    name  TEXT NOT NULL PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;
