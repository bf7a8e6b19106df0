//! Sign-in: the auth flows of InitiateAuth / AdminInitiateAuth (password flows and refresh), the
//! NEW_PASSWORD_REQUIRED challenge, GetTokensFromRefreshToken with rotation, token revocation and
//! global sign-out, and access-token authorization for self-service operations. Enforces the
//! client's ExplicitAuthFlows, SECRET_HASH, disabled and unconfirmed users,
//! PreventUserExistenceErrors (equal time for unknown users) and Cognito's lockout after failed
//! passwords, kept in the store so it holds across nodes. Challenge sessions are sealed (see
//! `sessions`), never kept in memory.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cognate_model::cognito_idp as m;
use cognate_store::RefreshTokenRow;
use hmac::{Hmac, Mac as _};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use crate::Domain;
use crate::clients::Client;
use crate::error::{Error, Result};
use crate::limits::{Limit, Subject};
use crate::passwords::check_policy;
use crate::pools::UserPool;
use crate::tokens::{AccessClaims, Grant, GroupClaim, new_id, new_refresh_token, refresh_token_hash};
use crate::users::{User, UserStatus, Writer, apply_attributes};

/// Scope of tokens issued through the API.
pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Tokens of a successful sign-in.
#[derive(Clone, Debug)]
pub struct AuthResult {
    pub access_token: String,
    pub id_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    /// `(device key, device group key)` of a device this sign-in created.
    pub new_device: Option<(String, String)>,
}

impl AuthResult {
    pub fn to_wire(&self) -> m::AuthenticationResultType {
        m::AuthenticationResultType {
            access_token: Some(self.access_token.clone().into()),
            id_token: Some(self.id_token.clone().into()),
            refresh_token: self.refresh_token.clone().map(Into::into),
            expires_in: i32::try_from(self.expires_in).ok(),
            token_type: Some("Bearer".into()),
            new_device_metadata: self.new_device.as_ref().map(|(key, group)| m::NewDeviceMetadataType {
                device_key: Some(key.clone()),
                device_group_key: Some(group.clone()),
            }),
        }
    }
}

/// What a sign-in step returns.
#[derive(Clone, Debug)]
pub enum AuthOutcome {
    Tokens(AuthResult),
    Challenge {
        name: String,
        session: Option<String>,
        parameters: BTreeMap<String, String>,
    },
    /// Choice-based sign-in's SELECT_CHALLENGE: the challenges the user may pick from.
    Select {
        session: String,
        available: Vec<String>,
    },
}

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
    /// For DEVICE_SRP_AUTH: the device being proven (`user_id_for_srp` is then its key).
    #[serde(default)]
    device_key: Option<String>,
    /// The name the exchange was started with (an unknown user's limits are kept under it).
    #[serde(default)]
    name: String,
}

/// What a token issue belongs to.
struct Issue<'a> {
    /// The sign-in's `origin_jti`.
    origin_jti: &'a str,
    auth_time: i64,
    /// `Some` for a new sign-in, which also gets a refresh token.
    new_refresh: Option<()>,
    /// The device the sign-in used or created.
    device_key: Option<String>,
}

impl<'a> Issue<'a> {
    /// New ID and access tokens for the sign-in a refresh token belongs to.
    fn refresh(row: &'a RefreshTokenRow) -> Self {
        Issue { origin_jti: &row.origin_jti, auth_time: row.issued_ms / 1000, new_refresh: None, device_key: None }
    }
}

/// How long a SECRET_BLOCK, and a TIMESTAMP's distance from the clock, may be.
const SRP_WINDOW_MS: i64 = 5 * 60 * 1000;

/// The sealed state of an open challenge. `nonce` names it in the store when it is used: every
/// session answers once.
#[derive(Serialize, Deserialize)]
pub(crate) struct ChallengeSession {
    pool_id: String,
    client_id: String,
    user_key: String,
    challenge: String,
    expires_ms: i64,
    nonce: String,
    /// For an unknown user's decoy session (`user_key` is then empty): the name it began with.
    #[serde(default)]
    decoy: Option<String>,
}

/// The MFA_SETUP session after AssociateSoftwareToken, and after VerifySoftwareToken.
pub(crate) const MFA_SETUP_ASSOCIATED: &str = "MFA_SETUP#associated";
pub(crate) const MFA_SETUP_VERIFIED: &str = "MFA_SETUP#verified";

fn expired_session() -> Error {
    Error::NotAuthorized("Invalid session for the user, session is expired.".into())
}

fn param<'a>(params: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    params.get(name).map(String::as_str).filter(|s| !s.is_empty())
}

fn required<'a>(params: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str> {
    param(params, name).ok_or_else(|| Error::invalid(format!("Missing required parameter {name}")))
}

/// `Base64(HMAC-SHA256(key = client secret, message = username + client ID))`.
pub fn secret_hash(secret: &str, username: &str, client_id: &str) -> String {
    let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| {
        // HMAC takes keys of any length; this branch cannot run.
        <Hmac<Sha256> as hmac::Mac>::new_from_slice(b"").unwrap_or_else(|_| unreachable!())
    });
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

impl Client {
    /// Whether the client allows an auth flow (`ALLOW_…` or the legacy name). Without
    /// ExplicitAuthFlows, Cognito allows SRP, custom auth and refresh. A client configured with
    /// only the legacy names (`USER_PASSWORD_AUTH`, `ADMIN_NO_SRP_AUTH`, `CUSTOM_AUTH_FLOW_ONLY`)
    /// keeps their legacy meaning: refresh is always allowed, and SRP too unless the client is
    /// custom-auth only.
    pub fn allows(&self, allow: &str, legacy: Option<&str>) -> bool {
        let Some(flows) = &self.settings.explicit_auth_flows else {
            return matches!(allow, "ALLOW_USER_SRP_AUTH" | "ALLOW_CUSTOM_AUTH" | "ALLOW_REFRESH_TOKEN_AUTH");
        };
        if flows.iter().any(|f| f.as_str() == allow || Some(f.as_str()) == legacy) {
            return true;
        }
        let is_legacy = !flows.is_empty() && flows.iter().all(|f| !f.as_str().starts_with("ALLOW_"));
        let is_custom_only = flows.iter().any(|f| f.as_str() == "CUSTOM_AUTH_FLOW_ONLY");
        is_legacy
            && match allow {
                "ALLOW_REFRESH_TOKEN_AUTH" => true,
                "ALLOW_USER_SRP_AUTH" => !is_custom_only,
                _ => false,
            }
    }

