//! `PgStore` against the shared conformance suite (and two stores racing on one schema), each test
//! on its own schema from `prepare_test_database` in the database `COGNATE_TEST_POSTGRES_URL` names;
//! without it they fail, unless `COGNATE_TEST_SKIP_POSTGRES=1` skips them visibly.
//! Also checks that the SQLite and Postgres migration trees stay in step.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cognate_store::{Store, StoreError, UserPoolStore};
use cognate_store_postgres::{PgStore, prepare_test_database};
use std::path::Path;

/// A fresh schema's URL, or `None` (after saying so) when no server is configured.
async fn fresh_url(test: &str) -> Option<String> {
    let base = cognate_store_postgres::test_base_url(test)?;
    Some(prepare_test_database(&base).await.unwrap())
}

#[tokio::test]
async fn conformance() {
    let Some(url) = fresh_url("conformance").await else {
        return;
    };
    let store = PgStore::open(&url).await.unwrap();
    assert_eq!(store.backend(), "postgres");
    cognate_store::conformance::run_all(&store).await;
    // Twice on the same database: the suite leaves nothing that trips a second run.
    cognate_store::conformance::run_all(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_schema_agree() {
    let Some(url) = fresh_url("two stores").await else {
        return;
    };
    let (a, b) = (PgStore::open(&url).await.unwrap(), PgStore::open(&url).await.unwrap());
    cognate_store::conformance::run_two_nodes(&a, &b).await;
}

#[tokio::test]
async fn prepared_schemas_are_isolated_and_migrate_once_under_concurrency() {
    let Some(url) = fresh_url("isolation").await else {
        return;
    };
    let (a, b) = tokio::join!(PgStore::open(&url), PgStore::open(&url));
    let (a, _b) = (a.unwrap(), b.unwrap());
    cognate_store::conformance::run_all(&a).await;

    let other = PgStore::open(&fresh_url("isolation").await.unwrap()).await.unwrap();
    let row = cognate_store::UserPoolRow {
        id: "only-in-one-schema".into(),
        name: "n".into(),
        created_ms: 1,
        updated_ms: 1,
        document: "{}".into(),
    };
    let key = cognate_store::SigningKeyRow {
        pool_id: row.id.clone(),
        kid: "k".into(),
        private_pem: "pem".into(),
        created_ms: 1,
    };
    other.create_user_pool(&row, &key).await.unwrap();
    assert!(matches!(a.get_user_pool(&row.id).await, Err(StoreError::NotFound)));
    assert_eq!(other.list_user_pools(None, 10).await.unwrap(), vec![row]);
}

#[tokio::test]
async fn prepare_tolerates_a_concurrent_creator() {
    let Some(base) = cognate_store_postgres::test_base_url("concurrent creator") else {
        return;
    };
    // A database that does not exist yet (the base one's name plus a suffix), prepared twice at
    // once, then dropped.
    let (head, query) = base.split_once('?').unwrap_or((&base, ""));
    let url = format!("{head}_race_{}?{query}", std::process::id());
    let options: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
    let database = options.get_database().unwrap().to_owned();
    let (a, b) = tokio::join!(prepare_test_database(&url), prepare_test_database(&url));
    let connected = PgStore::open(&url).await.map(drop);
    let admin = sqlx::PgPool::connect_with(options.database("postgres")).await.unwrap();
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)")).execute(&admin).await.unwrap();
    for result in [a.map(drop), b.map(drop), connected] {
        result.unwrap();
    }
}

#[tokio::test]
async fn refuses_a_schema_newer_than_the_binary() {
    let Some(url) = fresh_url("schema too new").await else {
        return;
    };
    drop(PgStore::open(&url).await.unwrap());

    // Pretend a newer Cognate applied migration 999999 (in this test's schema only).
    let conn = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (999999, 'from the future', TRUE, '\\x00', 0)",
    )
    .execute(&conn)
    .await
    .unwrap();
    conn.close().await;

    match PgStore::open(&url).await {
        Err(StoreError::SchemaTooNew { database: 999999, binary }) => {
            assert!((1..999999).contains(&binary), "binary version {binary}")
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn migration_trees_have_the_same_files() {
    let names = |dir: &str| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let postgres = names("migrations");
    assert!(!postgres.is_empty(), "no Postgres migrations");
    assert_eq!(postgres, names("../store-sqlite/migrations"), "migration trees differ");
}
