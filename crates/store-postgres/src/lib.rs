//! PostgreSQL backend of the SQL store: `PgBackend` owns the connection pool, the embedded
//! migrations (`migrations/`, the same tree as SQLite's in PostgreSQL's types), the mapping of
//! Postgres errors onto `StoreError` and the PostgreSQL fragments of the shared SQL; every query
//! lives in `cognate-store-sql`, and `PgStore` is that store over this backend.
//! `prepare_test_database` gives each test server a fresh schema of its own.
//!
//! Queries use the runtime `sqlx::query*` functions with bind parameters rather than the
//! compile-time checked macros, which need a live database or offline query data we don't keep.

use async_trait::async_trait;
use cognate_store::{Result, StoreError};
use cognate_store_sql::{Arg, Backend, Dialect, SqlRow, SqlStore, Step, StepError};
use sqlx::error::ErrorKind;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow, Postgres};
use sqlx::query::Query;
use sqlx::{Connection, Executor as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

#[cfg(test)]
mod plans;

static MIGRATOR: Migrator = sqlx::migrate!();

/// The shared SQL store on one PostgreSQL database (and the schema its `search_path` selects).
pub type PgStore = SqlStore<PgBackend>;

/// A pool of connections to one PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PgBackend {
    pool: PgPool,
}

impl PgBackend {
    /// Connects to `url` (`postgres://user:pass@host:port/db?...`) and migrates the database.
    /// Fails with `SchemaTooNew` if a newer Cognate migrated it.
    pub async fn connect(url: &str) -> Result<PgBackend> {
        let options: PgConnectOptions = url.parse().map_err(db_error)?;
        let pool = PgPoolOptions::new().max_connections(10).connect_with(options).await.map_err(db_error)?;
        // The Migrator takes a Postgres advisory lock while it runs, so servers starting together
        // apply each migration once.
        MIGRATOR.run(&pool).await.map_err(migrate_error)?;
        Ok(PgBackend { pool })
    }

    /// The connection pool, for tests and tools that need SQL of their own.
    pub fn pool(&self) -> &PgPool {
        &self.pool
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

cognate_store_sql::sqlx_migrate_error!(db_error);

/// A statement with its arguments bound.
pub(crate) fn query<'q>(sql: &'q str, args: &[Arg<'q>]) -> Query<'q, Postgres, PgArguments> {
    args.iter().fold(sqlx::query(sql), |q, arg| match *arg {
        Arg::Text(v) => q.bind(v),
        Arg::Int(v) => q.bind(v),
        Arg::Bool(v) => q.bind(v),
        Arg::Bytes(v) => q.bind(v),
    })
}

/// A result row of this backend.
pub struct Row(PgRow);

impl Row {
    fn get<'r, T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>>(&'r self, i: usize) -> Result<T> {
        sqlx::Row::try_get(&self.0, i).map_err(db_error)
    }
}

impl SqlRow for Row {
    fn text(&self, i: usize) -> Result<String> {
        self.get(i)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>> {
        self.get(i)
    }
    fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?.ok_or_else(|| StoreError::Other(anyhow::anyhow!("column {i} is NULL")))
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        // An INTEGER (32-bit) column does not decode as i64.
        self.get::<Option<i64>>(i).or_else(|_| Ok(self.get::<Option<i32>>(i)?.map(i64::from)))
    }
    fn boolean(&self, i: usize) -> Result<bool> {
        self.get(i)
    }
    fn bytes(&self, i: usize) -> Result<Vec<u8>> {
        self.get(i)
    }
}

#[async_trait]
impl Backend for PgBackend {
    type Row = Row;
    const NAME: &'static str = "postgres";
    const DIALECT: Dialect = Dialect {
        hex_pair: "encode(convert_to(x.attribute, 'UTF8'), 'hex') || ':' || encode(convert_to(x.value, 'UTF8'), 'hex')",
        string_agg: "string_agg",
        by_value_hint: "",
    };

    async fn open(url: &str) -> Result<PgBackend> {
        Self::connect(url).await
    }

    async fn execute(&self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        Ok(query(sql, args).execute(&self.pool).await.map_err(db_error)?.rows_affected())
    }

    async fn fetch_all(&self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Row>> {
        let rows = query(sql, args).fetch_all(&self.pool).await.map_err(db_error)?;
        Ok(rows.into_iter().map(Row).collect())
    }

    async fn fetch_optional(&self, sql: &str, args: &[Arg<'_>]) -> Result<Option<Row>> {
        Ok(query(sql, args).fetch_optional(&self.pool).await.map_err(db_error)?.map(Row))
    }

    async fn transaction(&self, steps: &[Step<'_>]) -> std::result::Result<(), StepError> {
        let at = |step: usize| move |e: sqlx::Error| StepError { step, error: db_error(e) };
        let mut tx = self.pool.begin().await.map_err(at(0))?;
        for (i, step) in steps.iter().enumerate() {
            let done = tx.execute(query(step.sql, &step.args)).await.map_err(at(i))?;
            if step.must_change && done.rows_affected() == 0 {
                // Dropping `tx` rolls it back.
                return Err(StepError { step: i, error: StoreError::NotFound });
            }
        }
        tx.commit().await.map_err(at(steps.len()))
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_error).map(drop)
    }
}
