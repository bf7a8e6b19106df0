//! `sqlx_migrate_error!`: the migration-error mapping of every backend (both migrate through sqlx's
//! migrator). A macro because it names the invoking crate's `MIGRATOR` and driver-error mapping,
//! and keeps `cognate-store-sql` free of sqlx.
//!
//! The invoking crate depends on `sqlx` and has its `MIGRATOR` in scope.

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
