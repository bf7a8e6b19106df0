-- Cognate's initial schema. Timestamps are Unix milliseconds; `document` columns hold JSON text
-- owned by the domain. Key columns use the "C" collation so they order bytewise, as in SQLite,
-- whatever the database's locale.

CREATE TABLE user_pools (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name       TEXT   NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    document   TEXT   NOT NULL
);

CREATE TABLE signing_keys (
    pool_id     TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    kid         TEXT COLLATE "C" NOT NULL,
    private_pem TEXT   NOT NULL,
    created_ms  BIGINT NOT NULL,
    PRIMARY KEY (pool_id, kid)
);

CREATE TABLE clients (
    pool_id       TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    client_id     TEXT COLLATE "C" NOT NULL,
    name          TEXT   NOT NULL,
    client_secret TEXT,
    created_ms    BIGINT NOT NULL,
    updated_ms    BIGINT NOT NULL,
    document      TEXT   NOT NULL,
    PRIMARY KEY (pool_id, client_id)
);

CREATE TABLE access_keys (
    access_key_id        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    secret_access_key    TEXT   NOT NULL,
    session_token_sha256 TEXT,
    expires_ms           BIGINT,
    created_ms           BIGINT NOT NULL,
    description          TEXT   NOT NULL
);
