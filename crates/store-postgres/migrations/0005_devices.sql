-- Devices users signed in from (Cognito's remembered devices), keyed per user. `salt_hex` and
-- `verifier_hex` (the device's SRP verifier) stay NULL until ConfirmDevice; `document` holds the
-- name, attributes and status. The primary key leads with the user, so listing a user's devices
-- in key order and the cascade from `users` (deleting a user or its pool) both use it. Key columns
-- use the "C" collation so they order bytewise, as in SQLite.
CREATE TABLE devices (
    pool_id               TEXT COLLATE "C" NOT NULL,
    username_key          TEXT COLLATE "C" NOT NULL,
    device_key            TEXT COLLATE "C" NOT NULL,
    device_group_key      TEXT COLLATE "C" NOT NULL,
    salt_hex              TEXT,
    verifier_hex          TEXT,
    created_ms            BIGINT NOT NULL,
    updated_ms            BIGINT NOT NULL,
    last_authenticated_ms BIGINT NOT NULL,
    document              TEXT   NOT NULL,
    PRIMARY KEY (pool_id, username_key, device_key),
    FOREIGN KEY (pool_id, username_key) REFERENCES users (pool_id, username_key) ON DELETE CASCADE
);
