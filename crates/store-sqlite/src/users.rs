//! `UserStore` and `GroupStore` for `SqliteStore`: users with their index and unique sets (written
//! in one transaction with the user), ListUsers filters as ranges over `user_index`'s key
//! (`user_index_by_value`), groups and memberships.
//!
//! A user's index and unique sets are read in the same statement as the user, each as a
//! comma-separated list of `hex(attribute):hex(value)` pairs (unambiguous whatever the values
//! hold), and come back sorted and without duplicates.

use crate::{SqliteStore, affected, db_error};
use async_trait::async_trait;
use cognate_store::{GroupRow, GroupStore, Result, StoreError, UserFilter, UserRow, UserStore};
use sqlx::sqlite::{Sqlite, SqliteRow};
use sqlx::{QueryBuilder, Row, Transaction};

/// The `UserRow` columns of a query over `users u`, read by `user_row`.
macro_rules! user_columns {
    () => {
        concat!(
            user_columns_plain!(base),
            ", \
         (SELECT group_concat(hex(x.attribute) || ':' || hex(x.value), ',') FROM user_index x \
          WHERE x.pool_id = u.pool_id AND x.username_key = u.username_key) AS index_pairs, \
         (SELECT group_concat(hex(x.attribute) || ':' || hex(x.value), ',') FROM user_unique x \
          WHERE x.pool_id = u.pool_id AND x.username_key = u.username_key) AS unique_pairs"
        )
    };
}

/// The user columns without the index and unique pairs (decoded as empty). `base` is the bare
/// column list that `user_columns!` extends.
macro_rules! user_columns_plain {
    (base) => {
        "u.pool_id, u.username_key, u.username, u.sub, u.status, u.is_enabled, u.password_hash, \
         u.created_ms, u.updated_ms, u.tokens_valid_after_ms, \
         u.document"
    };
    () => {
        concat!(user_columns_plain!(base), ", ", "NULL AS index_pairs, NULL AS unique_pairs")
    };
}

const FIND_USERS_BY_INDEX: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM user_index m INDEXED BY user_index_by_value \
     JOIN users u ON u.pool_id = m.pool_id AND u.username_key = m.username_key \
     WHERE m.pool_id = ? AND m.attribute = ? AND m.value = ? ORDER BY m.username_key"
);

const LIST_USERS_IN_GROUP: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM group_members m JOIN users u ON u.pool_id = m.pool_id AND u.username_key = m.username_key \
     WHERE m.pool_id = ? AND m.group_name = ? ORDER BY m.username_key LIMIT ?"
);

const LIST_USERS_IN_GROUP_AFTER: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM group_members m JOIN users u ON u.pool_id = m.pool_id AND u.username_key = m.username_key \
     WHERE m.pool_id = ? AND m.group_name = ? AND m.username_key > ? ORDER BY m.username_key LIMIT ?"
);

const LIST_GROUPS_FOR_USER: &str = "SELECT g.pool_id, g.name, g.description, g.precedence, g.role_arn, \
     g.created_ms, g.updated_ms FROM group_members m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
     WHERE m.pool_id = ? AND m.username_key = ? ORDER BY m.group_name LIMIT ?";

const LIST_GROUPS_FOR_USER_AFTER: &str = "SELECT g.pool_id, g.name, g.description, g.precedence, g.role_arn, \
     g.created_ms, g.updated_ms FROM group_members m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
     WHERE m.pool_id = ? AND m.username_key = ? AND m.group_name > ? ORDER BY m.group_name LIMIT ?";

fn user_row(row: &SqliteRow) -> Result<UserRow> {
    Ok(UserRow {
        pool_id: row.try_get("pool_id").map_err(db_error)?,
        username_key: row.try_get("username_key").map_err(db_error)?,
        username: row.try_get("username").map_err(db_error)?,
        sub: row.try_get("sub").map_err(db_error)?,
        status: row.try_get("status").map_err(db_error)?,
        is_enabled: row.try_get("is_enabled").map_err(db_error)?,
        password_hash: row.try_get("password_hash").map_err(db_error)?,
        created_ms: row.try_get("created_ms").map_err(db_error)?,
        updated_ms: row.try_get("updated_ms").map_err(db_error)?,
        tokens_valid_after_ms: row.try_get("tokens_valid_after_ms").map_err(db_error)?,
        document: row.try_get("document").map_err(db_error)?,
        index: decode_pairs(row.try_get("index_pairs").map_err(db_error)?)?,
        unique: decode_pairs(row.try_get("unique_pairs").map_err(db_error)?)?,
    })
}