    pub fn prevents_user_existence_errors(&self) -> bool {
        self.settings.prevent_user_existence_errors == Some(m::PreventUserExistenceErrorTypes::Enabled)
    }

    /// Checks SECRET_HASH for clients with a secret.
    pub fn check_secret_hash(&self, username: &str, given: Option<&str>) -> Result<()> {
        let Some(secret) = &self.secret else { return Ok(()) };
        let Some(given) = given else {
            return Err(Error::NotAuthorized(format!(
                "Client {} is configured for secret but secret was not received",
                self.client_id
            )));
        };
        let expected = secret_hash(secret, username, &self.client_id);
        if bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
            Ok(())
        } else {
            Err(Error::NotAuthorized(format!("Unable to verify secret hash for client {}", self.client_id)))
        }
    }

    /// Checks a ClientSecret given directly (RevokeToken, GetTokensFromRefreshToken).
    pub fn check_client_secret(&self, given: Option<&str>) -> Result<()> {
        match (&self.secret, given) {
            (None, _) => Ok(()),
            (Some(s), Some(g)) if bool::from(s.as_bytes().ct_eq(g.as_bytes())) => Ok(()),
            _ => Err(Error::NotAuthorized(format!("Unable to verify secret hash for client {}", self.client_id))),
        }
    }
}

pub(crate) fn incorrect() -> Error {
    Error::NotAuthorized("Incorrect username or password.".into())
}

fn invalid_refresh_token() -> Error {
    Error::NotAuthorized("Invalid Refresh Token".into())
}

pub(crate) fn attempts_exceeded() -> Error {
    Error::NotAuthorized("Password attempts exceeded".into())
}

impl Domain {
    /// The pool and client of a client ID (InitiateAuth and friends carry only the client ID).
    pub async fn client_by_id(&self, client_id: &str) -> Result<(UserPool, Client)> {
        let row = self
            .store
            .find_client(client_id)
            .await?
            .ok_or_else(|| Error::ResourceNotFound(format!("User pool client {client_id} does not exist.")))?;
        let pool = self.get_user_pool(&row.pool_id).await?;
        Ok((pool, Client::from_row(row, &self.vault)?))
    }

    /// The user to sign in, or the Cognito error for an unknown one. When the client hides user
    /// existence, an unknown name with a password costs the same work (a counted guess and a
    /// hash) and meets the same lockout as a known one.
    async fn user_for_sign_in(
        &self,
        pool: &UserPool,
        client: &Client,
        username: &str,
        password: Option<&str>,
    ) -> Result<User> {
        if let Some(u) = self.find_user(pool, username).await? {
            return Ok(u);
        }
        if !client.prevents_user_existence_errors() {
            if let Some(p) = password {
                self.passwords.verify(p, None).await?;
            }
            return Err(Error::UserNotFound("User does not exist.".into()));
        }
        if let Some(p) = password {
            self.decoy_password(pool, username, p).await?;
        }
        Err(incorrect())
    }

    /// Verifies a password under the lockout: the guess is counted before the hash is checked.
    async fn check_password(&self, pool: &UserPool, user: &User, password: &str) -> Result<()> {
        let admitted = self.admit_guess(pool, Subject::User(user), Limit::Password, attempts_exceeded).await?;
        let is_right = self.passwords.verify(password, user.password_hash.as_deref()).await?;
        self.settle_guess(admitted, is_right, incorrect(), attempts_exceeded).await
    }

    /// InitiateAuth (`is_admin` false) and AdminInitiateAuth (true).
    pub async fn initiate_auth(
        &self,
        pool: &UserPool,
        client: &Client,
        flow: &str,
        params: &BTreeMap<String, String>,
        is_admin: bool,
    ) -> Result<AuthOutcome> {
        match (flow, is_admin) {
            ("USER_PASSWORD_AUTH", false) | ("ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH", true) => {
                let (allow, legacy) = if is_admin {
                    ("ALLOW_ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH")
                } else {
                    ("ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH")
                };
                if !client.allows(allow, Some(legacy)) {
                    return Err(Error::invalid(format!("{flow} flow not enabled for this client")));
                }
                let username = required(params, "USERNAME")?;
                let password = required(params, "PASSWORD")?;
                client.check_secret_hash(username, param(params, "SECRET_HASH"))?;
                let user = self.user_for_sign_in(pool, client, username, Some(password)).await?;
                self.check_password(pool, &user, password).await?;
                self.after_password(pool, client, user, param(params, "DEVICE_KEY")).await
            }
            ("REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN", _) => {
                if !client.allows("ALLOW_REFRESH_TOKEN_AUTH", None) {
                    return Err(Error::invalid(format!("{flow} flow not enabled for this client")));
                }
                let token = required(params, "REFRESH_TOKEN")?;
                let (row, user) = self.refresh_token_owner(pool, client, token).await?;
                if client.secret.is_some() {
                    let name = param(params, "USERNAME").unwrap_or(&user.username);
                    let given = param(params, "SECRET_HASH");
                    client.check_secret_hash(name, given).or_else(|e| {
                        // Clients compute the hash over the name they signed in with; accept the sub too.
                        client.check_secret_hash(&user.sub, given).map_err(|_| e)
                    })?;
                }
                let result = self.issue(pool, client, &user, Issue::refresh(&row)).await?;
                Ok(AuthOutcome::Tokens(result))
            }
            ("USER_SRP_AUTH", _) => self.start_srp(pool, client, params).await,
            ("USER_AUTH", _) => self.start_user_auth(pool, client, params).await,
            ("CUSTOM_AUTH", _) => {
                Err(Error::invalid(format!("Cognate does not support the {flow} flow yet; see docs/COVERAGE.md.")))
            }
            _ => Err(Error::invalid(format!("Invalid AuthFlow {flow} for this operation."))),
        }
    }

