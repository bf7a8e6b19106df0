//! `UserStore` and `GroupStore`: users with their index and unique sets (written in one
//! transaction with the user, each update a compare-and-swap on the user's `version`), ListUsers
//! filters as ranges over `user_index`'s (pool, attribute, value) key, groups and memberships.
//!
//! A user's index and unique sets are read in the same statement as the user, each as a
//! comma-separated list of `hex(attribute):hex(value)` pairs (unambiguous whatever the values
//! hold), and come back sorted and without duplicates.

use crate::{Arg, Backend, Dialect, SqlRow, SqlStore, Step, StepError, args, count};
use async_trait::async_trait;
use cognate_store::{GroupRow, GroupStore, Result, StoreError, UserFilter, UserRow, UserStore};

/// The user columns of a query over `users u`, in the order `user_row` reads them, up to the
/// index and unique pairs.
macro_rules! user_columns {
    () => {
        "u.pool_id, u.username_key, u.username, u.sub, u.status, u.is_enabled, u.password_hash, \
         u.created_ms, u.updated_ms, u.tokens_valid_after_ms, u.version, u.document"
    };
}

/// The `GroupRow` columns of a query over `groups g`, in the order `group_row` reads them.
macro_rules! group_columns {
    () => {
        "g.pool_id, g.name, g.description, g.precedence, g.role_arn, g.created_ms, g.updated_ms"
    };
}

const GET_USER_FOR_TOKEN: &str = concat!(
    "SELECT ",
    user_columns!(),
    ", NULL AS index_pairs, NULL AS unique_pairs, \
     EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.origin_jti = $1 AND r.revoked_ms IS NOT NULL) AS revoked \
     FROM users u WHERE u.pool_id = $2 AND u.username_key = $3"
);
const INSERT_USER: &str = "INSERT INTO users (pool_id, username_key, username, sub, status, is_enabled, \
     password_hash, created_ms, updated_ms, tokens_valid_after_ms, version, document) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
/// Writes only over the version the caller read, and moves it on.
const UPDATE_USER: &str = "UPDATE users SET username = $1, sub = $2, status = $3, is_enabled = $4, \
     password_hash = $5, updated_ms = $6, tokens_valid_after_ms = $7, document = $8, version = version + 1 \
     WHERE pool_id = $9 AND username_key = $10 AND version = $11";
const USER_VERSION: &str = "SELECT version FROM users WHERE pool_id = $1 AND username_key = $2";
const INSERT_INDEX: &str = "INSERT INTO user_index (pool_id, attribute, value, username_key) VALUES ($1, $2, $3, $4)";
const INSERT_UNIQUE: &str = "INSERT INTO user_unique (pool_id, attribute, value, username_key) VALUES ($1, $2, $3, $4)";
const DELETE_INDEX: &str = "DELETE FROM user_index WHERE pool_id = $1 AND username_key = $2";
const DELETE_UNIQUE: &str = "DELETE FROM user_unique WHERE pool_id = $1 AND username_key = $2";

pub const LIST_GROUPS_FOR_USER: &str = concat!(
    "SELECT ",
    group_columns!(),
    " FROM group_members m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
     WHERE m.pool_id = $1 AND m.username_key = $2 ORDER BY m.group_name LIMIT $3"
);
pub const LIST_GROUPS_FOR_USER_AFTER: &str = concat!(
    "SELECT ",
    group_columns!(),
    " FROM group_members m JOIN groups g ON g.pool_id = m.pool_id AND g.name = m.group_name \
     WHERE m.pool_id = $1 AND m.username_key = $2 AND m.group_name > $3 ORDER BY m.group_name LIMIT $4"
);

/// The statements whose text depends on the dialect, made once per store.
#[derive(Clone, Debug)]
pub struct Queries {
    /// `user_columns!` and the index and unique pairs of `u`.
    user_columns: String,
    by_value_hint: &'static str,
    pub get_user: String,
    pub find_users_by_index: String,
    pub list_users_in_group: String,
    pub list_users_in_group_after: String,
}

