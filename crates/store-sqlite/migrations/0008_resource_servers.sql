-- Resource servers of a pool: OAuth custom scopes `<identifier>/<scope>` (the scopes in `document`).
CREATE TABLE resource_servers (
    pool_id    TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    identifier TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    document   TEXT    NOT NULL,
    PRIMARY KEY (pool_id, identifier)
) STRICT;
