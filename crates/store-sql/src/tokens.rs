//! `TokenStore`, `CodeStore`, `CounterStore` and `SecretStore`: refresh tokens by hash (rotated
//! once, revoked by sign-in or by user, purged after expiry), one-time codes per user and purpose
//! (taken once), attempt counters, single-use claims and deployment secrets that the first writer
//! decides.

use crate::{Backend, SqlRow, SqlStore, args};
use async_trait::async_trait;
use cognate_store::{
    Bump, CodeRow, CodeStore, CounterPolicy, CounterStore, RefreshTokenRow, Result, SecretStore, TokenStore,
};

pub const IS_ORIGIN_REVOKED: &str =
    "SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE origin_jti = $1 AND revoked_ms IS NOT NULL)";
pub const REVOKE_ORIGIN: &str =
    "UPDATE refresh_tokens SET revoked_ms = $1 WHERE origin_jti = $2 AND revoked_ms IS NULL";
pub const REVOKE_USER_TOKENS: &str =
    "UPDATE refresh_tokens SET revoked_ms = $1 WHERE pool_id = $2 AND username_key = $3 AND revoked_ms IS NULL";
pub const DELETE_EXPIRED_REFRESH_TOKENS: &str = "DELETE FROM refresh_tokens WHERE expires_ms < $1";
pub const ROTATE_REFRESH_TOKEN: &str = "UPDATE refresh_tokens SET rotated_ms = $1 \
     WHERE token_sha256 = $2 AND revoked_ms IS NULL AND rotated_ms IS NULL";

/// The lock a counter gets when it reaches count `$c`: from `$2` (now) for `$5` (the first lock)
/// doubled per attempt past `$4` (lock_after), at most `$6`; none below `$4`. Shifts are taken
/// only where they cannot overflow.
macro_rules! lock_for {
    ($c:literal) => {
        concat!(
            "CASE WHEN ",
            $c,
            " < $4 THEN 0 ",
            "WHEN ",
            $c,
            " - $4 >= 20 THEN $2 + $6 ",
            "WHEN ($5 << CAST(",
            $c,
            " - $4 AS INTEGER)) >= $6 THEN $2 + $6 ",
            "ELSE $2 + ($5 << CAST(",
            $c,
            " - $4 AS INTEGER)) END"
        )
    };
}

/// One statement: a new counter starts at 1; a locked one is left as it is; one whose window is
/// over starts again at 1; any other counts one more. The lock is decided from the new count in
/// the same statement. Every SET expression reads the old row. `last_bump` is the caller's
/// nonce when the attempt was counted.
pub const BUMP_COUNTER: &str = concat!(
    "INSERT INTO counters (key, count, window_start_ms, locked_until_ms, expires_ms, last_bump) ",
    "VALUES ($1, 1, $2, ",
    lock_for!("1"),
    ", $2 + $3, $7) ",
    "ON CONFLICT (key) DO UPDATE SET ",
    "count = CASE WHEN counters.locked_until_ms > $2 THEN counters.count ",
    "WHEN counters.window_start_ms + $3 <= $2 THEN 1 ELSE counters.count + 1 END, ",
    "locked_until_ms = CASE WHEN counters.locked_until_ms > $2 THEN counters.locked_until_ms ",
    "WHEN counters.window_start_ms + $3 <= $2 THEN ",
    lock_for!("1"),
    " ELSE ",
    lock_for!("(counters.count + 1)"),
    " END, ",
    "window_start_ms = CASE WHEN counters.locked_until_ms > $2 THEN counters.window_start_ms ",
    "WHEN counters.window_start_ms + $3 <= $2 THEN $2 ELSE counters.window_start_ms END, ",
    "expires_ms = CASE WHEN counters.locked_until_ms > $2 THEN counters.expires_ms ",
    "WHEN counters.window_start_ms + $3 <= $2 THEN $2 + $3 ELSE counters.expires_ms END, ",
    "last_bump = CASE WHEN counters.locked_until_ms > $2 THEN counters.last_bump ELSE $7 END ",
    "RETURNING count, locked_until_ms, last_bump"
);
pub const RESET_COUNTER: &str = "DELETE FROM counters WHERE key = $1";
pub const DELETE_EXPIRED_COUNTERS: &str = "DELETE FROM counters WHERE expires_ms < $1 AND locked_until_ms < $1";