    /// After a correct password: status checks, then tokens or the next challenge.
    async fn after_password(
        &self,
        pool: &UserPool,
        client: &Client,
        user: User,
        device_key: Option<&str>,
    ) -> Result<AuthOutcome> {
        if !user.is_enabled {
            return Err(Error::user_disabled());
        }
        match user.status {
            UserStatus::Unconfirmed => Err(Error::UserNotConfirmed("User is not confirmed.".into())),
            UserStatus::ResetRequired => {
                Err(Error::PasswordResetRequired("Password reset required for the user".into()))
            }
            UserStatus::ForceChangePassword => {
                let now = self.clock.now_ms();
                if user.extra.temporary_password_expires_ms.is_some_and(|e| e <= now) {
                    return Err(Error::NotAuthorized(
                        "Temporary password has expired and must be reset by an administrator.".into(),
                    ));
                }
                let session = Some(self.seal_challenge(pool, client, &user, "NEW_PASSWORD_REQUIRED")?);
                let visible: BTreeMap<&String, &String> = user
                    .attributes
                    .iter()
                    .filter(|(k, _)| k.as_str() != "sub" && !k.ends_with("_verified") && !k.starts_with("dev:"))
                    .collect();
                let required: Vec<String> = pool
                    .settings
                    .schema
                    .iter()
                    .filter(|a| a.required == Some(true))
                    .filter_map(|a| a.name.clone())
                    .filter(|n| n != "sub" && !user.attributes.contains_key(n))
                    .map(|n| format!("userAttributes.{n}"))
                    .collect();
                let parameters = BTreeMap::from([
                    ("USER_ID_FOR_SRP".to_string(), user.username.clone()),
                    (
                        "requiredAttributes".to_string(),
                        serde_json::to_string(&required).unwrap_or_else(|_| "[]".into()),
                    ),
                    ("userAttributes".to_string(), serde_json::to_string(&visible).unwrap_or_else(|_| "{}".into())),
                ]);
                Ok(AuthOutcome::Challenge { name: "NEW_PASSWORD_REQUIRED".into(), session, parameters })
            }
            UserStatus::Confirmed | UserStatus::ExternalProvider => {
                // A remembered device proves itself instead of MFA.
                if let Some(key) = device_key
                    && let Ok(device) = self.get_device(pool, &user, key).await
                    && device.is_remembered()
                {
                    let session = Some(self.seal_challenge(pool, client, &user, "DEVICE_SRP_AUTH")?);
                    let parameters = BTreeMap::from([
                        ("USERNAME".to_string(), user.username.clone()),
                        ("DEVICE_KEY".to_string(), device.key),
                    ]);
                    return Ok(AuthOutcome::Challenge { name: "DEVICE_SRP_AUTH".into(), session, parameters });
                }
                if let Some(step) = self.mfa_step(pool, client, &user).await? {
                    return Ok(step);
                }
                self.sign_in(pool, client, &user).await
            }
        }
    }

    /// Tokens for a completed sign-in, with a new device when the pool tracks devices.
    async fn sign_in(&self, pool: &UserPool, client: &Client, user: &User) -> Result<AuthOutcome> {
        let now = self.clock.now_ms() / 1000;
        let device = self.new_device(pool, user).await?;
        let key = device.as_ref().map(|d| d.key.clone());
        let origin = new_id();
        let how = Issue { origin_jti: &origin, auth_time: now, new_refresh: Some(()), device_key: key };
        let mut result = self.issue(pool, client, user, how).await?;
        result.new_device = device.map(|d| (d.key, d.group_key));
        Ok(AuthOutcome::Tokens(result))
    }

    /// Tokens for a sign-in proven by a remembered device.
    async fn sign_in_with_device(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
        key: &str,
    ) -> Result<AuthOutcome> {
        let now = self.clock.now_ms() / 1000;
        let origin = new_id();
        let how =
            Issue { origin_jti: &origin, auth_time: now, new_refresh: Some(()), device_key: Some(key.to_string()) };
        Ok(AuthOutcome::Tokens(self.issue(pool, client, user, how).await?))
    }

    /// Opens a challenge `Session` that must be for `challenge`: its pool, client, user and sealed
    /// state (to claim once it is used).
    pub(crate) async fn open_session(
        &self,
        session: &str,
        challenge: &str,
    ) -> Result<(UserPool, Client, User, ChallengeSession)> {
        let s: ChallengeSession = self.sessions.open(session).ok_or_else(expired_session)?;
        if s.expires_ms <= self.clock.now_ms() || s.challenge != challenge || s.decoy.is_some() {
            return Err(expired_session());
        }
        let pool = self.get_user_pool(&s.pool_id).await.map_err(|_| expired_session())?;
        let client = self.get_client(&s.pool_id, &s.client_id).await.map_err(|_| expired_session())?;
        let user = self.user_by_key(&pool, &s.user_key).await.map_err(|_| expired_session())?;
        Ok((pool, client, user, s))
    }

    /// Marks a session used, on every node: it answers exactly once. Called when an answer
    /// succeeds, before anything it unlocks happens (a wrong answer leaves it open, bounded by
    /// the limit on guesses).
    pub(crate) async fn claim_session(&self, s: &ChallengeSession) -> Result<()> {
        let key = format!("session:{}", s.nonce);
        if self.store.claim_once(&key, s.expires_ms, self.clock.now_ms()).await? {
            Ok(())
        } else {
            Err(Error::NotAuthorized("Invalid session for the user, session can only be used once.".into()))
        }
    }

    pub(crate) fn seal_challenge(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
        challenge: &str,
    ) -> Result<String> {
        self.seal_session(pool, client, user.key.clone(), challenge, None)
    }

    /// A session for an unknown user's decoy challenge (see `decoys`), alike to a real one.
    pub(crate) fn seal_decoy(&self, pool: &UserPool, client: &Client, name: &str, challenge: &str) -> Result<String> {
        self.seal_session(pool, client, String::new(), challenge, Some(name.to_string()))
    }