impl Queries {
    pub fn new(dialect: &Dialect) -> Queries {
        let pairs = |table: &str| {
            format!(
                "(SELECT {agg}({pair}, ',') FROM {table} x \
                 WHERE x.pool_id = u.pool_id AND x.username_key = u.username_key)",
                agg = dialect.string_agg,
                pair = dialect.hex_pair,
            )
        };
        let user_columns = format!(
            "{}, {} AS index_pairs, {} AS unique_pairs",
            user_columns!(),
            pairs("user_index"),
            pairs("user_unique")
        );
        let members = "FROM group_members m JOIN users u ON u.pool_id = m.pool_id AND u.username_key = m.username_key \
                       WHERE m.pool_id = $1 AND m.group_name = $2";
        Queries {
            get_user: format!("SELECT {user_columns} FROM users u WHERE u.pool_id = $1 AND u.username_key = $2"),
            find_users_by_index: format!(
                "SELECT {user_columns} FROM user_index m{hint} \
                 JOIN users u ON u.pool_id = m.pool_id AND u.username_key = m.username_key \
                 WHERE m.pool_id = $1 AND m.attribute = $2 AND m.value = $3 ORDER BY m.username_key",
                hint = dialect.by_value_hint
            ),
            list_users_in_group: format!("SELECT {user_columns} {members} ORDER BY m.username_key LIMIT $3"),
            list_users_in_group_after: format!(
                "SELECT {user_columns} {members} AND m.username_key > $3 ORDER BY m.username_key LIMIT $4"
            ),
            user_columns,
            by_value_hint: dialect.by_value_hint,
        }
    }
}

fn user_row(r: &impl SqlRow) -> Result<UserRow> {
    Ok(UserRow {
        pool_id: r.text(0)?,
        username_key: r.text(1)?,
        username: r.text(2)?,
        sub: r.text(3)?,
        status: r.text(4)?,
        is_enabled: r.boolean(5)?,
        password_hash: r.opt_text(6)?,
        created_ms: r.int(7)?,
        updated_ms: r.int(8)?,
        tokens_valid_after_ms: r.int(9)?,
        version: r.int(10)?,
        document: r.text(11)?,
        index: decode_pairs(r.opt_text(12)?)?,
        unique: decode_pairs(r.opt_text(13)?)?,
    })
}