/// The `RefreshTokenRow` columns, in the order `token_row` reads them.
macro_rules! token_columns {
    () => {
        "token_sha256, pool_id, client_id, username_key, origin_jti, issued_ms, expires_ms, revoked_ms, rotated_ms, scope"
    };
}

fn token_row(r: &impl SqlRow) -> Result<RefreshTokenRow> {
    Ok(RefreshTokenRow {
        token_sha256: r.text(0)?,
        pool_id: r.text(1)?,
        client_id: r.text(2)?,
        username_key: r.text(3)?,
        origin_jti: r.text(4)?,
        issued_ms: r.int(5)?,
        expires_ms: r.int(6)?,
        revoked_ms: r.opt_int(7)?,
        rotated_ms: r.opt_int(8)?,
        scope: r.opt_text(9)?,
    })
}

fn code_row(r: &impl SqlRow) -> Result<CodeRow> {
    Ok(CodeRow {
        pool_id: r.text(0)?,
        username_key: r.text(1)?,
        purpose: r.text(2)?,
        code_hash: r.text(3)?,
        expires_ms: r.int(4)?,
    })
}

#[async_trait]
impl<B: Backend> TokenStore for SqlStore<B> {
    async fn create_refresh_token(&self, token: &RefreshTokenRow) -> Result<()> {
        // A missing user fails the foreign key, which backends map to NotFound.
        const SQL: &str = concat!(
            "INSERT INTO refresh_tokens (",
            token_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        );
        let t = token;
        let args = args![
            &t.token_sha256,
            &t.pool_id,
            &t.client_id,
            &t.username_key,
            &t.origin_jti,
            t.issued_ms,
            t.expires_ms,
            t.revoked_ms,
            t.rotated_ms,
            &t.scope
        ];
        self.backend.execute(SQL, &args).await.map(drop)
    }

    async fn find_refresh_token(&self, token_sha256: &str) -> Result<Option<RefreshTokenRow>> {
        const SQL: &str = concat!("SELECT ", token_columns!(), " FROM refresh_tokens WHERE token_sha256 = $1");
        self.one(SQL, &args![token_sha256], token_row).await
    }

    async fn is_origin_revoked(&self, origin_jti: &str) -> Result<bool> {
        Ok(self.one(IS_ORIGIN_REVOKED, &args![origin_jti], |r| r.boolean(0)).await?.unwrap_or(false))
    }

    async fn rotate_refresh_token(&self, token_sha256: &str, now_ms: i64) -> Result<bool> {
        Ok(self.backend.execute(ROTATE_REFRESH_TOKEN, &args![now_ms, token_sha256]).await? == 1)
    }

    async fn revoke_origin(&self, origin_jti: &str, now_ms: i64) -> Result<()> {
        self.backend.execute(REVOKE_ORIGIN, &args![now_ms, origin_jti]).await.map(drop)
    }

    async fn revoke_user_tokens(&self, pool_id: &str, username_key: &str, now_ms: i64) -> Result<()> {
        self.backend.execute(REVOKE_USER_TOKENS, &args![now_ms, pool_id, username_key]).await.map(drop)
    }

    async fn delete_expired_refresh_tokens(&self, now_ms: i64) -> Result<u64> {
        self.backend.execute(DELETE_EXPIRED_REFRESH_TOKENS, &args![now_ms]).await
    }
}

#[async_trait]
impl<B: Backend> CodeStore for SqlStore<B> {
    async fn put_code(&self, code: &CodeRow) -> Result<()> {
        // A missing user fails the foreign key, which backends map to NotFound.
        const SQL: &str = "INSERT INTO codes (pool_id, username_key, purpose, code_hash, expires_ms) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (pool_id, username_key, purpose) \
             DO UPDATE SET code_hash = excluded.code_hash, expires_ms = excluded.expires_ms";
        let c = code;
        let args = args![&c.pool_id, &c.username_key, &c.purpose, &c.code_hash, c.expires_ms];
        self.backend.execute(SQL, &args).await.map(drop)
    }

