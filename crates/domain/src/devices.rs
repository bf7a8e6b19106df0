//! Remembered devices. In a pool with a DeviceConfiguration every sign-in gets a new device
//! (NEW_DEVICE_METADATA: a device key and a device group key); the client confirms it with an SRP
//! verifier of a random device password (ConfirmDevice) and may remember it (UpdateDeviceStatus,
//! or automatically unless the pool waits for the user's prompt). A later sign-in that names a
//! remembered device proves it with DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER — the same SRP as
//! passwords, over the device group key and device key — and then skips MFA.

use std::collections::BTreeMap;

use cognate_model::Timestamp;
use cognate_store::DeviceRow;
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::Domain;
use crate::error::{Error, Result};
use crate::pools::{Page, UserPool};
use crate::users::User;

/// A device as the rules see it.
#[derive(Clone, Debug)]
pub struct Device {
    pub key: String,
    pub group_key: String,
    pub salt_hex: Option<String>,
    pub verifier_hex: Option<String>,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub last_authenticated: Timestamp,
    pub doc: DeviceDoc,
}

/// What a device row's document holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceDoc {
    pub name: Option<String>,
    /// `remembered` or `not_remembered`; `None` until decided.
    pub remembered_status: Option<String>,
}

impl Device {
    fn from_row(row: DeviceRow) -> Result<Device> {
        let doc: DeviceDoc = serde_json::from_str(&row.document)
            .map_err(|e| Error::Internal(anyhow::anyhow!("device document unreadable: {e}")))?;
        Ok(Device {
            key: row.device_key,
            group_key: row.device_group_key,
            salt_hex: row.salt_hex,
            verifier_hex: row.verifier_hex,
            created: Timestamp::from_millis(row.created_ms),
            modified: Timestamp::from_millis(row.updated_ms),
            last_authenticated: Timestamp::from_millis(row.last_authenticated_ms),
            doc,
        })
    }

    fn to_row(&self, pool_id: &str, user_key: &str) -> Result<DeviceRow> {
        Ok(DeviceRow {
            pool_id: pool_id.to_string(),
            username_key: user_key.to_string(),
            device_key: self.key.clone(),
            device_group_key: self.group_key.clone(),
            salt_hex: self.salt_hex.clone(),
            verifier_hex: self.verifier_hex.clone(),
            created_ms: self.created.millis(),
            updated_ms: self.modified.millis(),
            last_authenticated_ms: self.last_authenticated.millis(),
            document: serde_json::to_string(&self.doc)
                .map_err(|e| Error::Internal(anyhow::anyhow!("serialising a device: {e}")))?,
        })
    }

    pub fn is_remembered(&self) -> bool {
        self.doc.remembered_status.as_deref() == Some("remembered") && self.verifier_hex.is_some()
    }
}

fn device_not_found() -> Error {
    Error::ResourceNotFound("Device does not exist.".into())
}

/// The vault context of a device's SRP verifier.
pub(crate) fn device_srp_context(pool_id: &str, device_key: &str) -> String {
    format!("device-srp:{pool_id}:{device_key}")
}

impl Domain {
    /// A new, unconfirmed device for a sign-in, when the pool tracks devices.
    pub(crate) async fn new_device(&self, pool: &UserPool, user: &User) -> Result<Option<Device>> {
        if pool.settings.config.device_configuration.is_none() {
            return Ok(None);
        }
        let now = self.clock.now();
        let region = crate::ids::pool_region(&pool.id).unwrap_or(&self.config.region).to_string();
        let group: String = {
            const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
            let mut rng = rand::rngs::OsRng;
            (0..9).map(|_| char::from(ALNUM[rng.gen_range(0..ALNUM.len())])).collect()
        };
        let device = Device {
            key: format!("{region}_{}", uuid::Uuid::new_v4()),
            group_key: format!("-{group}"),
            salt_hex: None,
            verifier_hex: None,
            created: now,
            modified: now,
            last_authenticated: now,
            doc: DeviceDoc::default(),
        };
        self.store.put_device(&device.to_row(&pool.id, &user.key)?).await?;
        Ok(Some(device))
    }

    pub async fn get_device(&self, pool: &UserPool, user: &User, key: &str) -> Result<Device> {
        let row = self.store.find_device(&pool.id, &user.key, key).await?.ok_or_else(device_not_found)?;
        Device::from_row(row)
    }

    async fn save_device(&self, pool: &UserPool, user: &User, device: &mut Device) -> Result<()> {
        device.modified = self.clock.now();
        self.store.put_device(&device.to_row(&pool.id, &user.key)?).await?;
        Ok(())
    }

