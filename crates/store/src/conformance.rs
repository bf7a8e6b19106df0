//! The conformance suite every backend passes: `run_all` exercises the documented contract of every
//! `Store` method (round trips, `NotFound`/`Conflict`, cascades, key-order paging, access key
//! counting, users with their index and unique sets, ListUsers filters, groups and memberships,
//! refresh-token revocation and expiry, one-time codes, secrets, remembered devices). Each run uses fresh IDs under a
//! prefix unique to it, so the suite may run repeatedly against the same, non-empty database; list
//! checks look only at the run's own rows.
//!
//! Index and unique sets are compared as sets: a backend may return them in any order.
//!
//! `run_two_nodes` takes two stores on one database (two nodes of a deployment) and races them
//! where the contract promises agreement: secrets, unique values, usernames, memberships, codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::{
    AccessKeyRow, BrandingRow, Bump, ClientRow, CodeRow, CounterPolicy, DeviceRow, DomainRow, EntityChange, EntityRow,
    GroupRow, RefreshTokenRow, ResourceServerRow, SigningKeyRow, Store, StoreError, UserFilter, UserPoolRow, UserRow,
};
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
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
    users(store, &run_prefix()).await;
    unique_attributes(store, &run_prefix()).await;
    user_listing(store, &run_prefix()).await;
    groups(store, &run_prefix()).await;
    memberships(store, &run_prefix()).await;
    refresh_tokens(store, &run_prefix()).await;
    codes(store, &run_prefix()).await;
    user_delete_cascades(store, &run_prefix()).await;
    devices(store, &run_prefix()).await;
    secrets(store, &run_prefix()).await;
    counters(store, &run_prefix()).await;
    resource_servers(store, &run_prefix()).await;
    domains(store, &run_prefix()).await;
    brandings(store, &run_prefix()).await;
    entities(store, &run_prefix()).await;
}

fn entity(prefix: &str, kind: &str, id: &str, scope: &str) -> EntityRow {
    EntityRow {
        kind: format!("{prefix}{kind}"),
        id: id.to_owned(),
        scope: scope.to_owned(),
        version: 1,
        created_ms: 1_700_000_000_000,
        document: format!("{{\"id\":\"{id}\"}}"),
    }
}

async fn entities(store: &dyn Store, prefix: &str) {
    let role = entity(prefix, "role", "admin", "");
    let other = entity(prefix, "role", "reader", "");
    let identity = entity(prefix, "identity", "us-east-1:1", "pool-a");
    let login = entity(prefix, "login", "pool-a|idp|sub-1", "pool-a");
    store
        .apply_entities(&[
            EntityChange::Create(role.clone()),
            EntityChange::Create(other.clone()),
            EntityChange::Create(identity.clone()),
            EntityChange::Create(login.clone()),
        ])
        .await
        .expect("create entities");
    for row in [&role, &other, &identity, &login] {
        assert_eq!(
            store.find_entity(&row.kind, &row.id).await.expect("find_entity").as_ref(),
            Some(row),
            "entity round trip"
        );
    }
    assert_eq!(store.find_entity(&role.kind, "nobody").await.expect("find_entity of a missing id"), None);

    // All or nothing: a conflict in the second change leaves the first unwritten.
    let fresh = entity(prefix, "role", "fresh", "");
    let result = store.apply_entities(&[EntityChange::Create(fresh.clone()), EntityChange::Create(role.clone())]).await;
    assert_conflict(result, "apply_entities creating an existing entity");
    assert_eq!(store.find_entity(&fresh.kind, &fresh.id).await.expect("find"), None, "a failed apply writes nothing");

    // Listing by scope, in id order, paged.
    let listed = store.list_entities(&role.kind, "", None, 10).await.expect("list_entities");
    assert_eq!(listed, vec![role.clone(), other.clone()], "list_entities of a scope in id order");
    let page = store.list_entities(&role.kind, "", Some("admin"), 10).await.expect("list_entities after");
    assert_eq!(page, vec![other.clone()], "list_entities after a key");
    assert_eq!(store.list_entities(&role.kind, "", None, 1).await.expect("limit").len(), 1, "limit");
    let in_pool = store.list_entities(&identity.kind, "pool-a", None, 10).await.expect("list by scope");
    assert_eq!(in_pool, vec![identity.clone()], "list_entities keeps to its kind and scope");

    // Compare-and-swap updates.
    let updated = EntityRow { document: "{\"v\":2}".into(), ..role.clone() };
    store.apply_entities(&[EntityChange::Update(updated.clone())]).await.expect("update at the read version");
    let stored = store.find_entity(&role.kind, &role.id).await.expect("find").expect("updated entity");
    assert_eq!((stored.version, stored.document.as_str()), (2, "{\"v\":2}"), "update bumps the version");
    let stale = store.apply_entities(&[EntityChange::Update(updated.clone())]).await;
    assert!(matches!(stale, Err(StoreError::Stale)), "update at an old version is Stale: {stale:?}");
    let missing = EntityRow { id: "nobody".into(), ..updated.clone() };
    assert_not_found(store.apply_entities(&[EntityChange::Update(missing)]).await, "update of a missing entity");

    // Deletes.
    let gone = EntityChange::Delete { kind: other.kind.clone(), id: other.id.clone() };
    store.apply_entities(std::slice::from_ref(&gone)).await.expect("delete");
    assert_not_found(store.apply_entities(&[gone]).await, "delete of a missing entity");
    store
        .apply_entities(&[EntityChange::DeleteIfExists { kind: other.kind.clone(), id: other.id.clone() }])
        .await
        .expect("delete-if-exists of a missing entity");
    assert_eq!(store.delete_entity_scope(&identity.kind, "pool-a").await.expect("delete scope"), 1);
    assert_eq!(store.find_entity(&identity.kind, &identity.id).await.expect("find"), None, "scope deleted");
    assert!(store.find_entity(&login.kind, &login.id).await.expect("find").is_some(), "other kinds kept");
}

async fn brandings(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    create_pool(store, &pool_id).await;
    let row = |id: &str, kind: &str, client: &str| BrandingRow {
        pool_id: pool_id.clone(),
        id: id.to_owned(),
        kind: kind.to_owned(),
        client_id: client.to_owned(),
        created_ms: 1_700_000_000_000,
        updated_ms: 1_700_000_000_000,
        document: "{}".into(),
    };
    let ui = row("ui:ALL", "ui", "ALL");
    store.create_branding(&ui).await.expect("create_branding");
    let managed = row("m1", "managed", "c1");
    store.create_branding(&managed).await.expect("create_branding");
    assert_eq!(store.find_branding(&pool_id, "m1").await.expect("find_branding"), Some(managed.clone()));
    assert_eq!(
        store.find_branding_for_client(&pool_id, "managed", "c1").await.expect("find_branding_for_client"),
        Some(managed.clone())
    );
    assert_eq!(store.find_branding_for_client(&pool_id, "ui", "c1").await.expect("by client"), None);
    assert_conflict(store.create_branding(&row("m2", "managed", "c1")).await, "a second style for one client");
    assert_conflict(store.create_branding(&row("m1", "managed", "c2")).await, "a taken branding ID");
    assert_not_found(
        store.create_branding(&BrandingRow { pool_id: format!("{prefix}missing"), ..row("x", "ui", "ALL") }).await,
        "create_branding in a missing pool",
    );
    let changed = BrandingRow { updated_ms: 1_700_000_000_500, document: "{\"a\":1}".into(), ..managed.clone() };
    store.update_branding(&changed).await.expect("update_branding");
    assert_eq!(store.find_branding(&pool_id, "m1").await.expect("find_branding"), Some(changed));
    assert_not_found(store.update_branding(&row("absent", "ui", "ALL")).await, "update_branding of an absent one");
    store.delete_branding(&pool_id, "m1").await.expect("delete_branding");
    assert_eq!(store.find_branding(&pool_id, "m1").await.expect("find_branding"), None);
    assert_not_found(store.delete_branding(&pool_id, "m1").await, "delete_branding twice");
    store.delete_user_pool(&pool_id).await.expect("delete_user_pool");
    assert_eq!(store.find_branding(&pool_id, "ui:ALL").await.expect("find_branding"), None, "deleted with the pool");
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
        principal: None,
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
    let unique_id = format!("{prefix}by-id");
    let by_id = client(&pool_id, &unique_id);
    store.create_client(&by_id).await.expect("create_client");
    assert_eq!(store.find_client(&unique_id).await.expect("find_client"), Some(by_id), "find_client by ID alone");
    assert_eq!(
        store.find_client(&format!("{prefix}nobody")).await.expect("find_client"),
        None,
        "find_client of a missing ID"
    );
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
    let alice = user(&pool_id, "alice");
    store.create_user(&alice).await.expect("create_user");
    store.create_group(&group(&pool_id, "admins")).await.expect("create_group");
    store.add_user_to_group(&pool_id, "admins", "alice").await.expect("add_user_to_group");
    let token = refresh_token(&format!("{prefix}token"), &pool_id, "alice", &format!("{prefix}origin"));
    store.create_refresh_token(&token).await.expect("create_refresh_token");
    store.put_code(&code(&pool_id, "alice", "signup")).await.expect("put_code");

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
    assert_not_found(store.get_user(&pool_id, "alice").await, "a deleted pool's user");
    assert_eq!(store.count_users(&pool_id).await.expect("count_users"), 0, "delete_user_pool deletes the users");
    assert_eq!(
        store.list_users(&pool_id, None, None, 10).await.expect("list_users after pool delete"),
        vec![],
        "delete_user_pool deletes the users"
    );
    assert_eq!(
        store.find_users_by_index(&pool_id, "email", &email("alice")).await.expect("find_users_by_index"),
        vec![],
        "delete_user_pool deletes the users' index"
    );
    assert_not_found(store.get_group(&pool_id, "admins").await, "a deleted pool's group");
    assert_eq!(
        store.list_groups(&pool_id, None, 10).await.expect("list_groups after pool delete"),
        vec![],
        "delete_user_pool deletes the groups"
    );
    assert_eq!(
        store.find_refresh_token(&token.token_sha256).await.expect("find_refresh_token after pool delete"),
        None,
        "delete_user_pool deletes the refresh tokens"
    );
    assert_eq!(
        store.find_code(&pool_id, "alice", "signup").await.expect("find_code after pool delete"),
        None,
        "delete_user_pool deletes the codes"
    );

    // The ID is free again and nothing of the old pool comes back; its unique pairs are free too.
    store.create_user_pool(&pool(&pool_id), &first_key).await.expect("re-create deleted pool");
    assert_eq!(
        store.list_clients(&pool_id, None, 10).await.expect("list_clients"),
        vec![],
        "re-created pool starts empty"
    );
    store.create_client(&client(&pool_id, "c")).await.expect("re-create client");
    store.create_user(&alice).await.expect("re-create user with the same unique email");
    store.create_group(&group(&pool_id, "admins")).await.expect("re-create group");
    assert_eq!(
        store.list_users_in_group(&pool_id, "admins", None, 10).await.expect("list_users_in_group"),
        vec![],
        "a re-created pool's group has no members"
    );
    assert_eq!(
        store.find_refresh_token(&token.token_sha256).await.expect("find_refresh_token"),
        None,
        "a re-created pool has no refresh tokens"
    );
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
    // An IAM user's key is permanent but not the root's.
    let users_key =
        AccessKeyRow { principal: Some("{\"user\":\"alice\"}".into()), ..access_key(&format!("{prefix}USER"), false) };
    store.create_access_key(&users_key).await.expect("create a user's access key");
    assert_eq!(store.find_access_key(&users_key.access_key_id).await.expect("find").as_ref(), Some(&users_key));
    assert_eq!(store.count_permanent_access_keys().await.expect("count"), before + 1, "only root keys are counted");
    store.delete_access_key(&users_key.access_key_id).await.expect("delete_access_key");
    assert_not_found(store.delete_access_key(&users_key.access_key_id).await, "delete of a missing key");
    // Expired temporary keys are purged; permanent and live ones stay.
    let expired = AccessKeyRow { expires_ms: Some(1_000), ..access_key(&format!("{prefix}OLD"), true) };
    store.create_access_key(&expired).await.expect("create an expired key");
    assert!(store.delete_expired_access_keys(2_000).await.expect("purge") >= 1);
    assert_eq!(store.find_access_key(&expired.access_key_id).await.expect("find"), None, "expired key purged");
    assert!(store.find_access_key(&temporary.access_key_id).await.expect("find").is_some(), "live key kept");
    assert!(store.find_access_key(&permanent.access_key_id).await.expect("find").is_some(), "permanent key kept");
}