    async fn find_code(&self, pool_id: &str, username_key: &str, purpose: &str) -> Result<Option<CodeRow>> {
        const SQL: &str = "SELECT pool_id, username_key, purpose, code_hash, expires_ms \
             FROM codes WHERE pool_id = $1 AND username_key = $2 AND purpose = $3";
        self.one(SQL, &args![pool_id, username_key, purpose], code_row).await
    }

    async fn take_code(&self, pool_id: &str, username_key: &str, purpose: &str, code_hash: &str) -> Result<bool> {
        const SQL: &str =
            "DELETE FROM codes WHERE pool_id = $1 AND username_key = $2 AND purpose = $3 AND code_hash = $4";
        Ok(self.backend.execute(SQL, &args![pool_id, username_key, purpose, code_hash]).await? == 1)
    }

    async fn delete_code(&self, pool_id: &str, username_key: &str, purpose: &str) -> Result<()> {
        const SQL: &str = "DELETE FROM codes WHERE pool_id = $1 AND username_key = $2 AND purpose = $3";
        self.backend.execute(SQL, &args![pool_id, username_key, purpose]).await.map(drop)
    }
}

#[async_trait]
impl<B: Backend> CounterStore for SqlStore<B> {
    async fn bump_counter(&self, key: &str, now_ms: i64, policy: &CounterPolicy) -> Result<Bump> {
        let nonce = bump_nonce();
        let p = policy;
        let args = args![key, now_ms, p.window_ms, p.lock_after, p.first_lock_ms, p.max_lock_ms, nonce.as_str()];
        let row = self.one(BUMP_COUNTER, &args, |r| Ok((r.int(0)?, r.int(1)?, r.text(2)?))).await?;
        let (count, locked_until_ms, last_bump) =
            row.ok_or_else(|| cognate_store::StoreError::Other(anyhow::anyhow!("the counter upsert returned no row")))?;
        Ok(Bump { is_counted: last_bump == nonce, count, locked_until_ms })
    }

    async fn reset_counter(&self, key: &str) -> Result<()> {
        self.backend.execute(RESET_COUNTER, &args![key]).await.map(drop)
    }

    async fn delete_expired_counters(&self, now_ms: i64) -> Result<u64> {
        self.backend.execute(DELETE_EXPIRED_COUNTERS, &args![now_ms]).await
    }
}

/// A value no other bump uses: process, time and a counter.
fn bump_nonce() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{:x}-{nanos:x}-{n:x}", std::process::id())
}

#[async_trait]
impl<B: Backend> SecretStore for SqlStore<B> {
    async fn claim_once(&self, key: &str, expires_ms: i64, now_ms: i64) -> Result<bool> {
        // Expired claims can go; their values are refused anyway by whoever checks the expiry.
        self.backend.execute("DELETE FROM used_once WHERE expires_ms < $1", &args![now_ms]).await?;
        const CLAIM: &str = "INSERT INTO used_once (key, expires_ms) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
        Ok(self.backend.execute(CLAIM, &args![key, expires_ms]).await? == 1)
    }

    async fn is_claimed(&self, key: &str, now_ms: i64) -> Result<bool> {
        const SQL: &str = "SELECT EXISTS (SELECT 1 FROM used_once WHERE key = $1 AND expires_ms >= $2)";
        Ok(self.one(SQL, &args![key, now_ms], |r| r.boolean(0)).await?.unwrap_or(false))
    }

    async fn get_or_create_secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>> {
        // Whoever inserts first wins; everyone then reads the winner's value.
        const INSERT: &str = "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
        self.backend.execute(INSERT, &args![name, candidate]).await?;
        let value = self.one("SELECT value FROM secrets WHERE name = $1", &args![name], |r| r.bytes(0)).await?;
        value.ok_or(cognate_store::StoreError::NotFound)
    }
}
