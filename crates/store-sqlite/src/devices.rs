//! `DeviceStore` for `SqliteStore`: a user's remembered devices, upserted whole, listed in device
//! key order over the primary key, and deleted with the user (or its pool) by the foreign key.

use crate::{SqliteStore, db_error};
use async_trait::async_trait;
use cognate_store::{DeviceRow, DeviceStore, Result};

/// The `DeviceRow` columns, in the order `device_row` reads them.
macro_rules! device_columns {
    () => {
        "pool_id, username_key, device_key, device_group_key, salt_hex, verifier_hex, created_ms, updated_ms, \
         last_authenticated_ms, document"
    };
}

const PUT_DEVICE: &str = concat!(
    "INSERT INTO devices (",
    device_columns!(),
    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
     ON CONFLICT (pool_id, username_key, device_key) DO UPDATE SET \
     device_group_key = excluded.device_group_key, salt_hex = excluded.salt_hex, \
     verifier_hex = excluded.verifier_hex, created_ms = excluded.created_ms, updated_ms = excluded.updated_ms, \
     last_authenticated_ms = excluded.last_authenticated_ms, document = excluded.document"
);
const FIND_DEVICE: &str =
    concat!("SELECT ", device_columns!(), " FROM devices WHERE pool_id = ? AND username_key = ? AND device_key = ?");
const LIST_DEVICES: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM devices WHERE pool_id = ? AND username_key = ? ORDER BY device_key LIMIT ?"
);
const LIST_DEVICES_AFTER: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM devices WHERE pool_id = ? AND username_key = ? AND device_key > ? ORDER BY device_key LIMIT ?"
);
const DELETE_DEVICE: &str = "DELETE FROM devices WHERE pool_id = ? AND username_key = ? AND device_key = ?";

type DeviceTuple = (String, String, String, String, Option<String>, Option<String>, i64, i64, i64, String);

fn device_row(t: DeviceTuple) -> DeviceRow {
    let (
        pool_id,
        username_key,
        device_key,
        device_group_key,
        salt_hex,
        verifier_hex,
        created_ms,
        updated_ms,
        last_authenticated_ms,
        document,
    ) = t;
    DeviceRow {
        pool_id,
        username_key,
        device_key,
        device_group_key,
        salt_hex,
        verifier_hex,
        created_ms,
        updated_ms,
        last_authenticated_ms,
        document,
    }
}

#[async_trait]
impl DeviceStore for SqliteStore {
    async fn put_device(&self, device: &DeviceRow) -> Result<()> {
        // A missing user fails the foreign key, which `db_error` maps to NotFound.
        sqlx::query(PUT_DEVICE)
            .bind(&device.pool_id)
            .bind(&device.username_key)
            .bind(&device.device_key)
            .bind(&device.device_group_key)
            .bind(&device.salt_hex)
            .bind(&device.verifier_hex)
            .bind(device.created_ms)
            .bind(device.updated_ms)
            .bind(device.last_authenticated_ms)
            .bind(&device.document)
            .execute(&self.pool)
            .await
            .map_err(db_error)
            .map(drop)
    }

    async fn find_device(&self, pool_id: &str, username_key: &str, device_key: &str) -> Result<Option<DeviceRow>> {
        let row = sqlx::query_as::<_, DeviceTuple>(FIND_DEVICE)
            .bind(pool_id)
            .bind(username_key)
            .bind(device_key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(row.map(device_row))
    }

    async fn list_devices(
        &self,
        pool_id: &str,
        username_key: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeviceRow>> {
        let query = match after {
            Some(after) => {
                sqlx::query_as::<_, DeviceTuple>(LIST_DEVICES_AFTER).bind(pool_id).bind(username_key).bind(after)
            }
            None => sqlx::query_as::<_, DeviceTuple>(LIST_DEVICES).bind(pool_id).bind(username_key),
        };
        let rows = query.bind(i64::from(limit)).fetch_all(&self.pool).await.map_err(db_error)?;
        Ok(rows.into_iter().map(device_row).collect())
    }

    async fn delete_device(&self, pool_id: &str, username_key: &str, device_key: &str) -> Result<()> {
        sqlx::query(DELETE_DEVICE)
            .bind(pool_id)
            .bind(username_key)
            .bind(device_key)
            .execute(&self.pool)
            .await
            .map_err(db_error)
            .map(drop)
    }
}

/// The device queries find their rows on the primary key, already in key order (no scan, no
/// sort), with a pool of 1,000 users with three devices each and planner statistics.
#[cfg(test)]
mod plans {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use sqlx::Row;

    #[tokio::test]
    async fn device_queries_search_the_primary_key() {
        let store = SqliteStore::open("sqlite::memory:").await.unwrap();
        sqlx::raw_sql(
            "INSERT INTO user_pools (id, name, created_ms, updated_ms, document) VALUES ('pool', 'p', 0, 0, '{}'); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
             INSERT INTO users SELECT 'pool', printf('user%05d', i), 'u', 's', 'CONFIRMED', 1, NULL, 0, 0, 0, '{}' \
             FROM n; \
             INSERT INTO devices SELECT u.pool_id, u.username_key, 'device' || d.i, 'g', NULL, NULL, 0, 0, 0, '{}' \
             FROM users u, (SELECT 1 AS i UNION ALL SELECT 2 UNION ALL SELECT 3) d; \
             ANALYZE;",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        let key = "SEARCH devices USING INDEX sqlite_autoindex_devices_1";
        let cases = [
            (FIND_DEVICE, format!("{key} (pool_id=? AND username_key=? AND device_key=?)")),
            (LIST_DEVICES, format!("{key} (pool_id=? AND username_key=?)")),
            (LIST_DEVICES_AFTER, format!("{key} (pool_id=? AND username_key=? AND device_key>?)")),
            (DELETE_DEVICE, format!("{key} (pool_id=? AND username_key=? AND device_key=?)")),
        ];
        for (sql, expected) in cases {
            let text = format!("EXPLAIN QUERY PLAN {sql}");
            let mut query = sqlx::query(&text);
            for _ in 0..sql.matches('?').count() {
                query = query.bind("x");
            }
            let rows = query.fetch_all(&store.pool).await.unwrap();
            let plan: Vec<String> = rows.iter().map(|r| r.get::<String, _>("detail")).collect();
            assert_eq!(plan, [expected], "{sql}");
        }
    }
}