fn user_rows(rows: Vec<SqliteRow>) -> Result<Vec<UserRow>> {
    rows.iter().map(user_row).collect()
}

/// Decodes `hex(attribute):hex(value),...` (or NULL for none) into sorted pairs.
fn decode_pairs(encoded: Option<String>) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for pair in encoded.iter().flat_map(|s| s.split(',')) {
        let (attribute, value) = pair
            .split_once(':')
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("malformed attribute pair {pair:?}")))?;
        pairs.push((unhex(attribute)?, unhex(value)?));
    }
    pairs.sort();
    Ok(pairs)
}

fn unhex(hex: &str) -> Result<String> {
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|byte| u8::from_str_radix(byte, 16).ok()))
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| StoreError::Other(anyhow::anyhow!("malformed hex {hex:?}")))?;
    String::from_utf8(bytes).map_err(|e| StoreError::Other(e.into()))
}

/// `pairs` sorted, without duplicates.
fn distinct(pairs: &[(String, String)]) -> Vec<&(String, String)> {
    let mut pairs: Vec<_> = pairs.iter().collect();
    pairs.sort();
    pairs.dedup();
    pairs
}

/// Maps a unique violation to `Conflict(what)`, anything else as usual.
fn conflict_as(e: sqlx::Error, what: &str) -> StoreError {
    match db_error(e) {
        StoreError::Conflict(_) => StoreError::Conflict(what.to_owned()),
        e => e,
    }
}

/// Inserts the user's index and unique sets; a taken unique pair fails with
/// `Conflict(attribute)`.
async fn insert_sets(tx: &mut Transaction<'_, Sqlite>, user: &UserRow) -> Result<()> {
    for (attribute, value) in distinct(&user.index) {
        sqlx::query("INSERT INTO user_index (pool_id, attribute, value, username_key) VALUES (?, ?, ?, ?)")
            .bind(&user.pool_id)
            .bind(attribute)
            .bind(value)
            .bind(&user.username_key)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
    }
    for (attribute, value) in distinct(&user.unique) {
        sqlx::query("INSERT INTO user_unique (pool_id, attribute, value, username_key) VALUES (?, ?, ?, ?)")
            .bind(&user.pool_id)
            .bind(attribute)
            .bind(value)
            .bind(&user.username_key)
            .execute(&mut **tx)
            .await
            .map_err(|e| conflict_as(e, attribute))?;
    }
    Ok(())
}

/// The least string greater than every string that starts with `prefix` in code point order
/// (which is the byte order of UTF-8 and so SQLite's BINARY collation), or `None` when there is
/// none (an empty prefix, or one of only U+10FFFF).
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Appends the ListUsers query to `qb`. Unfiltered, it pages over `users` by primary key; with a
/// filter it pages over the matching `user_index` entries (`=` an equality, `^=` a range on
/// `value`, both on the key `user_index_by_value`, which it names so that no other index can
/// be chosen) and then looks up the page's users.
fn push_list_users<'a>(
    qb: &mut QueryBuilder<'a, Sqlite>,
    pool_id: &'a str,
    filter: Option<&'a UserFilter>,
    after: Option<&'a str>,
    limit: u32,
) {
    let Some(filter) = filter else {
        qb.push(concat!("SELECT ", user_columns!(), " FROM users u WHERE u.pool_id = ")).push_bind(pool_id);
        if let Some(after) = after {
            qb.push(" AND u.username_key > ").push_bind(after);
        }
        qb.push(" ORDER BY u.username_key LIMIT ").push_bind(i64::from(limit));
        return;
    };
    qb.push(concat!(
        "SELECT ",
        user_columns!(),
        " FROM (SELECT DISTINCT m.username_key FROM user_index m INDEXED BY user_index_by_value \
         WHERE m.pool_id = "
    ))
    .push_bind(pool_id);
    match filter {
        UserFilter::Equals { attribute, value } => {
            qb.push(" AND m.attribute = ")
                .push_bind(attribute.as_str())
                .push(" AND m.value = ")
                .push_bind(value.as_str());
        }
        UserFilter::StartsWith { attribute, prefix } => {
            qb.push(" AND m.attribute = ")
                .push_bind(attribute.as_str())
                .push(" AND m.value >= ")
                .push_bind(prefix.as_str());
            if let Some(upper) = prefix_upper_bound(prefix) {
                qb.push(" AND m.value < ").push_bind(upper);
            }
        }
    }
    if let Some(after) = after {
        qb.push(" AND m.username_key > ").push_bind(after);
    }
    // CROSS JOIN makes SQLite loop over the page, not over the pool's users.
    qb.push(" ORDER BY m.username_key LIMIT ")
        .push_bind(i64::from(limit))
        .push(") p CROSS JOIN users u WHERE u.pool_id = ")
        .push_bind(pool_id)
        .push(" AND u.username_key = p.username_key ORDER BY u.username_key");
}

