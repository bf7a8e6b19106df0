//! SRP, for users and remembered devices as one exchange. A user starts it with USER_SRP_AUTH (or
//! PASSWORD_SRP in choice-based sign-in) and proves the password with PASSWORD_VERIFIER; a
//! remembered device starts it by answering DEVICE_SRP_AUTH and proves itself with
//! DEVICE_PASSWORD_VERIFIER. Either way the server checks `SRP_A`, answers with `SRP_B`, the salt
//! and a sealed `SECRET_BLOCK` carrying the exchange, and verifies the proof once (on any node).
//! Unknown users get a decoy exchange when the client hides user existence, so the answer cannot
//! tell them apart.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::finish::{DeviceUse, Scopes};
use super::session::ChallengeSession;
use super::{AuthOutcome, Awaiting, Challenge, Params, attempts_exceeded, incorrect};
use crate::Domain;
use crate::clients::Client;
use crate::error::{Error, Result};
use crate::limits::{Limit, Subject};
use crate::pools::UserPool;
use crate::tokens::new_id;
use crate::users::{SrpRecord, User};

/// How long a SECRET_BLOCK, and a TIMESTAMP's distance from the clock, may be.
const SRP_WINDOW_MS: i64 = 5 * 60 * 1000;

/// The sealed state of an SRP exchange, sent to the client as `SECRET_BLOCK`.
#[derive(Serialize, Deserialize)]
struct SrpSession {
    pool_id: String,
    client_id: String,
    /// `None` for an unknown user (a decoy exchange that can only fail).
    user_key: Option<String>,
    user_id_for_srp: String,
    a_hex: String,
    b_hex: String,
    big_b_hex: String,
    expires_ms: i64,
    nonce: String,
    /// For a device: the device being proven (`user_id_for_srp` is then its key).
    #[serde(default)]
    device_key: Option<String>,
    /// The name the exchange was started with (an unknown user's limits are kept under it).
    #[serde(default)]
    name: String,
}

/// Who proves what in an exchange.
struct Prover {
    user_key: Option<String>,
    user_id_for_srp: String,
    device_key: Option<String>,
    name: String,
}

fn check_a(a_hex: &str) -> Result<()> {
    crate::srp::check_a(a_hex).map_err(|_| Error::invalid("SRP_A is not a valid SRP value."))
}