fn group_row(r: &impl SqlRow) -> Result<GroupRow> {
    let precedence = r.opt_int(3)?.map(i32::try_from).transpose().map_err(|e| StoreError::Other(e.into()))?;
    Ok(GroupRow {
        pool_id: r.text(0)?,
        name: r.text(1)?,
        description: r.opt_text(2)?,
        precedence,
        role_arn: r.opt_text(4)?,
        created_ms: r.int(5)?,
        updated_ms: r.int(6)?,
    })
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

/// The steps that write the user's index and unique sets, and for each step the attribute of a
/// unique pair it writes (`None` for index pairs).
fn set_steps(user: &UserRow) -> (Vec<Step<'_>>, Vec<Option<&str>>) {
    let (mut steps, mut uniques) = (Vec::new(), Vec::new());
    for (attribute, value) in distinct(&user.index) {
        steps.push(Step::new(INSERT_INDEX, args![&user.pool_id, attribute, value, &user.username_key]));
        uniques.push(None);
    }
    for (attribute, value) in distinct(&user.unique) {
        steps.push(Step::new(INSERT_UNIQUE, args![&user.pool_id, attribute, value, &user.username_key]));
        uniques.push(Some(attribute.as_str()));
    }
    (steps, uniques)
}

/// A unique violation at a unique-pair step is `Conflict(<attribute>)`.
fn set_conflict(e: StepError, first_set_step: usize, uniques: &[Option<&str>]) -> StoreError {
    let attribute = e.step.checked_sub(first_set_step).and_then(|i| uniques.get(i).copied().flatten());
    match (e.error, attribute) {
        (StoreError::Conflict(_), Some(attribute)) => StoreError::Conflict(attribute.to_owned()),
        (error, _) => error,
    }
}

/// The least string greater than every string that starts with `prefix` in code point order
/// (which is the byte order of UTF-8, so of SQLite's BINARY collation and PostgreSQL's "C" collation of the key
/// columns), or `None` when there is
/// none (an empty prefix, or one of only U+10FFFF).
pub fn prefix_upper_bound(prefix: &str) -> Option<String> {
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

/// A statement being built: text with `$N` placeholders numbered as arguments are bound.
struct Sql<'a> {
    text: String,
    args: Vec<Arg<'a>>,
}

impl<'a> Sql<'a> {
    fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    fn bind(&mut self, arg: impl Into<Arg<'a>>) -> &mut Self {
        self.args.push(arg.into());
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }
}

/// The ListUsers statement and its arguments. Unfiltered, it pages over `users` by primary key;
/// with a filter it pages over the matching `user_index` entries (`=` an equality, `^=` a range
/// on `value`, both on the key `user_index_by_value`) and then looks up the page's users.
/// `upper` is `prefix_upper_bound` of a `StartsWith` filter's prefix.
pub fn list_users<'a>(
    queries: &Queries,
    pool_id: &'a str,
    filter: Option<&'a UserFilter>,
    upper: Option<&'a str>,
    after: Option<&'a str>,
    limit: u32,
) -> (String, Vec<Arg<'a>>) {
    let mut q = Sql { text: String::new(), args: Vec::new() };
    let Some(filter) = filter else {
        q.push("SELECT ").push(&queries.user_columns).push(" FROM users u WHERE u.pool_id = ").bind(pool_id);
        if let Some(after) = after {
            q.push(" AND u.username_key > ").bind(after);
        }
        q.push(" ORDER BY u.username_key LIMIT ").bind(limit);
        return (q.text, q.args);
    };
    q.push("SELECT ")
        .push(&queries.user_columns)
        .push(" FROM (SELECT DISTINCT m.username_key FROM user_index m")
        .push(queries.by_value_hint)
        .push(" WHERE m.pool_id = ")
        .bind(pool_id);
    match filter {
        UserFilter::Equals { attribute, value } => {
            q.push(" AND m.attribute = ").bind(attribute.as_str()).push(" AND m.value = ").bind(value.as_str());
        }
        UserFilter::StartsWith { attribute, prefix } => {
            q.push(" AND m.attribute = ").bind(attribute.as_str()).push(" AND m.value >= ").bind(prefix.as_str());
            if let Some(upper) = upper {
                q.push(" AND m.value < ").bind(upper);
            }
        }
    }
    if let Some(after) = after {
        q.push(" AND m.username_key > ").bind(after);
    }
    // CROSS JOIN makes SQLite loop over the page, not over the pool's users.
    q.push(" ORDER BY m.username_key LIMIT ")
        .bind(limit)
        .push(") p CROSS JOIN users u WHERE u.pool_id = ")
        .bind(pool_id)
        .push(" AND u.username_key = p.username_key ORDER BY u.username_key");
    (q.text, q.args)
}

#[async_trait]
impl<B: Backend> UserStore for SqlStore<B> {
    async fn create_user(&self, user: &UserRow) -> Result<()> {
        // A missing pool fails the foreign key, which backends map to NotFound.
        let u = user;
        let insert = Step::new(
            INSERT_USER,
            args![
                &u.pool_id,
                &u.username_key,
                &u.username,
                &u.sub,
                &u.status,
                u.is_enabled,
                &u.password_hash,
                u.created_ms,
                u.updated_ms,
                u.tokens_valid_after_ms,
                u.version,
                &u.document
            ],
        );
        let (sets, uniques) = set_steps(user);
        let steps: Vec<Step<'_>> = std::iter::once(insert).chain(sets).collect();
        match self.backend.transaction(&steps).await {
            Ok(()) => Ok(()),
            Err(StepError { step: 0, error: StoreError::Conflict(_) }) => Err(StoreError::Conflict("username".into())),
            Err(e) => Err(set_conflict(e, 1, &uniques)),
        }
    }