type GroupTuple = (String, String, Option<String>, Option<i32>, Option<String>, i64, i64);

fn group_row(t: GroupTuple) -> GroupRow {
    let (pool_id, name, description, precedence, role_arn, created_ms, updated_ms) = t;
    GroupRow { pool_id, name, description, precedence, role_arn, created_ms, updated_ms }
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(&self, user: &UserRow) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        // A missing pool fails the foreign key, which `db_error` maps to NotFound.
        sqlx::query(
            "INSERT INTO users (pool_id, username_key, username, sub, status, is_enabled, password_hash, \
             created_ms, updated_ms, tokens_valid_after_ms, document) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&user.pool_id)
        .bind(&user.username_key)
        .bind(&user.username)
        .bind(&user.sub)
        .bind(&user.status)
        .bind(user.is_enabled)
        .bind(&user.password_hash)
        .bind(user.created_ms)
        .bind(user.updated_ms)
        .bind(user.tokens_valid_after_ms)
        .bind(&user.document)
        .execute(&mut *tx)
        .await
        .map_err(|e| conflict_as(e, "username"))?;
        insert_sets(&mut tx, user).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn get_user(&self, pool_id: &str, username_key: &str) -> Result<UserRow> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE u.pool_id = ? AND u.username_key = ?"
        ))
        .bind(pool_id)
        .bind(username_key)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(user_row).unwrap_or(Err(StoreError::NotFound))
    }

    async fn get_user_for_token(&self, pool_id: &str, username_key: &str, origin_jti: &str) -> Result<(UserRow, bool)> {
        let row = sqlx::query(concat!(
            "SELECT ",
            user_columns_plain!(),
            ", EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.origin_jti = ? AND r.revoked_ms IS NOT NULL) AS revoked",
            " FROM users u WHERE u.pool_id = ? AND u.username_key = ?"
        ))
        .bind(origin_jti)
        .bind(pool_id)
        .bind(username_key)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        let row = row.ok_or(StoreError::NotFound)?;
        let revoked: bool = row.try_get("revoked").map_err(db_error)?;
        Ok((user_row(&row)?, revoked))
    }

    async fn find_users_by_index(&self, pool_id: &str, attribute: &str, value: &str) -> Result<Vec<UserRow>> {
        let rows = sqlx::query(FIND_USERS_BY_INDEX)
            .bind(pool_id)
            .bind(attribute)
            .bind(value)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        user_rows(rows)
    }

    async fn update_user(&self, user: &UserRow) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        sqlx::query(
            "UPDATE users SET username = ?, sub = ?, status = ?, is_enabled = ?, password_hash = ?, \
             updated_ms = ?, tokens_valid_after_ms = ?, document = ? \
             WHERE pool_id = ? AND username_key = ?",
        )
        .bind(&user.username)
        .bind(&user.sub)
        .bind(&user.status)
        .bind(user.is_enabled)
        .bind(&user.password_hash)
        .bind(user.updated_ms)
        .bind(user.tokens_valid_after_ms)
        .bind(&user.document)
        .bind(&user.pool_id)
        .bind(&user.username_key)
        .execute(&mut *tx)
        .await
        .map_err(db_error)
        .and_then(affected)?;
        for table in [
            "DELETE FROM user_index WHERE pool_id = ? AND username_key = ?",
            "DELETE FROM user_unique WHERE pool_id = ? AND username_key = ?",
        ] {
            sqlx::query(table)
                .bind(&user.pool_id)
                .bind(&user.username_key)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        insert_sets(&mut tx, user).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn delete_user(&self, pool_id: &str, username_key: &str) -> Result<()> {
        // Index and unique pairs, memberships, refresh tokens and codes go through ON DELETE CASCADE.
        sqlx::query("DELETE FROM users WHERE pool_id = ? AND username_key = ?")
            .bind(pool_id)
            .bind(username_key)
            .execute(&self.pool)
            .await
            .map_err(db_error)
            .and_then(affected)
    }

    async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UserRow>> {
        let mut qb = QueryBuilder::new("");
        push_list_users(&mut qb, pool_id, filter, after, limit);
        let rows = qb.build().fetch_all(&self.pool).await.map_err(db_error)?;
        user_rows(rows)
    }

    async fn count_users(&self, pool_id: &str) -> Result<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE pool_id = ?")
            .bind(pool_id)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(u64::try_from(count).unwrap_or_default())
    }
}

