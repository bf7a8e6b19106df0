//! PostgreSQL backend for `cognate-store`: `PgStore` owns the connection pool, the embedded
//! migrations (`migrations/`, the same tree as SQLite's) and the mapping of Postgres errors onto
//! `StoreError`; `prepare_test_database` gives each test server a fresh schema of its own.
//!
//! Queries use the runtime `sqlx::query*` functions with bind parameters rather than the
//! compile-time checked macros, which need a live database or offline query data we don't keep.
//! Pools, clients and access keys live here; users and groups in `users`, tokens, codes and
//! secrets in `tokens`.

use async_trait::async_trait;
use cognate_store::{
    AccessKeyRow, AccessKeyStore, ClientRow, ClientStore, Result, SigningKeyRow, Store, StoreError, UserPoolRow,
    UserPoolStore,
};
use sqlx::Connection;
use sqlx::error::ErrorKind;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

mod devices;
mod tokens;
mod users;

static MIGRATOR: Migrator = sqlx::migrate!();

/// A `Store` on one PostgreSQL database (and the schema its `search_path` selects).
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:pass@host:port/db?...`) and migrates the database.
    /// Fails with `SchemaTooNew` if a newer Cognate migrated it.
    pub async fn connect(url: &str) -> Result<PgStore> {
        let options: PgConnectOptions = url.parse().map_err(db_error)?;
        let pool = PgPoolOptions::new().max_connections(10).connect_with(options).await.map_err(db_error)?;
        // The Migrator takes a Postgres advisory lock while it runs, so servers starting together
        // apply each migration once.
        MIGRATOR.run(&pool).await.map_err(migrate_error)?;
        Ok(PgStore { pool })
    }
}

/// The PostgreSQL server tests use: `COGNATE_TEST_POSTGRES_URL`. Without it a test must not pass
/// quietly: this panics with what to do, unless `COGNATE_TEST_SKIP_POSTGRES=1` opts out, in which
/// case it says SKIPPED and returns `None`.
pub fn test_base_url(test: &str) -> Option<String> {
    if let Ok(url) = std::env::var("COGNATE_TEST_POSTGRES_URL") {
        return Some(url);
    }
    if std::env::var("COGNATE_TEST_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        println!("SKIPPED {test}: COGNATE_TEST_SKIP_POSTGRES=1");
        return None;
    }
    #[allow(clippy::panic)]
    {
        panic!(
            "{test}: COGNATE_TEST_POSTGRES_URL is not set. Run scripts/test (it provides a PostgreSQL), set it to \
             postgres://user@host:port/database, or set COGNATE_TEST_SKIP_POSTGRES=1 to skip PostgreSQL tests"
        )
    }
}

/// Makes sure the database named in `base_url` exists (creating it through the `postgres`
/// maintenance database; a concurrent creator is fine), creates a fresh, uniquely named schema in
/// it, and returns `base_url` with `options=-c search_path=<schema>` so that a store connected to
/// it is isolated from every other one.
pub async fn prepare_test_database(base_url: &str) -> Result<String> {
    let options: PgConnectOptions = base_url.parse().map_err(db_error)?;
    if let Some(database) = options.get_database() {
        let maintenance = options.clone().database("postgres");
        let mut conn = PgConnection::connect_with(&maintenance).await.map_err(db_error)?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(database)
            .fetch_one(&mut conn)
            .await
            .map_err(db_error)?;
        if !exists {
            // Identifiers cannot be bound: quote it. 42P04 (duplicate_database) or a unique
            // violation on pg_database means a concurrent creator won the race.
            let sql = format!("CREATE DATABASE {}", quote_ident(database));
            match sqlx::raw_sql(&sql).execute(&mut conn).await {
                Ok(_) => {}
                Err(sqlx::Error::Database(e)) if matches!(e.code().as_deref(), Some("42P04" | "23505")) => {}
                Err(e) => return Err(db_error(e)),
            }
        }
        conn.close().await.map_err(db_error)?;
    }

    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let schema = format!("test_{nanos:x}_{:x}_{n:x}", std::process::id());
    let mut conn = PgConnection::connect_with(&options).await.map_err(db_error)?;
    sqlx::raw_sql(&format!("CREATE SCHEMA {}", quote_ident(&schema))).execute(&mut conn).await.map_err(db_error)?;
    conn.close().await.map_err(db_error)?;

    // The schema name is [a-z0-9_], so it needs no escaping in the URL or the search_path.
    let separator = if base_url.contains('?') { '&' } else { '?' };
    Ok(format!("{base_url}{separator}options=-c%20search_path%3D{schema}"))
}

/// A double-quoted SQL identifier.
fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The newest migration this binary knows.
fn latest_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

fn migrate_error(e: MigrateError) -> StoreError {
    match e {
        MigrateError::VersionMissing(database) if database > latest_version() => {
            StoreError::SchemaTooNew { database, binary: latest_version() }
        }
        MigrateError::Execute(e) => db_error(e),
        e => StoreError::Other(e.into()),
    }
}

fn db_error(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        match db.kind() {
            ErrorKind::UniqueViolation => return StoreError::Conflict(db.message().to_owned()),
            ErrorKind::ForeignKeyViolation => return StoreError::NotFound,
            _ => {}
        }
        // Connection exceptions, server shutting down or starting, too many connections.
        let code = db.code().unwrap_or_default();
        if code.starts_with("08") || code.starts_with("57P") || code == "53300" {
            return StoreError::Unavailable(e.to_string());
        }
    }
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_) => StoreError::Unavailable(e.to_string()),
        e => StoreError::Other(e.into()),
    }
}

/// `NotFound` when an UPDATE or DELETE matched no row.
fn affected(result: sqlx::postgres::PgQueryResult) -> Result<()> {
    match result.rows_affected() {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

type PoolTuple = (String, String, i64, i64, String);
type KeyTuple = (String, String, String, i64);
type ClientTuple = (String, String, String, Option<String>, i64, i64, String);
type AccessKeyTuple = (String, String, Option<String>, Option<i64>, i64, String);

fn pool_row((id, name, created_ms, updated_ms, document): PoolTuple) -> UserPoolRow {
    UserPoolRow { id, name, created_ms, updated_ms, document }
}

fn key_row((pool_id, kid, private_pem, created_ms): KeyTuple) -> SigningKeyRow {
    SigningKeyRow { pool_id, kid, private_pem, created_ms }
}

fn client_row(t: ClientTuple) -> ClientRow {
    let (pool_id, client_id, name, client_secret, created_ms, updated_ms, document) = t;
    ClientRow { pool_id, client_id, name, client_secret, created_ms, updated_ms, document }
}

fn access_key_row(t: AccessKeyTuple) -> AccessKeyRow {
    let (access_key_id, secret_access_key, session_token_sha256, expires_ms, created_ms, description) = t;
    AccessKeyRow { access_key_id, secret_access_key, session_token_sha256, expires_ms, created_ms, description }
}

#[async_trait]
impl UserPoolStore for PgStore {
    async fn create_user_pool(&self, pool: &UserPoolRow, key: &SigningKeyRow) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        sqlx::query(
            "INSERT INTO user_pools (id, name, created_ms, updated_ms, document) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&pool.id)
        .bind(&pool.name)
        .bind(pool.created_ms)
        .bind(pool.updated_ms)
        .bind(&pool.document)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        sqlx::query("INSERT INTO signing_keys (pool_id, kid, private_pem, created_ms) VALUES ($1, $2, $3, $4)")
            .bind(&key.pool_id)
            .bind(&key.kid)
            .bind(&key.private_pem)
            .bind(key.created_ms)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }

    async fn get_user_pool(&self, id: &str) -> Result<UserPoolRow> {
        sqlx::query_as::<_, PoolTuple>(
            "SELECT id, name, created_ms, updated_ms, document FROM user_pools WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?
        .map(pool_row)
        .ok_or(StoreError::NotFound)
    }

    async fn update_user_pool(&self, pool: &UserPoolRow) -> Result<()> {
        sqlx::query("UPDATE user_pools SET name = $1, updated_ms = $2, document = $3 WHERE id = $4")
            .bind(&pool.name)
            .bind(pool.updated_ms)
            .bind(&pool.document)
            .bind(&pool.id)
            .execute(&self.pool)
            .await
            .map_err(db_error)
            .and_then(affected)
    }

    async fn delete_user_pool(&self, id: &str) -> Result<()> {
        // Clients, signing keys, users (with their attribute pairs, memberships, refresh tokens
        // and codes) and groups go with it through ON DELETE CASCADE.
        sqlx::query("DELETE FROM user_pools WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db_error)
            .and_then(affected)
    }

    async fn list_user_pools(&self, after: Option<&str>, limit: u32) -> Result<Vec<UserPoolRow>> {
        let query = match after {
            Some(after) => sqlx::query_as::<_, PoolTuple>(
                "SELECT id, name, created_ms, updated_ms, document FROM user_pools \
                 WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(after),
            None => sqlx::query_as::<_, PoolTuple>(
                "SELECT id, name, created_ms, updated_ms, document FROM user_pools \
                 ORDER BY id LIMIT $1",
            ),
        };
        let rows = query.bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(db_error)?;
        Ok(rows.into_iter().map(pool_row).collect())
    }

    async fn list_signing_keys(&self, pool_id: &str) -> Result<Vec<SigningKeyRow>> {
        let rows = sqlx::query_as::<_, KeyTuple>(
            "SELECT pool_id, kid, private_pem, created_ms FROM signing_keys \
             WHERE pool_id = $1 ORDER BY created_ms, kid",
        )
        .bind(pool_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(rows.into_iter().map(key_row).collect())
    }
}

#[async_trait]
impl ClientStore for PgStore {
    async fn create_client(&self, client: &ClientRow) -> Result<()> {
        // A missing pool fails the foreign key, which `db_error` maps to NotFound.
        sqlx::query(
            "INSERT INTO clients \
             (pool_id, client_id, name, client_secret, created_ms, updated_ms, document) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&client.pool_id)
        .bind(&client.client_id)
        .bind(&client.name)
        .bind(&client.client_secret)
        .bind(client.created_ms)
        .bind(client.updated_ms)
        .bind(&client.document)
        .execute(&self.pool)
        .await
        .map_err(db_error)
        .map(drop)
    }

    async fn get_client(&self, pool_id: &str, client_id: &str) -> Result<ClientRow> {
        sqlx::query_as::<_, ClientTuple>(
            "SELECT pool_id, client_id, name, client_secret, created_ms, updated_ms, document \
             FROM clients WHERE pool_id = $1 AND client_id = $2",
        )
        .bind(pool_id)
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?
        .map(client_row)
        .ok_or(StoreError::NotFound)
    }

    async fn find_client(&self, client_id: &str) -> Result<Option<ClientRow>> {
        sqlx::query_as::<_, ClientTuple>(
            "SELECT pool_id, client_id, name, client_secret, created_ms, updated_ms, document \
             FROM clients WHERE client_id = $1",
        )
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)
        .map(|r| r.map(client_row))
    }

    async fn update_client(&self, client: &ClientRow) -> Result<()> {
        sqlx::query(
            "UPDATE clients SET name = $1, client_secret = $2, updated_ms = $3, document = $4 \
             WHERE pool_id = $5 AND client_id = $6",
        )
        .bind(&client.name)
        .bind(&client.client_secret)
        .bind(client.updated_ms)
        .bind(&client.document)
        .bind(&client.pool_id)
        .bind(&client.client_id)
        .execute(&self.pool)
        .await
        .map_err(db_error)
        .and_then(affected)
    }

    async fn delete_client(&self, pool_id: &str, client_id: &str) -> Result<()> {
        sqlx::query("DELETE FROM clients WHERE pool_id = $1 AND client_id = $2")
            .bind(pool_id)
            .bind(client_id)
            .execute(&self.pool)
            .await
            .map_err(db_error)
            .and_then(affected)
    }

    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: u32) -> Result<Vec<ClientRow>> {
        let query = match after {
            Some(after) => sqlx::query_as::<_, ClientTuple>(
                "SELECT pool_id, client_id, name, client_secret, created_ms, updated_ms, document \
                 FROM clients WHERE pool_id = $1 AND client_id > $2 ORDER BY client_id LIMIT $3",
            )
            .bind(pool_id)
            .bind(after),
            None => sqlx::query_as::<_, ClientTuple>(
                "SELECT pool_id, client_id, name, client_secret, created_ms, updated_ms, document \
                 FROM clients WHERE pool_id = $1 ORDER BY client_id LIMIT $2",
            )
            .bind(pool_id),
        };
        let rows = query.bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(db_error)?;
        Ok(rows.into_iter().map(client_row).collect())
    }
}

#[async_trait]
impl AccessKeyStore for PgStore {
    async fn create_access_key(&self, key: &AccessKeyRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO access_keys (access_key_id, secret_access_key, session_token_sha256, \
             expires_ms, created_ms, description) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&key.access_key_id)
        .bind(&key.secret_access_key)
        .bind(&key.session_token_sha256)
        .bind(key.expires_ms)
        .bind(key.created_ms)
        .bind(&key.description)
        .execute(&self.pool)
        .await
        .map_err(db_error)
        .map(drop)
    }

    async fn find_access_key(&self, access_key_id: &str) -> Result<Option<AccessKeyRow>> {
        let row = sqlx::query_as::<_, AccessKeyTuple>(
            "SELECT access_key_id, secret_access_key, session_token_sha256, expires_ms, \
             created_ms, description FROM access_keys WHERE access_key_id = $1",
        )
        .bind(access_key_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(row.map(access_key_row))
    }

    async fn count_permanent_access_keys(&self) -> Result<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM access_keys \
             WHERE session_token_sha256 IS NULL AND expires_ms IS NULL",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(u64::try_from(count).unwrap_or_default())
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_error).map(drop)
    }
}
