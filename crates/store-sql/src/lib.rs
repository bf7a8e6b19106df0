//! The SQL store: every query and every row mapping of `cognate-store`'s traits, written once for
//! both backends. `SqlStore<B>` implements `Store` over a small [`Backend`] that runs a statement
//! with its arguments, runs a list of statements in one transaction, and reads columns of a row;
//! the backend crates (`cognate-store-sqlite`, `cognate-store-postgres`) supply that, connection
//! set-up, migrations (one tree each) and the mapping of driver errors onto `StoreError`, and the
//! few dialect fragments in [`Dialect`].
//!
//! Statements use `$N` placeholders, which both PostgreSQL and sqlx's SQLite driver read by
//! number. The backend interface is value-level (`Arg`, `SqlRow`) rather than generic over
//! `sqlx::Database` so that the shared code needs no driver at all and a backend may run its
//! driver however it likes (for SQLite, on threads of its own).
//!
//! Adding an aggregate means writing its SQL once, here, and a migration in each backend.

use async_trait::async_trait;
use cognate_store::{
    AccessKeyRow, AccessKeyStore, ClientRow, ClientStore, Result, SigningKeyRow, Store, StoreError, UserPoolRow,
    UserPoolStore,
};

mod brandings;
mod devices;
mod domains;
mod entities;
mod migrate;
mod resource_servers;
mod tokens;
mod users;

pub use devices::{DELETE_DEVICE, FIND_DEVICE, LIST_DEVICES, LIST_DEVICES_AFTER};
pub use tokens::{DELETE_EXPIRED_REFRESH_TOKENS, IS_ORIGIN_REVOKED, REVOKE_ORIGIN, REVOKE_USER_TOKENS};
pub use users::{LIST_GROUPS_FOR_USER, LIST_GROUPS_FOR_USER_AFTER, Queries, list_users, prefix_upper_bound};

/// A bound parameter. `None` binds a typed NULL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
    Bool(bool),
    Bytes(&'a [u8]),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(Some(v))
    }
}
impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(Some(v))
    }
}
impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Arg::Text(v.as_deref())
    }
}
impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Arg::Text(v)
    }
}
impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl From<u32> for Arg<'_> {
    fn from(v: u32) -> Self {
        Arg::Int(Some(i64::from(v)))
    }
}
impl From<Option<i32>> for Arg<'_> {
    fn from(v: Option<i32>) -> Self {
        Arg::Int(v.map(i64::from))
    }
}
impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}
impl<'a> From<&'a [u8]> for Arg<'a> {
    fn from(v: &'a [u8]) -> Self {
        Arg::Bytes(v)
    }
}

/// `args![a, b, c]`: the arguments of a statement, in placeholder order.
#[macro_export]
macro_rules! args {
    ($($arg:expr),* $(,)?) => { [$($crate::Arg::from($arg)),*] };
}

/// Reads the columns of a result row by position. A column of another type, or NULL where a
/// value is required, is an error.
pub trait SqlRow: Send {
    fn text(&self, i: usize) -> Result<String>;
    fn opt_text(&self, i: usize) -> Result<Option<String>>;
    fn int(&self, i: usize) -> Result<i64>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>>;
    /// A boolean column or expression (SQLite's are integers).
    fn boolean(&self, i: usize) -> Result<bool>;
    fn bytes(&self, i: usize) -> Result<Vec<u8>>;
}

/// One statement of a transaction.
#[derive(Debug)]
pub struct Step<'a> {
    pub sql: &'a str,
    pub args: Vec<Arg<'a>>,
    /// The transaction fails (with `NotFound` at this step) if the statement changes no row.
    pub must_change: bool,
}

impl<'a> Step<'a> {
    pub fn new(sql: &'a str, args: impl Into<Vec<Arg<'a>>>) -> Step<'a> {
        Step { sql, args: args.into(), must_change: false }
    }

    pub fn must_change(mut self) -> Step<'a> {
        self.must_change = true;
        self
    }
}