fn email(username_key: &str) -> String {
    format!("{username_key}@example.com")
}

/// A user whose `email` is both searchable and unique, and whose `sub` is searchable.
fn user(pool_id: &str, username_key: &str) -> UserRow {
    let sub = format!("sub-{username_key}");
    UserRow {
        pool_id: pool_id.to_owned(),
        username_key: username_key.to_owned(),
        username: format!("As-Created {username_key}"),
        sub: sub.clone(),
        status: "CONFIRMED".into(),
        is_enabled: true,
        password_hash: Some(format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${username_key}")),
        created_ms: 1_700_000_000_010,
        updated_ms: 1_700_000_000_011,
        tokens_valid_after_ms: 1_700_000_000_012,
        version: 1,
        document: document(username_key),
        index: vec![("email".into(), email(username_key)), ("sub".into(), sub)],
        unique: vec![("email".into(), email(username_key))],
    }
}

fn group(pool_id: &str, name: &str) -> GroupRow {
    GroupRow {
        pool_id: pool_id.to_owned(),
        name: name.to_owned(),
        description: Some(format!("group {name} ' \" ü")),
        precedence: Some(7),
        role_arn: Some(format!("arn:aws:iam::123456789012:role/{name}")),
        created_ms: 1_700_000_000_020,
        updated_ms: 1_700_000_000_021,
    }
}

fn refresh_token(token_sha256: &str, pool_id: &str, username_key: &str, origin_jti: &str) -> RefreshTokenRow {
    RefreshTokenRow {
        token_sha256: token_sha256.to_owned(),
        pool_id: pool_id.to_owned(),
        client_id: "client".into(),
        username_key: username_key.to_owned(),
        origin_jti: origin_jti.to_owned(),
        issued_ms: 1_700_000_000_030,
        expires_ms: 4_000_000_000_000,
        revoked_ms: None,
        rotated_ms: None,
        scope: None,
    }
}

fn code(pool_id: &str, username_key: &str, purpose: &str) -> CodeRow {
    CodeRow {
        pool_id: pool_id.to_owned(),
        username_key: username_key.to_owned(),
        purpose: purpose.to_owned(),
        code_hash: format!("hash-{purpose}"),
        expires_ms: 1_700_000_000_040,
    }
}

/// An unconfirmed device (no SRP salt or verifier yet).
fn device(pool_id: &str, username_key: &str, device_key: &str) -> DeviceRow {
    DeviceRow {
        pool_id: pool_id.to_owned(),
        username_key: username_key.to_owned(),
        device_key: device_key.to_owned(),
        device_group_key: format!("-group-{username_key}"),
        salt_hex: None,
        verifier_hex: None,
        created_ms: 1_700_000_000_050,
        updated_ms: 1_700_000_000_051,
        last_authenticated_ms: 1_700_000_000_052,
        document: document(&format!("{username_key}/{device_key}")),
    }
}

/// `user` with its index and unique sets sorted, to compare them as sets.
fn normalized(mut user: UserRow) -> UserRow {
    user.index.sort();
    user.unique.sort();
    user
}

fn normalized_all(users: Vec<UserRow>) -> Vec<UserRow> {
    users.into_iter().map(normalized).collect()
}

fn assert_conflict_on<T: Debug>(result: crate::Result<T>, attribute: &str, what: &str) {
    assert!(
        matches!(&result, Err(StoreError::Conflict(a)) if a == attribute),
        "{what}: expected Conflict({attribute:?}), got {result:?}"
    );
}

async fn assert_user(store: &dyn Store, expected: &UserRow, what: &str) {
    let got = store.get_user(&expected.pool_id, &expected.username_key).await;
    let got = got.unwrap_or_else(|e| panic!("{what}: get_user failed: {e:?}"));
    assert_eq!(normalized(got), normalized(expected.clone()), "{what}");
}

async fn keys_found(store: &dyn Store, pool_id: &str, attribute: &str, value: &str) -> Vec<String> {
    let rows = store.find_users_by_index(pool_id, attribute, value).await.expect("find_users_by_index");
    rows.into_iter().map(|u| u.username_key).collect()
}

async fn create_pool(store: &dyn Store, pool_id: &str) {
    store.create_user_pool(&pool(pool_id), &key(pool_id, "k")).await.expect("create_user_pool");
}

async fn users(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    let other_pool = format!("{prefix}other");
    create_pool(store, &pool_id).await;
    create_pool(store, &other_pool).await;

    // Round trips, including a user without password, disabled, with no index or unique pairs,
    // and pairs given out of order.
    let mut alice = user(&pool_id, "alice");
    alice.index.reverse();
    store.create_user(&alice).await.expect("create_user");
    assert_user(store, &alice, "user round trip").await;
    let bare = UserRow {
        status: "FORCE_CHANGE_PASSWORD".into(),
        is_enabled: false,
        password_hash: None,
        index: vec![],
        unique: vec![],
        ..user(&pool_id, "bare")
    };
    store.create_user(&bare).await.expect("create_user without password or pairs");
    assert_user(store, &bare, "a user without password, disabled, without pairs round-trips").await;
    assert_eq!(store.count_users(&pool_id).await.expect("count_users"), 2, "count_users counts the pool's users");
    assert_eq!(store.count_users(&other_pool).await.expect("count_users"), 0, "count_users is scoped to its pool");

    // Duplicates and missing parents; a failed create writes nothing.
    let duplicate = UserRow {
        document: document("duplicate"),
        index: vec![("custom:x".into(), "dup".into())],
        unique: vec![("phone_number".into(), "+15550000".into())],
        ..user(&pool_id, "alice")
    };
    assert_conflict_on(store.create_user(&duplicate).await, "username", "create_user with an existing username");
    assert_user(store, &alice, "user unchanged by a conflicting create").await;
    assert_eq!(
        keys_found(store, &pool_id, "custom:x", "dup").await,
        Vec::<String>::new(),
        "a failed create adds no index pairs"
    );
    let phone_user = UserRow { unique: vec![("phone_number".into(), "+15550000".into())], ..user(&pool_id, "phone") };
    store.create_user(&phone_user).await.expect("a failed create leaves its unique pairs free");
    assert_not_found(
        store.create_user(&user(&format!("{prefix}missing"), "alice")).await,
        "create_user in a missing pool",
    );
    assert_not_found(store.get_user(&pool_id, "nobody").await, "get_user of a missing user");
    assert_not_found(store.get_user(&other_pool, "alice").await, "get_user is scoped to its pool");
    // The same username in another pool is another user.
    store.create_user(&user(&other_pool, "alice")).await.expect("the same username and email in another pool");

    // find_users_by_index: exact matches only, ordered by username_key, scoped to the pool.
    assert_eq!(keys_found(store, &pool_id, "email", &email("alice")).await, ["alice"], "find_users_by_index");
    assert_eq!(
        normalized_all(store.find_users_by_index(&pool_id, "sub", "sub-alice").await.expect("find_users_by_index")),
        vec![normalized(alice.clone())],
        "find_users_by_index returns whole rows"
    );
    assert_eq!(keys_found(store, &pool_id, "email", "ALICE@example.com").await, Vec::<String>::new(), "find is exact");
    assert_eq!(keys_found(store, &pool_id, "email", "alice@example.co").await, Vec::<String>::new(), "find is exact");
    assert_eq!(
        keys_found(store, &pool_id, "sub", &email("alice")).await,
        Vec::<String>::new(),
        "find matches the attribute"
    );
    let shared = |mut u: UserRow| {
        u.index.push(("custom:team".into(), "blue".into()));
        u
    };
    let (zed, bob) = (shared(user(&pool_id, "zed")), shared(user(&pool_id, "Bob")));
    store.create_user(&zed).await.expect("create_user zed");
    store.create_user(&bob).await.expect("create_user Bob");
    store.create_user(&shared(user(&other_pool, "amy"))).await.expect("create_user in other pool");
    assert_eq!(
        keys_found(store, &pool_id, "custom:team", "blue").await,
        ["Bob", "zed"],
        "find_users_by_index lists every holder of a non-unique pair in byte order, only in its pool"
    );

    // update_user replaces every column but pool_id, username_key and created_ms, and the sets.
    let updated = UserRow {
        username: "Alice Renamed".into(),
        sub: "sub-new".into(),
        status: "RESET_REQUIRED".into(),
        is_enabled: false,
        password_hash: None,
        created_ms: 1,
        updated_ms: 1_800_000_000_000,
        tokens_valid_after_ms: 1_800_000_000_001,
        document: document("updated"),
        index: vec![("email".into(), "new@example.com".into()), ("custom:team".into(), "blue".into())],
        unique: vec![("email".into(), "new@example.com".into())],
        ..alice.clone()
    };
    store.update_user(&updated).await.expect("update_user");
    let stored = UserRow { created_ms: alice.created_ms, version: 2, ..updated.clone() };
    assert_user(store, &stored, "update_user replaces the row and moves its version on").await;
    // Compare-and-swap: a write over a version that is no longer stored is refused whole.
    let late = UserRow { document: document("late"), index: vec![], unique: vec![], ..updated.clone() };
    let result = store.update_user(&late).await;
    assert!(
        matches!(result, Err(StoreError::Stale)),
        "update_user over an old version: expected Stale, got {result:?}"
    );
    assert_user(store, &stored, "a stale update_user changes nothing").await;
    assert_eq!(
        keys_found(store, &pool_id, "email", &email("alice")).await,
        Vec::<String>::new(),
        "old index value gone"
    );
    assert_eq!(keys_found(store, &pool_id, "sub", "sub-alice").await, Vec::<String>::new(), "old index pair gone");
    assert_eq!(keys_found(store, &pool_id, "email", "new@example.com").await, ["alice"], "new index value found");
    assert_eq!(keys_found(store, &pool_id, "custom:team", "blue").await, ["Bob", "alice", "zed"], "new pair found");
    // The old unique value is free again; the new one is taken.
    let carol = UserRow { unique: vec![("email".into(), email("alice"))], ..user(&pool_id, "carol") };
    store.create_user(&carol).await.expect("update_user frees the old unique value");
    let dave = UserRow { unique: vec![("email".into(), "new@example.com".into())], ..user(&pool_id, "dave") };
    assert_conflict_on(store.create_user(&dave).await, "email", "the updated unique value is taken");
    // Updating to the same unique value is not a conflict with oneself.
    let same = UserRow { document: document("same"), version: 2, ..updated.clone() };
    store.update_user(&same).await.expect("update_user keeping its unique value");
    // A conflicting update fails as a whole.
    let stealing = UserRow {
        document: document("stealing"),
        index: vec![("email".into(), email("carol"))],
        unique: vec![("email".into(), "new@example.com".into())],
        ..zed.clone()
    };
    assert_conflict_on(store.update_user(&stealing).await, "email", "update_user taking another user's unique value");
    assert_user(store, &zed, "a conflicting update_user changes nothing").await;
    assert_eq!(
        keys_found(store, &pool_id, "custom:team", "blue").await,
        ["Bob", "alice", "zed"],
        "zed's index survives"
    );
    assert_not_found(store.update_user(&user(&pool_id, "nobody")).await, "update_user of a missing user");
    assert_not_found(
        store.update_user(&user(&format!("{prefix}missing"), "alice")).await,
        "update_user in a missing pool",
    );

    let _ = same;

    // delete_user.
    store.delete_user(&pool_id, "alice").await.expect("delete_user");
    assert_not_found(store.get_user(&pool_id, "alice").await, "get_user after delete");
    assert_not_found(store.delete_user(&pool_id, "alice").await, "second delete_user");
    assert_not_found(store.delete_user(&pool_id, "nobody").await, "delete_user of a missing user");
    assert_eq!(
        keys_found(store, &pool_id, "custom:team", "blue").await,
        ["Bob", "zed"],
        "delete_user removes its index"
    );
    store.create_user(&dave).await.expect("delete_user frees its unique values");
    assert_user(store, &user(&other_pool, "alice"), "delete_user is scoped to its pool").await;
    assert_eq!(store.count_users(&pool_id).await.expect("count_users"), 6, "count_users after create and delete");

    for id in [&pool_id, &other_pool] {
        store.delete_user_pool(id).await.expect("delete_user_pool");
    }
}

/// Unique pairs: the conflict names the attribute; attribute, value and pool all scope it.
async fn unique_attributes(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    let other_pool = format!("{prefix}other");
    create_pool(store, &pool_id).await;
    create_pool(store, &other_pool).await;
    let with_unique = |key: &str, unique: &[(&str, &str)]| UserRow {
        unique: unique.iter().map(|(a, v)| ((*a).to_owned(), (*v).to_owned())).collect(),
        ..user(&pool_id, key)
    };

    store
        .create_user(&with_unique("u1", &[("email", "x@example.com"), ("phone_number", "+1555")]))
        .await
        .expect("create_user with two unique pairs");
    assert_conflict_on(
        store.create_user(&with_unique("u2", &[("phone_number", "+1555")])).await,
        "phone_number",
        "create_user with a taken phone_number",
    );
    assert_conflict_on(
        store.create_user(&with_unique("u2", &[("email", "y@example.com"), ("email", "x@example.com")])).await,
        "email",
        "create_user with a taken email among others",
    );
    assert_not_found(store.get_user(&pool_id, "u2").await, "a conflicting create_user writes no user");
    store.create_user(&with_unique("u2", &[("email", "y@example.com")])).await.expect("its other values stay free");
    store
        .create_user(&with_unique("u3", &[("phone_number", "x@example.com"), ("email", "X@example.com")]))
        .await
        .expect("the same value under another attribute, or in another case, is no conflict");
    store
        .create_user(&UserRow { unique: vec![("email".into(), "x@example.com".into())], ..user(&other_pool, "u9") })
        .await
        .expect("the same pair in another pool is no conflict");
    // A username conflict is reported as such even when a unique pair is taken too.
    assert_conflict_on(
        store.create_user(&with_unique("u1", &[("email", "y@example.com")])).await,
        "username",
        "create_user with a taken username and email",
    );

    for id in [&pool_id, &other_pool] {
        store.delete_user_pool(id).await.expect("delete_user_pool");
    }
}

/// ListUsers: unfiltered and with `=` / `^=` filters, in byte order of username_key, paged.
async fn user_listing(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    let other_pool = format!("{prefix}other");
    create_pool(store, &pool_id).await;
    create_pool(store, &other_pool).await;
    // (username_key, given_name values, email): byte order of keys is Z < a < a0 < b < é.
    let people: [(&str, &[&str], &str); 6] = [
        ("é", &["Ann"], "ann@example.com"),
        ("b", &["ann"], "anna@example.com"),
        ("a0", &["Anne", "Annie"], "ano@example.com"),
        ("a", &["Bo"], "Ann@example.com"),
        ("Z", &["Ann"], "an@example.com"),
        ("c\u{10FFFF}", &["\u{10FFFF}x", "\u{10FFFF}"], "z\u{10FFFF}@example.com"),
    ];
    for (key, names, mail) in people {
        let mut row = user(&pool_id, key);
        row.index = names.iter().map(|n| ("given_name".to_owned(), (*n).to_owned())).collect();
        row.index.push(("email".into(), mail.to_owned()));
        row.unique = vec![("email".into(), mail.to_owned())];
        store.create_user(&row).await.expect("create_user for listing");
    }
    let mut stranger = user(&other_pool, "a1");
    stranger.index = vec![("given_name".into(), "Ann".into()), ("email".into(), "ann@example.com".into())];
    store.create_user(&stranger).await.expect("create_user in another pool");

    let list = async |filter: Option<UserFilter>, after: Option<&str>, limit: u32| {
        let rows = store.list_users(&pool_id, filter.as_ref(), after, limit).await.expect("list_users");
        rows.into_iter().map(|u| u.username_key).collect::<Vec<_>>()
    };
    let equals = |attribute: &str, value: &str| {
        Some(UserFilter::Equals { attribute: attribute.to_owned(), value: value.to_owned() })
    };
    let starts = |attribute: &str, prefix: &str| {
        Some(UserFilter::StartsWith { attribute: attribute.to_owned(), prefix: prefix.to_owned() })
    };

    // Unfiltered.
    let all = ["Z", "a", "a0", "b", "c\u{10FFFF}", "é"];
    assert_eq!(list(None, None, 100).await, all, "list_users lists the pool's users in byte order");
    assert_eq!(list(None, None, 2).await, all[..2], "list_users honours limit");
    assert_eq!(list(None, Some("a"), 2).await, all[2..4], "list_users starts after `after`");
    assert_eq!(list(None, Some("é"), 2).await, Vec::<String>::new(), "nothing after the last key");
    assert_eq!(
        normalized_all(store.list_users(&pool_id, None, Some("b"), 1).await.expect("list_users")),
        vec![normalized(store.get_user(&pool_id, "c\u{10FFFF}").await.expect("get_user"))],
        "list_users returns whole rows"
    );
    assert_eq!(
        store.list_users(&format!("{prefix}missing"), None, None, 10).await.expect("list_users of a missing pool"),
        vec![],
        "a missing pool has no users"
    );

    // Equals: exact and case-sensitive, in key order, paged.
    assert_eq!(list(equals("given_name", "Ann"), None, 100).await, ["Z", "é"], "Equals filter");
    assert_eq!(list(equals("given_name", "Ann"), None, 1).await, ["Z"], "Equals filter honours limit");
    assert_eq!(list(equals("given_name", "Ann"), Some("Z"), 1).await, ["é"], "Equals filter starts after `after`");
    assert_eq!(list(equals("given_name", "Ann"), Some("é"), 1).await, Vec::<String>::new(), "Equals past the end");
    assert_eq!(list(equals("given_name", "An"), None, 100).await, Vec::<String>::new(), "Equals is not a prefix");
    assert_eq!(list(equals("email", "Ann"), None, 100).await, Vec::<String>::new(), "Equals matches the attribute");
    assert_eq!(list(equals("nothing", "Ann"), None, 100).await, Vec::<String>::new(), "Equals on an unknown attribute");
    assert_eq!(
        normalized_all(
            store
                .list_users(&pool_id, equals("email", "anna@example.com").as_ref(), None, 10)
                .await
                .expect("list_users")
        ),
        vec![normalized(store.get_user(&pool_id, "b").await.expect("get_user"))],
        "a filtered list returns whole rows"
    );

    // StartsWith: a case-sensitive prefix; each user once even with several matching values.
    assert_eq!(list(starts("given_name", "Ann"), None, 100).await, ["Z", "a0", "é"], "StartsWith filter");
    assert_eq!(list(starts("email", "an"), None, 100).await, ["Z", "a0", "b", "é"], "StartsWith filter on email");
    assert_eq!(list(starts("email", "ann"), None, 100).await, ["b", "é"], "StartsWith excludes the next value (ano)");
    assert_eq!(list(starts("email", "anna@example.com"), None, 100).await, ["b"], "a whole value is its own prefix");
    assert_eq!(list(starts("email", "A"), None, 100).await, ["a"], "StartsWith is case-sensitive");
    assert_eq!(list(starts("given_name", ""), None, 100).await, all, "an empty prefix matches every value");
    assert_eq!(list(starts("given_name", "\u{10FFFF}"), None, 100).await, ["c\u{10FFFF}"], "a U+10FFFF prefix");
    assert_eq!(list(starts("email", "z\u{10FFFF}"), None, 100).await, ["c\u{10FFFF}"], "a prefix ending in U+10FFFF");
    assert_eq!(list(starts("given_name", "Anni"), None, 100).await, ["a0"], "StartsWith on the second value");
    assert_eq!(list(starts("given_name", "Annz"), None, 100).await, Vec::<String>::new(), "StartsWith without match");
    assert_eq!(
        list(starts("nothing", ""), None, 100).await,
        Vec::<String>::new(),
        "StartsWith on an unknown attribute"
    );
    assert_eq!(list(starts("email", "an"), None, 2).await, ["Z", "a0"], "StartsWith honours limit");
    assert_eq!(list(starts("email", "an"), Some("a0"), 2).await, ["b", "é"], "StartsWith starts after `after`");
    assert_eq!(list(starts("email", "an"), Some("é"), 2).await, Vec::<String>::new(), "StartsWith past the end");
    assert_eq!(list(starts("email", "é"), None, 100).await, Vec::<String>::new(), "a multi-byte prefix");
    assert_eq!(store.count_users(&pool_id).await.expect("count_users"), 6, "count_users");

    for id in [&pool_id, &other_pool] {
        store.delete_user_pool(id).await.expect("delete_user_pool");
    }
}

fn resource_server(pool_id: &str, identifier: &str) -> ResourceServerRow {
    ResourceServerRow {
        pool_id: pool_id.to_owned(),
        identifier: identifier.to_owned(),
        name: format!("Name of {identifier}"),
        created_ms: 1_700_000_000_020,
        updated_ms: 1_700_000_000_021,
        document: document(identifier),
    }
}

/// Resource servers: round trip, conflicts and missing parents, update, scoped paging in
/// identifier order, deletion, and removal with their pool.
async fn resource_servers(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    let other_pool = format!("{prefix}other");
    create_pool(store, &pool_id).await;
    create_pool(store, &other_pool).await;
    let api = resource_server(&pool_id, "https://api.example.com");
    store.create_resource_server(&api).await.expect("create_resource_server");
    let got = store.get_resource_server(&pool_id, "https://api.example.com").await.expect("get_resource_server");
    assert_eq!(got, api, "resource server round trip");
    assert_conflict(store.create_resource_server(&api).await, "create_resource_server with an existing identifier");
    assert_not_found(
        store.create_resource_server(&resource_server(&format!("{prefix}missing"), "x")).await,
        "create_resource_server in a missing pool",
    );
    assert_not_found(store.get_resource_server(&other_pool, "https://api.example.com").await, "scoped to its pool");
    store
        .create_resource_server(&resource_server(&other_pool, "https://api.example.com"))
        .await
        .expect("same id, other pool");

    let updated = ResourceServerRow {
        name: "Renamed".into(),
        updated_ms: 1_800_000_000_000,
        document: document("u"),
        ..api.clone()
    };
    store.update_resource_server(&updated).await.expect("update_resource_server");
    let got = store.get_resource_server(&pool_id, &api.identifier).await.expect("get after update");
    assert_eq!(got, updated, "update replaces name, updated_ms and document");
    assert_not_found(
        store.update_resource_server(&resource_server(&pool_id, "absent")).await,
        "update of a missing one",
    );

    for id in ["b", "a", "c", "B"] {
        store.create_resource_server(&resource_server(&pool_id, id)).await.expect("create for listing");
    }
    let ids = |rows: Vec<ResourceServerRow>| rows.into_iter().map(|r| r.identifier).collect::<Vec<_>>();
    let first = store.list_resource_servers(&pool_id, None, 3).await.expect("list_resource_servers");
    assert_eq!(ids(first), ["B", "a", "b"], "identifier (byte) order, at most limit");
    let rest = store.list_resource_servers(&pool_id, Some("b"), 10).await.expect("list after");
    assert_eq!(ids(rest), ["c", "https://api.example.com"], "after a key, scoped to the pool");

    store.delete_resource_server(&pool_id, "a").await.expect("delete_resource_server");
    assert_not_found(store.get_resource_server(&pool_id, "a").await, "deleted");
    assert_not_found(store.delete_resource_server(&pool_id, "a").await, "second delete");
    store.delete_user_pool(&pool_id).await.expect("delete_user_pool");
    let left = store.list_resource_servers(&pool_id, None, 10).await.expect("list after pool deletion");
    assert!(left.is_empty(), "resource servers go with their pool: {left:?}");
    assert_eq!(store.list_resource_servers(&other_pool, None, 10).await.expect("other pool").len(), 1);
}

fn domain_row(pool_id: &str, domain: &str, kind: &str) -> DomainRow {
    DomainRow {
        domain: domain.to_owned(),
        pool_id: pool_id.to_owned(),
        kind: kind.to_owned(),
        created_ms: 1_700_000_000_030,
        updated_ms: 1_700_000_000_031,
        document: document(domain),
    }
}

/// Domains: unique across pools, one per kind per pool, found by name, updated, deleted, and
/// removed with their pool.
async fn domains(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    let other_pool = format!("{prefix}other");
    create_pool(store, &pool_id).await;
    create_pool(store, &other_pool).await;
    // Domain names are global: the run's prefix keeps them apart from other runs.
    let name = |n: &str| format!("{}{n}", prefix.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), ""));
    let prefix_domain = domain_row(&pool_id, &name("login"), "prefix");
    store.create_domain(&prefix_domain).await.expect("create_domain");
    assert_eq!(store.find_domain(&prefix_domain.domain).await.expect("find_domain"), Some(prefix_domain.clone()));
    assert_eq!(store.find_domain(&name("absent")).await.expect("find_domain"), None);
    assert_conflict(
        store.create_domain(&domain_row(&other_pool, &prefix_domain.domain, "prefix")).await,
        "a domain another pool has",
    );
    assert_conflict(
        store.create_domain(&domain_row(&pool_id, &name("second"), "prefix")).await,
        "a second prefix domain",
    );
    assert_not_found(
        store.create_domain(&domain_row(&format!("{prefix}missing"), &name("orphan"), "prefix")).await,
        "create_domain in a missing pool",
    );
    let custom = domain_row(&pool_id, &format!("auth.{}.example.com", name("x")), "custom");
    store.create_domain(&custom).await.expect("a custom domain next to the prefix");
    let kinds: Vec<String> =
        store.list_pool_domains(&pool_id).await.expect("list").into_iter().map(|d| d.kind).collect();
    assert_eq!(kinds, ["custom", "prefix"], "one of each kind, in kind order");
    assert!(store.list_pool_domains(&other_pool).await.expect("list").is_empty());

    let updated = DomainRow { updated_ms: 1_800_000_000_000, document: document("v2"), ..custom.clone() };
    store.update_domain(&updated).await.expect("update_domain");
    assert_eq!(store.find_domain(&custom.domain).await.expect("find"), Some(updated));
    assert_not_found(
        store.update_domain(&DomainRow { pool_id: other_pool.clone(), ..custom.clone() }).await,
        "update of another pool's domain",
    );
    assert_not_found(store.delete_domain(&other_pool, &custom.domain).await, "delete of another pool's domain");
    store.delete_domain(&pool_id, &custom.domain).await.expect("delete_domain");
    assert_eq!(store.find_domain(&custom.domain).await.expect("find"), None);
    assert_not_found(store.delete_domain(&pool_id, &custom.domain).await, "second delete");
    store.delete_user_pool(&pool_id).await.expect("delete_user_pool");
    assert_eq!(store.find_domain(&prefix_domain.domain).await.expect("find"), None, "gone with its pool");
}

