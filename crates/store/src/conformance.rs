//! The conformance suite every backend passes: `run_all` exercises the documented contract of every
//! `Store` method (round trips, `NotFound`/`Conflict`, cascades, key-order paging, access key
//! counting). Each run uses fresh IDs under a prefix unique to it, so the suite may run repeatedly
//! against the same, non-empty database; list checks look only at the run's own rows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::{AccessKeyRow, ClientRow, SigningKeyRow, Store, StoreError, UserPoolRow};
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Runs every check against `store`, panicking with a message naming the broken contract.
pub async fn run_all(store: &dyn Store) {
    assert!(matches!(store.backend(), "sqlite" | "postgres"), "backend() returned {:?}", store.backend());
    store.ping().await.expect("ping");
    user_pools(store, &run_prefix()).await;
    user_pool_listing(store, &run_prefix()).await;
    clients(store, &run_prefix()).await;
    client_listing(store, &run_prefix()).await;
    delete_cascades(store, &run_prefix()).await;
    access_keys(store, &run_prefix()).await;
}

/// A prefix no other run (in this or another process) uses: time, process ID and a counter.
fn run_prefix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("cf{nanos:x}x{:x}x{n:x}-", std::process::id())
}

/// A document with characters that break naive quoting or non-UTF-8 storage.
fn document(tag: &str) -> String {
    format!(r#"{{"tag":"{tag}","text":"quote ' \" backslash \\ ünïcødé 🚀"}}"#)
}

fn pool(id: &str) -> UserPoolRow {
    UserPoolRow {
        id: id.to_owned(),
        name: format!("pool {id}"),
        created_ms: 1_700_000_000_001,
        updated_ms: 1_700_000_000_002,
        document: document(id),
    }
}

fn key(pool_id: &str, kid: &str) -> SigningKeyRow {
    SigningKeyRow {
        pool_id: pool_id.to_owned(),
        kid: kid.to_owned(),
        private_pem: format!("-----BEGIN PRIVATE KEY-----\n{kid}\n-----END PRIVATE KEY-----\n"),
        created_ms: 1_700_000_000_003,
    }
}

fn client(pool_id: &str, client_id: &str) -> ClientRow {
    ClientRow {
        pool_id: pool_id.to_owned(),
        client_id: client_id.to_owned(),
        name: format!("client {client_id}"),
        client_secret: Some(format!("secret-{client_id}")),
        created_ms: 1_700_000_000_004,
        updated_ms: 1_700_000_000_005,
        document: document(client_id),
    }
}

fn access_key(id: &str, temporary: bool) -> AccessKeyRow {
    AccessKeyRow {
        access_key_id: id.to_owned(),
        secret_access_key: format!("secret/{id}"),
        session_token_sha256: temporary.then(|| format!("{:0>64}", "ab12")),
        expires_ms: temporary.then_some(1_700_000_003_600),
        created_ms: 1_700_000_000_006,
        description: format!("key {id}"),
    }
}

fn assert_not_found<T: Debug>(result: crate::Result<T>, what: &str) {
    assert!(matches!(result, Err(StoreError::NotFound)), "{what}: expected NotFound, got {result:?}");
}

fn assert_conflict<T: Debug>(result: crate::Result<T>, what: &str) {
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{what}: expected Conflict, got {result:?}");
}

async fn user_pools(store: &dyn Store, prefix: &str) {
    let id = format!("{prefix}pool");
    let row = pool(&id);
    let first_key = key(&id, "kid-1");
    store.create_user_pool(&row, &first_key).await.expect("create_user_pool");
    assert_eq!(store.get_user_pool(&id).await.expect("get_user_pool"), row, "pool round trip");
    assert_eq!(
        store.list_signing_keys(&id).await.expect("list_signing_keys"),
        vec![first_key.clone()],
        "create_user_pool stores the first signing key"
    );

    // A duplicate fails as a whole: neither the pool nor the new key is written.
    let mut duplicate = pool(&id);
    duplicate.name = "duplicate".into();
    assert_conflict(
        store.create_user_pool(&duplicate, &key(&id, "kid-2")).await,
        "create_user_pool with an existing ID",
    );
    assert_eq!(
        store.get_user_pool(&id).await.expect("get after conflict"),
        row,
        "pool unchanged by a conflicting create"
    );
    assert_eq!(
        store.list_signing_keys(&id).await.expect("list_signing_keys after conflict"),
        vec![first_key],
        "a conflicting create_user_pool must not add its key"
    );

    // Update replaces name, updated_ms and document; created_ms stays.
    let updated = UserPoolRow {
        name: "renamed".into(),
        created_ms: 1,
        updated_ms: 1_800_000_000_000,
        document: document("updated"),
        ..row.clone()
    };
    store.update_user_pool(&updated).await.expect("update_user_pool");
    assert_eq!(
        store.get_user_pool(&id).await.expect("get after update"),
        UserPoolRow { created_ms: row.created_ms, ..updated },
        "update_user_pool replaces name, updated_ms and document only"
    );

    let missing = format!("{prefix}missing");
    assert_not_found(store.get_user_pool(&missing).await, "get_user_pool of a missing pool");
    assert_not_found(store.update_user_pool(&pool(&missing)).await, "update_user_pool of a missing pool");
    assert_not_found(store.delete_user_pool(&missing).await, "delete_user_pool of a missing pool");
    assert_eq!(
        store.list_signing_keys(&missing).await.expect("list_signing_keys of a missing pool"),
        vec![],
        "a missing pool has no signing keys"
    );

    store.delete_user_pool(&id).await.expect("delete_user_pool");
    assert_not_found(store.get_user_pool(&id).await, "get_user_pool after delete");
    assert_not_found(store.delete_user_pool(&id).await, "second delete_user_pool");
}

/// Pages are in byte order of the ID ("Z" < "a"), start after `after`, and hold at most `limit`.
async fn user_pool_listing(store: &dyn Store, prefix: &str) {
    let ids: Vec<String> = ["Z", "a", "a0", "b"].iter().map(|s| format!("{prefix}{s}")).collect();
    // Created out of order so insertion order cannot pass for key order.
    for id in ids.iter().rev() {
        store.create_user_pool(&pool(id), &key(id, "k")).await.expect("create_user_pool for listing");
    }
    let mine = |rows: Vec<UserPoolRow>| -> Vec<String> {
        rows.into_iter().map(|r| r.id).filter(|id| id.starts_with(prefix)).collect()
    };

    let page = store.list_user_pools(Some(prefix), 2).await.expect("list_user_pools page 1");
    assert_eq!(page.len(), 2, "list_user_pools honours limit");
    assert_eq!(mine(page.clone()), ids[..2], "list_user_pools page 1 in key order");
    assert_eq!(page[0], pool(&ids[0]), "list_user_pools returns whole rows");

    let page = store.list_user_pools(Some(&ids[1]), 2).await.expect("list_user_pools page 2");
    assert_eq!(mine(page), ids[2..], "list_user_pools page 2 starts after `after`");

    let page = store.list_user_pools(Some(&ids[3]), 10).await.expect("list_user_pools past the end");
    assert_eq!(mine(page), Vec::<String>::new(), "nothing of ours after the last ID");

    let all = store.list_user_pools(None, u32::MAX).await.expect("list_user_pools without `after`");
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "list_user_pools(None) is strictly ordered by ID");
    assert_eq!(mine(all), ids, "list_user_pools(None) includes every pool");

    for id in &ids {
        store.delete_user_pool(id).await.expect("delete listed pool");
    }
}

