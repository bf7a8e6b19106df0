//! SQLite backend of the SQL store. Every query lives in `cognate-store-sql`; `SqliteStore` is
//! that store over `SqliteBackend`, which runs the shared SQL on SQLite through `rusqlite`, a
//! synchronous driver, with the threading SQLite wants:
//!
//! - **Reads run inline** on the calling thread, on one of a few reader connections (WAL readers
//!   never wait for the writer, and a read of an indexed row takes microseconds). Handing each
//!   query to a driver thread and back, as an async driver does, cost more than the query: two
//!   thread wake-ups per query were a third of a GetUser's CPU.
//! - **Writes run on the blocking pool**, on the one writer connection: a write may wait for the
//!   write lock another process on the same file holds (busy timeout 5 s), which must not stall a
//!   runtime thread.
//! - Statements are prepared once per connection and cached (`prepare_cached`).
//!
//! The embedded migrations (`migrations/`) run through `sqlx`'s migrator at open, as they always
//! have (its `_sqlx_migrations` table records what is applied). `sqlite::memory:` is a private
//! shared-cache in-memory database that lives as long as the store.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use cognate_store::{Result, StoreError};
use cognate_store_sql::{Arg, Backend, Dialect, SqlRow, SqlStore, Step, StepError};
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

#[cfg(test)]
mod plans;

static MIGRATOR: Migrator = sqlx::migrate!();

/// The shared SQL store on one SQLite database file (or an in-memory database).
pub type SqliteStore = SqlStore<SqliteBackend>;

/// Connections to one SQLite database: readers used inline, one writer used off the runtime.
#[derive(Clone)]
pub struct SqliteBackend {
    inner: Arc<Connections>,
}

impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend").field("readers", &self.inner.readers.len()).finish_non_exhaustive()
    }
}

struct Connections {
    /// Empty for an in-memory database, whose shared cache has table locks: everything then
    /// goes through the writer.
    readers: Vec<Mutex<Connection>>,
    writer: Mutex<Connection>,
    next_reader: AtomicUsize,
}

impl Connections {
    /// A reader connection: a free one if any, else the next in turn (held for microseconds).
    fn reader(&self) -> Result<MutexGuard<'_, Connection>> {
        if self.readers.is_empty() {
            return lock(&self.writer);
        }
        for conn in &self.readers {
            if let Ok(guard) = conn.try_lock() {
                return Ok(guard);
            }
        }
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % self.readers.len();
        lock(&self.readers[i])
    }
}

fn lock(conn: &Mutex<Connection>) -> Result<MutexGuard<'_, Connection>> {
    conn.lock().map_err(|_| StoreError::Other(anyhow::anyhow!("a SQLite connection was poisoned")))
}

/// Where a database lives.
enum Location {
    File(std::path::PathBuf),
    /// A named shared-cache in-memory database.
    Memory(String),
}

impl SqliteBackend {
    /// Opens (creating if missing) and migrates the database at `sqlite://path`, `sqlite:path`,
    /// a bare path, or `sqlite::memory:`. Fails with `SchemaTooNew` if a newer Cognate migrated it.
    pub async fn connect(url_or_path: &str) -> Result<SqliteBackend> {
        let is_memory = url_or_path.contains(":memory:") || url_or_path.contains("mode=memory");
        let (options, location) = if is_memory {
            let name = format!("file:cognate-memory-{}", uuid::Uuid::new_v4().simple());
            let options = SqliteConnectOptions::new().filename(&name).in_memory(true).shared_cache(true);
            (options, Location::Memory(name))
        } else {
            let options = if url_or_path.starts_with("sqlite:") {
                url_or_path.parse::<SqliteConnectOptions>().map_err(migration_db_error)?
            } else {
                SqliteConnectOptions::new().filename(url_or_path)
            };
            let path = options.get_filename().to_path_buf();
            restrict_files(&path)?;
            (options.create_if_missing(true).journal_mode(SqliteJournalMode::Wal), Location::File(path))
        };
        let options =
            options.foreign_keys(true).busy_timeout(Duration::from_secs(5)).synchronous(SqliteSynchronous::Normal);
        // Migrations through sqlx on one connection, which also keeps an in-memory database
        // alive until the store's own connections hold it.
        let migrations =
            SqlitePoolOptions::new().max_connections(1).connect_with(options).await.map_err(migration_db_error)?;
        MIGRATOR.run(&migrations).await.map_err(migrate_error)?;
        let connections = tokio::task::spawn_blocking(move || open_connections(&location))
            .await
            .map_err(|e| StoreError::Other(e.into()))??;
        migrations.close().await;
        Ok(SqliteBackend { inner: Arc::new(connections) })
    }