async fn groups(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    let other_pool = format!("{prefix}other");
    create_pool(store, &pool_id).await;
    create_pool(store, &other_pool).await;

    let admins = group(&pool_id, "admins");
    store.create_group(&admins).await.expect("create_group");
    assert_eq!(store.get_group(&pool_id, "admins").await.expect("get_group"), admins, "group round trip");
    let bare = GroupRow { description: None, precedence: None, role_arn: None, ..group(&pool_id, "bare") };
    store.create_group(&bare).await.expect("create_group without optional fields");
    assert_eq!(store.get_group(&pool_id, "bare").await.expect("get_group"), bare, "a group of Nones round-trips");
    assert_conflict(store.create_group(&admins).await, "create_group with an existing name");
    assert_not_found(
        store.create_group(&group(&format!("{prefix}missing"), "g")).await,
        "create_group in a missing pool",
    );
    assert_not_found(store.get_group(&pool_id, "absent").await, "get_group of a missing group");
    assert_not_found(store.get_group(&other_pool, "admins").await, "get_group is scoped to its pool");

    // Update replaces description, precedence, role_arn and updated_ms; created_ms stays.
    let updated = GroupRow {
        description: None,
        precedence: Some(-1),
        role_arn: Some("arn:aws:iam::123456789012:role/other".into()),
        created_ms: 1,
        updated_ms: 1_800_000_000_000,
        ..admins.clone()
    };
    store.update_group(&updated).await.expect("update_group");
    assert_eq!(
        store.get_group(&pool_id, "admins").await.expect("get after update"),
        GroupRow { created_ms: admins.created_ms, ..updated },
        "update_group replaces description, precedence, role_arn and updated_ms only"
    );
    assert_not_found(store.update_group(&group(&pool_id, "absent")).await, "update_group of a missing group");

    // Listing in byte order, paged.
    for name in ["é", "b", "a0", "a", "Z"] {
        store.create_group(&group(&pool_id, name)).await.expect("create_group for listing");
    }
    store.create_group(&group(&other_pool, "0")).await.expect("create_group in another pool");
    let list = async |after: Option<&str>, limit: u32| {
        let rows = store.list_groups(&pool_id, after, limit).await.expect("list_groups");
        rows.into_iter().map(|g| g.name).collect::<Vec<_>>()
    };
    let all = ["Z", "a", "a0", "admins", "b", "bare", "é"];
    assert_eq!(list(None, 100).await, all, "list_groups lists only the pool's groups, in byte order");
    assert_eq!(list(None, 3).await, all[..3], "list_groups honours limit");
    assert_eq!(list(Some("a0"), 3).await, all[3..6], "list_groups starts after `after`");
    assert_eq!(list(Some("é"), 3).await, Vec::<String>::new(), "nothing after the last name");
    assert_eq!(
        store.list_groups(&pool_id, Some("b"), 1).await.expect("list_groups"),
        vec![bare],
        "list_groups returns whole rows"
    );

    store.delete_group(&pool_id, "admins").await.expect("delete_group");
    assert_not_found(store.get_group(&pool_id, "admins").await, "get_group after delete");
    assert_not_found(store.delete_group(&pool_id, "admins").await, "second delete_group");
    assert_eq!(
        store.get_group(&other_pool, "0").await.expect("other pool's group survives").name,
        "0",
        "delete_group deletes only its group"
    );

    for id in [&pool_id, &other_pool] {
        store.delete_user_pool(id).await.expect("delete_user_pool");
    }
}

