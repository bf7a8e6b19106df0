//! EXPLAIN of the shared SQL on PostgreSQL, on a populated pool with statistics and sequential
//! scans disabled: lookups use their indexes, the filtered ListUsers queries find their
//! `user_index` entries by attribute and value inside an index and then look up only those
//! users (selective filters seeking the entries on the primary key), and the device queries find
//! their rows on the primary key in key order. Needs `COGNATE_TEST_POSTGRES_URL` (see
//! `test_base_url`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::{PgStore, prepare_test_database, test_base_url};
use cognate_store::UserFilter;
use cognate_store_sql::{
    Arg, DELETE_DEVICE, DELETE_EXPIRED_REFRESH_TOKENS, FIND_DEVICE, IS_ORIGIN_REVOKED, LIST_DEVICES,
    LIST_DEVICES_AFTER, LIST_GROUPS_FOR_USER, LIST_GROUPS_FOR_USER_AFTER, REVOKE_ORIGIN, REVOKE_USER_TOKENS,
    list_users, prefix_upper_bound,
};
use sqlx::pool::PoolConnection;
use sqlx::postgres::Postgres;
use sqlx::{Executor as _, Row as _};

/// A connection to a fresh store whose pool `pool` has 5,000 users, each with a unique `email`
/// pair and the same `status` pair, in one of ten groups, with a refresh token and three
/// devices; with statistics, and sequential scans off.
async fn populated(test: &str) -> Option<(PgStore, PoolConnection<Postgres>)> {
    let base = test_base_url(test)?;
    let store = PgStore::open(&prepare_test_database(&base).await.unwrap()).await.unwrap();
    let pool = store.backend_ref().pool();
    sqlx::raw_sql(
        "INSERT INTO user_pools (id, name, created_ms, updated_ms, document) VALUES ('pool', 'p', 0, 0, '{}'); \
         INSERT INTO users SELECT 'pool', 'user' || lpad(i::text, 6, '0'), 'u', 's', 'CONFIRMED', true, NULL, \
         0, 0, 0, '{}', 1 FROM generate_series(1, 5000) i; \
         INSERT INTO user_index SELECT pool_id, 'email', username_key || '@example.com', username_key FROM users; \
         INSERT INTO user_index SELECT pool_id, 'status', 'CONFIRMED', username_key FROM users; \
         INSERT INTO user_unique SELECT pool_id, 'email', username_key || '@example.com', username_key FROM users; \
         INSERT INTO groups SELECT 'pool', 'g' || i, NULL, NULL, NULL, 0, 0 FROM generate_series(0, 9) i; \
         INSERT INTO group_members SELECT pool_id, 'g' || right(username_key, 1), username_key FROM users; \
         INSERT INTO refresh_tokens SELECT md5(username_key), pool_id, 'c', username_key, username_key, 0, \
         4000000000000, NULL, NULL FROM users; \
         INSERT INTO devices SELECT pool_id, username_key, 'device' || d, 'g', NULL, NULL, 0, 0, 0, '{}' \
         FROM users, generate_series(1, 3) d; \
         ANALYZE user_pools, users, user_index, user_unique, groups, group_members, refresh_tokens, devices;",
    )
    .execute(pool)
    .await
    .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    sqlx::raw_sql("SET enable_seqscan = off").execute(&mut *conn).await.unwrap();
    Some((store, conn))
}

/// The plan of `sql` with `args`, one line per node.
async fn explain(conn: &mut PoolConnection<Postgres>, sql: &str, args: &[Arg<'_>]) -> String {
    let text = format!("EXPLAIN {sql}");
    let query = crate::query(&text, args);
    let rows = conn.fetch_all(query).await.unwrap();
    rows.iter().map(|r| r.get::<String, _>(0)).collect::<Vec<_>>().join("\n")
}

/// The plan's line for `table alias` and the line after it (the index condition).
fn scan_of<'p>(plan: &'p str, table: &str) -> (&'p str, &'p str) {
    let lines: Vec<&str> = plan.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(&format!(" on {table} ")))
        .unwrap_or_else(|| panic!("no {table} in {plan}"));
    (lines[at], lines.get(at + 1).copied().unwrap_or_default())
}

fn assert_no_seq_scan(what: &str, plan: &str) {
    assert!(!plan.contains("Seq Scan"), "{what}: a sequential scan in\n{plan}");
}

