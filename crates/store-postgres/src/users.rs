//! `UserStore` and `GroupStore` for `PgStore`: users with their index and unique sets (written
//! in one transaction with the user), ListUsers filters as ranges over `user_index`'s primary key,
//! groups and memberships.
//!
//! A user's index and unique sets are read in the same statement as the user (so from one
//! snapshot), each as two arrays of attributes and values in the same order, and come back sorted
//! and without duplicates.

use crate::{PgStore, affected, db_error};
use async_trait::async_trait;
use cognate_store::{GroupRow, GroupStore, Result, StoreError, UserFilter, UserRow, UserStore};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row, Transaction};

/// The `UserRow` columns of a query over `users u`, read by `user_row`.
macro_rules! user_columns {
    () => {
        concat!(
            user_columns_plain!(base),
            ", \
         ARRAY(SELECT x.attribute FROM user_index x WHERE x.pool_id = u.pool_id \
          AND x.username_key = u.username_key ORDER BY x.attribute, x.value) AS index_attributes, \
         ARRAY(SELECT x.value FROM user_index x WHERE x.pool_id = u.pool_id \
          AND x.username_key = u.username_key ORDER BY x.attribute, x.value) AS index_values, \
         ARRAY(SELECT x.attribute FROM user_unique x WHERE x.pool_id = u.pool_id \
          AND x.username_key = u.username_key ORDER BY x.attribute, x.value) AS unique_attributes, \
         ARRAY(SELECT x.value FROM user_unique x WHERE x.pool_id = u.pool_id \
          AND x.username_key = u.username_key ORDER BY x.attribute, x.value) AS unique_values"
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
        concat!(
            user_columns_plain!(base),
            ", ",
            "ARRAY[]::text[] AS index_attributes, ARRAY[]::text[] AS index_values, \
         ARRAY[]::text[] AS unique_attributes, ARRAY[]::text[] AS unique_values"
        )
    };
}

const FIND_USERS_BY_INDEX: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM user_index m \
     JOIN users u ON u.pool_id = m.pool_id AND u.username_key = m.username_key \
     WHERE m.pool_id = $1 AND m.attribute = $2 AND m.value = $3 ORDER BY m.username_key"
);

const LIST_USERS_IN_GROUP: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM group_members m JOIN users u ON u.pool_id = m.pool_id AND u.username_key = m.username_key \
     WHERE m.pool_id = $1 AND m.group_name = $2 ORDER BY m.username_key LIMIT $3"
);

const LIST_USERS_IN_GROUP_AFTER: &str = concat!(
    "SELECT ",
    user_columns!(),
    " FROM group_members m JOIN users u ON u.pool_id = m.pool_id AND u.username_key = m.username_key \
     WHERE m.pool_id = $1 AND m.group_name = $2 AND m.username_key > $3 ORDER BY m.username_key LIMIT $4"
);

const LIST_GROUPS_FOR_USER: &str = "SELECT g.pool_id, g.name, g.description, g.precedence, g.role_arn, \
     g.created_ms, g.updated_ms FROM group_members m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
     WHERE m.pool_id = $1 AND m.username_key = $2 ORDER BY m.group_name LIMIT $3";

const LIST_GROUPS_FOR_USER_AFTER: &str = "SELECT g.pool_id, g.name, g.description, g.precedence, g.role_arn, \
     g.created_ms, g.updated_ms FROM group_members m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
     WHERE m.pool_id = $1 AND m.username_key = $2 AND m.group_name > $3 ORDER BY m.group_name LIMIT $4";

fn user_row(row: &PgRow) -> Result<UserRow> {
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
        index: pairs(row, "index_attributes", "index_values")?,
        unique: pairs(row, "unique_attributes", "unique_values")?,
    })
}

fn user_rows(rows: Vec<PgRow>) -> Result<Vec<UserRow>> {
    rows.iter().map(user_row).collect()
}