async fn memberships(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    let other_pool = format!("{prefix}other");
    create_pool(store, &pool_id).await;
    create_pool(store, &other_pool).await;
    let users = ["é", "b", "a0", "a", "Z"];
    for key in users {
        store.create_user(&user(&pool_id, key)).await.expect("create_user");
    }
    let groups = ["g-é", "g-b", "g-a", "g-Z"];
    for name in groups {
        store.create_group(&group(&pool_id, name)).await.expect("create_group");
    }
    store.create_user(&user(&other_pool, "a")).await.expect("create_user in another pool");
    store.create_group(&group(&other_pool, "g-a")).await.expect("create_group in another pool");
    store.add_user_to_group(&other_pool, "g-a", "a").await.expect("membership in another pool");

    for key in users {
        store.add_user_to_group(&pool_id, "g-a", key).await.expect("add_user_to_group");
    }
    for name in groups {
        store.add_user_to_group(&pool_id, name, "a").await.expect("add_user_to_group");
    }
    store.add_user_to_group(&pool_id, "g-a", "a").await.expect("add_user_to_group is idempotent");
    assert_not_found(store.add_user_to_group(&pool_id, "g-a", "nobody").await, "add a missing user");
    assert_not_found(store.add_user_to_group(&pool_id, "g-none", "a").await, "add to a missing group");
    assert_not_found(store.add_user_to_group(&other_pool, "g-b", "a").await, "groups are scoped to their pool");
    assert_not_found(store.add_user_to_group(&other_pool, "g-a", "b").await, "users are scoped to their pool");

    let members = async |group: &str, after: Option<&str>, limit: u32| {
        let rows = store.list_users_in_group(&pool_id, group, after, limit).await.expect("list_users_in_group");
        rows.into_iter().map(|u| u.username_key).collect::<Vec<_>>()
    };
    let groups_of = async |key: &str, after: Option<&str>, limit: u32| {
        let rows = store.list_groups_for_user(&pool_id, key, after, limit).await.expect("list_groups_for_user");
        rows.into_iter().map(|g| g.name).collect::<Vec<_>>()
    };
    assert_eq!(members("g-a", None, 100).await, ["Z", "a", "a0", "b", "é"], "list_users_in_group in byte order");
    assert_eq!(members("g-a", None, 2).await, ["Z", "a"], "list_users_in_group honours limit");
    assert_eq!(members("g-a", Some("a"), 2).await, ["a0", "b"], "list_users_in_group starts after `after`");
    assert_eq!(members("g-a", Some("é"), 2).await, Vec::<String>::new(), "no member after the last");
    assert_eq!(members("g-b", None, 100).await, ["a"], "list_users_in_group lists only the group's members");
    assert_eq!(members("g-none", None, 100).await, Vec::<String>::new(), "a missing group has no members");
    assert_eq!(
        normalized_all(store.list_users_in_group(&pool_id, "g-b", None, 10).await.expect("list_users_in_group")),
        vec![normalized(user(&pool_id, "a"))],
        "list_users_in_group returns whole rows"
    );
    assert_eq!(groups_of("a", None, 100).await, ["g-Z", "g-a", "g-b", "g-é"], "list_groups_for_user in byte order");
    assert_eq!(groups_of("a", None, 2).await, ["g-Z", "g-a"], "list_groups_for_user honours limit");
    assert_eq!(groups_of("a", Some("g-a"), 2).await, ["g-b", "g-é"], "list_groups_for_user starts after `after`");
    assert_eq!(groups_of("a", Some("g-é"), 2).await, Vec::<String>::new(), "no group after the last");
    assert_eq!(groups_of("b", None, 100).await, ["g-a"], "list_groups_for_user lists only the user's groups");
    assert_eq!(groups_of("nobody", None, 100).await, Vec::<String>::new(), "a missing user has no groups");
    assert_eq!(
        store.list_groups_for_user(&pool_id, "b", None, 10).await.expect("list_groups_for_user"),
        vec![group(&pool_id, "g-a")],
        "list_groups_for_user returns whole rows"
    );

    store.remove_user_from_group(&pool_id, "g-a", "b").await.expect("remove_user_from_group");
    store.remove_user_from_group(&pool_id, "g-a", "b").await.expect("remove_user_from_group is idempotent");
    assert_eq!(members("g-a", None, 100).await, ["Z", "a", "a0", "é"], "remove_user_from_group removes the member");
    assert_eq!(groups_of("b", None, 100).await, Vec::<String>::new(), "remove_user_from_group removes the group");
    assert_not_found(store.remove_user_from_group(&pool_id, "g-a", "nobody").await, "remove a missing user");
    assert_not_found(store.remove_user_from_group(&pool_id, "g-none", "a").await, "remove from a missing group");
    assert_not_found(store.remove_user_from_group(&pool_id, "g-none", "nobody").await, "remove both missing");

    // Deleting a group or a user ends its memberships; re-creating it brings none back.
    store.delete_group(&pool_id, "g-a").await.expect("delete_group");
    assert_eq!(groups_of("a", None, 100).await, ["g-Z", "g-b", "g-é"], "delete_group ends its memberships");
    store.create_group(&group(&pool_id, "g-a")).await.expect("re-create group");
    assert_eq!(members("g-a", None, 100).await, Vec::<String>::new(), "a re-created group has no members");
    store.delete_user(&pool_id, "a").await.expect("delete_user");
    assert_eq!(members("g-b", None, 100).await, Vec::<String>::new(), "delete_user ends its memberships");
    store.create_user(&user(&pool_id, "a")).await.expect("re-create user");
    assert_eq!(groups_of("a", None, 100).await, Vec::<String>::new(), "a re-created user has no groups");
    let other_members = store.list_users_in_group(&other_pool, "g-a", None, 10).await.expect("list_users_in_group");
    assert_eq!(other_members.len(), 1, "memberships of another pool are untouched");

    for id in [&pool_id, &other_pool] {
        store.delete_user_pool(id).await.expect("delete_user_pool");
    }
}

