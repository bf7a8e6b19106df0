//! `TokenStore`, `CodeStore`, `CounterStore` and `SecretStore` for `SqliteStore`: refresh tokens by
//! hash (rotated once, revoked by sign-in or by user, purged after expiry), one-time codes per user
//! and purpose (taken once), attempt counters, single-use claims and deployment secrets that the
//! first writer decides.

use crate::{SqliteStore, db_error};
use async_trait::async_trait;
use cognate_store::{
    Bump, CodeRow, CodeStore, CounterPolicy, CounterStore, RefreshTokenRow, Result, SecretStore, TokenStore,
};

pub(crate) const IS_ORIGIN_REVOKED: &str =
    "SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE origin_jti = $1 AND revoked_ms IS NOT NULL)";
pub(crate) const REVOKE_ORIGIN: &str =
    "UPDATE refresh_tokens SET revoked_ms = $1 WHERE origin_jti = $2 AND revoked_ms IS NULL";
pub(crate) const REVOKE_USER_TOKENS: &str =
    "UPDATE refresh_tokens SET revoked_ms = $1 WHERE pool_id = $2 AND username_key = $3 AND revoked_ms IS NULL";
pub(crate) const DELETE_EXPIRED_REFRESH_TOKENS: &str = "DELETE FROM refresh_tokens WHERE expires_ms < $1";
pub(crate) const ROTATE_REFRESH_TOKEN: &str = "UPDATE refresh_tokens SET rotated_ms = $1 \
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
pub(crate) const BUMP_COUNTER: &str = concat!(
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
pub(crate) const RESET_COUNTER: &str = "DELETE FROM counters WHERE key = $1";
pub(crate) const DELETE_EXPIRED_COUNTERS: &str = "DELETE FROM counters WHERE expires_ms < $1 AND locked_until_ms < $1";

type TokenTuple = (String, String, String, String, String, i64, i64, Option<i64>, Option<i64>);
type CodeTuple = (String, String, String, String, i64);

fn token_row(t: TokenTuple) -> RefreshTokenRow {
    let (token_sha256, pool_id, client_id, username_key, origin_jti, issued_ms, expires_ms, revoked_ms, rotated_ms) = t;
    RefreshTokenRow {
        token_sha256,
        pool_id,
        client_id,
        username_key,
        origin_jti,
        issued_ms,
        expires_ms,
        revoked_ms,
        rotated_ms,
    }
}

fn code_row(t: CodeTuple) -> CodeRow {
    let (pool_id, username_key, purpose, code_hash, expires_ms) = t;
    CodeRow { pool_id, username_key, purpose, code_hash, expires_ms }
}

#[async_trait]
impl TokenStore for SqliteStore {
    async fn create_refresh_token(&self, token: &RefreshTokenRow) -> Result<()> {
        // A missing user fails the foreign key, which `db_error` maps to NotFound.
        sqlx::query(
            "INSERT INTO refresh_tokens (token_sha256, pool_id, client_id, username_key, origin_jti, \
             issued_ms, expires_ms, revoked_ms, rotated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&token.token_sha256)
        .bind(&token.pool_id)
        .bind(&token.client_id)
        .bind(&token.username_key)
        .bind(&token.origin_jti)
        .bind(token.issued_ms)
        .bind(token.expires_ms)
        .bind(token.revoked_ms)
        .bind(token.rotated_ms)
        .execute(&self.pool)
        .await
        .map_err(db_error)
        .map(drop)
    }

    async fn find_refresh_token(&self, token_sha256: &str) -> Result<Option<RefreshTokenRow>> {
        let row = sqlx::query_as::<_, TokenTuple>(
            "SELECT token_sha256, pool_id, client_id, username_key, origin_jti, issued_ms, expires_ms, \
             revoked_ms, rotated_ms FROM refresh_tokens WHERE token_sha256 = $1",
        )
        .bind(token_sha256)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(row.map(token_row))
    }

    async fn is_origin_revoked(&self, origin_jti: &str) -> Result<bool> {
        sqlx::query_scalar(IS_ORIGIN_REVOKED).bind(origin_jti).fetch_one(&self.pool).await.map_err(db_error)
    }

    async fn rotate_refresh_token(&self, token_sha256: &str, now_ms: i64) -> Result<bool> {
        let done = sqlx::query(ROTATE_REFRESH_TOKEN)
            .bind(now_ms)
            .bind(token_sha256)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn revoke_origin(&self, origin_jti: &str, now_ms: i64) -> Result<()> {
        sqlx::query(REVOKE_ORIGIN).bind(now_ms).bind(origin_jti).execute(&self.pool).await.map_err(db_error).map(drop)
    }

    async fn revoke_user_tokens(&self, pool_id: &str, username_key: &str, now_ms: i64) -> Result<()> {
        sqlx::query(REVOKE_USER_TOKENS)
            .bind(now_ms)
            .bind(pool_id)
            .bind(username_key)
            .execute(&self.pool)
            .await
            .map_err(db_error)
            .map(drop)
    }

    async fn delete_expired_refresh_tokens(&self, now_ms: i64) -> Result<u64> {
        let result =
            sqlx::query(DELETE_EXPIRED_REFRESH_TOKENS).bind(now_ms).execute(&self.pool).await.map_err(db_error)?;
        Ok(result.rows_affected())
    }
}

#[async_trait]
impl CodeStore for SqliteStore {
    async fn put_code(&self, code: &CodeRow) -> Result<()> {
        // A missing user fails the foreign key, which `db_error` maps to NotFound.
        sqlx::query(
            "INSERT INTO codes (pool_id, username_key, purpose, code_hash, expires_ms) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (pool_id, username_key, purpose) DO UPDATE SET code_hash = excluded.code_hash, \
             expires_ms = excluded.expires_ms",
        )
        .bind(&code.pool_id)
        .bind(&code.username_key)
        .bind(&code.purpose)
        .bind(&code.code_hash)
        .bind(code.expires_ms)
        .execute(&self.pool)
        .await
        .map_err(db_error)
        .map(drop)
    }

    async fn find_code(&self, pool_id: &str, username_key: &str, purpose: &str) -> Result<Option<CodeRow>> {
        let row = sqlx::query_as::<_, CodeTuple>(
            "SELECT pool_id, username_key, purpose, code_hash, expires_ms \
             FROM codes WHERE pool_id = $1 AND username_key = $2 AND purpose = $3",
        )
        .bind(pool_id)
        .bind(username_key)
        .bind(purpose)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(row.map(code_row))
    }

    async fn take_code(&self, pool_id: &str, username_key: &str, purpose: &str, code_hash: &str) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM codes WHERE pool_id = $1 AND username_key = $2 AND purpose = $3 AND code_hash = $4",
        )
        .bind(pool_id)
        .bind(username_key)
        .bind(purpose)
        .bind(code_hash)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_code(&self, pool_id: &str, username_key: &str, purpose: &str) -> Result<()> {
        sqlx::query("DELETE FROM codes WHERE pool_id = $1 AND username_key = $2 AND purpose = $3")
            .bind(pool_id)
            .bind(username_key)
            .bind(purpose)
            .execute(&self.pool)
            .await
            .map_err(db_error)
            .map(drop)
    }
}

#[async_trait]
impl CounterStore for SqliteStore {
    async fn bump_counter(&self, key: &str, now_ms: i64, policy: &CounterPolicy) -> Result<Bump> {
        let nonce = bump_nonce();
        let (count, locked_until_ms, last_bump): (i64, i64, String) = sqlx::query_as(BUMP_COUNTER)
            .bind(key)
            .bind(now_ms)
            .bind(policy.window_ms)
            .bind(policy.lock_after)
            .bind(policy.first_lock_ms)
            .bind(policy.max_lock_ms)
            .bind(&nonce)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(Bump { is_counted: last_bump == nonce, count, locked_until_ms })
    }

    async fn reset_counter(&self, key: &str) -> Result<()> {
        sqlx::query(RESET_COUNTER).bind(key).execute(&self.pool).await.map_err(db_error).map(drop)
    }

    async fn delete_expired_counters(&self, now_ms: i64) -> Result<u64> {
        let done = sqlx::query(DELETE_EXPIRED_COUNTERS).bind(now_ms).execute(&self.pool).await.map_err(db_error)?;
        Ok(done.rows_affected())
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
impl SecretStore for SqliteStore {
    async fn claim_once(&self, key: &str, expires_ms: i64, now_ms: i64) -> Result<bool> {
        // Expired claims can go; their values are refused anyway by whoever checks the expiry.
        sqlx::query("DELETE FROM used_once WHERE expires_ms < $1")
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        let done = sqlx::query("INSERT INTO used_once (key, expires_ms) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(expires_ms)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn get_or_create_secret(&self, name: &str, candidate: &[u8]) -> Result<Vec<u8>> {
        // Whoever inserts first wins; everyone then reads the winner's value.
        sqlx::query("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(candidate)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)
    }
}