#[async_trait]
impl GroupStore for SqliteStore {
    async fn create_group(&self, group: &GroupRow) -> Result<()> {
        // A missing pool fails the foreign key, which `db_error` maps to NotFound.
        sqlx::query(
            "INSERT INTO groups (pool_id, name, description, precedence, role_arn, created_ms, updated_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&group.pool_id)
        .bind(&group.name)
        .bind(&group.description)
        .bind(group.precedence)
        .bind(&group.role_arn)
        .bind(group.created_ms)
        .bind(group.updated_ms)
        .execute(&self.pool)
        .await
        .map_err(db_error)
        .map(drop)
    }

    async fn get_group(&self, pool_id: &str, name: &str) -> Result<GroupRow> {
        sqlx::query_as::<_, GroupTuple>(
            "SELECT pool_id, name, description, precedence, role_arn, created_ms, updated_ms \
             FROM groups WHERE pool_id = ? AND name = ?",
        )
        .bind(pool_id)
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?
        .map(group_row)
        .ok_or(StoreError::NotFound)
    }

    async fn update_group(&self, group: &GroupRow) -> Result<()> {
        sqlx::query(
            "UPDATE groups SET description = ?, precedence = ?, role_arn = ?, updated_ms = ? \
             WHERE pool_id = ? AND name = ?",
        )
        .bind(&group.description)
        .bind(group.precedence)
        .bind(&group.role_arn)
        .bind(group.updated_ms)
        .bind(&group.pool_id)
        .bind(&group.name)
        .execute(&self.pool)
        .await
        .map_err(db_error)
        .and_then(affected)
    }

    async fn delete_group(&self, pool_id: &str, name: &str) -> Result<()> {
        // Memberships go through ON DELETE CASCADE.
        sqlx::query("DELETE FROM groups WHERE pool_id = ? AND name = ?")
            .bind(pool_id)
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(db_error)
            .and_then(affected)
    }

    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: u32) -> Result<Vec<GroupRow>> {
        let query = match after {
            Some(after) => sqlx::query_as::<_, GroupTuple>(
                "SELECT pool_id, name, description, precedence, role_arn, created_ms, updated_ms \
                 FROM groups WHERE pool_id = ? AND name > ? ORDER BY name LIMIT ?",
            )
            .bind(pool_id)
            .bind(after),
            None => sqlx::query_as::<_, GroupTuple>(
                "SELECT pool_id, name, description, precedence, role_arn, created_ms, updated_ms \
                 FROM groups WHERE pool_id = ? ORDER BY name LIMIT ?",
            )
            .bind(pool_id),
        };
        let rows = query.bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(db_error)?;
        Ok(rows.into_iter().map(group_row).collect())
    }