async fn refresh_tokens(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    create_pool(store, &pool_id).await;
    for key in ["alice", "bob"] {
        store.create_user(&user(&pool_id, key)).await.expect("create_user");
    }
    let (origin_1, origin_2, origin_3) = (format!("{prefix}o1"), format!("{prefix}o2"), format!("{prefix}o3"));
    let t1 = refresh_token(&format!("{prefix}t1"), &pool_id, "alice", &origin_1);
    let t2 = RefreshTokenRow {
        issued_ms: 1_700_000_000_031,
        ..refresh_token(&format!("{prefix}t2"), &pool_id, "alice", &origin_1)
    };
    let t3 = refresh_token(&format!("{prefix}t3"), &pool_id, "alice", &origin_2);
    let t4 = refresh_token(&format!("{prefix}t4"), &pool_id, "bob", &origin_3);
    for token in [&t1, &t2, &t3, &t4] {
        store.create_refresh_token(token).await.expect("create_refresh_token");
    }
    let find = async |token: &RefreshTokenRow| {
        store.find_refresh_token(&token.token_sha256).await.expect("find_refresh_token")
    };
    assert_eq!(find(&t1).await, Some(t1.clone()), "refresh token round trip");
    let scoped = RefreshTokenRow {
        scope: Some("openid email".into()),
        ..refresh_token(&format!("{prefix}ts"), &pool_id, "alice", &format!("{prefix}os"))
    };
    store.create_refresh_token(&scoped).await.expect("create a refresh token with scopes");
    assert_eq!(find(&scoped).await, Some(scoped.clone()), "scope round-trips");
    let revoked = RefreshTokenRow {
        revoked_ms: Some(1_700_000_000_099),
        ..refresh_token(&format!("{prefix}t5"), &pool_id, "bob", &origin_3)
    };
    store.create_refresh_token(&revoked).await.expect("create an already revoked refresh token");
    assert_eq!(find(&revoked).await, Some(revoked.clone()), "revoked_ms round-trips");
    assert_conflict(store.create_refresh_token(&t1).await, "create_refresh_token with an existing hash");
    assert_not_found(
        store.create_refresh_token(&refresh_token(&format!("{prefix}t6"), &pool_id, "nobody", &origin_1)).await,
        "create_refresh_token for a missing user",
    );
    assert_eq!(
        store.find_refresh_token(&format!("{prefix}none")).await.expect("find_refresh_token of a missing hash"),
        None,
        "find_refresh_token of a missing hash"
    );

    // get_user_for_token reads the user and the revocation of a sign-in together.
    let (row, is_revoked) = store.get_user_for_token(&pool_id, "alice", &origin_1).await.expect("get_user_for_token");
    let full = store.get_user(&pool_id, "alice").await.expect("get_user");
    assert_eq!(
        row,
        UserRow { index: Vec::new(), unique: Vec::new(), ..full },
        "get_user_for_token returns the user without its index pairs"
    );
    assert!(!is_revoked, "a fresh sign-in is not revoked");
    let (_, is_revoked) = store.get_user_for_token(&pool_id, "alice", &origin_3).await.expect("get_user_for_token");
    assert!(is_revoked, "a sign-in with a revoked token is");
    assert_not_found(
        store.get_user_for_token(&pool_id, "nobody", &origin_1).await.map(|_| ()),
        "get_user_for_token of a missing user",
    );

    // revoke_origin marks every token of the sign-in, once.
    assert!(!store.is_origin_revoked(&origin_1).await.expect("is_origin_revoked"), "a fresh origin is not revoked");
    assert!(store.is_origin_revoked(&origin_3).await.expect("is_origin_revoked"), "an origin with a revoked token is");
    assert!(!store.is_origin_revoked(&format!("{prefix}none")).await.expect("is_origin_revoked"), "an unknown origin");
    store.revoke_origin(&origin_1, 1_700_000_000_100).await.expect("revoke_origin");
    assert!(store.is_origin_revoked(&origin_1).await.expect("is_origin_revoked"), "a revoked origin");
    assert!(!store.is_origin_revoked(&origin_2).await.expect("is_origin_revoked"), "revoke_origin is scoped");
    for token in [&t1, &t2] {
        let expected = RefreshTokenRow { revoked_ms: Some(1_700_000_000_100), ..token.clone() };
        assert_eq!(find(token).await, Some(expected), "revoke_origin revokes each token of the origin");
    }
    assert_eq!(find(&t3).await, Some(t3.clone()), "revoke_origin leaves other origins alone");
    store.revoke_origin(&origin_1, 1_700_000_000_200).await.expect("second revoke_origin");
    assert_eq!(find(&t1).await.and_then(|t| t.revoked_ms), Some(1_700_000_000_100), "revoked tokens keep their time");
    store.revoke_origin(&format!("{prefix}none"), 1).await.expect("revoke_origin of an unknown origin is a no-op");
    assert!(
        !store.rotate_refresh_token(&format!("{prefix}none"), 1).await.expect("rotate_refresh_token"),
        "rotate_refresh_token of an unknown token claims nothing"
    );
    assert!(
        !store.rotate_refresh_token(&t1.token_sha256, 1).await.expect("rotate_refresh_token"),
        "a revoked token cannot be rotated"
    );

    // revoke_user_tokens marks the user's tokens only.
    store.revoke_user_tokens(&pool_id, "alice", 1_700_000_000_300).await.expect("revoke_user_tokens");
    assert_eq!(find(&t3).await.and_then(|t| t.revoked_ms), Some(1_700_000_000_300), "revoke_user_tokens");
    assert!(store.is_origin_revoked(&origin_2).await.expect("is_origin_revoked"), "revoke_user_tokens revokes origins");
    assert_eq!(find(&t4).await, Some(t4.clone()), "revoke_user_tokens leaves other users' tokens alone");
    store.revoke_user_tokens(&pool_id, "nobody", 1).await.expect("revoke_user_tokens of a missing user is a no-op");

    // rotate_refresh_token claims a live token once, and leaves its sign-in alive.
    assert!(store.rotate_refresh_token(&t4.token_sha256, 1_700_000_000_400).await.expect("rotate"), "first rotation");
    assert!(!store.rotate_refresh_token(&t4.token_sha256, 1_700_000_000_500).await.expect("rotate"), "second");
    assert_eq!(find(&t4).await.and_then(|t| t.rotated_ms), Some(1_700_000_000_400), "a rotated token keeps its time");
    assert_eq!(find(&t4).await.and_then(|t| t.revoked_ms), None, "rotation is not revocation");
    let origin_4 = format!("{prefix}o4");
    let t7 = refresh_token(&format!("{prefix}t7"), &pool_id, "bob", &origin_4);
    store.create_refresh_token(&t7).await.expect("create_refresh_token");
    assert!(store.rotate_refresh_token(&t7.token_sha256, 1_700_000_000_400).await.expect("rotate"), "rotate t7");
    assert!(!store.is_origin_revoked(&origin_4).await.expect("is_origin_revoked"), "a rotated sign-in lives on");

    // delete_expired_refresh_tokens removes tokens that expired strictly before now. The expiry
    // times are in 1970 so that no real token of a shared database is touched.
    let expired =
        RefreshTokenRow { expires_ms: 1_000, ..refresh_token(&format!("{prefix}e1"), &pool_id, "bob", &origin_3) };
    let boundary =
        RefreshTokenRow { expires_ms: 1_500, ..refresh_token(&format!("{prefix}e2"), &pool_id, "bob", &origin_3) };
    let later =
        RefreshTokenRow { expires_ms: 2_000, ..refresh_token(&format!("{prefix}e3"), &pool_id, "bob", &origin_3) };
    for token in [&expired, &boundary, &later] {
        store.create_refresh_token(token).await.expect("create_refresh_token");
    }
    assert_eq!(
        store.delete_expired_refresh_tokens(1_500).await.expect("delete_expired_refresh_tokens"),
        1,
        "delete_expired_refresh_tokens returns how many it removed"
    );
    assert_eq!(find(&expired).await, None, "an expired token is removed");
    assert_eq!(find(&boundary).await, Some(boundary.clone()), "a token expiring at now_ms is kept");
    assert_eq!(find(&later).await, Some(later.clone()), "an unexpired token is kept");
    assert_eq!(store.delete_expired_refresh_tokens(2_001).await.expect("delete_expired_refresh_tokens"), 2, "the rest");
    let t4_rotated = RefreshTokenRow { rotated_ms: Some(1_700_000_000_400), ..t4.clone() };
    assert_eq!(find(&t4).await, Some(t4_rotated), "long-lived tokens survive");

    store.delete_user_pool(&pool_id).await.expect("delete_user_pool");
}