    fn seal_session(
        &self,
        pool: &UserPool,
        client: &Client,
        user_key: String,
        challenge: &str,
        decoy: Option<String>,
    ) -> Result<String> {
        let minutes = i64::from(client.settings.auth_session_validity.unwrap_or(3));
        let s = ChallengeSession {
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            user_key,
            challenge: challenge.into(),
            expires_ms: self.clock.now_ms() + minutes * 60_000,
            nonce: new_id(),
            decoy,
        };
        self.sessions.seal(&s).ok_or_else(|| Error::Internal(anyhow::anyhow!("sealing a session")))
    }

    /// RespondToAuthChallenge (`is_admin` false) and AdminRespondToAuthChallenge (true).
    pub async fn respond_to_challenge(
        &self,
        pool: &UserPool,
        client: &Client,
        challenge: &str,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        if challenge == "PASSWORD_VERIFIER" || challenge == "DEVICE_PASSWORD_VERIFIER" {
            return self.finish_srp(pool, client, responses).await;
        }
        let expired = expired_session;
        let s: ChallengeSession = session.and_then(|t| self.sessions.open(t)).ok_or_else(expired)?;
        if s.pool_id != pool.id || s.client_id != client.client_id || s.expires_ms <= self.clock.now_ms() {
            return Err(expired());
        }
        // MFA_SETUP is answered with the session VerifySoftwareToken handed back.
        let expected = if challenge == "MFA_SETUP" { MFA_SETUP_VERIFIED } else { challenge };
        if s.challenge != expected {
            return Err(Error::invalid(format!("The session is not for the {challenge} challenge.")));
        }
        if let Some(name) = &s.decoy {
            client.check_secret_hash(param(responses, "USERNAME").unwrap_or(name), param(responses, "SECRET_HASH"))?;
            return self.respond_as_decoy(pool, client, &s, name, challenge, responses).await;
        }
        let mut user = self.user_by_key(pool, &s.user_key).await.map_err(|_| expired())?;
        client.check_secret_hash(
            param(responses, "USERNAME").unwrap_or(&user.username),
            param(responses, "SECRET_HASH"),
        )?;
        match challenge {
            "NEW_PASSWORD_REQUIRED" => {
                let new_password = required(responses, "NEW_PASSWORD")?;
                let policy = pool.settings.config.policies.as_ref().and_then(|p| p.password_policy.as_ref());
                check_policy(policy, new_password).map_err(Error::InvalidPassword)?;
                let changes: Vec<(String, String)> = responses
                    .iter()
                    .filter_map(|(k, v)| k.strip_prefix("userAttributes.").map(|n| (n.to_string(), v.clone())))
                    .collect();
                apply_attributes(pool, &mut user, &changes, Writer::Client(client), false)?;
                crate::users::check_required(pool, &user)?;
                self.claim_session(&s).await?;
                self.set_password(pool, &mut user, new_password).await?;
                user.status = UserStatus::Confirmed;
                user.extra.temporary_password_expires_ms = None;
                self.save_user(pool, &mut user).await?;
                self.after_password(pool, client, user, param(responses, "DEVICE_KEY")).await
            }
            "SOFTWARE_TOKEN_MFA" | "SMS_MFA" | "EMAIL_OTP" | "SMS_OTP" => {
                let (field, factor) = match challenge {
                    "SOFTWARE_TOKEN_MFA" => ("SOFTWARE_TOKEN_MFA_CODE", "SOFTWARE_TOKEN_MFA"),
                    "SMS_MFA" => ("SMS_MFA_CODE", "SMS_MFA"),
                    "SMS_OTP" => ("SMS_OTP_CODE", "SMS_MFA"),
                    _ => ("EMAIL_OTP_CODE", "EMAIL_OTP"),
                };
                let code = required(responses, field)?;
                self.check_factor(pool, &mut user, factor, code).await?;
                if !user.is_enabled {
                    return Err(Error::user_disabled());
                }
                self.claim_session(&s).await?;
                self.sign_in(pool, client, &user).await
            }
            "SELECT_CHALLENGE" => {
                let answer = required(responses, "ANSWER")?;
                if !Self::first_factors(pool, &user).contains(&answer) {
                    return Err(Error::invalid(format!("{answer} is not a challenge this user can choose.")));
                }
                self.claim_session(&s).await?;
                self.begin_first_factor(pool, client, &user, answer, responses).await
            }
            "PASSWORD" => {
                let password = required(responses, "PASSWORD")?;
                self.check_password(pool, &user, password).await?;
                self.claim_session(&s).await?;
                self.after_password(pool, client, user, param(responses, "DEVICE_KEY")).await
            }
            "SELECT_MFA_TYPE" => {
                let answer = required(responses, "ANSWER")?;
                if !Self::usable_factors_of(pool, &user).contains(&answer) {
                    return Err(Error::invalid(format!("{answer} is not an MFA method this user can use.")));
                }
                self.claim_session(&s).await?;
                self.start_factor(pool, client, &user, answer, answer).await
            }
            "DEVICE_SRP_AUTH" => {
                let key = required(responses, "DEVICE_KEY")?;
                let a_hex = required(responses, "SRP_A")?;
                crate::srp::check_a(a_hex).map_err(|_| Error::invalid("SRP_A is not a valid SRP value."))?;
                let device = self.get_device(pool, &user, key).await?;
                self.claim_session(&s).await?;
                let sealed =
                    device.verifier_hex.as_deref().ok_or_else(|| Error::invalid("The device is not confirmed."))?;
                let verifier =
                    self.vault.open_str(&crate::devices::device_srp_context(&pool.id, &device.key), sealed)?;
                let challenge = tokio::task::spawn_blocking(move || crate::srp::server_challenge(&verifier))
                    .await
                    .map_err(|e| Error::Internal(e.into()))?
                    .map_err(|e| Error::Internal(anyhow::anyhow!("SRP challenge: {e:?}")))?;
                let sealed = SrpSession {
                    pool_id: pool.id.clone(),
                    client_id: client.client_id.clone(),
                    user_key: Some(user.key.clone()),
                    user_id_for_srp: device.key.clone(),
                    a_hex: a_hex.to_string(),
                    b_hex: challenge.b_hex,
                    big_b_hex: challenge.big_b_hex.clone(),
                    expires_ms: self.clock.now_ms() + SRP_WINDOW_MS,
                    nonce: new_id(),
                    device_key: Some(device.key.clone()),
                    name: user.username.clone(),
                };
                let block = self
                    .sessions
                    .seal_standard(&sealed)
                    .ok_or_else(|| Error::Internal(anyhow::anyhow!("sealing SRP state")))?;
                let parameters = crate::devices::device_verifier_parameters(&user, &device, challenge.big_b_hex, block);
                let session = Some(self.seal_challenge(pool, client, &user, "DEVICE_PASSWORD_VERIFIER")?);
                Ok(AuthOutcome::Challenge { name: "DEVICE_PASSWORD_VERIFIER".into(), session, parameters })
            }
            "MFA_SETUP" => {
                // Reached with the session VerifySoftwareToken returned, once the token is verified.
                if !user.extra.mfa.totp.enabled || user.extra.mfa.totp_secret.is_none() {
                    return Err(Error::invalid("Verify a software token before answering MFA_SETUP."));
                }
                self.claim_session(&s).await?;
                self.sign_in(pool, client, &user).await
            }
            other => Err(Error::invalid(format!(
                "Cognate does not support the {other} challenge yet; see docs/COVERAGE.md."
            ))),
        }
    }