    async fn add_user_to_group(&self, pool_id: &str, group: &str, username_key: &str) -> Result<()> {
        // A missing user or group fails a foreign key, which `db_error` maps to NotFound.
        sqlx::query(
            "INSERT INTO group_members (pool_id, group_name, username_key) VALUES (?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(pool_id)
        .bind(group)
        .bind(username_key)
        .execute(&self.pool)
        .await
        .map_err(db_error)
        .map(drop)
    }

    async fn remove_user_from_group(&self, pool_id: &str, group: &str, username_key: &str) -> Result<()> {
        let removed =
            sqlx::query("DELETE FROM group_members WHERE pool_id = ? AND group_name = ? AND username_key = ?")
                .bind(pool_id)
                .bind(group)
                .bind(username_key)
                .execute(&self.pool)
                .await
                .map_err(db_error)?
                .rows_affected();
        if removed > 0 {
            return Ok(());
        }
        // Not a member: fine if both exist.
        let both_exist: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM groups WHERE pool_id = ? AND name = ?) \
             AND EXISTS (SELECT 1 FROM users WHERE pool_id = ? AND username_key = ?)",
        )
        .bind(pool_id)
        .bind(group)
        .bind(pool_id)
        .bind(username_key)
        .fetch_one(&self.pool)
        .await
        .map_err(db_error)?;
        if both_exist { Ok(()) } else { Err(StoreError::NotFound) }
    }

    async fn list_groups_for_user(
        &self,
        pool_id: &str,
        username_key: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<GroupRow>> {
        let query = match after {
            Some(after) => {
                sqlx::query_as::<_, GroupTuple>(LIST_GROUPS_FOR_USER_AFTER).bind(pool_id).bind(username_key).bind(after)
            }
            None => sqlx::query_as::<_, GroupTuple>(LIST_GROUPS_FOR_USER).bind(pool_id).bind(username_key),
        };
        let rows = query.bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(db_error)?;
        Ok(rows.into_iter().map(group_row).collect())
    }

    async fn list_users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UserRow>> {
        let query = match after {
            Some(after) => sqlx::query(LIST_USERS_IN_GROUP_AFTER).bind(pool_id).bind(group).bind(after),
            None => sqlx::query(LIST_USERS_IN_GROUP).bind(pool_id).bind(group),
        };
        let rows = query.bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(db_error)?;
        user_rows(rows)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn prefix_upper_bounds() {
        assert_eq!(prefix_upper_bound(""), None);
        assert_eq!(prefix_upper_bound("ab").as_deref(), Some("ac"));
        assert_eq!(prefix_upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_upper_bound("\u{10FFFF}\u{10FFFF}"), None);
        assert_eq!(prefix_upper_bound("x\u{D7FF}").as_deref(), Some("x\u{E000}"));
        assert_eq!(prefix_upper_bound("é").as_deref(), Some("ê"));
    }

    #[test]
    fn pairs_decode_sorted() {
        assert_eq!(decode_pairs(None).unwrap(), vec![]);
        assert_eq!(
            decode_pairs(Some("62:,61:2C3A".into())).unwrap(),
            vec![("a".to_owned(), ",:".to_owned()), ("b".to_owned(), String::new())]
        );
        assert!(decode_pairs(Some("61".into())).is_err());
        assert!(decode_pairs(Some("6:61".into())).is_err());
        assert!(decode_pairs(Some("FF:61".into())).is_err());
    }
}

/// EXPLAIN QUERY PLAN of the lookups that must use an index: no full scans, and the filtered
/// ListUsers queries search `user_index` by (attribute, value) and `users` by key.
#[cfg(test)]
mod plans {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::tokens::{DELETE_EXPIRED_REFRESH_TOKENS, IS_ORIGIN_REVOKED, REVOKE_ORIGIN, REVOKE_USER_TOKENS};

    const USER_SETS: [&str; 2] = [
        "SEARCH x USING COVERING INDEX user_index_by_user (pool_id=? AND username_key=?)",
        "SEARCH x USING COVERING INDEX user_unique_by_user (pool_id=? AND username_key=?)",
    ];
    const BY_KEY: &str = "SEARCH u USING INDEX sqlite_autoindex_users_1 (pool_id=? AND username_key=?)";

    async fn plan(qb: &mut QueryBuilder<'_, Sqlite>, store: &SqliteStore) -> Vec<String> {
        let rows = qb.build().fetch_all(&store.pool).await.unwrap();
        rows.iter().map(|r| r.get::<String, _>("detail")).collect()
    }

    async fn plan_of(sql: &str, store: &SqliteStore) -> Vec<String> {
        let mut qb = QueryBuilder::new("EXPLAIN QUERY PLAN ");
        let mut parts = sql.split('?');
        qb.push(parts.next().unwrap_or_default());
        for part in parts {
            qb.push_bind("x").push(part);
        }
        plan(&mut qb, store).await
    }

    /// Every `expected` line is in the plan; nothing scans a table (the only scans allowed are
    /// of the page `p` the query built, or of a constant row); and a search by `pool_id` alone
    /// (which visits the whole pool) appears only where `expected` names it.
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

    /// A pool of 2,000 users whose `status` pair all share and whose `email` pairs are unique,
    /// with planner statistics, so the plans are checked as a large pool would see them too.
    async fn populate(store: &SqliteStore) {
        sqlx::raw_sql(
            "INSERT INTO user_pools (id, name, created_ms, updated_ms, document) VALUES ('pool', 'p', 0, 0, '{}'); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) \
             INSERT INTO users SELECT 'pool', printf('user%05d', i), 'u', 's', 'CONFIRMED', 1, NULL, 0, 0, 0, '{}' \
             FROM n; \
             INSERT INTO user_index SELECT pool_id, 'email', username_key || '@example.com', username_key FROM users; \
             INSERT INTO user_index SELECT pool_id, 'status', 'CONFIRMED', username_key FROM users; \
             INSERT INTO user_unique SELECT pool_id, 'email', username_key || '@example.com', username_key FROM users; \
             ANALYZE;",
        )
        .execute(&store.pool)
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
        let store = store.clone();
        let equals = UserFilter::Equals { attribute: "email".into(), value: "a@example.com".into() };
        let starts = UserFilter::StartsWith { attribute: "email".into(), prefix: "user01".into() };
        let everything = UserFilter::StartsWith { attribute: "status".into(), prefix: String::new() };
        let common = UserFilter::Equals { attribute: "status".into(), value: "CONFIRMED".into() };
        for after in [None, Some("m")] {
            let what = format!("unfiltered list_users after {after:?} (analyzed: {analyzed})");
            let mut qb = QueryBuilder::new("EXPLAIN QUERY PLAN ");
            push_list_users(&mut qb, "pool", None, after, 10);
            let users = match after {
                None => "SEARCH u USING INDEX sqlite_autoindex_users_1 (pool_id=?)",
                Some(_) => "SEARCH u USING INDEX sqlite_autoindex_users_1 (pool_id=? AND username_key>?)",
            };
            assert_plan(&what, &plan(&mut qb, &store).await, &[users, USER_SETS[0], USER_SETS[1]]);

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
                let mut qb = QueryBuilder::new("EXPLAIN QUERY PLAN ");
                push_list_users(&mut qb, "pool", Some(filter), after, 10);
                let index = format!("SEARCH m USING COVERING INDEX user_index_by_value {range}");
                assert_plan(&what, &plan(&mut qb, &store).await, &[&index, BY_KEY, USER_SETS[0], USER_SETS[1]]);
            }
        }
    }

    #[tokio::test]
    async fn lookups_search_indexes() {
        let store = SqliteStore::open("sqlite::memory:").await.unwrap();
        populate(&store).await;
        let members = "SEARCH m USING COVERING INDEX sqlite_autoindex_group_members_1";
        let of_user = "SEARCH m USING COVERING INDEX group_members_by_user";
        let group = "SEARCH g USING INDEX sqlite_autoindex_groups_1 (pool_id=? AND name=?)";
        let cases: [(&str, &[&str]); 9] = [
            (
                FIND_USERS_BY_INDEX,
                &["SEARCH m USING COVERING INDEX user_index_by_value (pool_id=? AND attribute=? AND value=?)", BY_KEY],
            ),
            (LIST_USERS_IN_GROUP, &[&format!("{members} (pool_id=? AND group_name=?)"), BY_KEY]),
            (
                LIST_USERS_IN_GROUP_AFTER,
                &[&format!("{members} (pool_id=? AND group_name=? AND username_key>?)"), BY_KEY],
            ),
            (LIST_GROUPS_FOR_USER, &[&format!("{of_user} (pool_id=? AND username_key=?)"), group]),
            (
                LIST_GROUPS_FOR_USER_AFTER,
                &[&format!("{of_user} (pool_id=? AND username_key=? AND group_name>?)"), group],
            ),
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
            assert_plan(sql, &plan_of(sql, &store).await, expected);
        }
    }
}