async fn codes(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    create_pool(store, &pool_id).await;
    for key in ["alice", "bob"] {
        store.create_user(&user(&pool_id, key)).await.expect("create_user");
    }
    let find = async |key: &str, purpose: &str| store.find_code(&pool_id, key, purpose).await.expect("find_code");

    let signup = code(&pool_id, "alice", "signup");
    store.put_code(&signup).await.expect("put_code");
    assert_eq!(find("alice", "signup").await, Some(signup.clone()), "code round trip");
    assert_eq!(find("alice", "forgot_password").await, None, "codes are per purpose");
    assert_eq!(find("bob", "signup").await, None, "codes are per user");
    assert_not_found(store.put_code(&code(&pool_id, "nobody", "signup")).await, "put_code for a missing user");

    // put_code replaces every field of an existing code.
    let resent = CodeRow { code_hash: "hash-resent".into(), expires_ms: 1_800_000_000_000, ..signup.clone() };
    store.put_code(&resent).await.expect("put_code over an existing code");
    assert_eq!(find("alice", "signup").await, Some(resent.clone()), "put_code replaces an existing code");

    // take_code deletes a code whose hash still matches, once.
    let take = async |hash: &str| store.take_code(&pool_id, "alice", "signup", hash).await.expect("take_code");
    assert!(!take("hash-signup").await, "take_code with a replaced hash takes nothing");
    assert_eq!(find("alice", "signup").await, Some(resent), "a failed take_code leaves the code");
    assert!(take("hash-resent").await, "take_code with the current hash");
    assert!(!take("hash-resent").await, "a code is taken once");
    assert_eq!(find("alice", "signup").await, None, "take_code removes the code");
    store.put_code(&signup).await.expect("put_code again");
    let verify = code(&pool_id, "alice", "verify:email");
    store.put_code(&verify).await.expect("put_code for another purpose");
    store.put_code(&code(&pool_id, "bob", "signup")).await.expect("put_code for another user");

    store.delete_code(&pool_id, "alice", "signup").await.expect("delete_code");
    assert_eq!(find("alice", "signup").await, None, "delete_code removes the code");
    store.delete_code(&pool_id, "alice", "signup").await.expect("delete_code is idempotent");
    store.delete_code(&pool_id, "nobody", "signup").await.expect("delete_code of a missing user is a no-op");
    assert_eq!(find("alice", "verify:email").await, Some(verify), "delete_code leaves other purposes alone");
    assert!(find("bob", "signup").await.is_some(), "delete_code leaves other users alone");

    store.delete_user_pool(&pool_id).await.expect("delete_user_pool");
}

/// Attempt counters: counting in a window, locks decided with the count, frozen while locked,
/// doubling, resets, expiry.
async fn counters(store: &dyn Store, prefix: &str) {
    let plain = CounterPolicy { window_ms: 100, lock_after: i64::MAX, first_lock_ms: 0, max_lock_ms: 0 };
    let key = format!("{prefix}c");
    let bump = async |now: i64| store.bump_counter(&key, now, &plain).await.expect("bump_counter");
    let counted = |count, locked_until_ms| Bump { is_counted: true, count, locked_until_ms };
    assert_eq!(bump(1_000).await, counted(1, 0), "a new counter starts at 1");
    assert_eq!(bump(1_050).await, counted(2, 0), "inside the window it counts up");
    assert_eq!(bump(1_099).await, counted(3, 0), "up to the end of the window");
    assert_eq!(bump(1_100).await, counted(1, 0), "a window that is over starts again");
    store.reset_counter(&key).await.expect("reset_counter");
    assert_eq!(bump(1_101).await, counted(1, 0), "a reset counter starts again");
    store.reset_counter(&format!("{prefix}none")).await.expect("resetting nothing is a no-op");

    // A lockout: the third attempt locks for 10 ms, each further one for twice as long, up to 50.
    let lockout = CounterPolicy { window_ms: 1_000_000, lock_after: 3, first_lock_ms: 10, max_lock_ms: 50 };
    let key = format!("{prefix}l");
    let bump = async |now: i64| store.bump_counter(&key, now, &lockout).await.expect("bump_counter");
    assert_eq!(bump(1_000).await, counted(1, 0), "below lock_after nothing locks");
    assert_eq!(bump(1_000).await, counted(2, 0), "below lock_after nothing locks");
    assert_eq!(bump(1_000).await, counted(3, 1_010), "the lock_after-th attempt is counted and locks");
    let refused = bump(1_009).await;
    assert_eq!(refused, Bump { is_counted: false, count: 3, locked_until_ms: 1_010 }, "locked: not counted");
    assert_eq!(bump(1_010).await, counted(4, 1_030), "after the lock, the next attempt locks twice as long");
    assert_eq!(bump(1_030).await, counted(5, 1_070), "and again");
    assert_eq!(bump(1_070).await, counted(6, 1_120), "up to the longest lock");
    assert_eq!(bump(1_120).await, counted(7, 1_170), "which it keeps");
    store.reset_counter(&key).await.expect("reset_counter");
    assert_eq!(bump(1_121).await, counted(1, 0), "a reset lifts the lock");
    let huge =
        CounterPolicy { window_ms: 1_000_000_000_000, lock_after: 1, first_lock_ms: 1_000, max_lock_ms: 900_000 };
    let key = format!("{prefix}h");
    for i in 0..40 {
        let now = 10_000_000 * (i + 1);
        let b = store.bump_counter(&key, now, &huge).await.expect("bump_counter");
        assert!(b.is_counted && b.count == i + 1, "counted at attempt {i}: {b:?}");
        assert!(b.locked_until_ms > now && b.locked_until_ms <= now + 900_000, "no overflow at attempt {i}: {b:?}");
    }

    // delete_expired_counters: times in 1970 so no real counter of a shared database is touched.
    let other = format!("{prefix}d");
    let short = CounterPolicy { window_ms: 100, lock_after: 1, first_lock_ms: 400, max_lock_ms: 400 };
    store.bump_counter(&other, 10, &short).await.expect("bump_counter");
    store.delete_expired_counters(200).await.expect("delete_expired_counters");
    let b = store.bump_counter(&other, 300, &short).await.expect("bump");
    assert!(!b.is_counted, "a lock keeps a counter past its window: {b:?}");
    store.delete_expired_counters(411).await.expect("delete_expired_counters");
    assert_eq!(
        store.bump_counter(&other, 412, &plain).await.expect("bump"),
        counted(1, 0),
        "an expired counter is gone"
    );

    // Concurrent bumps each see a count of their own.
    let racing = format!("{prefix}r");
    let many = CounterPolicy { window_ms: 1_000_000, ..plain };
    let calls = (0..40).map(|_| store.bump_counter(&racing, 10_000, &many)).collect();
    let mut counts: Vec<i64> = join_all(calls).await.into_iter().map(|r| r.expect("bump_counter").count).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=40).collect::<Vec<i64>>(), "40 concurrent bumps count 1 to 40, each once");
}