    /// Runs a script of statements on the writer (tools and tests that need SQL of their own).
    pub async fn execute_batch(&self, sql: &str) -> Result<()> {
        let (inner, sql) = (self.inner.clone(), sql.to_string());
        blocking(move || lock(&inner.writer)?.execute_batch(&sql).map_err(db_error)).await
    }
}

/// The writer and, for a file, reader connections with Cognate's pragmas.
fn open_connections(location: &Location) -> Result<Connections> {
    let open = |flags: OpenFlags| -> Result<Connection> {
        let conn = match location {
            Location::File(path) => Connection::open_with_flags(path, flags),
            Location::Memory(name) => Connection::open_with_flags(
                name,
                flags
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_MEMORY
                    | OpenFlags::SQLITE_OPEN_SHARED_CACHE,
            ),
        }
        .map_err(db_error)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(db_error)?;
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;").map_err(db_error)?;
        conn.set_prepared_statement_cache_capacity(128);
        Ok(conn)
    };
    let rw = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let writer = open(rw)?;
    let readers = match location {
        Location::Memory(_) => Vec::new(),
        Location::File(_) => {
            let count = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get).max(2) * 2;
            (0..count).map(|_| open(rw).map(Mutex::new)).collect::<Result<Vec<_>>>()?
        }
    };
    Ok(Connections { readers, writer: Mutex::new(writer), next_reader: AtomicUsize::new(0) })
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

/// Driver errors as store errors: unique violations are conflicts, a missing parent (foreign key)
/// is `NotFound`, a lock still held after the busy timeout is `Unavailable`.
fn db_error(e: rusqlite::Error) -> StoreError {
    use rusqlite::ffi;
    if let rusqlite::Error::SqliteFailure(failure, message) = &e {
        let text = message.clone().unwrap_or_else(|| failure.to_string());
        match failure.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => return StoreError::Conflict(text),
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return StoreError::NotFound,
            _ => {}
        }
        if matches!(failure.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) {
            return StoreError::Unavailable(text);
        }
    }
    StoreError::Other(e.into())
}

/// Errors of sqlx, which runs the migrations.
fn migration_db_error(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed | sqlx::Error::Io(_) => {
            StoreError::Unavailable(e.to_string())
        }
        e => StoreError::Other(e.into()),
    }
}

cognate_store_sql::sqlx_migrate_error!(migration_db_error);

/// A bound parameter, owned (for work sent to the blocking pool).
#[derive(Clone, Debug)]
enum Param {
    Text(Option<String>),
    Int(Option<i64>),
    Blob(Vec<u8>),
}

fn params(args: &[Arg<'_>]) -> Vec<Param> {
    args.iter()
        .map(|arg| match *arg {
            Arg::Text(v) => Param::Text(v.map(str::to_string)),
            Arg::Int(v) => Param::Int(v),
            Arg::Bool(v) => Param::Int(Some(i64::from(v))),
            Arg::Bytes(v) => Param::Blob(v.to_vec()),
        })
        .collect()
}

/// Prepares `sql` (cached) and binds `$N` placeholders by number, wherever they appear.
fn prepare<'c>(conn: &'c Connection, sql: &str, args: &[Param]) -> Result<rusqlite::CachedStatement<'c>> {
    let mut stmt = conn.prepare_cached(sql).map_err(db_error)?;
    for i in 1..=stmt.parameter_count() {
        let n = stmt
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("parameter {i} of a statement is not $N")))?;
        let arg = args.get(n.wrapping_sub(1)).ok_or_else(|| StoreError::Other(anyhow::anyhow!("no argument ${n}")))?;
        let bound = match arg {
            Param::Text(v) => stmt.raw_bind_parameter(i, v),
            Param::Int(v) => stmt.raw_bind_parameter(i, v),
            Param::Blob(v) => stmt.raw_bind_parameter(i, v),
        };
        bound.map_err(db_error)?;
    }
    Ok(stmt)
}

/// Runs a statement and reads every row it returns.
fn query_rows(conn: &Connection, sql: &str, args: &[Param]) -> Result<Vec<Row>> {
    let mut stmt = prepare(conn, sql, args)?;
    let columns = stmt.column_count();
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(db_error)? {
        let values = (0..columns).map(|i| row.get::<_, Value>(i)).collect::<rusqlite::Result<Vec<_>>>();
        out.push(Row(values.map_err(db_error)?));
    }
    Ok(out)
}

/// Runs a statement; the rows it changed.
fn execute(conn: &Connection, sql: &str, args: &[Param]) -> Result<u64> {
    let mut stmt = prepare(conn, sql, args)?;
    let changed = stmt.raw_execute().map_err(db_error)?;
    Ok(u64::try_from(changed).unwrap_or_default())
}

