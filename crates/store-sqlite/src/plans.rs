//! EXPLAIN QUERY PLAN of the shared SQL on SQLite: the lookups that must use an index do (no
//! full scans), the filtered ListUsers queries search `user_index` by (attribute, value) and
//! `users` by key, and the device queries find their rows on the primary key in key order.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::SqliteStore;
use cognate_store::UserFilter;
use cognate_store_sql::{
    Arg, Backend as _, DELETE_DEVICE, DELETE_EXPIRED_REFRESH_TOKENS, FIND_DEVICE, IS_ORIGIN_REVOKED, LIST_DEVICES,
    LIST_DEVICES_AFTER, LIST_GROUPS_FOR_USER, LIST_GROUPS_FOR_USER_AFTER, REVOKE_ORIGIN, REVOKE_USER_TOKENS,
    SqlRow as _, list_users, prefix_upper_bound,
};

const USER_SETS: [&str; 2] = [
    "SEARCH x USING COVERING INDEX user_index_by_user (pool_id=? AND username_key=?)",
    "SEARCH x USING COVERING INDEX user_unique_by_user (pool_id=? AND username_key=?)",
];
const BY_KEY: &str = "SEARCH u USING INDEX sqlite_autoindex_users_1 (pool_id=? AND username_key=?)";

