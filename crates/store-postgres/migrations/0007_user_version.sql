-- Every write of a user is a compare-and-swap on `version` (see `update_user`): a request that
-- read an older version than the one stored writes nothing and is told so.
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
