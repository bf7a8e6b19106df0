-- Hosted UI branding of a pool: classic UI customizations (kind `ui`, per client or `ALL`) and
-- managed login branding styles (kind `managed`, one per client); the settings in `document`.
CREATE TABLE brandings (
    pool_id    TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    id         TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL,
    client_id  TEXT COLLATE "C" NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    document   TEXT   NOT NULL,
    PRIMARY KEY (pool_id, id)
);
CREATE UNIQUE INDEX brandings_by_client ON brandings (pool_id, kind, client_id);