    /// ConfirmDevice: stores the device's SRP verifier. Returns `UserConfirmationNecessary`.
    pub async fn confirm_device(
        &self,
        pool: &UserPool,
        user: &User,
        key: &str,
        verifier_b64: &str,
        salt_b64: &str,
        name: Option<String>,
    ) -> Result<bool> {
        let mut device = self.get_device(pool, user, key).await?;
        let v = crate::srp::device_verifier(verifier_b64, salt_b64)
            .map_err(|_| Error::invalid("DeviceSecretVerifierConfig is not a valid SRP verifier."))?;
        device.salt_hex = Some(v.salt_hex);
        device.verifier_hex = Some(self.vault.seal_str(&device_srp_context(&pool.id, key), &v.verifier_hex)?);
        device.doc.name = name;
        let on_prompt = pool
            .settings
            .config
            .device_configuration
            .as_ref()
            .and_then(|d| d.device_only_remembered_on_user_prompt)
            .unwrap_or(false);
        if !on_prompt {
            device.doc.remembered_status = Some("remembered".into());
        }
        self.save_device(pool, user, &mut device).await?;
        Ok(on_prompt)
    }

    pub async fn update_device_status(&self, pool: &UserPool, user: &User, key: &str, remembered: bool) -> Result<()> {
        let mut device = self.get_device(pool, user, key).await?;
        device.doc.remembered_status = Some(if remembered { "remembered" } else { "not_remembered" }.into());
        self.save_device(pool, user, &mut device).await
    }

    pub async fn forget_device(&self, pool: &UserPool, user: &User, key: &str) -> Result<()> {
        self.get_device(pool, user, key).await?;
        Ok(self.store.delete_device(&pool.id, &user.key, key).await?)
    }

    pub async fn list_devices(
        &self,
        pool: &UserPool,
        user: &User,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Page<Device>> {
        let limit = limit.clamp(1, 60);
        let rows = self.store.list_devices(&pool.id, &user.key, after, limit + 1).await?;
        Page::from_rows(rows, limit, Device::from_row, |d| d.key.clone())
    }

    /// Marks a device as used for a sign-in now.
    pub(crate) async fn touch_device(&self, pool: &UserPool, user: &User, device: &mut Device) -> Result<()> {
        device.last_authenticated = self.clock.now();
        self.save_device(pool, user, device).await
    }
}

/// Challenge parameters for DEVICE_PASSWORD_VERIFIER.
pub(crate) fn device_verifier_parameters(
    user: &User,
    device: &Device,
    big_b_hex: String,
    secret_block: String,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("SALT".to_string(), device.salt_hex.clone().unwrap_or_default()),
        ("SRP_B".to_string(), big_b_hex),
        ("SECRET_BLOCK".to_string(), secret_block),
        ("USERNAME".to_string(), user.username.clone()),
        ("DEVICE_KEY".to_string(), device.key.clone()),
    ])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn device(status: Option<&str>, verifier: Option<&str>) -> Device {
        let t = Timestamp::from_millis(1_700_000_000_000);
        Device {
            key: "us-east-1_5e0c7f0a-0000-4000-8000-000000000000".into(),
            group_key: "-AbCdEfGhI".into(),
            salt_hex: Some("00ff".into()),
            verifier_hex: verifier.map(str::to_string),
            created: t,
            modified: t,
            last_authenticated: t,
            doc: DeviceDoc { name: Some("laptop".into()), remembered_status: status.map(str::to_string) },
        }
    }

    #[test]
    fn only_a_confirmed_device_marked_remembered_is_remembered() {
        assert!(device(Some("remembered"), Some("v")).is_remembered());
        assert!(!device(Some("remembered"), None).is_remembered(), "an unconfirmed device proves nothing");
        assert!(!device(Some("not_remembered"), Some("v")).is_remembered());
        assert!(!device(None, Some("v")).is_remembered(), "undecided is not remembered");
    }

    #[test]
    fn rows_round_trip() {
        let d = device(Some("remembered"), Some("sealed"));
        let row = d.to_row("pool", "user").unwrap();
        assert_eq!((row.pool_id.as_str(), row.username_key.as_str()), ("pool", "user"));
        let back = Device::from_row(row).unwrap();
        assert_eq!(back.key, d.key);
        assert_eq!(back.group_key, d.group_key);
        assert_eq!(back.verifier_hex, d.verifier_hex);
        assert_eq!(back.doc, d.doc);
        assert_eq!(back.last_authenticated, d.last_authenticated);
    }

    #[test]
    fn verifier_parameters_name_the_device_and_its_salt() {
        let d = device(Some("remembered"), Some("v"));
        let t = Timestamp::from_millis(0);
        let user = User {
            pool_id: "pool".into(),
            username: "alice".into(),
            key: "alice".into(),
            sub: "sub".into(),
            status: crate::users::UserStatus::Confirmed,
            is_enabled: true,
            created: t,
            modified: t,
            attributes: Default::default(),
            password_hash: None,
            tokens_valid_after_ms: 0,
            version: 1,
            extra: Default::default(),
        };
        let p = device_verifier_parameters(&user, &d, "B".into(), "block".into());
        assert_eq!(p["DEVICE_KEY"], d.key);
        assert_eq!(p["SALT"], "00ff");
        assert_eq!(p["SRP_B"], "B");
        assert_eq!(p["SECRET_BLOCK"], "block");
        assert_eq!(p["USERNAME"], "alice");
    }
}