    async fn get_user(&self, pool_id: &str, username_key: &str) -> Result<UserRow> {
        self.one(&self.queries.get_user, &args![pool_id, username_key], user_row).await?.ok_or(StoreError::NotFound)
    }

    async fn get_user_for_token(&self, pool_id: &str, username_key: &str, origin_jti: &str) -> Result<(UserRow, bool)> {
        let read = |r: &B::Row| -> Result<(UserRow, bool)> { Ok((user_row(r)?, r.boolean(14)?)) };
        let row = self.backend.fetch_optional(GET_USER_FOR_TOKEN, &args![origin_jti, pool_id, username_key]).await?;
        row.as_ref().map(read).transpose()?.ok_or(StoreError::NotFound)
    }

    async fn find_users_by_index(&self, pool_id: &str, attribute: &str, value: &str) -> Result<Vec<UserRow>> {
        self.all(&self.queries.find_users_by_index, &args![pool_id, attribute, value], user_row).await
    }

    async fn update_user(&self, user: &UserRow) -> Result<()> {
        let u = user;
        let update = Step::new(
            UPDATE_USER,
            args![
                &u.username,
                &u.sub,
                &u.status,
                u.is_enabled,
                &u.password_hash,
                u.updated_ms,
                u.tokens_valid_after_ms,
                &u.document,
                &u.pool_id,
                &u.username_key,
                u.version
            ],
        )
        .must_change();
        let keys = args![&u.pool_id, &u.username_key];
        let (sets, uniques) = set_steps(user);
        let steps: Vec<Step<'_>> =
            [update, Step::new(DELETE_INDEX, keys), Step::new(DELETE_UNIQUE, keys)].into_iter().chain(sets).collect();
        match self.backend.transaction(&steps).await {
            Ok(()) => Ok(()),
            // No row at the version read: gone, or written by someone else since.
            Err(StepError { step: 0, error: StoreError::NotFound }) => {
                match self.one(USER_VERSION, &keys, |r| r.int(0)).await? {
                    Some(_) => Err(StoreError::Stale),
                    None => Err(StoreError::NotFound),
                }
            }
            Err(e) => Err(set_conflict(e, 3, &uniques)),
        }
    }

    async fn delete_user(&self, pool_id: &str, username_key: &str) -> Result<()> {
        // Index and unique pairs, memberships, refresh tokens, codes and devices go through ON
        // DELETE CASCADE.
        self.change("DELETE FROM users WHERE pool_id = $1 AND username_key = $2", &args![pool_id, username_key]).await
    }

    async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UserRow>> {
        let upper = match filter {
            Some(UserFilter::StartsWith { prefix, .. }) => prefix_upper_bound(prefix),
            _ => None,
        };
        let (sql, args) = list_users(&self.queries, pool_id, filter, upper.as_deref(), after, limit);
        self.all(&sql, &args, user_row).await
    }

    async fn count_users(&self, pool_id: &str) -> Result<u64> {
        let n = self.one("SELECT COUNT(*) FROM users WHERE pool_id = $1", &args![pool_id], |r| r.int(0)).await?;
        Ok(count(n.unwrap_or_default()))
    }
}

#[async_trait]
impl<B: Backend> GroupStore for SqlStore<B> {
    async fn create_group(&self, group: &GroupRow) -> Result<()> {
        // A missing pool fails the foreign key, which backends map to NotFound.
        const SQL: &str = "INSERT INTO groups (pool_id, name, description, precedence, role_arn, created_ms, \
             updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let g = group;
        let args = args![&g.pool_id, &g.name, &g.description, g.precedence, &g.role_arn, g.created_ms, g.updated_ms];
        self.backend.execute(SQL, &args).await.map(drop)
    }