/// Deleting a user takes its memberships, refresh tokens and codes; re-creating it brings none back.
async fn user_delete_cascades(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    create_pool(store, &pool_id).await;
    for key in ["alice", "bob"] {
        store.create_user(&user(&pool_id, key)).await.expect("create_user");
        store.put_code(&code(&pool_id, key, "signup")).await.expect("put_code");
    }
    store.create_group(&group(&pool_id, "g")).await.expect("create_group");
    for key in ["alice", "bob"] {
        store.add_user_to_group(&pool_id, "g", key).await.expect("add_user_to_group");
    }
    let alice_token = refresh_token(&format!("{prefix}ta"), &pool_id, "alice", &format!("{prefix}oa"));
    let bob_token = refresh_token(&format!("{prefix}tb"), &pool_id, "bob", &format!("{prefix}ob"));
    for token in [&alice_token, &bob_token] {
        store.create_refresh_token(token).await.expect("create_refresh_token");
    }

    store.delete_user(&pool_id, "alice").await.expect("delete_user");
    let find_token = async |token: &RefreshTokenRow| {
        store.find_refresh_token(&token.token_sha256).await.expect("find_refresh_token")
    };
    assert_eq!(find_token(&alice_token).await, None, "delete_user deletes its refresh tokens");
    assert_eq!(find_token(&bob_token).await, Some(bob_token.clone()), "other users keep theirs");
    assert_eq!(
        store.find_code(&pool_id, "alice", "signup").await.expect("find_code"),
        None,
        "delete_user deletes codes"
    );
    assert!(store.find_code(&pool_id, "bob", "signup").await.expect("find_code").is_some(), "other users keep codes");
    let members = store.list_users_in_group(&pool_id, "g", None, 10).await.expect("list_users_in_group");
    assert_eq!(
        members.into_iter().map(|u| u.username_key).collect::<Vec<_>>(),
        ["bob"],
        "delete_user ends its memberships"
    );

    store.create_user(&user(&pool_id, "alice")).await.expect("re-create user");
    assert_eq!(find_token(&alice_token).await, None, "a re-created user has no refresh tokens");
    assert_eq!(store.find_code(&pool_id, "alice", "signup").await.expect("find_code"), None, "nor codes");
    assert_eq!(
        store.list_groups_for_user(&pool_id, "alice", None, 10).await.expect("list_groups_for_user"),
        vec![],
        "nor groups"
    );

    store.delete_user_pool(&pool_id).await.expect("delete_user_pool");
}

/// A user's devices: upserted whole, found by key, listed in byte order of the device key and only
/// for that user, deleted idempotently, and gone with the user or its pool.
async fn devices(store: &dyn Store, prefix: &str) {
    let pool_id = format!("{prefix}pool");
    let other_pool = format!("{prefix}other");
    create_pool(store, &pool_id).await;
    create_pool(store, &other_pool).await;
    for key in ["alice", "bob"] {
        store.create_user(&user(&pool_id, key)).await.expect("create_user");
    }
    store.create_user(&user(&other_pool, "alice")).await.expect("create_user in another pool");
    let find =
        async |key: &str, device_key: &str| store.find_device(&pool_id, key, device_key).await.expect("find_device");
    let keys = |rows: Vec<DeviceRow>| -> Vec<String> { rows.into_iter().map(|d| d.device_key).collect() };

    let first = device(&pool_id, "alice", "us-east-1_d3v1ce");
    store.put_device(&first).await.expect("put_device");
    assert_eq!(find("alice", &first.device_key).await, Some(first.clone()), "device round trip");
    assert_eq!(find("alice", "us-east-1_missing").await, None, "find_device of a missing device");
    assert_eq!(find("bob", &first.device_key).await, None, "devices are per user");
    assert_eq!(find("nobody", &first.device_key).await, None, "find_device for a missing user");
    assert_eq!(
        store.find_device(&other_pool, "alice", &first.device_key).await.expect("find_device"),
        None,
        "devices are per pool"
    );

    // put_device over an existing device replaces every column, NULLs included both ways.
    let confirmed = DeviceRow {
        device_group_key: "-group-confirmed".into(),
        salt_hex: Some("00ff7e".into()),
        verifier_hex: Some(format!("{:0>64}", "c0ffee")),
        created_ms: 1_800_000_000_050,
        updated_ms: 1_800_000_000_051,
        last_authenticated_ms: 1_800_000_000_052,
        document: document("confirmed"),
        ..first.clone()
    };
    store.put_device(&confirmed).await.expect("put_device over an existing device");
    assert_eq!(find("alice", &first.device_key).await, Some(confirmed), "put_device replaces every column");
    store.put_device(&first).await.expect("put_device back");
    assert_eq!(find("alice", &first.device_key).await, Some(first.clone()), "put_device can clear salt and verifier");

    assert_not_found(store.put_device(&device(&pool_id, "nobody", "d")).await, "put_device for a missing user");
    assert_not_found(
        store.put_device(&device(&format!("{prefix}missing"), "alice", "d")).await,
        "put_device in a missing pool",
    );
    assert_eq!(find("nobody", "d").await, None, "a refused put_device stores nothing");
    store.delete_device(&pool_id, "alice", &first.device_key).await.expect("delete_device");

    // Byte order ("Z" < "a"); created out of order so insertion order cannot pass for key order.
    // Bob's devices (one with a key Alice also has) and another pool's Alice sort among hers.
    let ids = ["Z", "a", "a0", "b"];
    let rows: Vec<DeviceRow> = ids.iter().map(|k| device(&pool_id, "alice", k)).collect();
    for row in rows.iter().rev() {
        store.put_device(row).await.expect("put_device for listing");
    }
    let bobs = [device(&pool_id, "bob", "a1"), device(&pool_id, "bob", "b")];
    for row in &bobs {
        store.put_device(row).await.expect("put_device for another user");
    }
    let elsewhere = device(&other_pool, "alice", "a00");
    store.put_device(&elsewhere).await.expect("put_device in another pool");
    let list = async |after: Option<&str>, limit: u32| {
        store.list_devices(&pool_id, "alice", after, limit).await.expect("list_devices")
    };
    assert_eq!(list(None, 10).await, rows, "list_devices: the user's whole rows, in key order");
    assert_eq!(list(None, u32::MAX).await, rows, "list_devices with a huge limit");
    assert_eq!(keys(list(None, 2).await), ids[..2], "list_devices honours limit");
    assert_eq!(keys(list(Some("a"), 2).await), ids[2..], "list_devices starts after `after`");
    assert_eq!(keys(list(Some("a+"), 1).await), ["a0"], "`after` need not be a device key");
    assert_eq!(keys(list(Some("b"), 10).await), Vec::<String>::new(), "nothing after the last key");
    assert_eq!(
        store.list_devices(&pool_id, "bob", None, 10).await.expect("list_devices"),
        bobs,
        "list_devices of another user"
    );
    assert_eq!(
        store.list_devices(&pool_id, "nobody", None, 10).await.expect("list_devices for a missing user"),
        vec![],
        "a missing user has no devices"
    );

    // delete_device removes one device of one user, and is idempotent.
    store.delete_device(&pool_id, "alice", "b").await.expect("delete_device");
    assert_eq!(find("alice", "b").await, None, "delete_device removes the device");
    store.delete_device(&pool_id, "alice", "b").await.expect("delete_device is idempotent");
    store.delete_device(&pool_id, "alice", "missing").await.expect("delete_device of a missing device is a no-op");
    store.delete_device(&pool_id, "nobody", "b").await.expect("delete_device for a missing user is a no-op");
    assert_eq!(list(None, 10).await, rows[..3], "delete_device leaves the user's other devices");
    assert_eq!(find("bob", "b").await, Some(bobs[1].clone()), "delete_device leaves other users' devices");

    // Deleting a user takes its devices; re-creating it brings none back.
    store.delete_user(&pool_id, "alice").await.expect("delete_user");
    assert_eq!(find("alice", "a").await, None, "delete_user deletes its devices");
    assert_eq!(list(None, 10).await, vec![], "a deleted user lists no devices");
    store.create_user(&user(&pool_id, "alice")).await.expect("re-create user");
    assert_eq!(list(None, 10).await, vec![], "a re-created user has no devices");
    assert_eq!(find("bob", "a1").await, Some(bobs[0].clone()), "other users keep their devices");
    assert_eq!(
        store.find_device(&other_pool, "alice", "a00").await.expect("find_device"),
        Some(elsewhere),
        "the same username in another pool keeps its devices"
    );

    // Deleting the pool takes every device in it.
    store.delete_user_pool(&pool_id).await.expect("delete_user_pool");
    assert_eq!(find("bob", "a1").await, None, "delete_user_pool deletes its users' devices");
    assert_eq!(
        store.list_devices(&pool_id, "bob", None, 10).await.expect("list_devices after delete_user_pool"),
        vec![],
        "a deleted pool lists no devices"
    );
    store.delete_user_pool(&other_pool).await.expect("delete_user_pool");
}

async fn secrets(store: &dyn Store, prefix: &str) {
    let once = format!("{prefix}once");
    assert!(store.claim_once(&once, 4_000_000_000_000, 1).await.expect("claim_once"), "the first claim wins");
    assert!(!store.claim_once(&once, 4_000_000_000_000, 1).await.expect("claim_once"), "a second claim loses");
    assert!(store.is_claimed(&once, 1).await.expect("is_claimed"), "a claimed key is claimed");
    assert!(!store.is_claimed(&once, 4_000_000_000_001).await.expect("is_claimed"), "an expired claim is not");
    assert!(!store.is_claimed(&format!("{prefix}never"), 1).await.expect("is_claimed"), "an unclaimed key is not");
    let stale = format!("{prefix}stale");
    assert!(store.claim_once(&stale, 10, 1).await.expect("claim_once"), "claim with an early expiry");
    assert!(
        !store.claim_once(&once, 4_000_000_000_000, 20).await.expect("claim_once"),
        "forgetting expired claims keeps live ones"
    );
    let name = format!("{prefix}secret");
    let first: Vec<u8> = (0..=255).collect();
    assert_eq!(
        store.get_or_create_secret(&name, &first).await.expect("get_or_create_secret"),
        first,
        "the first caller's candidate is stored, byte for byte"
    );
    assert_eq!(
        store.get_or_create_secret(&name, b"second").await.expect("get_or_create_secret"),
        first,
        "later callers get the stored value, not their candidate"
    );
    let other = format!("{prefix}other");
    assert_eq!(
        store.get_or_create_secret(&other, b"").await.expect("get_or_create_secret of an empty value"),
        b"",
        "secrets are per name, and may be empty"
    );
    assert_eq!(store.get_or_create_secret(&name, b"").await.expect("get_or_create_secret"), first, "still the first");
}

