//! `SqliteStore` against the shared conformance suite (on a file and in memory, and two stores
//! racing on one file), plus the refusal to open a database migrated by a newer Cognate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cognate_store::StoreError;
use cognate_store_sqlite::SqliteStore;

#[tokio::test]
async fn conformance_on_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cognate.db").display());
    let store = SqliteStore::open(&url).await.unwrap();
    cognate_store::conformance::run_all(&store).await;
    // Twice on the same database: the suite leaves nothing that trips a second run.
    cognate_store::conformance::run_all(&store).await;
    drop(store);
    // Reopening an up-to-date database migrates nothing and works.
    let store = SqliteStore::open(&url).await.unwrap();
    cognate_store::conformance::run_all(&store).await;
}

#[tokio::test]
async fn conformance_in_memory() {
    let store = SqliteStore::open("sqlite::memory:").await.unwrap();
    cognate_store::conformance::run_all(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_file_agree() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cognate.db").display());
    let (a, b) = (SqliteStore::open(&url).await.unwrap(), SqliteStore::open(&url).await.unwrap());
    cognate_store::conformance::run_two_nodes(&a, &b).await;
}

#[tokio::test]
async fn opens_a_bare_path_and_sqlite_colon_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bare.db");
    SqliteStore::open(path.to_str().unwrap()).await.unwrap();
    assert!(path.exists(), "open creates the file");
    // WAL is a property of the file, so a plain connection sees it.
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&raw).await.unwrap();
    assert_eq!(mode, "wal");
    raw.close().await;
    let store = SqliteStore::open(&format!("sqlite:{}", path.display())).await.unwrap();
    cognate_store::conformance::run_all(&store).await;
}

#[tokio::test]
async fn refuses_a_schema_newer_than_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cognate.db").display());
    drop(SqliteStore::open(&url).await.unwrap());

    // Pretend a newer Cognate applied migration 999999.
    let conn = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (999999, 'from the future', TRUE, x'00', 0)",
    )
    .execute(&conn)
    .await
    .unwrap();
    conn.close().await;

    match SqliteStore::open(&url).await {
        Err(StoreError::SchemaTooNew { database: 999999, binary }) => {
            assert!((1..999999).contains(&binary), "binary version {binary}")
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}
