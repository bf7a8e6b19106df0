//! `TokenStore`, `CodeStore` and `SecretStore` for `PgStore`: refresh tokens by hash (revoked
//! by sign-in or by user, purged after expiry), one-time codes per user and purpose, and
//! deployment secrets that the first writer decides.

use crate::{PgStore, db_error};
use async_trait::async_trait;
use cognate_store::{CodeRow, CodeStore, RefreshTokenRow, Result, SecretStore, StoreError, TokenStore};

pub(crate) const IS_ORIGIN_REVOKED: &str =
    "SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE origin_jti = $1 AND revoked_ms IS NOT NULL)";
pub(crate) const REVOKE_ORIGIN: &str =
    "UPDATE refresh_tokens SET revoked_ms = $1 WHERE origin_jti = $2 AND revoked_ms IS NULL";
pub(crate) const REVOKE_USER_TOKENS: &str =
    "UPDATE refresh_tokens SET revoked_ms = $1 WHERE pool_id = $2 AND username_key = $3 AND revoked_ms IS NULL";
pub(crate) const DELETE_EXPIRED_REFRESH_TOKENS: &str = "DELETE FROM refresh_tokens WHERE expires_ms < $1";

type TokenTuple = (String, String, String, String, String, i64, i64, Option<i64>);
type CodeTuple = (String, String, String, String, i64, i32, i32, i64);

fn token_row(t: TokenTuple) -> RefreshTokenRow {
    let (token_sha256, pool_id, client_id, username_key, origin_jti, issued_ms, expires_ms, revoked_ms) = t;
    RefreshTokenRow { token_sha256, pool_id, client_id, username_key, origin_jti, issued_ms, expires_ms, revoked_ms }
}

fn code_row(t: CodeTuple) -> CodeRow {
    let (pool_id, username_key, purpose, code_hash, expires_ms, attempts, sent_count, window_start_ms) = t;
    CodeRow { pool_id, username_key, purpose, code_hash, expires_ms, attempts, sent_count, window_start_ms }
}

#[async_trait]
impl TokenStore for PgStore {
    async fn create_refresh_token(&self, token: &RefreshTokenRow) -> Result<()> {
        // A missing user fails the foreign key, which `db_error` maps to NotFound.
        sqlx::query(
            "INSERT INTO refresh_tokens (token_sha256, pool_id, client_id, username_key, origin_jti, \
             issued_ms, expires_ms, revoked_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&token.token_sha256)
        .bind(&token.pool_id)
        .bind(&token.client_id)
        .bind(&token.username_key)
        .bind(&token.origin_jti)
        .bind(token.issued_ms)
        .bind(token.expires_ms)
        .bind(token.revoked_ms)
        .execute(&self.pool)
        .await
        .map_err(db_error)
        .map(drop)
    }

    async fn find_refresh_token(&self, token_sha256: &str) -> Result<Option<RefreshTokenRow>> {
        let row = sqlx::query_as::<_, TokenTuple>(
            "SELECT token_sha256, pool_id, client_id, username_key, origin_jti, issued_ms, expires_ms, \
             revoked_ms FROM refresh_tokens WHERE token_sha256 = $1",
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

    async fn revoke_refresh_token(&self, token_sha256: &str, now_ms: i64) -> Result<()> {
        sqlx::query("UPDATE refresh_tokens SET revoked_ms = $1 WHERE token_sha256 = $2 AND revoked_ms IS NULL")
            .bind(now_ms)
            .bind(token_sha256)
            .execute(&self.pool)
            .await
            .map_err(db_error)
            .map(drop)
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
impl CodeStore for PgStore {
    async fn put_code(&self, code: &CodeRow) -> Result<()> {
        // A missing user fails the foreign key, which `db_error` maps to NotFound.
        sqlx::query(
            "INSERT INTO codes (pool_id, username_key, purpose, code_hash, expires_ms, attempts, sent_count, \
             window_start_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (pool_id, username_key, purpose) DO UPDATE SET code_hash = excluded.code_hash, \
             expires_ms = excluded.expires_ms, attempts = excluded.attempts, sent_count = excluded.sent_count, \
             window_start_ms = excluded.window_start_ms",
        )
        .bind(&code.pool_id)
        .bind(&code.username_key)
        .bind(&code.purpose)
        .bind(&code.code_hash)
        .bind(code.expires_ms)
        .bind(code.attempts)
        .bind(code.sent_count)
        .bind(code.window_start_ms)
        .execute(&self.pool)
        .await
        .map_err(db_error)
        .map(drop)
    }

    async fn find_code(&self, pool_id: &str, username_key: &str, purpose: &str) -> Result<Option<CodeRow>> {
        let row = sqlx::query_as::<_, CodeTuple>(
            "SELECT pool_id, username_key, purpose, code_hash, expires_ms, attempts, sent_count, window_start_ms \
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

    async fn add_code_attempt(&self, pool_id: &str, username_key: &str, purpose: &str) -> Result<i32> {
        sqlx::query_scalar(
            "UPDATE codes SET attempts = attempts + 1 WHERE pool_id = $1 AND username_key = $2 AND purpose = $3 \
             RETURNING attempts",
        )
        .bind(pool_id)
        .bind(username_key)
        .bind(purpose)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?
        .ok_or(StoreError::NotFound)
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
impl SecretStore for PgStore {
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