async fn clients(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    store.create_user_pool(&pool(&pool_id), &key(&pool_id, "k")).await.expect("create_user_pool");

    let row = client(&pool_id, "client-1");
    store.create_client(&row).await.expect("create_client");
    assert_eq!(store.get_client(&pool_id, "client-1").await.expect("get_client"), row, "client round trip");
    assert_conflict(store.create_client(&row).await, "create_client with an existing ID");

    let public = ClientRow { client_secret: None, ..client(&pool_id, "public") };
    store.create_client(&public).await.expect("create_client without secret");
    assert_eq!(
        store.get_client(&pool_id, "public").await.expect("get public client"),
        public,
        "a client without a secret round-trips None"
    );

    let orphan = client(&format!("{prefix}missing"), "client-1");
    assert_not_found(store.create_client(&orphan).await, "create_client in a missing pool");
    assert_not_found(store.get_client(&pool_id, "absent").await, "get_client of a missing client");
    assert_not_found(store.get_client(&orphan.pool_id, "client-1").await, "get_client is scoped to its pool");
    assert_not_found(store.update_client(&client(&pool_id, "absent")).await, "update_client of a missing client");
    assert_not_found(store.delete_client(&pool_id, "absent").await, "delete_client of a missing client");

    // Update replaces name, client_secret, updated_ms and document; created_ms stays.
    let updated = ClientRow {
        name: "renamed".into(),
        client_secret: None,
        created_ms: 1,
        updated_ms: 1_800_000_000_000,
        document: document("updated"),
        ..row.clone()
    };
    store.update_client(&updated).await.expect("update_client");
    assert_eq!(
        store.get_client(&pool_id, "client-1").await.expect("get after update"),
        ClientRow { created_ms: row.created_ms, ..updated },
        "update_client replaces name, client_secret, updated_ms and document only"
    );

    store.delete_client(&pool_id, "client-1").await.expect("delete_client");
    assert_not_found(store.get_client(&pool_id, "client-1").await, "get_client after delete");
    assert_not_found(store.delete_client(&pool_id, "client-1").await, "second delete_client");
    assert_eq!(
        store.get_client(&pool_id, "public").await.expect("other client survives delete"),
        public,
        "delete_client deletes only its client"
    );

    store.delete_user_pool(&pool_id).await.expect("delete_user_pool");
}