/// Races `a` and `b`, two stores on the same database, panicking if they disagree.
pub async fn run_two_nodes(a: &dyn Store, b: &dyn Store) {
    let prefix = run_prefix();
    let nodes = [a, b];

    // Every caller gets the value of whichever insert won.
    let name = format!("{prefix}secret");
    let candidates: Vec<Vec<u8>> = (0u8..8).map(|i| vec![i; 32]).collect();
    let calls = candidates.iter().enumerate().map(|(i, c)| nodes[i % 2].get_or_create_secret(&name, c)).collect();
    let values: Vec<Vec<u8>> = join_all(calls).await.into_iter().map(|r| r.expect("get_or_create_secret")).collect();
    assert!(candidates.contains(&values[0]), "the secret is one of the candidates");
    assert!(values.iter().all(|v| *v == values[0]), "racing get_or_create_secret calls disagree: {values:?}");

    let pool_id = format!("{prefix}pool");
    create_pool(a, &pool_id).await;
    for round in 0..5 {
        // Two users racing for one unique email: one wins, the other learns which attribute.
        let (first, second) = (user(&pool_id, &format!("r{round}-a")), user(&pool_id, &format!("r{round}-b")));
        let shared = vec![("email".to_owned(), format!("race{round}@example.com"))];
        let first = UserRow { unique: shared.clone(), ..first };
        let second = UserRow { unique: shared, ..second };
        let results = join_all(vec![a.create_user(&first), b.create_user(&second)]).await;
        assert_one_wins(&results, "email", "create_user racing for a unique value");
        assert_eq!(a.count_users(&pool_id).await.expect("count_users"), 1 + 2 * round, "the loser wrote nothing");

        // Two creates of one username.
        let same = user(&pool_id, &format!("r{round}-same"));
        let results = join_all(vec![a.create_user(&same), b.create_user(&same)]).await;
        assert_one_wins(&results, "username", "create_user racing for a username");
    }

    // Read-modify-write races on one user: of the writes over one version exactly one wins, the
    // others are told Stale and write nothing; the winner's document is what is stored.
    let raced = user(&pool_id, "cas");
    a.create_user(&raced).await.expect("create_user cas");
    for version in 1..=3 {
        let writes: Vec<UserRow> = (0..6)
            .map(|i| UserRow { document: document(&format!("cas{version}-{i}")), version, ..raced.clone() })
            .collect();
        let calls = writes.iter().enumerate().map(|(i, w)| nodes[i % 2].update_user(w)).collect();
        let results = join_all(calls).await;
        let winners: Vec<usize> = (0..results.len()).filter(|&i| results[i].is_ok()).collect();
        assert_eq!(winners.len(), 1, "racing update_user over version {version}: {results:?}");
        assert!(
            results.iter().all(|r| r.is_ok() || matches!(r, Err(StoreError::Stale))),
            "losers are Stale: {results:?}"
        );
        let stored = b.get_user(&pool_id, "cas").await.expect("get_user cas");
        assert_eq!(stored.version, version + 1, "one write moved the version on");
        assert_eq!(stored.document, writes[winners[0]].document, "the winner's write is stored");
    }

    // Two pools racing for one domain name: one wins.
    let other = format!("{prefix}pool2");
    create_pool(a, &other).await;
    let contested: String =
        format!("{prefix}race").to_lowercase().chars().filter(char::is_ascii_alphanumeric).collect();
    let results = join_all(vec![
        a.create_domain(&domain_row(&pool_id, &contested, "prefix")),
        b.create_domain(&domain_row(&other, &contested, "prefix")),
    ])
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "racing create_domain: {results:?}");

    // Idempotent and upserting writes succeed on both nodes at once.
    store_group_and_code_races(a, b, &pool_id).await;
    single_use_races(a, b, &pool_id, &prefix).await;
    entity_races(a, b, &prefix).await;
    a.delete_user_pool(&pool_id).await.expect("delete_user_pool");
}

/// Two nodes creating one entity (an identity's login, a role name): one wins; two updates of one
/// version: one wins, the other is Stale.
async fn entity_races(a: &dyn Store, b: &dyn Store, prefix: &str) {
    for round in 0..5 {
        let row = entity(prefix, "race", &format!("r{round}"), "");
        let changes = [EntityChange::Create(row.clone())];
        let results = join_all(vec![a.apply_entities(&changes), b.apply_entities(&changes)]).await;
        let wins = results.iter().filter(|r| r.is_ok()).count();
        let conflicts = results.iter().filter(|r| matches!(r, Err(StoreError::Conflict(_)))).count();
        assert!(wins == 1 && conflicts == 1, "racing entity creates: {results:?}");
        let first = [EntityChange::Update(EntityRow { document: "{\"by\":\"a\"}".into(), ..row.clone() })];
        let second = [EntityChange::Update(EntityRow { document: "{\"by\":\"b\"}".into(), ..row.clone() })];
        let results = join_all(vec![a.apply_entities(&first), b.apply_entities(&second)]).await;
        let wins = results.iter().filter(|r| r.is_ok()).count();
        let stale = results.iter().filter(|r| matches!(r, Err(StoreError::Stale))).count();
        assert!(wins == 1 && stale == 1, "racing entity updates: {results:?}");
        let stored = a.find_entity(&row.kind, &row.id).await.expect("find").expect("raced entity");
        assert_eq!(stored.version, 2, "one update landed");
    }
}

async fn store_group_and_code_races(a: &dyn Store, b: &dyn Store, pool_id: &str) {
    a.create_group(&group(pool_id, "g")).await.expect("create_group");
    let key = "r0-same";
    let results = join_all(vec![a.add_user_to_group(pool_id, "g", key), b.add_user_to_group(pool_id, "g", key)]).await;
    assert!(results.iter().all(Result::is_ok), "racing add_user_to_group: {results:?}");
    let members = b.list_users_in_group(pool_id, "g", None, 10).await.expect("list_users_in_group");
    assert_eq!(members.len(), 1, "one membership after racing adds");

    let (first, second) =
        (code(pool_id, key, "signup"), CodeRow { code_hash: "other".into(), ..code(pool_id, key, "signup") });
    let results = join_all(vec![a.put_code(&first), b.put_code(&second)]).await;
    assert!(results.iter().all(Result::is_ok), "racing put_code: {results:?}");
    let stored = a.find_code(pool_id, key, "signup").await.expect("find_code");
    assert!(stored == Some(first) || stored == Some(second), "one of the racing codes is stored: {stored:?}");
}

/// Counters, rotations, code takes and claims racing on two nodes: every attempt is counted once
/// and every single-use value has exactly one winner.
async fn single_use_races(a: &dyn Store, b: &dyn Store, pool_id: &str, prefix: &str) {
    let nodes = [a, b];
    // A lockout raced from two nodes: exactly the attempts up to the lock are counted.
    let key = format!("{prefix}counter");
    let lockout = CounterPolicy { window_ms: 1_000_000, lock_after: 5, first_lock_ms: 1_000, max_lock_ms: 60_000 };
    let calls = (0..50).map(|i| nodes[i % 2].bump_counter(&key, 10_000, &lockout)).collect();
    let bumps: Vec<Bump> = join_all(calls).await.into_iter().map(|r| r.expect("bump_counter")).collect();
    let mut counted: Vec<i64> = bumps.iter().filter(|b| b.is_counted).map(|b| b.count).collect();
    counted.sort_unstable();
    assert_eq!(counted, [1, 2, 3, 4, 5], "50 racing attempts: five counted, the rest refused by the lock");

    let user_key = "r0-same";
    let token = refresh_token(&format!("{prefix}rot"), pool_id, user_key, &format!("{prefix}rot-origin"));
    a.create_refresh_token(&token).await.expect("create_refresh_token");
    let calls = (0..50).map(|i| nodes[i % 2].rotate_refresh_token(&token.token_sha256, 20_000)).collect();
    let wins = join_all(calls).await.into_iter().filter(|r| *r.as_ref().expect("rotate_refresh_token")).count();
    assert_eq!(wins, 1, "exactly one of 50 concurrent rotations wins");

    let code_row = code(pool_id, user_key, "verify:email");
    a.put_code(&code_row).await.expect("put_code");
    let calls =
        (0..20).map(|i| nodes[i % 2].take_code(pool_id, user_key, "verify:email", &code_row.code_hash)).collect();
    let wins = join_all(calls).await.into_iter().filter(|r| *r.as_ref().expect("take_code")).count();
    assert_eq!(wins, 1, "exactly one of 20 concurrent take_code calls wins");

    let claim = format!("{prefix}claim");
    let calls = (0..20).map(|i| nodes[i % 2].claim_once(&claim, 4_000_000_000_000, 1)).collect();
    let wins = join_all(calls).await.into_iter().filter(|r| *r.as_ref().expect("claim_once")).count();
    assert_eq!(wins, 1, "exactly one of 20 concurrent claims wins");
}

fn assert_one_wins(results: &[crate::Result<()>], attribute: &str, what: &str) {
    let wins = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results.iter().filter(|r| matches!(r, Err(StoreError::Conflict(a)) if a == attribute)).count();
    assert!(
        wins == 1 && conflicts == 1,
        "{what}: expected one success and one Conflict({attribute:?}), got {results:?}"
    );
}

/// Polls every future until all are done (the suite depends on no runtime); outputs in order.
async fn join_all<'a, T>(futures: Vec<Pin<Box<dyn Future<Output = T> + Send + 'a>>>) -> Vec<T> {
    let mut futures: Vec<_> = futures.into_iter().map(Some).collect();
    let mut outputs: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (slot, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = slot
                && let Poll::Ready(value) = future.as_mut().poll(cx)
            {
                *output = Some(value);
                *slot = None;
            }
        }
        if futures.iter().all(Option::is_none) { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("every future finished")).collect()
}
