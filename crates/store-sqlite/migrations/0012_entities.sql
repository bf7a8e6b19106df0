-- Objects of the account-level services (IAM roles, policies, users, OIDC providers; identity
-- pools, identities and their logins) by kind and ID; `scope` groups them for listing.
CREATE TABLE entities (
    kind       TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    scope      TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    document   TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
) STRICT;
CREATE INDEX entities_by_scope ON entities (kind, scope, id);
-- Whose access key it is (NULL: the account's root), and expired temporary keys found by expiry.
ALTER TABLE access_keys ADD COLUMN principal TEXT;
CREATE INDEX access_keys_by_expiry ON access_keys (expires_ms) WHERE expires_ms IS NOT NULL;
