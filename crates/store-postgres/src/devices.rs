//! `DeviceStore` for `PgStore`: a user's remembered devices, upserted whole, listed in device
//! key order over the primary key, and deleted with the user (or its pool) by the foreign key.

use crate::{PgStore, db_error};
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
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
     ON CONFLICT (pool_id, username_key, device_key) DO UPDATE SET \
     device_group_key = excluded.device_group_key, salt_hex = excluded.salt_hex, \
     verifier_hex = excluded.verifier_hex, created_ms = excluded.created_ms, updated_ms = excluded.updated_ms, \
     last_authenticated_ms = excluded.last_authenticated_ms, document = excluded.document"
);
const FIND_DEVICE: &str =
    concat!("SELECT ", device_columns!(), " FROM devices WHERE pool_id = $1 AND username_key = $2 AND device_key = $3");
const LIST_DEVICES: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM devices WHERE pool_id = $1 AND username_key = $2 ORDER BY device_key LIMIT $3"
);
const LIST_DEVICES_AFTER: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM devices WHERE pool_id = $1 AND username_key = $2 AND device_key > $3 ORDER BY device_key LIMIT $4"
);
const DELETE_DEVICE: &str = "DELETE FROM devices WHERE pool_id = $1 AND username_key = $2 AND device_key = $3";

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
impl DeviceStore for PgStore {
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

/// EXPLAIN of the device queries, on a pool of 1,000 analyzed users with three devices each and
/// sequential scans disabled: each finds its rows on the primary key, already in key order (no
/// sort). Needs `COGNATE_TEST_POSTGRES_URL` (see `test_base_url`).
#[cfg(test)]
mod plans {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[tokio::test]
    async fn device_queries_search_the_primary_key() {
        let Some(base) = crate::test_base_url("device query plans") else {
            return;
        };
        let store = PgStore::connect(&crate::prepare_test_database(&base).await.unwrap()).await.unwrap();
        sqlx::raw_sql(
            "INSERT INTO user_pools (id, name, created_ms, updated_ms, document) VALUES ('pool', 'p', 0, 0, '{}'); \
             INSERT INTO users SELECT 'pool', 'user' || lpad(i::text, 6, '0'), 'u', 's', 'CONFIRMED', true, NULL, \
             0, 0, 0, '{}' FROM generate_series(1, 1000) i; \
             INSERT INTO devices SELECT pool_id, username_key, 'device' || d, 'g', NULL, NULL, 0, 0, 0, '{}' \
             FROM users, generate_series(1, 3) d; \
             ANALYZE user_pools, users, user_index, user_unique, groups, group_members, refresh_tokens, devices;",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        let mut conn = store.pool.acquire().await.unwrap();
        sqlx::raw_sql("SET enable_seqscan = off").execute(&mut *conn).await.unwrap();
        let cases: [(&str, &[&str], Option<i64>); 4] = [
            (FIND_DEVICE, &["pool", "user000001", "device1"], None),
            (LIST_DEVICES, &["pool", "user000001"], Some(60)),
            (LIST_DEVICES_AFTER, &["pool", "user000001", "device1"], Some(60)),
            (DELETE_DEVICE, &["pool", "user000001", "device1"], None),
        ];
        for (sql, texts, limit) in cases {
            let text = format!("EXPLAIN {sql}");
            let mut query = sqlx::query_scalar::<_, String>(&text);
            for value in texts {
                query = query.bind(*value);
            }
            if let Some(limit) = limit {
                query = query.bind(limit);
            }
            let plan = query.fetch_all(&mut *conn).await.unwrap().join("\n");
            assert!(!plan.contains("Seq Scan") && !plan.contains("Sort"), "{sql}: a scan or sort in\n{plan}");
            assert!(plan.contains("using devices_pkey on devices"), "{sql}: expected devices_pkey in\n{plan}");
        }
    }
}
