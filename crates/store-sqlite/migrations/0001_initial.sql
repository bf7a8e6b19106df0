-- Cognate's initial schema. Timestamps are Unix milliseconds; `document` columns hold JSON text
-- owned by the domain. TEXT uses SQLite's default BINARY collation, so keys order bytewise.

CREATE TABLE user_pools (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    document   TEXT    NOT NULL
) STRICT;

CREATE TABLE signing_keys (
    pool_id     TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    kid         TEXT    NOT NULL,
    private_pem TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    PRIMARY KEY (pool_id, kid)
) STRICT;

CREATE TABLE clients (
    pool_id       TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    client_id     TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    client_secret TEXT,
    created_ms    INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL,
    document      TEXT    NOT NULL,
    PRIMARY KEY (pool_id, client_id)
) STRICT;

CREATE TABLE access_keys (
    access_key_id        TEXT    NOT NULL PRIMARY KEY,
    secret_access_key    TEXT    NOT NULL,
    session_token_sha256 TEXT,
    expires_ms           INTEGER,
    created_ms           INTEGER NOT NULL,
    description          TEXT    NOT NULL
) STRICT;
