-- One-time values (SRP secret blocks) that must be refused the second time, on every node.
CREATE TABLE used_once (
    key TEXT NOT NULL PRIMARY KEY,
    expires_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX used_once_by_expiry ON used_once (expires_ms);
