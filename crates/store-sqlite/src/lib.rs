//! SQLite backend for `cognate-store`: `SqliteStore` owns the connection pool, its pragmas, the
//! embedded migrations (`migrations/`) and the mapping of SQLite errors onto `StoreError`.
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
use sqlx::error::ErrorKind;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::time::Duration;

mod devices;
mod tokens;
mod users;

static MIGRATOR: Migrator = sqlx::migrate!();

/// A `Store` on one SQLite database file (or an in-memory database).
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) and migrates the database at `sqlite://path`, `sqlite:path`,
    /// a bare path, or `sqlite::memory:`. Fails with `SchemaTooNew` if a newer Cognate migrated it.
    pub async fn open(url_or_path: &str) -> Result<SqliteStore> {
        let options = if url_or_path.starts_with("sqlite:") {
            url_or_path.parse::<SqliteConnectOptions>().map_err(db_error)?
        } else {
            SqliteConnectOptions::new().filename(url_or_path)
        }
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .synchronous(SqliteSynchronous::Normal);
        let is_memory = url_or_path.contains(":memory:") || url_or_path.contains("mode=memory");
        if !is_memory {
            restrict_files(options.get_filename())?;
        }
        let pool = if url_or_path.contains(":memory:") || url_or_path.contains("mode=memory") {
            // An in-memory database lives only as long as a connection to it: keep exactly one,
            // forever, so every query sees the same database.
            SqlitePoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(8)
        }
        .connect_with(options)
        .await
        .map_err(db_error)?;
        MIGRATOR.run(&pool).await.map_err(migrate_error)?;
        Ok(SqliteStore { pool })
    }
}

/// Makes the database file (created empty if missing, so SQLite never creates it with the
/// process umask) and its WAL and shared-memory files readable and writable by the owner only:
/// they hold every user's data. SQLite gives the WAL and shm files the database file's mode.
fn restrict_files(path: &std::path::Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        let io = |e: std::io::Error| StoreError::Unavailable(format!("{}: {e}", path.display()));
        std::fs::OpenOptions::new().append(true).create(true).mode(0o600).open(path).map_err(io)?;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
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
        // SQLITE_BUSY / SQLITE_LOCKED (any extended code): still locked after busy_timeout.
        let code = db.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
        if matches!(code & 0xff, 5 | 6) {
            return StoreError::Unavailable(e.to_string());
        }
    }
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(e.to_string())
        }
        e => StoreError::Other(e.into()),
    }
}

/// `NotFound` when an UPDATE or DELETE matched no row.
fn affected(result: sqlx::sqlite::SqliteQueryResult) -> Result<()> {
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
impl UserPoolStore for SqliteStore {
    async fn create_user_pool(&self, pool: &UserPoolRow, key: &SigningKeyRow) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        sqlx::query(
            "INSERT INTO user_pools (id, name, created_ms, updated_ms, document) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&pool.id)
        .bind(&pool.name)
        .bind(pool.created_ms)
        .bind(pool.updated_ms)
        .bind(&pool.document)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        sqlx::query("INSERT INTO signing_keys (pool_id, kid, private_pem, created_ms) VALUES (?, ?, ?, ?)")
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
        sqlx::query_as::<_, PoolTuple>("SELECT id, name, created_ms, updated_ms, document FROM user_pools WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?
            .map(pool_row)
            .ok_or(StoreError::NotFound)
    }

    async fn update_user_pool(&self, pool: &UserPoolRow) -> Result<()> {
        sqlx::query("UPDATE user_pools SET name = ?, updated_ms = ?, document = ? WHERE id = ?")
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
        sqlx::query("DELETE FROM user_pools WHERE id = ?")
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
                 WHERE id > ? ORDER BY id LIMIT ?",
            )
            .bind(after),
            None => sqlx::query_as::<_, PoolTuple>(
                "SELECT id, name, created_ms, updated_ms, document FROM user_pools \
                 ORDER BY id LIMIT ?",
            ),
        };
        let rows = query.bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(db_error)?;
        Ok(rows.into_iter().map(pool_row).collect())
    }

    async fn list_signing_keys(&self, pool_id: &str) -> Result<Vec<SigningKeyRow>> {
        let rows = sqlx::query_as::<_, KeyTuple>(
            "SELECT pool_id, kid, private_pem, created_ms FROM signing_keys \
             WHERE pool_id = ? ORDER BY created_ms, kid",
        )
        .bind(pool_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(rows.into_iter().map(key_row).collect())
    }
}

#[async_trait]
impl ClientStore for SqliteStore {
    async fn create_client(&self, client: &ClientRow) -> Result<()> {
        // A missing pool fails the foreign key, which `db_error` maps to NotFound.
        sqlx::query(
            "INSERT INTO clients \
             (pool_id, client_id, name, client_secret, created_ms, updated_ms, document) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
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
             FROM clients WHERE pool_id = ? AND client_id = ?",
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
             FROM clients WHERE client_id = ?",
        )
        .bind(client_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)
        .map(|r| r.map(client_row))
    }

    async fn update_client(&self, client: &ClientRow) -> Result<()> {
        sqlx::query(
            "UPDATE clients SET name = ?, client_secret = ?, updated_ms = ?, document = ? \
             WHERE pool_id = ? AND client_id = ?",
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
        sqlx::query("DELETE FROM clients WHERE pool_id = ? AND client_id = ?")
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
                 FROM clients WHERE pool_id = ? AND client_id > ? ORDER BY client_id LIMIT ?",
            )
            .bind(pool_id)
            .bind(after),
            None => sqlx::query_as::<_, ClientTuple>(
                "SELECT pool_id, client_id, name, client_secret, created_ms, updated_ms, document \
                 FROM clients WHERE pool_id = ? ORDER BY client_id LIMIT ?",
            )
            .bind(pool_id),
        };
        let rows = query.bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(db_error)?;
        Ok(rows.into_iter().map(client_row).collect())
    }
}

#[async_trait]
impl AccessKeyStore for SqliteStore {
    async fn create_access_key(&self, key: &AccessKeyRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO access_keys (access_key_id, secret_access_key, session_token_sha256, \
             expires_ms, created_ms, description) VALUES (?, ?, ?, ?, ?, ?)",
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
             created_ms, description FROM access_keys WHERE access_key_id = ?",
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
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_error).map(drop)
    }
}