/// A transaction that was rolled back: which step failed and why.
#[derive(Debug)]
pub struct StepError {
    pub step: usize,
    pub error: StoreError,
}

/// The SQL that differs between the backends.
#[derive(Clone, Copy, Debug)]
pub struct Dialect {
    /// An expression over the columns `attribute` and `value` of `x` that encodes one pair as
    /// `hex(attribute):hex(value)` (hex digits of the UTF-8 bytes, either case).
    pub hex_pair: &'static str,
    /// The aggregate that joins strings with a separator: `group_concat` or `string_agg`.
    pub string_agg: &'static str,
    /// What follows `FROM user_index m` where a query must search `user_index_by_value`
    /// (SQLite's `INDEXED BY`; nothing where the planner needs no hint).
    pub by_value_hint: &'static str,
}

/// What a backend does for the shared store.
#[async_trait]
pub trait Backend: Send + Sync + Sized + 'static {
    type Row: SqlRow;
    /// `"sqlite"` or `"postgres"`.
    const NAME: &'static str;
    const DIALECT: Dialect;

    /// Opens (and migrates) the database at `url`.
    async fn open(url: &str) -> Result<Self>;
    /// Runs one statement; the number of rows it changed.
    async fn execute(&self, sql: &str, args: &[Arg<'_>]) -> Result<u64>;
    async fn fetch_all(&self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Self::Row>>;
    async fn fetch_optional(&self, sql: &str, args: &[Arg<'_>]) -> Result<Option<Self::Row>>;
    /// Runs `steps` in order in one transaction, committed only if every step succeeds.
    async fn transaction(&self, steps: &[Step<'_>]) -> std::result::Result<(), StepError>;
    async fn ping(&self) -> Result<()>;
}

/// A `Store` over any `Backend`.
#[derive(Debug)]
pub struct SqlStore<B> {
    backend: B,
    queries: Queries,
}

impl<B: Backend> SqlStore<B> {
    pub fn new(backend: B) -> SqlStore<B> {
        SqlStore { backend, queries: Queries::new(&B::DIALECT) }
    }

    /// Opens (and migrates) the database at `url` with the backend `B`.
    pub async fn open(url: &str) -> Result<SqlStore<B>> {
        B::open(url).await.map(SqlStore::new)
    }

    pub fn backend_ref(&self) -> &B {
        &self.backend
    }

    /// The dialect-specific statements of this store.
    pub fn queries(&self) -> &Queries {
        &self.queries
    }

    async fn one<T>(&self, sql: &str, args: &[Arg<'_>], read: fn(&B::Row) -> Result<T>) -> Result<Option<T>> {
        self.backend.fetch_optional(sql, args).await?.as_ref().map(read).transpose()
    }

    async fn all<T>(&self, sql: &str, args: &[Arg<'_>], read: fn(&B::Row) -> Result<T>) -> Result<Vec<T>> {
        self.backend.fetch_all(sql, args).await?.iter().map(read).collect()
    }

    /// Runs a statement that must change a row: `NotFound` when it changed none.
    async fn change(&self, sql: &str, args: &[Arg<'_>]) -> Result<()> {
        match self.backend.execute(sql, args).await? {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }
}

/// A transaction's failure as the failing step's error.
fn step_error(e: StepError) -> StoreError {
    e.error
}

/// A count as the traits report it.
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

/// The `UserPoolRow` columns, in the order `pool_row` reads them.
macro_rules! pool_columns {
    () => {
        "id, name, created_ms, updated_ms, document"
    };
}

/// The `ClientRow` columns, in the order `client_row` reads them.
macro_rules! client_columns {
    () => {
        "pool_id, client_id, name, client_secret, created_ms, updated_ms, document"
    };
}

fn pool_row(r: &impl SqlRow) -> Result<UserPoolRow> {
    Ok(UserPoolRow {
        id: r.text(0)?,
        name: r.text(1)?,
        created_ms: r.int(2)?,
        updated_ms: r.int(3)?,
        document: r.text(4)?,
    })
}

fn key_row(r: &impl SqlRow) -> Result<SigningKeyRow> {
    Ok(SigningKeyRow { pool_id: r.text(0)?, kid: r.text(1)?, private_pem: r.text(2)?, created_ms: r.int(3)? })
}

fn client_row(r: &impl SqlRow) -> Result<ClientRow> {
    Ok(ClientRow {
        pool_id: r.text(0)?,
        client_id: r.text(1)?,
        name: r.text(2)?,
        client_secret: r.opt_text(3)?,
        created_ms: r.int(4)?,
        updated_ms: r.int(5)?,
        document: r.text(6)?,
    })
}

fn access_key_row(r: &impl SqlRow) -> Result<AccessKeyRow> {
    Ok(AccessKeyRow {
        access_key_id: r.text(0)?,
        secret_access_key: r.text(1)?,
        session_token_sha256: r.opt_text(2)?,
        expires_ms: r.opt_int(3)?,
        created_ms: r.int(4)?,
        description: r.text(5)?,
        principal: r.opt_text(6)?,
    })
}

#[async_trait]
impl<B: Backend> UserPoolStore for SqlStore<B> {
    async fn create_user_pool(&self, pool: &UserPoolRow, key: &SigningKeyRow) -> Result<()> {
        let steps = [
            Step::new(
                concat!("INSERT INTO user_pools (", pool_columns!(), ") VALUES ($1, $2, $3, $4, $5)"),
                args![&pool.id, &pool.name, pool.created_ms, pool.updated_ms, &pool.document],
            ),
            Step::new(
                "INSERT INTO signing_keys (pool_id, kid, private_pem, created_ms) VALUES ($1, $2, $3, $4)",
                args![&key.pool_id, &key.kid, &key.private_pem, key.created_ms],
            ),
        ];
        self.backend.transaction(&steps).await.map_err(step_error)
    }

    async fn get_user_pool(&self, id: &str) -> Result<UserPoolRow> {
        const SQL: &str = concat!("SELECT ", pool_columns!(), " FROM user_pools WHERE id = $1");
        self.one(SQL, &args![id], pool_row).await?.ok_or(StoreError::NotFound)
    }

    async fn update_user_pool(&self, pool: &UserPoolRow) -> Result<()> {
        const SQL: &str = "UPDATE user_pools SET name = $1, updated_ms = $2, document = $3 WHERE id = $4";
        self.change(SQL, &args![&pool.name, pool.updated_ms, &pool.document, &pool.id]).await
    }

    async fn delete_user_pool(&self, id: &str) -> Result<()> {
        // Clients, signing keys, users (with their attribute pairs, memberships, refresh tokens,
        // codes and devices) and groups go with it through ON DELETE CASCADE.
        self.change("DELETE FROM user_pools WHERE id = $1", &args![id]).await
    }

    async fn list_user_pools(&self, after: Option<&str>, limit: u32) -> Result<Vec<UserPoolRow>> {
        match after {
            Some(after) => {
                let sql = concat!("SELECT ", pool_columns!(), " FROM user_pools WHERE id > $1 ORDER BY id LIMIT $2");
                self.all(sql, &args![after, limit], pool_row).await
            }
            None => {
                let sql = concat!("SELECT ", pool_columns!(), " FROM user_pools ORDER BY id LIMIT $1");
                self.all(sql, &args![limit], pool_row).await
            }
        }
    }

    async fn list_signing_keys(&self, pool_id: &str) -> Result<Vec<SigningKeyRow>> {
        let sql = "SELECT pool_id, kid, private_pem, created_ms FROM signing_keys \
                   WHERE pool_id = $1 ORDER BY created_ms, kid";
        self.all(sql, &args![pool_id], key_row).await
    }
}

#[async_trait]
impl<B: Backend> ClientStore for SqlStore<B> {
    async fn create_client(&self, client: &ClientRow) -> Result<()> {
        // A missing pool fails the foreign key, which backends map to NotFound.
        let sql = concat!("INSERT INTO clients (", client_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7)");
        let c = client;
        let args = args![&c.pool_id, &c.client_id, &c.name, &c.client_secret, c.created_ms, c.updated_ms, &c.document];
        self.backend.execute(sql, &args).await.map(drop)
    }

    async fn get_client(&self, pool_id: &str, client_id: &str) -> Result<ClientRow> {
        let sql = concat!("SELECT ", client_columns!(), " FROM clients WHERE pool_id = $1 AND client_id = $2");
        self.one(sql, &args![pool_id, client_id], client_row).await?.ok_or(StoreError::NotFound)
    }

    async fn find_client(&self, client_id: &str) -> Result<Option<ClientRow>> {
        let sql = concat!("SELECT ", client_columns!(), " FROM clients WHERE client_id = $1");
        self.one(sql, &args![client_id], client_row).await
    }

    async fn update_client(&self, client: &ClientRow) -> Result<()> {
        let sql = "UPDATE clients SET name = $1, client_secret = $2, updated_ms = $3, document = $4 \
                   WHERE pool_id = $5 AND client_id = $6";
        let c = client;
        self.change(sql, &args![&c.name, &c.client_secret, c.updated_ms, &c.document, &c.pool_id, &c.client_id]).await
    }

    async fn delete_client(&self, pool_id: &str, client_id: &str) -> Result<()> {
        self.change("DELETE FROM clients WHERE pool_id = $1 AND client_id = $2", &args![pool_id, client_id]).await
    }

    async fn list_clients(&self, pool_id: &str, after: Option<&str>, limit: u32) -> Result<Vec<ClientRow>> {
        match after {
            Some(after) => {
                let sql = concat!(
                    "SELECT ",
                    client_columns!(),
                    " FROM clients WHERE pool_id = $1 AND client_id > $2 ORDER BY client_id LIMIT $3"
                );
                self.all(sql, &args![pool_id, after, limit], client_row).await
            }
            None => {
                let sql = concat!(
                    "SELECT ",
                    client_columns!(),
                    " FROM clients WHERE pool_id = $1 ORDER BY client_id LIMIT $2"
                );
                self.all(sql, &args![pool_id, limit], client_row).await
            }
        }
    }
}

#[async_trait]
impl<B: Backend> AccessKeyStore for SqlStore<B> {
    async fn create_access_key(&self, key: &AccessKeyRow) -> Result<()> {
        let sql = "INSERT INTO access_keys (access_key_id, secret_access_key, session_token_sha256, \
                   expires_ms, created_ms, description, principal) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let k = key;
        let args = args![
            &k.access_key_id,
            &k.secret_access_key,
            &k.session_token_sha256,
            k.expires_ms,
            k.created_ms,
            &k.description,
            &k.principal
        ];
        self.backend.execute(sql, &args).await.map(drop)
    }

    async fn find_access_key(&self, access_key_id: &str) -> Result<Option<AccessKeyRow>> {
        let sql = "SELECT access_key_id, secret_access_key, session_token_sha256, expires_ms, created_ms, \
                   description, principal FROM access_keys WHERE access_key_id = $1";
        self.one(sql, &args![access_key_id], access_key_row).await
    }

    async fn count_permanent_access_keys(&self) -> Result<u64> {
        let sql = "SELECT COUNT(*) FROM access_keys \
                   WHERE session_token_sha256 IS NULL AND expires_ms IS NULL AND principal IS NULL";
        let n = self.one(sql, &[], |r| r.int(0)).await?.unwrap_or_default();
        Ok(count(n))
    }

    async fn delete_access_key(&self, access_key_id: &str) -> Result<()> {
        self.change("DELETE FROM access_keys WHERE access_key_id = $1", &args![access_key_id]).await
    }

    async fn delete_expired_access_keys(&self, before_ms: i64) -> Result<u64> {
        let sql = "DELETE FROM access_keys WHERE expires_ms IS NOT NULL AND expires_ms < $1";
        self.backend.execute(sql, &args![before_ms]).await
    }
}

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    fn backend(&self) -> &'static str {
        B::NAME
    }

    async fn ping(&self) -> Result<()> {
        self.backend.ping().await
    }
}
