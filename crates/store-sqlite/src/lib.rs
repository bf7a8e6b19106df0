//! SQLite backend of the SQL store: `SqliteBackend` owns the connection pool, its pragmas, the
//! embedded migrations (`migrations/`), the mapping of SQLite errors onto `StoreError` and the
//! SQLite fragments of the shared SQL. Every query lives in `cognate-store-sql`; `SqliteStore` is
//! that store over this backend.
//!
//! Queries use the runtime `sqlx::query*` functions with bind parameters rather than the
//! compile-time checked macros, which need a live database or offline query data we don't keep.

use cognate_store::{Result, StoreError};
use cognate_store_sql::{Dialect, SqlStore};
use sqlx::error::ErrorKind;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::time::Duration;

#[cfg(test)]
mod plans;

static MIGRATOR: Migrator = sqlx::migrate!();

/// The shared SQL store on one SQLite database file (or an in-memory database).
pub type SqliteStore = SqlStore<SqliteBackend>;

/// A pool of connections to one SQLite database.
#[derive(Clone, Debug)]
pub struct SqliteBackend {
    pool: SqlitePool,
}

impl SqliteBackend {
    /// Opens (creating if missing) and migrates the database at `sqlite://path`, `sqlite:path`,
    /// a bare path, or `sqlite::memory:`. Fails with `SchemaTooNew` if a newer Cognate migrated it.
    pub async fn connect(url_or_path: &str) -> Result<SqliteBackend> {
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
        Ok(SqliteBackend { pool })
    }

    /// The connection pool, for tests and tools that need SQL of their own.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
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

cognate_store_sql::sqlx_backend!(
    SqliteBackend,
    sqlx::sqlite::Sqlite,
    Row,
    "sqlite",
    Dialect {
        hex_pair: "hex(x.attribute) || ':' || hex(x.value)",
        string_agg: "group_concat",
        // Named so that no other index can be chosen for a ListUsers filter.
        by_value_hint: " INDEXED BY user_index_by_value",
    }
);
