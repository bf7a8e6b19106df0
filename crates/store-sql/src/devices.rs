//! `DeviceStore`: a user's remembered devices, upserted whole, listed in device key order over the
//! primary key, and deleted with the user (or its pool) by the foreign key.

use crate::{Backend, SqlRow, SqlStore, args};
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
pub const FIND_DEVICE: &str =
    concat!("SELECT ", device_columns!(), " FROM devices WHERE pool_id = $1 AND username_key = $2 AND device_key = $3");
pub const LIST_DEVICES: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM devices WHERE pool_id = $1 AND username_key = $2 ORDER BY device_key LIMIT $3"
);
pub const LIST_DEVICES_AFTER: &str = concat!(
    "SELECT ",
    device_columns!(),
    " FROM devices WHERE pool_id = $1 AND username_key = $2 AND device_key > $3 ORDER BY device_key LIMIT $4"
);
pub const DELETE_DEVICE: &str = "DELETE FROM devices WHERE pool_id = $1 AND username_key = $2 AND device_key = $3";

fn device_row(r: &impl SqlRow) -> Result<DeviceRow> {
    Ok(DeviceRow {
        pool_id: r.text(0)?,
        username_key: r.text(1)?,
        device_key: r.text(2)?,
        device_group_key: r.text(3)?,
        salt_hex: r.opt_text(4)?,
        verifier_hex: r.opt_text(5)?,
        created_ms: r.int(6)?,
        updated_ms: r.int(7)?,
        last_authenticated_ms: r.int(8)?,
        document: r.text(9)?,
    })
}

#[async_trait]
impl<B: Backend> DeviceStore for SqlStore<B> {
    async fn put_device(&self, device: &DeviceRow) -> Result<()> {
        // A missing user fails the foreign key, which backends map to NotFound.
        let d = device;
        let args = args![
            &d.pool_id,
            &d.username_key,
            &d.device_key,
            &d.device_group_key,
            &d.salt_hex,
            &d.verifier_hex,
            d.created_ms,
            d.updated_ms,
            d.last_authenticated_ms,
            &d.document
        ];
        self.backend.execute(PUT_DEVICE, &args).await.map(drop)
    }

    async fn find_device(&self, pool_id: &str, username_key: &str, device_key: &str) -> Result<Option<DeviceRow>> {
        self.one(FIND_DEVICE, &args![pool_id, username_key, device_key], device_row).await
    }

    async fn list_devices(
        &self,
        pool_id: &str,
        username_key: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<DeviceRow>> {
        match after {
            Some(after) => self.all(LIST_DEVICES_AFTER, &args![pool_id, username_key, after, limit], device_row).await,
            None => self.all(LIST_DEVICES, &args![pool_id, username_key, limit], device_row).await,
        }
    }

    async fn delete_device(&self, pool_id: &str, username_key: &str, device_key: &str) -> Result<()> {
        self.backend.execute(DELETE_DEVICE, &args![pool_id, username_key, device_key]).await.map(drop)
    }
}