/// The plan's detail lines for `sql` with `args`.
async fn plan(store: &SqliteStore, sql: &str, args: &[Arg<'_>]) -> Vec<String> {
    let rows = store.backend_ref().fetch_all(&format!("EXPLAIN QUERY PLAN {sql}"), args).await.unwrap();
    rows.iter().map(|r| r.text(3).unwrap()).collect()
}

/// `sql` with every `$N` bound to text.
async fn plan_of(store: &SqliteStore, sql: &str) -> Vec<String> {
    let n = (1..20).take_while(|n| sql.contains(&format!("${n}"))).count();
    plan(store, sql, &vec![Arg::Text(Some("x")); n]).await
}

/// Every `expected` line is in the plan; nothing scans a table (the only scans allowed are of
/// the page `p` the query built, or of a constant row); and a search by `pool_id` alone (which
/// visits the whole pool) appears only where `expected` names it.
fn assert_plan(what: &str, plan: &[String], expected: &[&str]) {
    for line in expected {
        assert!(plan.iter().any(|l| l == line), "{what}: expected {line:?} in plan {plan:#?}");
    }
    for line in plan {
        let scan = line.starts_with("SCAN ") && line != "SCAN p" && line != "SCAN CONSTANT ROW";
        let whole_pool = line.ends_with("(pool_id=?)") && !expected.contains(&line.as_str());
        assert!(!scan && !whole_pool, "{what}: {line:?} in plan {plan:#?}");
    }
}

/// A pool of 2,000 users whose `status` pair all share and whose `email` pairs are unique, with
/// three devices each and planner statistics, so the plans are checked as a large pool would
/// see them too.
async fn populate(store: &SqliteStore) {
    store
        .backend_ref()
        .execute_batch(
            "INSERT INTO user_pools (id, name, created_ms, updated_ms, document) VALUES ('pool', 'p', 0, 0, '{}'); \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
         INSERT INTO users SELECT 'pool', printf('user%05d', i), 'u', 's', 'CONFIRMED', 1, NULL, 0, 0, 0, '{}', 1 \
         FROM n; \
         INSERT INTO user_index SELECT pool_id, 'email', username_key || '@example.com', username_key FROM users; \
         INSERT INTO user_index SELECT pool_id, 'status', 'CONFIRMED', username_key FROM users; \
         INSERT INTO user_unique SELECT pool_id, 'email', username_key || '@example.com', username_key FROM users; \
         INSERT INTO devices SELECT u.pool_id, u.username_key, 'device' || d.i, 'g', NULL, NULL, 0, 0, 0, '{}' \
         FROM users u, (SELECT 1 AS i UNION ALL SELECT 2 UNION ALL SELECT 3) d; \
         ANALYZE;",
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn list_users_searches_indexes() {
    for analyzed in [false, true] {
        let store = SqliteStore::open("sqlite::memory:").await.unwrap();
        if analyzed {
            populate(&store).await;
        }
        list_users_plans(&store, analyzed).await;
    }
}

async fn list_users_plans(store: &SqliteStore, analyzed: bool) {
    let equals = UserFilter::Equals { attribute: "email".into(), value: "a@example.com".into() };
    let starts = UserFilter::StartsWith { attribute: "email".into(), prefix: "user01".into() };
    let everything = UserFilter::StartsWith { attribute: "status".into(), prefix: String::new() };
    let common = UserFilter::Equals { attribute: "status".into(), value: "CONFIRMED".into() };
    for after in [None, Some("m")] {
        let what = format!("unfiltered list_users after {after:?} (analyzed: {analyzed})");
        let (sql, args) = list_users(store.queries(), "pool", None, None, after, 10);
        let users = match after {
            None => "SEARCH u USING INDEX sqlite_autoindex_users_1 (pool_id=?)",
            Some(_) => "SEARCH u USING INDEX sqlite_autoindex_users_1 (pool_id=? AND username_key>?)",
        };
        assert_plan(&what, &plan(store, &sql, &args).await, &[users, USER_SETS[0], USER_SETS[1]]);

        // After an equality, the index also seeks to `after`.
        let equal = match after {
            None => "(pool_id=? AND attribute=? AND value=?)",
            Some(_) => "(pool_id=? AND attribute=? AND value=? AND username_key>?)",
        };
        let cases = [
            (&equals, equal),
            (&starts, "(pool_id=? AND attribute=? AND value>? AND value<?)"),
            (&everything, "(pool_id=? AND attribute=? AND value>?)"),
            (&common, equal),
        ];
        for (filter, range) in cases {
            let what = format!("list_users {filter:?} after {after:?} (analyzed: {analyzed})");
            let upper = match filter {
                UserFilter::StartsWith { prefix, .. } => prefix_upper_bound(prefix),
                UserFilter::Equals { .. } => None,
            };
            let (sql, args) = list_users(store.queries(), "pool", Some(filter), upper.as_deref(), after, 10);
            let index = format!("SEARCH m USING COVERING INDEX user_index_by_value {range}");
            assert_plan(&what, &plan(store, &sql, &args).await, &[&index, BY_KEY, USER_SETS[0], USER_SETS[1]]);
        }
    }
}

#[tokio::test]
async fn lookups_search_indexes() {
    let store = SqliteStore::open("sqlite::memory:").await.unwrap();
    populate(&store).await;
    let q = store.queries();
    let members = "SEARCH m USING COVERING INDEX sqlite_autoindex_group_members_1";
    let of_user = "SEARCH m USING COVERING INDEX group_members_by_user";
    let group = "SEARCH g USING INDEX sqlite_autoindex_groups_1 (pool_id=? AND name=?)";
    let cases: [(&str, &[&str]); 10] = [
        (&q.get_user, &[BY_KEY, USER_SETS[0], USER_SETS[1]]),
        (
            &q.find_users_by_index,
            &["SEARCH m USING COVERING INDEX user_index_by_value (pool_id=? AND attribute=? AND value=?)", BY_KEY],
        ),
        (&q.list_users_in_group, &[&format!("{members} (pool_id=? AND group_name=?)"), BY_KEY]),
        (
            &q.list_users_in_group_after,
            &[&format!("{members} (pool_id=? AND group_name=? AND username_key>?)"), BY_KEY],
        ),
        (LIST_GROUPS_FOR_USER, &[&format!("{of_user} (pool_id=? AND username_key=?)"), group]),
        (LIST_GROUPS_FOR_USER_AFTER, &[&format!("{of_user} (pool_id=? AND username_key=? AND group_name>?)"), group]),
        (IS_ORIGIN_REVOKED, &["SEARCH refresh_tokens USING INDEX refresh_tokens_by_origin (origin_jti=?)"]),
        (REVOKE_ORIGIN, &["SEARCH refresh_tokens USING INDEX refresh_tokens_by_origin (origin_jti=?)"]),
        (
            REVOKE_USER_TOKENS,
            &["SEARCH refresh_tokens USING INDEX refresh_tokens_by_user (pool_id=? AND username_key=?)"],
        ),
        (
            DELETE_EXPIRED_REFRESH_TOKENS,
            &["SEARCH refresh_tokens USING COVERING INDEX refresh_tokens_by_expiry (expires_ms<?)"],
        ),
    ];
    for (sql, expected) in cases {
        assert_plan(sql, &plan_of(&store, sql).await, expected);
    }
}

#[tokio::test]
async fn device_queries_search_the_primary_key() {
    let store = SqliteStore::open("sqlite::memory:").await.unwrap();
    populate(&store).await;
    let key = "SEARCH devices USING INDEX sqlite_autoindex_devices_1";
    let cases = [
        (FIND_DEVICE, format!("{key} (pool_id=? AND username_key=? AND device_key=?)")),
        (LIST_DEVICES, format!("{key} (pool_id=? AND username_key=?)")),
        (LIST_DEVICES_AFTER, format!("{key} (pool_id=? AND username_key=? AND device_key>?)")),
        (DELETE_DEVICE, format!("{key} (pool_id=? AND username_key=? AND device_key=?)")),
    ];
    for (sql, expected) in cases {
        assert_eq!(plan_of(&store, sql).await, [expected], "{sql}");
    }
}
