-- Domains of pools (hosted UI and OAuth endpoints): a prefix or a custom domain's name, unique
-- across pools, at most one of each kind per pool.
CREATE TABLE domains (
    domain     TEXT    NOT NULL PRIMARY KEY,
    pool_id    TEXT    NOT NULL REFERENCES user_pools (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    document   TEXT    NOT NULL
) STRICT;
CREATE UNIQUE INDEX domains_by_pool_kind ON domains (pool_id, kind);
