-- Hosted UI branding of a pool: classic UI customizations (kind `ui`, per client or `ALL`) and
-- managed login branding styles (kind `managed`, one per client); the settings in `document`.
CREATE TABLE brandings (
    pool_id    TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    id         TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    client_id  TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    document   TEXT    NOT NULL,
    PRIMARY KEY (pool_id, id)
) STRICT;
CREATE UNIQUE INDEX brandings_by_client ON brandings (pool_id, kind, client_id);