impl Domain {
    /// The server's half of an exchange: `B` from the verifier, and the sealed SECRET_BLOCK.
    /// Returns `(SRP_B, SECRET_BLOCK)`.
    async fn start_exchange(
        &self,
        pool: &UserPool,
        client: &Client,
        prover: Prover,
        a_hex: &str,
        verifier_hex: String,
    ) -> Result<(String, String)> {
        let challenge = tokio::task::spawn_blocking(move || crate::srp::server_challenge(&verifier_hex))
            .await
            .map_err(|e| Error::Internal(e.into()))?
            .map_err(|e| Error::Internal(anyhow::anyhow!("SRP challenge: {e:?}")))?;
        let sealed = SrpSession {
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            user_key: prover.user_key,
            user_id_for_srp: prover.user_id_for_srp,
            a_hex: a_hex.to_string(),
            b_hex: challenge.b_hex,
            big_b_hex: challenge.big_b_hex.clone(),
            expires_ms: self.clock.now_ms() + SRP_WINDOW_MS,
            nonce: new_id(),
            device_key: prover.device_key,
            name: prover.name,
        };
        let block = self
            .sessions
            .seal_standard(&sealed)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("sealing SRP state")))?;
        Ok((challenge.big_b_hex, block))
    }

    /// USER_SRP_AUTH, first step: answers PASSWORD_VERIFIER with the user's salt, `SRP_B` and the
    /// SECRET_BLOCK. `via_user_auth`: the PASSWORD_SRP choice of USER_AUTH, which ALLOW_USER_AUTH
    /// permits and whose SECRET_HASH was checked when USER_AUTH started.
    pub(super) async fn start_srp(
        &self,
        pool: &UserPool,
        client: &Client,
        params: &Params<'_>,
        via_user_auth: bool,
    ) -> Result<AuthOutcome> {
        if !via_user_auth && !client.allows("ALLOW_USER_SRP_AUTH", None) {
            return Err(Error::invalid("USER_SRP_AUTH flow not enabled for this client"));
        }
        let username = params.required("USERNAME")?;
        let a_hex = params.required("SRP_A")?;
        check_a(a_hex)?;
        if !via_user_auth {
            client.check_secret_hash(username, params.get("SECRET_HASH"))?;
        }
        let found = self.find_user(pool, username).await?;
        let (user_key, user_id, record) = match &found {
            Some(u) => match &u.extra.srp {
                Some(r) => (Some(u.key.clone()), u.username.clone(), self.open_srp_record(pool, u, r)?),
                None => (None, u.username.clone(), self.decoy_srp_record(pool, username)?),
            },
            None if client.prevents_user_existence_errors() => {
                (None, self.decoy_user_id(pool, username)?, self.decoy_srp_record(pool, username)?)
            }
            None => return Err(Error::UserNotFound("User does not exist.".into())),
        };
        let prover =
            Prover { user_key, user_id_for_srp: user_id.clone(), device_key: None, name: username.to_string() };
        let (big_b_hex, secret_block) = self.start_exchange(pool, client, prover, a_hex, record.verifier_hex).await?;
        let parameters = BTreeMap::from([
            ("SALT".to_string(), record.salt_hex),
            ("SRP_B".to_string(), big_b_hex),
            ("SECRET_BLOCK".to_string(), secret_block),
            ("USERNAME".to_string(), user_id.clone()),
            ("USER_ID_FOR_SRP".to_string(), user_id),
        ]);
        Ok(AuthOutcome::Challenge { name: Challenge::PasswordVerifier, session: None, parameters })
    }

    /// DEVICE_SRP_AUTH answered: a remembered device starts its exchange, answered with
    /// DEVICE_PASSWORD_VERIFIER.
    pub(super) async fn start_device_srp(
        &self,
        pool: &UserPool,
        client: &Client,
        s: &ChallengeSession,
        user: &User,
        responses: &Params<'_>,
    ) -> Result<AuthOutcome> {
        let key = responses.required("DEVICE_KEY")?;
        let a_hex = responses.required("SRP_A")?;
        check_a(a_hex)?;
        let device = self.get_device(pool, user, key).await?;
        self.claim_session(s).await?;
        let sealed = device.verifier_hex.as_deref().ok_or_else(|| Error::invalid("The device is not confirmed."))?;
        let verifier = self.vault.open_str(&crate::devices::device_srp_context(&pool.id, &device.key), sealed)?;
        let prover = Prover {
            user_key: Some(user.key.clone()),
            user_id_for_srp: device.key.clone(),
            device_key: Some(device.key.clone()),
            name: user.username.clone(),
        };
        let (big_b_hex, block) = self.start_exchange(pool, client, prover, a_hex, verifier).await?;
        let parameters = crate::devices::device_verifier_parameters(user, &device, big_b_hex, block);
        let challenge = Challenge::DevicePasswordVerifier;
        let session = Some(self.seal_challenge(pool, client, user, Awaiting::Challenge(challenge))?);
        Ok(AuthOutcome::Challenge { name: challenge, session, parameters })
    }

    /// A user's SRP record with its verifier decrypted.
    fn open_srp_record(&self, pool: &UserPool, user: &User, record: &SrpRecord) -> Result<SrpRecord> {
        let verifier_hex =
            self.vault.open_str(&crate::users::srp_context(&pool.id, &user.sub), &record.verifier_hex)?;
        Ok(SrpRecord { salt_hex: record.salt_hex.clone(), verifier_hex })
    }

    /// A stable decoy salt and verifier for a name that has no SRP record.
    fn decoy_srp_record(&self, pool: &UserPool, username: &str) -> Result<SrpRecord> {
        let v = crate::srp::decoy_verifier(&self.decoy_seed(pool, "srp", username)?);
        Ok(SrpRecord { salt_hex: v.salt_hex, verifier_hex: v.verifier_hex })
    }

    /// PASSWORD_VERIFIER and DEVICE_PASSWORD_VERIFIER: open the SECRET_BLOCK (once, on any
    /// node), check the TIMESTAMP against the clock and the PASSWORD_CLAIM_SIGNATURE against the
    /// verifier.
    pub(super) async fn finish_srp(
        &self,
        pool: &UserPool,
        client: &Client,
        responses: &Params<'_>,
    ) -> Result<AuthOutcome> {
        let block = responses.required("PASSWORD_CLAIM_SECRET_BLOCK")?;
        let signature = responses.required("PASSWORD_CLAIM_SIGNATURE")?;
        let timestamp = responses.required("TIMESTAMP")?;
        let username = responses.required("USERNAME")?;
        let invalid_block = || Error::NotAuthorized("Invalid session for the user, session is expired.".into());
        let s: SrpSession = self.sessions.open_standard(block).ok_or_else(invalid_block)?;
        let now = self.clock.now_ms();
        if s.pool_id != pool.id || s.client_id != client.client_id || s.expires_ms <= now {
            return Err(invalid_block());
        }
        client.check_secret_hash(username, responses.get("SECRET_HASH"))?;
        let stamp = crate::srp::parse_timestamp(timestamp)
            .ok_or_else(|| Error::NotAuthorized("TIMESTAMP is not a valid date.".into()))?;
        let skew = stamp.unix_timestamp().saturating_mul(1000).saturating_sub(now).saturating_abs();
        if skew > SRP_WINDOW_MS {
            return Err(Error::NotAuthorized("TIMESTAMP is not within five minutes of the server's clock.".into()));
        }
        if !self.store.claim_once(&format!("srp:{}", s.nonce), s.expires_ms, now).await? {
            return Err(Error::NotAuthorized("The SECRET_BLOCK has already been used.".into()));
        }
        let user = match &s.user_key {
            Some(key) => self.user_by_key(pool, key).await.map_err(|_| incorrect())?,
            None => {
                // A decoy exchange: counted like a real one, and it can only fail.
                let subject = Subject::Unknown(&s.name);
                let admitted = self.admit_guess(pool, subject, Limit::Password, attempts_exceeded).await?;
                self.settle_guess(admitted, false, incorrect(), attempts_exceeded).await?;
                return Err(incorrect());
            }
        };
        let mut device = match &s.device_key {
            Some(key) => Some(self.get_device(pool, &user, key).await.map_err(|_| incorrect())?),
            None => None,
        };
        let record = match &device {
            Some(d) => {
                let (Some(salt), Some(v)) = (&d.salt_hex, &d.verifier_hex) else { return Err(incorrect()) };
                SrpRecord {
                    salt_hex: salt.clone(),
                    verifier_hex: self.vault.open_str(&crate::devices::device_srp_context(&pool.id, &d.key), v)?,
                }
            }
            None => self.open_srp_record(pool, &user, user.extra.srp.as_ref().ok_or_else(incorrect)?)?,
        };
        let name = match &device {
            Some(d) => d.group_key.clone(),
            None => crate::srp::pool_name(&pool.id).to_string(),
        };
        let (user_id, a_hex) = (s.user_id_for_srp.clone(), s.a_hex.clone());
        let challenge = crate::srp::ServerChallenge { b_hex: s.b_hex.clone(), big_b_hex: s.big_b_hex.clone() };
        let (block, signature, timestamp) = (block.to_string(), signature.to_string(), timestamp.to_string());
        // The proof is counted before it is checked, as a password is; a device proves itself
        // after the user's password was already checked, so it is not.
        let admitted = match device {
            Some(_) => None,
            None => Some(self.admit_guess(pool, Subject::User(&user), Limit::Password, attempts_exceeded).await?),
        };
        let is_correct = tokio::task::spawn_blocking(move || {
            let claim = crate::srp::PasswordClaim {
                name: &name,
                user_id: &user_id,
                secret_block_b64: &block,
                timestamp: &timestamp,
                signature_b64: &signature,
            };
            crate::srp::verify_password_claim(&record.verifier_hex, &a_hex, &challenge, &claim).is_ok()
        })
        .await
        .map_err(|e| Error::Internal(e.into()))?;
        if let Some(d) = device.as_mut() {
            if !is_correct {
                return Err(Error::NotAuthorized("Incorrect device proof.".into()));
            }
            self.touch_device(pool, &user, d).await?;
            return self.finish(pool, client, &user, DeviceUse::Remembered(d.key.clone()), Scopes::Api).await;
        }
        if let Some(admitted) = admitted {
            self.settle_guess(admitted, is_correct, incorrect(), attempts_exceeded).await?;
        }
        self.after_password(pool, client, user, responses.get("DEVICE_KEY")).await
    }
}
