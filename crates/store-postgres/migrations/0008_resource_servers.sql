-- Resource servers of a pool: OAuth custom scopes `<identifier>/<scope>` (the scopes in `document`).
CREATE TABLE resource_servers (
    pool_id    TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    identifier TEXT COLLATE "C" NOT NULL,
    name       TEXT   NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    document   TEXT   NOT NULL,
    PRIMARY KEY (pool_id, identifier)
);