#[tokio::test]
async fn list_users_searches_indexes() {
    let Some((store, mut conn)) = populated("list_users query plans").await else { return };
    let filter = |equals: bool, attribute: &str, value: &str| match equals {
        true => UserFilter::Equals { attribute: attribute.into(), value: value.into() },
        false => UserFilter::StartsWith { attribute: attribute.into(), prefix: value.into() },
    };
    // (filter, whether it is selective enough that the primary key must be chosen)
    let cases = [
        (filter(true, "email", "user000100@example.com"), true),
        (filter(false, "email", "user0001"), true),
        (filter(false, "email", "user00010"), true),
        (filter(true, "status", "CONFIRMED"), true),
        (filter(false, "status", "C"), false),
        (filter(false, "email", ""), false),
    ];
    for after in [None, Some("user002500")] {
        let (sql, args) = list_users(store.queries(), "pool", None, None, after, 60);
        let plan = explain(&mut conn, &sql, &args).await;
        assert_no_seq_scan("unfiltered list_users", &plan);
        assert!(scan_of(&plan, "users u").0.contains("Index Scan using users_pkey"), "unfiltered:\n{plan}");

        for (filter, selective) in &cases {
            let what = format!("list_users {filter:?} after {after:?}");
            let upper = match filter {
                UserFilter::StartsWith { prefix, .. } => prefix_upper_bound(prefix),
                UserFilter::Equals { .. } => None,
            };
            let (sql, args) = list_users(store.queries(), "pool", Some(filter), upper.as_deref(), after, 60);
            let plan = explain(&mut conn, &sql, &args).await;
            assert_no_seq_scan(&what, &plan);
            // The entries are found inside an index by attribute and value, never by reading
            // users; a selective filter seeks them on the primary key. (A filter most users match
            // may instead walk `user_index_by_user` in username order and stop when the page is
            // full, which the planner rightly finds cheaper than sorting every match.)
            let (scan, condition) = scan_of(&plan, "user_index m");
            assert!(scan.contains("Index Only Scan"), "{what}: {scan}\n{plan}");
            assert!(condition.contains("Index Cond:") && condition.contains("(attribute = "), "{what}:\n{plan}");
            assert!(condition.contains("(value = ") || condition.contains("(value >= "), "{what}:\n{plan}");
            if *selective {
                assert!(scan.contains("using user_index_pkey"), "{what}: {scan}\n{plan}");
            }
            let (scan, condition) = scan_of(&plan, "users u");
            assert!(scan.contains("Index Scan using users_pkey"), "{what}: {scan}\n{plan}");
            assert!(condition.contains("(username_key = m.username_key)"), "{what}: {condition}\n{plan}");
        }
    }
}

#[tokio::test]
async fn lookups_search_indexes() {
    let Some((store, mut conn)) = populated("lookup query plans").await else { return };
    let q = store.queries();
    let (t, i) = (|s: &'static str| Arg::Text(Some(s)), |n: i64| Arg::Int(Some(n)));
    let cases: [(&str, Vec<Arg<'_>>, &str, &str); 10] = [
        (&q.get_user, vec![t("pool"), t("user000001")], "users u", "users_pkey"),
        (
            &q.find_users_by_index,
            vec![t("pool"), t("email"), t("user000001@example.com")],
            "user_index m",
            "user_index_pkey",
        ),
        (&q.list_users_in_group, vec![t("pool"), t("g1"), i(60)], "group_members m", "group_members_pkey"),
        (
            &q.list_users_in_group_after,
            vec![t("pool"), t("g1"), t("user000100"), i(60)],
            "group_members m",
            "group_members_pkey",
        ),
        (LIST_GROUPS_FOR_USER, vec![t("pool"), t("user000001"), i(60)], "group_members m", "group_members_by_user"),
        (
            LIST_GROUPS_FOR_USER_AFTER,
            vec![t("pool"), t("user000001"), t("a"), i(60)],
            "group_members m",
            "group_members_by_user",
        ),
        (IS_ORIGIN_REVOKED, vec![t("user000001")], "refresh_tokens", "refresh_tokens_by_origin"),
        (REVOKE_ORIGIN, vec![i(1), t("user000001")], "refresh_tokens", "refresh_tokens_by_origin"),
        (REVOKE_USER_TOKENS, vec![i(1), t("pool"), t("user000001")], "refresh_tokens", "refresh_tokens_by_user"),
        (DELETE_EXPIRED_REFRESH_TOKENS, vec![i(1_000)], "refresh_tokens", "refresh_tokens_by_expiry"),
    ];
    for (sql, args, table, index) in cases {
        let plan = explain(&mut conn, sql, &args).await;
        assert_no_seq_scan(sql, &plan);
        let line = plan.lines().find(|l| l.contains("Scan") && l.contains(&format!(" on {table}"))).unwrap_or_default();
        assert!(line.contains(&format!("using {index} on {table}")), "{sql}: expected {index} in\n{plan}");
    }
}

#[tokio::test]
async fn device_queries_search_the_primary_key() {
    let Some((_store, mut conn)) = populated("device query plans").await else { return };
    let t = |s: &'static str| Arg::Text(Some(s));
    let cases: [(&str, Vec<Arg<'_>>); 4] = [
        (FIND_DEVICE, vec![t("pool"), t("user000001"), t("device1")]),
        (LIST_DEVICES, vec![t("pool"), t("user000001"), Arg::Int(Some(60))]),
        (LIST_DEVICES_AFTER, vec![t("pool"), t("user000001"), t("device1"), Arg::Int(Some(60))]),
        (DELETE_DEVICE, vec![t("pool"), t("user000001"), t("device1")]),
    ];
    for (sql, args) in cases {
        let plan = explain(&mut conn, sql, &args).await;
        assert!(!plan.contains("Seq Scan") && !plan.contains("Sort"), "{sql}: a scan or sort in\n{plan}");
        assert!(plan.contains("using devices_pkey on devices"), "{sql}: expected devices_pkey in\n{plan}");
    }
}