/// Zips an attributes array with its values array into sorted pairs.
fn pairs(row: &PgRow, attributes: &str, values: &str) -> Result<Vec<(String, String)>> {
    let attributes: Vec<String> = row.try_get(attributes).map_err(db_error)?;
    let values: Vec<String> = row.try_get(values).map_err(db_error)?;
    if attributes.len() != values.len() {
        return Err(StoreError::Other(anyhow::anyhow!("{} attributes but {} values", attributes.len(), values.len())));
    }
    let mut pairs: Vec<_> = attributes.into_iter().zip(values).collect();
    pairs.sort();
    Ok(pairs)
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
async fn insert_sets(tx: &mut Transaction<'_, Postgres>, user: &UserRow) -> Result<()> {
    for (attribute, value) in distinct(&user.index) {
        sqlx::query("INSERT INTO user_index (pool_id, attribute, value, username_key) VALUES ($1, $2, $3, $4)")
            .bind(&user.pool_id)
            .bind(attribute)
            .bind(value)
            .bind(&user.username_key)
            .execute(&mut **tx)
            .await
            .map_err(db_error)?;
    }
    for (attribute, value) in distinct(&user.unique) {
        sqlx::query("INSERT INTO user_unique (pool_id, attribute, value, username_key) VALUES ($1, $2, $3, $4)")
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
/// (which is the byte order of UTF-8 and so the "C" collation of the key columns), or `None` when
/// there is none (an empty prefix, or one of only U+10FFFF).
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
/// `value`, both seekable on the primary key) and then looks up the page's users. When the
/// statistics say most of the pool matches, the planner may instead walk `user_index_by_user` in
/// username order, checking attribute and value inside the index, and stop once the page is full:
/// cheaper than sorting every match, and still no table scan.
fn push_list_users<'a>(
    qb: &mut QueryBuilder<'a, Postgres>,
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
        " FROM (SELECT DISTINCT m.username_key FROM user_index m \
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
    qb.push(" ORDER BY m.username_key LIMIT ")
        .push_bind(i64::from(limit))
        .push(") p JOIN users u ON u.pool_id = ")
        .push_bind(pool_id)
        .push(" AND u.username_key = p.username_key ORDER BY u.username_key");
}

type GroupTuple = (String, String, Option<String>, Option<i32>, Option<String>, i64, i64);

fn group_row(t: GroupTuple) -> GroupRow {
    let (pool_id, name, description, precedence, role_arn, created_ms, updated_ms) = t;
    GroupRow { pool_id, name, description, precedence, role_arn, created_ms, updated_ms }
}

#[async_trait]
impl UserStore for PgStore {
    async fn create_user(&self, user: &UserRow) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        // A missing pool fails the foreign key, which `db_error` maps to NotFound.
        sqlx::query(
            "INSERT INTO users (pool_id, username_key, username, sub, status, is_enabled, password_hash, \
             created_ms, updated_ms, tokens_valid_after_ms, document) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
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
            " FROM users u WHERE u.pool_id = $1 AND u.username_key = $2"
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
            ", EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.origin_jti = $1 AND r.revoked_ms IS NOT NULL) AS revoked",
            " FROM users u WHERE u.pool_id = $2 AND u.username_key = $3"
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
            "UPDATE users SET username = $1, sub = $2, status = $3, is_enabled = $4, password_hash = $5, \
             updated_ms = $6, tokens_valid_after_ms = $7, document = $8 \
             WHERE pool_id = $9 AND username_key = $10",
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
            "DELETE FROM user_index WHERE pool_id = $1 AND username_key = $2",
            "DELETE FROM user_unique WHERE pool_id = $1 AND username_key = $2",
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
        sqlx::query("DELETE FROM users WHERE pool_id = $1 AND username_key = $2")
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
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE pool_id = $1")
            .bind(pool_id)
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(u64::try_from(count).unwrap_or_default())
    }
}

#[async_trait]
impl GroupStore for PgStore {
    async fn create_group(&self, group: &GroupRow) -> Result<()> {
        // A missing pool fails the foreign key, which `db_error` maps to NotFound.
        sqlx::query(
            "INSERT INTO groups (pool_id, name, description, precedence, role_arn, created_ms, updated_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
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
             FROM groups WHERE pool_id = $1 AND name = $2",
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
            "UPDATE groups SET description = $1, precedence = $2, role_arn = $3, updated_ms = $4 \
             WHERE pool_id = $5 AND name = $6",
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
        sqlx::query("DELETE FROM groups WHERE pool_id = $1 AND name = $2")
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
                 FROM groups WHERE pool_id = $1 AND name > $2 ORDER BY name LIMIT $3",
            )
            .bind(pool_id)
            .bind(after),
            None => sqlx::query_as::<_, GroupTuple>(
                "SELECT pool_id, name, description, precedence, role_arn, created_ms, updated_ms \
                 FROM groups WHERE pool_id = $1 ORDER BY name LIMIT $2",
            )
            .bind(pool_id),
        };
        let rows = query.bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(db_error)?;
        Ok(rows.into_iter().map(group_row).collect())
    }

    async fn add_user_to_group(&self, pool_id: &str, group: &str, username_key: &str) -> Result<()> {
        // A missing user or group fails a foreign key, which `db_error` maps to NotFound.
        sqlx::query(
            "INSERT INTO group_members (pool_id, group_name, username_key) VALUES ($1, $2, $3) \
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
            sqlx::query("DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 AND username_key = $3")
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
            "SELECT EXISTS (SELECT 1 FROM groups WHERE pool_id = $1 AND name = $2) \
             AND EXISTS (SELECT 1 FROM users WHERE pool_id = $3 AND username_key = $4)",
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
}

/// EXPLAIN of the lookups that must use an index, on a pool of 5,000 analyzed users and with
/// sequential scans disabled (on tables this small the planner may rightly prefer one, so the
/// question is whether an index can serve each query): nothing scans a table, filtered ListUsers
/// queries find their `user_index` entries by attribute and value inside an index and then look
/// up only those users, and selective filters seek the entries on the primary key. Needs
/// `COGNATE_TEST_POSTGRES_URL` (see `test_base_url`).
#[cfg(test)]
mod plans {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::tokens::{DELETE_EXPIRED_REFRESH_TOKENS, IS_ORIGIN_REVOKED, REVOKE_ORIGIN, REVOKE_USER_TOKENS};
    use sqlx::PgConnection;
    use sqlx::pool::PoolConnection;

    /// A connection to a fresh store whose pool `pool` has 5,000 users, each with a unique
    /// `email` pair and the same `status` pair, in one of ten groups, with a refresh token; with
    /// statistics, and sequential scans off.
    async fn populated() -> Option<PoolConnection<Postgres>> {
        let base = crate::test_base_url("query plans")?;
        let store = PgStore::connect(&crate::prepare_test_database(&base).await.unwrap()).await.unwrap();
        sqlx::raw_sql(
            "INSERT INTO user_pools (id, name, created_ms, updated_ms, document) VALUES ('pool', 'p', 0, 0, '{}'); \
             INSERT INTO users SELECT 'pool', 'user' || lpad(i::text, 6, '0'), 'u', 's', 'CONFIRMED', true, NULL, \
             0, 0, 0, '{}' FROM generate_series(1, 5000) i; \
             INSERT INTO user_index SELECT pool_id, 'email', username_key || '@example.com', username_key FROM users; \
             INSERT INTO user_index SELECT pool_id, 'status', 'CONFIRMED', username_key FROM users; \
             INSERT INTO user_unique SELECT pool_id, 'email', username_key || '@example.com', username_key FROM users; \
             INSERT INTO groups SELECT 'pool', 'g' || i, NULL, NULL, NULL, 0, 0 FROM generate_series(0, 9) i; \
             INSERT INTO group_members SELECT pool_id, 'g' || right(username_key, 1), username_key FROM users; \
             INSERT INTO refresh_tokens SELECT md5(username_key), pool_id, 'c', username_key, username_key, 0, \
             4000000000000, NULL, NULL FROM users; \
             ANALYZE user_pools, users, user_index, user_unique, groups, group_members, refresh_tokens, devices;",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        let mut conn = store.pool.acquire().await.unwrap();
        sqlx::raw_sql("SET enable_seqscan = off").execute(&mut *conn).await.unwrap();
        Some(conn)
    }

    async fn explain(mut qb: QueryBuilder<'_, Postgres>, conn: &mut PgConnection) -> String {
        let rows = qb.build().fetch_all(conn).await.unwrap();
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
        let Some(mut conn) = populated().await else { return };
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
            let mut qb = QueryBuilder::new("EXPLAIN ");
            push_list_users(&mut qb, "pool", None, after, 60);
            let plan = explain(qb, &mut conn).await;
            assert_no_seq_scan("unfiltered list_users", &plan);
            assert!(scan_of(&plan, "users u").0.contains("Index Scan using users_pkey"), "unfiltered:\n{plan}");

            for (filter, selective) in &cases {
                let what = format!("list_users {filter:?} after {after:?}");
                let mut qb = QueryBuilder::new("EXPLAIN ");
                push_list_users(&mut qb, "pool", Some(filter), after, 60);
                let plan = explain(qb, &mut conn).await;
                assert_no_seq_scan(&what, &plan);
                // The entries are found inside an index by attribute and value, never by reading
                // users; a selective filter seeks them on the primary key. (A filter most users
                // match may instead walk `user_index_by_user` in username order and stop when the
                // page is full, which the planner rightly finds cheaper than sorting every match.)
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
        let Some(mut conn) = populated().await else { return };
        enum Arg {
            T(&'static str),
            I(i64),
        }
        use Arg::{I, T};
        let cases: [(&str, &[Arg], &str, &str); 9] = [
            (
                FIND_USERS_BY_INDEX,
                &[T("pool"), T("email"), T("user000001@example.com")],
                "user_index m",
                "user_index_pkey",
            ),
            (LIST_USERS_IN_GROUP, &[T("pool"), T("g1"), I(60)], "group_members m", "group_members_pkey"),
            (
                LIST_USERS_IN_GROUP_AFTER,
                &[T("pool"), T("g1"), T("user000100"), I(60)],
                "group_members m",
                "group_members_pkey",
            ),
            (LIST_GROUPS_FOR_USER, &[T("pool"), T("user000001"), I(60)], "group_members m", "group_members_by_user"),
            (
                LIST_GROUPS_FOR_USER_AFTER,
                &[T("pool"), T("user000001"), T("a"), I(60)],
                "group_members m",
                "group_members_by_user",
            ),
            (IS_ORIGIN_REVOKED, &[T("user000001")], "refresh_tokens", "refresh_tokens_by_origin"),
            (REVOKE_ORIGIN, &[I(1), T("user000001")], "refresh_tokens", "refresh_tokens_by_origin"),
            (REVOKE_USER_TOKENS, &[I(1), T("pool"), T("user000001")], "refresh_tokens", "refresh_tokens_by_user"),
            (DELETE_EXPIRED_REFRESH_TOKENS, &[I(1_000)], "refresh_tokens", "refresh_tokens_by_expiry"),
        ];
        for (sql, args, table, index) in cases {
            let text = format!("EXPLAIN {sql}");
            let mut query = sqlx::query_scalar::<_, String>(&text);
            for arg in args {
                query = match arg {
                    T(text) => query.bind(*text),
                    I(number) => query.bind(*number),
                };
            }
            let plan = query.fetch_all(&mut *conn).await.unwrap().join("\n");
            assert_no_seq_scan(sql, &plan);
            let line =
                plan.lines().find(|l| l.contains("Scan") && l.contains(&format!(" on {table}"))).unwrap_or_default();
            assert!(line.contains(&format!("using {index} on {table}")), "{sql}: expected {index} in\n{plan}");
        }
    }
}
