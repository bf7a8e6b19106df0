//! `sqlx_backend!`: the `Backend` implementation of a backend that runs an async sqlx driver (the
//! PostgreSQL backend), and `sqlx_migrate_error!`, the migration-error mapping of every backend
//! (both migrate through sqlx). Macros rather than code generic over `sqlx::Database` because that
//! needs a dozen higher-ranked bounds on every item (argument encoding, row decoding, executors
//! for pools and transactions) that Rust does not imply.
//!
//! The invoking crate depends on `sqlx` and has, in scope: `$backend` (a struct with a `pool`
//! field of the driver's pool type), `Self::connect(url)` (opening and migrating), its
//! `MIGRATOR`, and `db_error(sqlx::Error) -> StoreError`. The macro adds `migrate_error`.

/// `latest_version()` and `migrate_error(sqlx::migrate::MigrateError) -> StoreError` for a crate
/// with a `MIGRATOR` (`SchemaTooNew` when a newer Cognate migrated the database); `$db_error`
/// maps the driver errors a migration reports.
#[macro_export]
macro_rules! sqlx_migrate_error {
    ($db_error:ident) => {
        /// The newest migration this binary knows.
        fn latest_version() -> i64 {
            MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
        }

        /// A failed migration as a store error: `SchemaTooNew` when a newer Cognate migrated the
        /// database.
        fn migrate_error(e: sqlx::migrate::MigrateError) -> cognate_store::StoreError {
            match e {
                sqlx::migrate::MigrateError::VersionMissing(database) if database > latest_version() => {
                    cognate_store::StoreError::SchemaTooNew { database, binary: latest_version() }
                }
                sqlx::migrate::MigrateError::Execute(e) => $db_error(e),
                e => cognate_store::StoreError::Other(e.into()),
            }
        }
    };
}

/// Implements `Backend` for `$backend` over the sqlx driver `$db`, with rows of type
/// `$row` (declared by the macro).
#[macro_export]
macro_rules! sqlx_backend {
    ($backend:ident, $db:ty, $row:ident, $name:literal, $dialect:expr) => {
        $crate::sqlx_migrate_error!(db_error);

        /// A statement with its arguments bound.
        fn query<'q>(
            sql: &'q str,
            args: &[$crate::Arg<'q>],
        ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>> {
            args.iter().fold(sqlx::query(sql), |q, arg| match *arg {
                $crate::Arg::Text(v) => q.bind(v),
                $crate::Arg::Int(v) => q.bind(v),
                $crate::Arg::Bool(v) => q.bind(v),
                $crate::Arg::Bytes(v) => q.bind(v),
            })
        }

        /// A result row of this backend.
        pub struct $row(<$db as sqlx::Database>::Row);

        impl $row {
            fn get<'r, T: sqlx::Decode<'r, $db> + sqlx::Type<$db>>(&'r self, i: usize) -> cognate_store::Result<T> {
                sqlx::Row::try_get(&self.0, i).map_err(db_error)
            }
        }

        impl $crate::SqlRow for $row {
            fn text(&self, i: usize) -> cognate_store::Result<String> {
                self.get(i)
            }
            fn opt_text(&self, i: usize) -> cognate_store::Result<Option<String>> {
                self.get(i)
            }
            fn int(&self, i: usize) -> cognate_store::Result<i64> {
                self.opt_int(i)?.ok_or_else(|| cognate_store::StoreError::Other(anyhow::anyhow!("column {i} is NULL")))
            }
            fn opt_int(&self, i: usize) -> cognate_store::Result<Option<i64>> {
                // A 32-bit column (PostgreSQL's INTEGER) does not decode as i64.
                self.get::<Option<i64>>(i).or_else(|_| Ok(self.get::<Option<i32>>(i)?.map(i64::from)))
            }
            fn boolean(&self, i: usize) -> cognate_store::Result<bool> {
                self.get(i)
            }
            fn bytes(&self, i: usize) -> cognate_store::Result<Vec<u8>> {
                self.get(i)
            }
        }

        #[async_trait::async_trait]
        impl $crate::Backend for $backend {
            type Row = $row;
            const NAME: &'static str = $name;
            const DIALECT: $crate::Dialect = $dialect;

            async fn open(url: &str) -> cognate_store::Result<$backend> {
                Self::connect(url).await
            }

            async fn execute(&self, sql: &str, args: &[$crate::Arg<'_>]) -> cognate_store::Result<u64> {
                Ok(query(sql, args).execute(&self.pool).await.map_err(db_error)?.rows_affected())
            }

            async fn fetch_all(&self, sql: &str, args: &[$crate::Arg<'_>]) -> cognate_store::Result<Vec<$row>> {
                let rows = query(sql, args).fetch_all(&self.pool).await.map_err(db_error)?;
                Ok(rows.into_iter().map($row).collect())
            }

            async fn fetch_optional(&self, sql: &str, args: &[$crate::Arg<'_>]) -> cognate_store::Result<Option<$row>> {
                Ok(query(sql, args).fetch_optional(&self.pool).await.map_err(db_error)?.map($row))
            }

            async fn transaction(&self, steps: &[$crate::Step<'_>]) -> std::result::Result<(), $crate::StepError> {
                let at = |step: usize| move |e: sqlx::Error| $crate::StepError { step, error: db_error(e) };
                let mut tx = self.pool.begin().await.map_err(at(0))?;
                for (i, step) in steps.iter().enumerate() {
                    let done = sqlx::Executor::execute(&mut *tx, query(step.sql, &step.args)).await.map_err(at(i))?;
                    if step.must_change && done.rows_affected() == 0 {
                        // Dropping `tx` rolls it back.
                        return Err($crate::StepError { step: i, error: cognate_store::StoreError::NotFound });
                    }
                }
                tx.commit().await.map_err(at(steps.len()))
            }

            async fn ping(&self) -> cognate_store::Result<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db_error).map(drop)
            }
        }
    };
}
