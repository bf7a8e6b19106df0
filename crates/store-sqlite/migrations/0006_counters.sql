-- Attempt counters (lockouts after wrong passwords and codes, send limits), keyed by opaque
-- strings the domain builds. Every change is one atomic statement. `last_bump` names the last
-- attempt that was counted, so its caller can tell it was. A row may be deleted once its window
-- (`expires_ms`) and its lock have both passed.
CREATE TABLE counters (
    key             TEXT    NOT NULL PRIMARY KEY,
    count           INTEGER NOT NULL,
    window_start_ms INTEGER NOT NULL,
    locked_until_ms INTEGER NOT NULL,
    expires_ms      INTEGER NOT NULL,
    last_bump       TEXT    NOT NULL
) STRICT;
CREATE INDEX counters_by_expiry ON counters (expires_ms);

-- Sign-in failures and code guesses and sends moved to `counters`.
ALTER TABLE users DROP COLUMN failed_attempts;
ALTER TABLE users DROP COLUMN locked_until_ms;
ALTER TABLE codes DROP COLUMN attempts;
ALTER TABLE codes DROP COLUMN sent_count;
ALTER TABLE codes DROP COLUMN window_start_ms;

-- Rotation replaces a refresh token without ending its sign-in: kept apart from revocation.
ALTER TABLE refresh_tokens ADD COLUMN rotated_ms INTEGER;
