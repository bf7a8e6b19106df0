-- Domains of pools (hosted UI and OAuth endpoints): a prefix or a custom domain's name, unique
-- across pools, at most one of each kind per pool.
CREATE TABLE domains (
    domain     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    pool_id    TEXT COLLATE "C" NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    kind       TEXT   NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    document   TEXT   NOT NULL
);
CREATE UNIQUE INDEX domains_by_pool_kind ON domains (pool_id, kind);