async fn client_listing(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    let other_pool = format!("{prefix}other");
    for id in [&pool_id, &other_pool] {
        store.create_user_pool(&pool(id), &key(id, "k")).await.expect("create_user_pool");
    }
    let ids = ["Z", "a", "a0", "b"];
    for id in ids.iter().rev() {
        store.create_client(&client(&pool_id, id)).await.expect("create_client for listing");
    }
    store.create_client(&client(&other_pool, "0")).await.expect("create_client in another pool");
    let list = async |after: Option<&str>, limit: u32| {
        let rows = store.list_clients(&pool_id, after, limit).await.expect("list_clients");
        rows.into_iter().map(|r| r.client_id).collect::<Vec<_>>()
    };

    assert_eq!(list(None, 100).await, ids, "list_clients lists only the pool's clients, in byte order of ID");
    assert_eq!(
        store.list_clients(&pool_id, None, 1).await.expect("list_clients"),
        vec![client(&pool_id, "Z")],
        "list_clients returns whole rows"
    );
    assert_eq!(list(None, 2).await, ids[..2], "list_clients honours limit");
    assert_eq!(list(Some("a"), 2).await, ids[2..], "list_clients starts after `after`");
    assert_eq!(list(Some("b"), 2).await, Vec::<String>::new(), "nothing after the last ID");
    assert_eq!(
        store.list_clients(&format!("{prefix}missing"), None, 10).await.expect("list_clients of a missing pool"),
        vec![],
        "a missing pool has no clients"
    );

    for id in [&pool_id, &other_pool] {
        store.delete_user_pool(id).await.expect("delete_user_pool");
    }
}

async fn delete_cascades(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    let first_key = key(&pool_id, "k");
    store.create_user_pool(&pool(&pool_id), &first_key).await.expect("create_user_pool");
    store.create_client(&client(&pool_id, "c")).await.expect("create_client");

    store.delete_user_pool(&pool_id).await.expect("delete_user_pool");
    assert_not_found(store.get_client(&pool_id, "c").await, "a deleted pool's client");
    assert_eq!(
        store.list_clients(&pool_id, None, 10).await.expect("list_clients after pool delete"),
        vec![],
        "delete_user_pool deletes the pool's clients"
    );
    assert_eq!(
        store.list_signing_keys(&pool_id).await.expect("list_signing_keys after pool delete"),
        vec![],
        "delete_user_pool deletes the pool's signing keys"
    );

    // The ID is free again and nothing of the old pool comes back.
    store.create_user_pool(&pool(&pool_id), &first_key).await.expect("re-create deleted pool");
    assert_eq!(
        store.list_clients(&pool_id, None, 10).await.expect("list_clients"),
        vec![],
        "re-created pool starts empty"
    );
    store.create_client(&client(&pool_id, "c")).await.expect("re-create client");
    store.delete_user_pool(&pool_id).await.expect("delete re-created pool");
}

async fn access_keys(store: &dyn Store, prefix: &str) {
    let before = store.count_permanent_access_keys().await.expect("count_permanent_access_keys");
    let permanent = access_key(&format!("{prefix}PERM"), false);
    let temporary = access_key(&format!("{prefix}TEMP"), true);
    store.create_access_key(&permanent).await.expect("create permanent access key");
    store.create_access_key(&temporary).await.expect("create temporary access key");

    for row in [&permanent, &temporary] {
        assert_eq!(
            store.find_access_key(&row.access_key_id).await.expect("find_access_key").as_ref(),
            Some(row),
            "access key round trip"
        );
    }
    assert_eq!(
        store.find_access_key(&format!("{prefix}NONE")).await.expect("find_access_key of a missing key"),
        None,
        "find_access_key of a missing key"
    );
    assert_conflict(store.create_access_key(&temporary).await, "create_access_key with an existing ID");
    assert_eq!(
        store.count_permanent_access_keys().await.expect("count_permanent_access_keys"),
        before + 1,
        "count_permanent_access_keys counts the new permanent key and not the temporary one"
    );
}
