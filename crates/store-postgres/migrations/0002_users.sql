-- Users, their searchable and unique attributes, groups and memberships, refresh tokens, one-time
-- codes and deployment secrets. Everything of a pool hangs off `user_pools` or `users` through
-- ON DELETE CASCADE foreign keys, so deleting a pool or a user removes all of it. Every foreign key
-- has an index led by its columns, so cascades and lookups by user never scan a table. Key columns
-- use the "C" collation so they order bytewise, as in SQLite, and so the range that implements
-- `^=` (prefix) filters can use the primary key.

CREATE TABLE users (
    pool_id               TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    username_key          TEXT COLLATE "C" NOT NULL,
    username              TEXT    NOT NULL,
    sub                   TEXT    NOT NULL,
    status                TEXT    NOT NULL,
    is_enabled            BOOLEAN NOT NULL,
    password_hash         TEXT,
    created_ms            BIGINT  NOT NULL,
    updated_ms            BIGINT  NOT NULL,
    tokens_valid_after_ms BIGINT  NOT NULL,
    failed_attempts       INTEGER NOT NULL,
    locked_until_ms       BIGINT  NOT NULL,
    document              TEXT    NOT NULL,
    PRIMARY KEY (pool_id, username_key)
);

-- Searchable (attribute, value) pairs: ListUsers filters (`=` and `^=` as a range on `value`)
-- and sign-in by alias.
CREATE TABLE user_index (
    pool_id      TEXT COLLATE "C" NOT NULL,
    attribute    TEXT COLLATE "C" NOT NULL,
    value        TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, attribute, value, username_key),
    FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
);

-- Covering, so reading a user's pairs needs no table access.
CREATE INDEX user_index_by_user ON user_index (pool_id, username_key, attribute, value);

-- (attribute, value) pairs at most one user of a pool may hold.
CREATE TABLE user_unique (
    pool_id      TEXT COLLATE "C" NOT NULL,
    attribute    TEXT COLLATE "C" NOT NULL,
    value        TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, attribute, value),
    FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
);

CREATE INDEX user_unique_by_user ON user_unique (pool_id, username_key, attribute, value);

CREATE TABLE groups (
    pool_id     TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT,
    precedence  INTEGER,
    role_arn    TEXT,
    created_ms  BIGINT NOT NULL,
    updated_ms  BIGINT NOT NULL,
    PRIMARY KEY (pool_id, name)
);

CREATE TABLE group_members (
    pool_id      TEXT COLLATE "C" NOT NULL,
    group_name   TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (pool_id, group_name, username_key),
    FOREIGN KEY (pool_id, group_name) REFERENCES groups (pool_id, name) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
);

CREATE INDEX group_members_by_user ON group_members (pool_id, username_key, group_name);

-- Refresh tokens by the SHA-256 hex of their value. `origin_jti` groups the tokens of a sign-in.
CREATE TABLE refresh_tokens (
    token_sha256 TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    pool_id      TEXT COLLATE "C" NOT NULL,
    client_id    TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    origin_jti   TEXT COLLATE "C" NOT NULL,
    issued_ms    BIGINT NOT NULL,
    expires_ms   BIGINT NOT NULL,
    revoked_ms   BIGINT,
    FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
);

CREATE INDEX refresh_tokens_by_origin ON refresh_tokens (origin_jti);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (pool_id, username_key);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_ms);

-- One-time codes, one per user and purpose, stored as hashes.
CREATE TABLE codes (
    pool_id         TEXT COLLATE "C" NOT NULL,
    username_key    TEXT COLLATE "C" NOT NULL,
    purpose         TEXT COLLATE "C" NOT NULL,
    code_hash       TEXT    NOT NULL,
    expires_ms      BIGINT  NOT NULL,
    attempts        INTEGER NOT NULL,
    sent_count      INTEGER NOT NULL,
    window_start_ms BIGINT  NOT NULL,
    PRIMARY KEY (pool_id, username_key, purpose),
    FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
);

-- Deployment-wide secrets (e.g. keys for encrypted session tokens) every node must agree on.
CREATE TABLE secrets (
    name  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    value BYTEA NOT NULL
);