    /// USER_SRP_AUTH, first step: check `SRP_A`, answer `PASSWORD_VERIFIER` with the user's salt,
    /// `SRP_B` and a sealed `SECRET_BLOCK` carrying the exchange. Unknown users get a decoy
    /// challenge when the client hides user existence, so the answer cannot tell them apart.
    async fn start_srp(
        &self,
        pool: &UserPool,
        client: &Client,
        params: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        self.start_srp_for(pool, client, params, false).await
    }

    /// `via_user_auth`: the PASSWORD_SRP choice of USER_AUTH, which ALLOW_USER_AUTH permits and
    /// whose SECRET_HASH was checked when USER_AUTH started.
    pub(crate) async fn start_srp_for(
        &self,
        pool: &UserPool,
        client: &Client,
        params: &BTreeMap<String, String>,
        via_user_auth: bool,
    ) -> Result<AuthOutcome> {
        let allows_srp = via_user_auth || client.allows("ALLOW_USER_SRP_AUTH", None);
        if !allows_srp {
            return Err(Error::invalid("USER_SRP_AUTH flow not enabled for this client"));
        }
        let username = required(params, "USERNAME")?;
        let a_hex = required(params, "SRP_A")?;
        crate::srp::check_a(a_hex).map_err(|_| Error::invalid("SRP_A is not a valid SRP value."))?;
        if !via_user_auth {
            client.check_secret_hash(username, param(params, "SECRET_HASH"))?;
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
        let verifier = record.verifier_hex.clone();
        let challenge = tokio::task::spawn_blocking(move || crate::srp::server_challenge(&verifier))
            .await
            .map_err(|e| Error::Internal(e.into()))?
            .map_err(|e| Error::Internal(anyhow::anyhow!("SRP challenge: {e:?}")))?;
        let sealed = SrpSession {
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            user_key,
            user_id_for_srp: user_id.clone(),
            a_hex: a_hex.to_string(),
            b_hex: challenge.b_hex,
            big_b_hex: challenge.big_b_hex.clone(),
            expires_ms: self.clock.now_ms() + SRP_WINDOW_MS,
            nonce: new_id(),
            device_key: None,
            name: username.to_string(),
        };
        let secret_block = self
            .sessions
            .seal_standard(&sealed)
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("sealing SRP state")))?;
        let parameters = BTreeMap::from([
            ("SALT".to_string(), record.salt_hex),
            ("SRP_B".to_string(), challenge.big_b_hex),
            ("SECRET_BLOCK".to_string(), secret_block),
            ("USERNAME".to_string(), user_id.clone()),
            ("USER_ID_FOR_SRP".to_string(), user_id),
        ]);
        Ok(AuthOutcome::Challenge { name: "PASSWORD_VERIFIER".into(), session: None, parameters })
    }

    /// The pool's AllowedFirstAuthFactors.
    pub(crate) fn allowed_first_factors(pool: &UserPool) -> Vec<String> {
        pool.settings
            .config
            .policies
            .as_ref()
            .and_then(|p| p.sign_in_policy.as_ref())
            .and_then(|p| p.allowed_first_auth_factors.as_ref())
            .map(|f| f.iter().map(|x| x.as_str().to_string()).collect())
            .unwrap_or_default()
    }

    /// The first factors a user can choose in choice-based sign-in (USER_AUTH): the pool's
    /// AllowedFirstAuthFactors that the user has the means for.
    pub(crate) fn first_factors(pool: &UserPool, user: &User) -> Vec<&'static str> {
        let allowed = Self::allowed_first_factors(pool);
        let allows = |f: &str| allowed.iter().any(|a| a == f);
        let mut out = Vec::new();
        if allows("PASSWORD") && user.password_hash.is_some() {
            out.push("PASSWORD");
            if user.extra.srp.is_some() {
                out.push("PASSWORD_SRP");
            }
        }
        if allows("EMAIL_OTP") && user.attr("email").is_some() && user.is_verified("email") {
            out.push("EMAIL_OTP");
        }
        if allows("SMS_OTP") && user.attr("phone_number").is_some() && user.is_verified("phone_number") {
            out.push("SMS_OTP");
        }
        out
    }

    /// GetUserAuthFactors' `ConfiguredUserAuthFactors`: the first factors the user can use.
    pub fn configured_auth_factors(&self, pool: &UserPool, user: &User) -> Vec<&'static str> {
        Self::first_factors(pool, user).into_iter().filter(|f| *f != "PASSWORD_SRP").collect()
    }

    /// USER_AUTH (choice-based sign-in): the preferred challenge if the user can do it, else
    /// SELECT_CHALLENGE with the choices.
    async fn start_user_auth(
        &self,
        pool: &UserPool,
        client: &Client,
        params: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        if !client.allows("ALLOW_USER_AUTH", None) {
            return Err(Error::invalid("USER_AUTH flow not enabled for this client"));
        }
        let username = required(params, "USERNAME")?;
        client.check_secret_hash(username, param(params, "SECRET_HASH"))?;
        let hides_users = client.prevents_user_existence_errors();
        let user = match self.find_user(pool, username).await? {
            Some(u) => u,
            None if hides_users => return self.decoy_user_auth(pool, client, username, params).await,
            None => return Err(Error::UserNotFound("User does not exist.".into())),
        };
        // When users are hidden, an unconfirmed user learns so only after proving a factor, as
        // in the password flows.
        if user.status == UserStatus::Unconfirmed && !hides_users {
            return Err(Error::UserNotConfirmed("User is not confirmed.".into()));
        }
        let available = Self::first_factors(pool, &user);
        if available.is_empty() {
            if hides_users {
                return self.decoy_user_auth(pool, client, username, params).await;
            }
            return Err(Error::invalid("The user has no sign-in factor the user pool allows."));
        }
        if let Some(preferred) = param(params, "PREFERRED_CHALLENGE")
            && available.contains(&preferred)
        {
            return self.begin_first_factor(pool, client, &user, preferred, params).await;
        }
        let session = self.seal_challenge(pool, client, &user, "SELECT_CHALLENGE")?;
        Ok(AuthOutcome::Select { session, available: available.into_iter().map(String::from).collect() })
    }

    /// Starts (or, with its input present, completes) one first factor of USER_AUTH.
    async fn begin_first_factor(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
        factor: &str,
        inputs: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        match factor {
            "PASSWORD" => match param(inputs, "PASSWORD") {
                Some(password) => {
                    self.check_password(pool, user, password).await?;
                    self.after_password(pool, client, user.clone(), param(inputs, "DEVICE_KEY")).await
                }
                None => {
                    let session = Some(self.seal_challenge(pool, client, user, "PASSWORD")?);
                    let parameters = BTreeMap::from([("USERNAME".to_string(), user.username.clone())]);
                    Ok(AuthOutcome::Challenge { name: "PASSWORD".into(), session, parameters })
                }
            },
            "PASSWORD_SRP" => {
                let mut srp_params = inputs.clone();
                srp_params.insert("USERNAME".into(), user.username.clone());
                if param(&srp_params, "SRP_A").is_none() {
                    return Err(Error::invalid("PASSWORD_SRP needs SRP_A."));
                }
                self.start_srp_for(pool, client, &srp_params, true).await
            }
            "EMAIL_OTP" | "SMS_OTP" => {
                // The code goes out exactly as for the MFA factor; only the challenge name differs.
                let mfa_factor = if factor == "EMAIL_OTP" { crate::mfa::EMAIL_OTP } else { crate::mfa::SMS_MFA };
                self.start_factor(pool, client, user, mfa_factor, factor).await
            }
            other => Err(Error::invalid(format!("{other} is not a first factor Cognate supports yet."))),
        }
    }

    /// A keyed hash of a name in a pool: the same at every attempt, unknowable without the
    /// deployment secret. Decoys for unknown users are derived from it.
    pub(crate) fn decoy_seed(&self, pool: &UserPool, purpose: &str, name: &str) -> Result<[u8; 32]> {
        let mut mac = <Hmac<Sha256> as hmac::Mac>::new_from_slice(&self.code_key)
            .map_err(|e| Error::Internal(anyhow::anyhow!("decoy key: {e}")))?;
        for part in [purpose, pool.id.as_str(), pool.username_key(name).as_str()] {
            mac.update(part.as_bytes());
            mac.update(&[0]);
        }
        Ok(mac.finalize().into_bytes().into())
    }

    /// A user's SRP record with its verifier decrypted.
    fn open_srp_record(
        &self,
        pool: &UserPool,
        user: &User,
        record: &crate::users::SrpRecord,
    ) -> Result<crate::users::SrpRecord> {
        let verifier_hex =
            self.vault.open_str(&crate::users::srp_context(&pool.id, &user.sub), &record.verifier_hex)?;
        Ok(crate::users::SrpRecord { salt_hex: record.salt_hex.clone(), verifier_hex })
    }

    /// A stable decoy salt and verifier for a name that has no SRP record.
    fn decoy_srp_record(&self, pool: &UserPool, username: &str) -> Result<crate::users::SrpRecord> {
        let v = crate::srp::decoy_verifier(&self.decoy_seed(pool, "srp", username)?);
        Ok(crate::users::SrpRecord { salt_hex: v.salt_hex, verifier_hex: v.verifier_hex })
    }

    /// The USER_ID_FOR_SRP an unknown name gets: where a known user's would be an internal ID
    /// rather than the name typed (email or phone as username or alias), a stable UUID-shaped
    /// decoy; otherwise the name itself, as a known user's username is.
    pub(crate) fn decoy_user_id(&self, pool: &UserPool, name: &str) -> Result<String> {
        let is_alias_shaped = (name.contains('@') && pool.has_alias("email"))
            || (name.starts_with('+') && pool.has_alias("phone_number"));
        if pool.settings.username_attributes.is_empty() && !is_alias_shaped {
            return Ok(name.to_string());
        }
        let seed = self.decoy_seed(pool, "user-id", name)?;
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&seed[..16]);
        Ok(uuid::Builder::from_random_bytes(bytes).into_uuid().to_string())
    }

    /// USER_SRP_AUTH, second step: open the SECRET_BLOCK (once, on any node), check the
    /// TIMESTAMP against the clock and the PASSWORD_CLAIM_SIGNATURE against the verifier.
    async fn finish_srp(
        &self,
        pool: &UserPool,
        client: &Client,
        responses: &BTreeMap<String, String>,
    ) -> Result<AuthOutcome> {
        let block = required(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
        let signature = required(responses, "PASSWORD_CLAIM_SIGNATURE")?;
        let timestamp = required(responses, "TIMESTAMP")?;
        let username = required(responses, "USERNAME")?;
        let invalid_block = || Error::NotAuthorized("Invalid session for the user, session is expired.".into());
        let s: SrpSession = self.sessions.open_standard(block).ok_or_else(invalid_block)?;
        let now = self.clock.now_ms();
        if s.pool_id != pool.id || s.client_id != client.client_id || s.expires_ms <= now {
            return Err(invalid_block());
        }
        client.check_secret_hash(username, param(responses, "SECRET_HASH"))?;
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
            Some(d) => match (&d.salt_hex, &d.verifier_hex) {
                (Some(salt), Some(v)) => crate::users::SrpRecord {
                    salt_hex: salt.clone(),
                    verifier_hex: self.vault.open_str(&crate::devices::device_srp_context(&pool.id, &d.key), v)?,
                },
                _ => return Err(incorrect()),
            },
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
            return self.sign_in_with_device(pool, client, &user, &d.key).await;
        }
        if let Some(admitted) = admitted {
            self.settle_guess(admitted, is_correct, incorrect(), attempts_exceeded).await?;
        }
        self.after_password(pool, client, user, param(responses, "DEVICE_KEY")).await
    }

    /// Groups of a user as token claims.
    async fn group_claims(&self, pool: &UserPool, user: &User) -> Result<Vec<GroupClaim>> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.store.list_groups_for_user(&pool.id, &user.key, after.as_deref(), 100).await?;
            let done = page.len() < 100;
            after = page.last().map(|g| g.name.clone());
            out.extend(page.into_iter().map(|g| GroupClaim {
                name: g.name,
                precedence: g.precedence,
                role_arn: g.role_arn,
            }));
            if done {
                return Ok(out);
            }
        }
    }

    /// Mints tokens; for a new sign-in also a refresh token (see `Issue`).
    async fn issue(&self, pool: &UserPool, client: &Client, user: &User, how: Issue<'_>) -> Result<AuthResult> {
        let Issue { origin_jti, auth_time, new_refresh, device_key } = how;
        let groups = self.group_claims(pool, user).await?;
        let readable: BTreeMap<String, String> = user
            .attributes
            .iter()
            .filter(|(k, _)| !k.starts_with("dev:") && k.as_str() != "sub")
            .filter(|(k, _)| client.settings.read_attributes.as_ref().is_none_or(|r| r.iter().any(|a| a == *k)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let now_ms = self.clock.now_ms();
        let access_seconds = client.settings.access_token_seconds();
        let minted = self
            .mint(&Grant {
                pool_id: &pool.id,
                client_id: &client.client_id,
                username: &user.username,
                sub: &user.sub,
                attributes: &readable,
                groups: &groups,
                origin_jti,
                auth_time,
                now: now_ms / 1000,
                access_seconds,
                id_seconds: client.settings.id_token_seconds(),
                scope: ADMIN_SCOPE,
                device_key: device_key.as_deref(),
            })
            .await?;
        let refresh_token = match new_refresh {
            Some(()) => Some(self.store_refresh_token(pool, client, user, origin_jti, now_ms).await?),
            None => None,
        };
        Ok(AuthResult {
            access_token: minted.access_token,
            id_token: minted.id_token,
            refresh_token,
            expires_in: access_seconds,
            new_device: None,
        })
    }

    async fn store_refresh_token(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
        origin_jti: &str,
        now_ms: i64,
    ) -> Result<String> {
        let (token, hash) = new_refresh_token();
        self.store
            .create_refresh_token(&RefreshTokenRow {
                token_sha256: hash,
                pool_id: pool.id.clone(),
                client_id: client.client_id.clone(),
                username_key: user.key.clone(),
                origin_jti: origin_jti.to_string(),
                issued_ms: now_ms,
                expires_ms: now_ms + client.settings.refresh_token_seconds() * 1000,
                revoked_ms: None,
                rotated_ms: None,
            })
            .await?;
        Ok(token)
    }

    /// The stored row and user of a live refresh token issued to `client`.
    async fn refresh_token_owner(
        &self,
        pool: &UserPool,
        client: &Client,
        token: &str,
    ) -> Result<(RefreshTokenRow, User)> {
        let invalid = invalid_refresh_token;
        let row = self.store.find_refresh_token(&refresh_token_hash(token)).await?.ok_or_else(invalid)?;
        if row.pool_id != pool.id || row.client_id != client.client_id {
            return Err(invalid());
        }
        if row.revoked_ms.is_some() {
            return Err(Error::NotAuthorized("Refresh Token has been revoked".into()));
        }
        if row.expires_ms <= self.clock.now_ms() {
            return Err(Error::NotAuthorized("Refresh Token has expired".into()));
        }
        self.check_grace(client, &row, self.clock.now_ms())?;
        let user = self.user_by_key(pool, &row.username_key).await.map_err(|_| invalid())?;
        if !user.is_enabled {
            return Err(Error::user_disabled());
        }
        if row.issued_ms < user.tokens_valid_after_ms {
            return Err(Error::NotAuthorized("Refresh Token has been revoked".into()));
        }
        Ok((row, user))
    }

    /// GetTokensFromRefreshToken: new ID and access tokens, and with rotation enabled a new
    /// refresh token. Rotation is one atomic step: the store marks the old token rotated for
    /// exactly one caller, and only that caller gets tokens. With the client's
    /// `RetryGracePeriodSeconds` (Cognito's grace for lost responses, 0 to 60 s), the rotated
    /// token keeps working for that long, and each use within it gets a new refresh token.
    pub async fn tokens_from_refresh_token(
        &self,
        pool: &UserPool,
        client: &Client,
        token: &str,
        client_secret: Option<&str>,
    ) -> Result<AuthResult> {
        client.check_client_secret(client_secret)?;
        let (row, user) = self.refresh_token_owner(pool, client, token).await?;
        let rotation = client.settings.refresh_token_rotation.as_ref();
        let is_rotating = rotation.map(|r| &r.feature) == Some(&m::FeatureType::Enabled);
        if !is_rotating {
            return self.issue(pool, client, &user, Issue::refresh(&row)).await;
        }
        let now = self.clock.now_ms();
        if row.rotated_ms.is_none() && !self.store.rotate_refresh_token(&row.token_sha256, now).await? {
            // Another request rotated it first: this one sees a rotated token, as it would have a
            // moment later.
            let row = self.store.find_refresh_token(&row.token_sha256).await?.ok_or_else(invalid_refresh_token)?;
            self.check_grace(client, &row, now)?;
        }
        let mut result = self.issue(pool, client, &user, Issue::refresh(&row)).await?;
        result.refresh_token = Some(self.store_refresh_token(pool, client, &user, &row.origin_jti, now).await?);
        Ok(result)
    }

    /// A rotated refresh token still works inside the client's retry grace period.
    fn check_grace(&self, client: &Client, row: &RefreshTokenRow, now: i64) -> Result<()> {
        let grace_ms = client
            .settings
            .refresh_token_rotation
            .as_ref()
            .and_then(|r| r.retry_grace_period_seconds)
            .map_or(0, |s| i64::from(s.clamp(0, 60)) * 1000);
        // Whoever sees the rotation comes after it, whatever its own clock reading was.
        match row.rotated_ms {
            Some(at) if now.max(at) >= at + grace_ms => {
                Err(Error::NotAuthorized("Refresh Token has been revoked".into()))
            }
            _ => Ok(()),
        }
    }

    /// RevokeToken: ends the sign-in a refresh token belongs to, with its access tokens.
    pub async fn revoke_token(
        &self,
        pool: &UserPool,
        client: &Client,
        token: &str,
        client_secret: Option<&str>,
    ) -> Result<()> {
        client.check_client_secret(client_secret)?;
        if client.settings.enable_token_revocation == Some(false) {
            return Err(Error::UnsupportedOperation("Token revocation is not enabled for this client.".into()));
        }
        match self.store.find_refresh_token(&refresh_token_hash(token)).await? {
            Some(row) if row.pool_id == pool.id && row.client_id == client.client_id => {
                self.store.revoke_origin(&row.origin_jti, self.clock.now_ms()).await?;
                Ok(())
            }
            // RFC 7009: an unknown token is not an error.
            Some(_) => Err(Error::NotAuthorized("The token was not issued to this client.".into())),
            None => Ok(()),
        }
    }

    /// GlobalSignOut / AdminUserGlobalSignOut: every refresh and access token of the user dies.
    pub async fn global_sign_out(&self, pool: &UserPool, user: &mut User) -> Result<()> {
        let now = self.clock.now_ms();
        self.store.revoke_user_tokens(&pool.id, &user.key, now).await?;
        // Refresh tokens record their issue time in milliseconds and are compared exactly.
        // Access tokens carry whole seconds (`iat`): one from an earlier second is out here; one
        // from this very second is out if its sign-in was revoked above, which is exact.
        user.tokens_valid_after_ms = now;
        self.save_user(pool, user).await
    }

    /// Deletes refresh tokens and attempt counters that have expired; returns how many.
    pub async fn purge_expired_tokens(&self) -> Result<u64> {
        let now = self.clock.now_ms();
        let tokens = self.store.delete_expired_refresh_tokens(now).await?;
        Ok(tokens + self.store.delete_expired_counters(now).await?)
    }

    /// The pool, user and claims of a valid access token for self-service operations.
    ///
    /// This is the hot path of every self-service call: one signature check and two indexed
    /// reads (the user, the revocation of its sign-in), without loading the pool.
    pub async fn authorize(&self, token: &str) -> Result<(String, User, AccessClaims)> {
        let claims = self.verify_access_token(token).await?;
        let pool_id = claims.iss.rsplit('/').next().unwrap_or_default().to_string();
        if !claims.scope.split(' ').any(|s| s == ADMIN_SCOPE) {
            return Err(Error::NotAuthorized("Access Token does not have required scopes".into()));
        }
        let is_case_insensitive = match self.cached_case_insensitivity(&pool_id) {
            Some(v) => v,
            None => {
                let pool = self
                    .get_user_pool(&pool_id)
                    .await
                    .map_err(|_| Error::NotAuthorized("Invalid Access Token".into()))?;
                self.remember_case_insensitivity(&pool);
                pool.is_case_insensitive()
            }
        };
        let key = if is_case_insensitive { claims.username.to_lowercase() } else { claims.username.clone() };
        let (user, is_revoked) = self
            .user_for_token(&pool_id, &key, &claims.origin_jti)
            .await
            .map_err(|_| Error::NotAuthorized("User does not exist.".into()))?;
        if user.sub != claims.sub {
            return Err(Error::NotAuthorized("Invalid Access Token".into()));
        }
        if !user.is_enabled {
            return Err(Error::user_disabled());
        }
        // `iat` comes from the token: saturate rather than overflow on absurd values.
        if claims.iat.saturating_add(1).saturating_mul(1000) <= user.tokens_valid_after_ms || is_revoked {
            return Err(Error::NotAuthorized("Access Token has been revoked".into()));
        }
        Ok((pool_id, user, claims))
    }

    /// Whether usernames of a pool are case-insensitive, if known. The setting is immutable, so
    /// the answer can be kept for the life of the process.
    fn cached_case_insensitivity(&self, pool_id: &str) -> Option<bool> {
        self.case_insensitive.read().ok().and_then(|m| m.get(pool_id).copied())
    }

    fn remember_case_insensitivity(&self, pool: &UserPool) {
        if let Ok(mut m) = self.case_insensitive.write() {
            m.insert(pool.id.clone(), pool.is_case_insensitive());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_hash_matches_the_documented_formula() {
        // Computed with Python: base64(hmac.new(b"secret", b"alice" + b"client", sha256).digest())
        assert_eq!(super::secret_hash("secret", "alice", "client"), "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0=");
    }
}