    async fn get_group(&self, pool_id: &str, name: &str) -> Result<GroupRow> {
        const SQL: &str = concat!("SELECT ", group_columns!(), " FROM groups g WHERE g.pool_id = $1 AND g.name = $2");
        self.one(SQL, &args![pool_id, name], group_row).await?.ok_or(StoreError::NotFound)
    }

    async fn update_group(&self, group: &GroupRow) -> Result<()> {
        const SQL: &str = "UPDATE groups SET description = $1, precedence = $2, role_arn = $3, updated_ms = $4 \
             WHERE pool_id = $5 AND name = $6";
        let g = group;
        self.change(SQL, &args![&g.description, g.precedence, &g.role_arn, g.updated_ms, &g.pool_id, &g.name]).await
    }

    async fn delete_group(&self, pool_id: &str, name: &str) -> Result<()> {
        // Memberships go through ON DELETE CASCADE.
        self.change("DELETE FROM groups WHERE pool_id = $1 AND name = $2", &args![pool_id, name]).await
    }

    async fn list_groups(&self, pool_id: &str, after: Option<&str>, limit: u32) -> Result<Vec<GroupRow>> {
        match after {
            Some(after) => {
                const SQL: &str = concat!(
                    "SELECT ",
                    group_columns!(),
                    " FROM groups g WHERE g.pool_id = $1 AND g.name > $2 ORDER BY g.name LIMIT $3"
                );
                self.all(SQL, &args![pool_id, after, limit], group_row).await
            }
            None => {
                const SQL: &str = concat!(
                    "SELECT ",
                    group_columns!(),
                    " FROM groups g WHERE g.pool_id = $1 ORDER BY g.name LIMIT $2"
                );
                self.all(SQL, &args![pool_id, limit], group_row).await
            }
        }
    }

    async fn add_user_to_group(&self, pool_id: &str, group: &str, username_key: &str) -> Result<()> {
        // A missing user or group fails a foreign key, which backends map to NotFound.
        const SQL: &str =
            "INSERT INTO group_members (pool_id, group_name, username_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
        self.backend.execute(SQL, &args![pool_id, group, username_key]).await.map(drop)
    }

    async fn remove_user_from_group(&self, pool_id: &str, group: &str, username_key: &str) -> Result<()> {
        const DELETE: &str = "DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 AND username_key = $3";
        if self.backend.execute(DELETE, &args![pool_id, group, username_key]).await? > 0 {
            return Ok(());
        }
        // Not a member: fine if both exist.
        const BOTH_EXIST: &str = "SELECT EXISTS (SELECT 1 FROM groups WHERE pool_id = $1 AND name = $2) \
             AND EXISTS (SELECT 1 FROM users WHERE pool_id = $1 AND username_key = $3)";
        let both = self.one(BOTH_EXIST, &args![pool_id, group, username_key], |r| r.boolean(0)).await?;
        if both == Some(true) { Ok(()) } else { Err(StoreError::NotFound) }
    }

    async fn list_groups_for_user(
        &self,
        pool_id: &str,
        username_key: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<GroupRow>> {
        match after {
            Some(after) => {
                self.all(LIST_GROUPS_FOR_USER_AFTER, &args![pool_id, username_key, after, limit], group_row).await
            }
            None => self.all(LIST_GROUPS_FOR_USER, &args![pool_id, username_key, limit], group_row).await,
        }
    }

    async fn list_users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UserRow>> {
        let q = &self.queries;
        match after {
            Some(after) => self.all(&q.list_users_in_group_after, &args![pool_id, group, after, limit], user_row).await,
            None => self.all(&q.list_users_in_group, &args![pool_id, group, limit], user_row).await,
        }
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