/// Whether a statement only reads (and so may run inline on a reader).
fn is_read(sql: &str) -> bool {
    let head = sql.trim_start().get(..7).unwrap_or_default().to_ascii_uppercase();
    head.starts_with("SELECT") || head.starts_with("EXPLAIN")
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| StoreError::Other(e.into()))?
}

/// A result row of this backend: its values, read by position.
pub struct Row(Vec<Value>);

impl Row {
    fn value(&self, i: usize) -> Result<&Value> {
        self.0.get(i).ok_or_else(|| StoreError::Other(anyhow::anyhow!("no column {i}")))
    }

    fn mismatch(&self, i: usize, wanted: &str) -> StoreError {
        StoreError::Other(anyhow::anyhow!("column {i} is {:?}, not {wanted}", self.0.get(i).map(Value::data_type)))
    }
}

impl SqlRow for Row {
    fn text(&self, i: usize) -> Result<String> {
        self.opt_text(i)?.ok_or_else(|| self.mismatch(i, "text"))
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self.value(i)? {
            Value::Text(s) => Ok(Some(s.clone())),
            Value::Null => Ok(None),
            Value::Integer(_) | Value::Real(_) | Value::Blob(_) => Err(self.mismatch(i, "text")),
        }
    }
    fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?.ok_or_else(|| self.mismatch(i, "an integer"))
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.value(i)? {
            Value::Integer(n) => Ok(Some(*n)),
            Value::Null => Ok(None),
            Value::Text(_) | Value::Real(_) | Value::Blob(_) => Err(self.mismatch(i, "an integer")),
        }
    }
    fn boolean(&self, i: usize) -> Result<bool> {
        Ok(self.int(i)? != 0)
    }
    fn bytes(&self, i: usize) -> Result<Vec<u8>> {
        match self.value(i)? {
            Value::Blob(b) => Ok(b.clone()),
            Value::Null | Value::Integer(_) | Value::Real(_) | Value::Text(_) => Err(self.mismatch(i, "a blob")),
        }
    }
}

#[async_trait]
impl Backend for SqliteBackend {
    type Row = Row;
    const NAME: &'static str = "sqlite";
    const DIALECT: Dialect = Dialect {
        hex_pair: "hex(x.attribute) || ':' || hex(x.value)",
        string_agg: "group_concat",
        // Named so that no other index can be chosen for a ListUsers filter.
        by_value_hint: " INDEXED BY user_index_by_value",
    };

    async fn open(url: &str) -> Result<SqliteBackend> {
        Self::connect(url).await
    }

    async fn execute(&self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        let (inner, sql, args) = (self.inner.clone(), sql.to_string(), params(args));
        blocking(move || execute(&*lock(&inner.writer)?, &sql, &args)).await
    }

    async fn fetch_all(&self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>> {
        if is_read(sql) {
            return query_rows(&*self.inner.reader()?, sql, &params(args));
        }
        let (inner, sql, args) = (self.inner.clone(), sql.to_string(), params(args));
        blocking(move || query_rows(&*lock(&inner.writer)?, &sql, &args)).await
    }

    async fn fetch_optional(&self, sql: &str, args: &[Arg<'_>]) -> Result<Option<Row>> {
        Ok(self.fetch_all(sql, args).await?.into_iter().next())
    }

    async fn transaction(&self, steps: &[Step<'_>]) -> std::result::Result<(), StepError> {
        let owned: Vec<(String, Vec<Param>, bool)> =
            steps.iter().map(|s| (s.sql.to_string(), params(&s.args), s.must_change)).collect();
        let inner = self.inner.clone();
        let done = tokio::task::spawn_blocking(move || -> std::result::Result<(), StepError> {
            let at = |step: usize| move |error: StoreError| StepError { step, error };
            let mut conn = lock(&inner.writer).map_err(at(0))?;
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| at(0)(db_error(e)))?;
            for (i, (sql, args, must_change)) in owned.iter().enumerate() {
                let changed = execute(&tx, sql, args).map_err(at(i))?;
                if *must_change && changed == 0 {
                    // Dropping `tx` rolls it back.
                    return Err(StepError { step: i, error: StoreError::NotFound });
                }
            }
            tx.commit().map_err(|e| at(owned.len())(db_error(e)))
        })
        .await;
        done.map_err(|e| StepError { step: 0, error: StoreError::Other(e.into()) })?
    }

    async fn ping(&self) -> Result<()> {
        query_rows(&*self.inner.reader()?, "SELECT 1", &[]).map(drop)
    }
}
