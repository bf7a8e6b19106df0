//! The one path from a proven sign-in to tokens. Every flow and challenge that succeeds calls
//! `finish`; refresh calls `issue` for the sign-in it continues. This is where Cognito's
//! PostAuthentication and PreTokenGeneration triggers run (PreAuthentication runs before the
//! first factor is checked), and where the OAuth token endpoint gets tokens with the scopes it
//! granted (`Scopes::Granted`).

use std::collections::BTreeMap;

use cognate_store::RefreshTokenRow;

use super::AuthOutcome;
use crate::Domain;
use crate::clients::Client;
use crate::error::Result;
use crate::pools::UserPool;
use crate::tokens::{Grant, GroupClaim, new_id, new_refresh_token};
use crate::users::User;

/// Scope of tokens issued through the API.
pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Tokens of a successful sign-in.
#[derive(Clone, Debug)]
pub struct AuthResult {
    pub access_token: String,
    /// Absent for an OAuth grant without the `openid` scope.
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    /// `(device key, device group key)` of a device this sign-in created.
    pub new_device: Option<(String, String)>,
}

/// The scopes an access token carries.
#[derive(Clone, Copy, Debug)]
pub enum Scopes<'a> {
    /// Sign-in through the API: `aws.cognito.signin.user.admin`.
    Api,
    /// What an OAuth authorization granted.
    Granted(&'a [String]),
}

impl Scopes<'_> {
    /// Whether the scope is granted (an API sign-in has only its admin scope).
    pub(crate) fn has(self, scope: &str) -> bool {
        match self {
            Scopes::Api => scope == ADMIN_SCOPE,
            Scopes::Granted(scopes) => scopes.iter().any(|s| s == scope),
        }
    }

    fn claim(self) -> String {
        match self {
            Scopes::Api => ADMIN_SCOPE.to_string(),
            Scopes::Granted(scopes) => scopes.join(" "),
        }
    }
}

/// The device side of a finished sign-in.
#[derive(Clone, Debug)]
pub(crate) enum DeviceUse {
    /// No remembered device proved it: a new device is tracked if the pool remembers devices.
    New,
    /// A remembered device proved it (DEVICE_SRP_AUTH).
    Remembered(String),
}

/// What a token issue belongs to.
pub(crate) struct Issue<'a> {
    /// The sign-in's `origin_jti`.
    pub(crate) origin_jti: &'a str,
    pub(crate) auth_time: i64,
    /// A new sign-in also gets a refresh token.
    pub(crate) is_new_sign_in: bool,
    /// The device the sign-in used or created.
    pub(crate) device_key: Option<String>,
    pub(crate) scopes: Scopes<'a>,
    /// The `nonce` of the OpenID authentication request, for the ID token.
    pub(crate) nonce: Option<&'a str>,
}

impl<'a> Issue<'a> {
    /// New ID and access tokens for the sign-in a refresh token belongs to.
    pub(crate) fn refresh(row: &'a RefreshTokenRow, granted: &'a [String]) -> Self {
        Issue {
            origin_jti: &row.origin_jti,
            auth_time: row.issued_ms / 1000,
            is_new_sign_in: false,
            device_key: None,
            scopes: if row.scope.is_some() { Scopes::Granted(granted) } else { Scopes::Api },
            nonce: None,
        }
    }
}

impl Domain {
    /// Tokens for a completed sign-in (with a new device when the pool tracks devices and no
    /// remembered device proved the sign-in).
    pub(crate) async fn finish(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
        device: DeviceUse,
        scopes: Scopes<'_>,
    ) -> Result<AuthOutcome> {
        let now = self.clock.now_ms() / 1000;
        // The hosted pages keep a sign-in session and hand out codes; tokens come from the
        // token endpoint (`hosted::exchange_code`). Cognito's hosted UI tracks no devices.
        if client.via == super::Via::HostedUi {
            return Ok(AuthOutcome::SignedIn(super::SignedIn {
                user_key: user.key.clone(),
                username: user.username.clone(),
                sub: user.sub.clone(),
                auth_time: now,
            }));
        }
        let (device_key, new_device) = match device {
            DeviceUse::New => {
                let created = self.new_device(pool, user).await?;
                (created.as_ref().map(|d| d.key.clone()), created.map(|d| (d.key, d.group_key)))
            }
            DeviceUse::Remembered(key) => (Some(key), None),
        };
        let origin = new_id();
        let how = Issue { origin_jti: &origin, auth_time: now, is_new_sign_in: true, device_key, scopes, nonce: None };
        let mut result = self.issue(pool, client, user, how).await?;
        result.new_device = new_device;
        Ok(AuthOutcome::Tokens(result))
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
    pub(crate) async fn issue(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
        how: Issue<'_>,
    ) -> Result<AuthResult> {
        let Issue { origin_jti, auth_time, is_new_sign_in, device_key, scopes, nonce } = how;
        let groups = self.group_claims(pool, user).await?;
        let readable: BTreeMap<String, String> = readable_attributes(client, user, scopes);
        let now_ms = self.clock.now_ms();
        let access_seconds = client.settings.access_token_seconds();
        let scope = scopes.claim();
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
                scope: &scope,
                device_key: device_key.as_deref(),
                nonce,
                // An OAuth grant without `openid` gets no ID token; one with it an `at_hash`.
                with_id_token: matches!(scopes, Scopes::Api) || scopes.has("openid"),
                with_at_hash: matches!(scopes, Scopes::Granted(_)),
            })
            .await?;
        let stored_scope = match scopes {
            Scopes::Api => None,
            Scopes::Granted(_) => Some(scope.as_str()),
        };
        let refresh_token = match is_new_sign_in {
            true => Some(self.store_refresh_token(pool, client, user, origin_jti, now_ms, stored_scope).await?),
            false => None,
        };
        Ok(AuthResult {
            access_token: minted.access_token,
            id_token: minted.id_token,
            refresh_token,
            expires_in: access_seconds,
            new_device: None,
        })
    }

    /// Stores a new refresh token of the sign-in `origin_jti`; returns its value.
    pub(crate) async fn store_refresh_token(
        &self,
        pool: &UserPool,
        client: &Client,
        user: &User,
        origin_jti: &str,
        now_ms: i64,
        scope: Option<&str>,
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
                scope: scope.map(str::to_string),
            })
            .await?;
        Ok(token)
    }
}

/// The standard claims of OpenID Connect's `profile` scope.
const PROFILE_CLAIMS: &[&str] = &[
    "name",
    "family_name",
    "given_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "updated_at",
];

/// Whether an attribute is within the granted scopes, as Cognito limits ID tokens and userInfo:
/// through the API, or with `openid` alone, every attribute the client may read; with `openid`
/// and other scopes, only theirs — `profile` the profile claims and custom attributes, `email`
/// email and email_verified, `phone` phone_number and phone_number_verified.
/// <https://docs.aws.amazon.com/cognito/latest/developerguide/userinfo-endpoint.html>
pub(crate) fn scope_allows(scopes: Scopes<'_>, attribute: &str) -> bool {
    let Scopes::Granted(granted) = scopes else { return true };
    let has = |s: &str| granted.iter().any(|g| g == s);
    if !has("profile") && !has("email") && !has("phone") {
        return true;
    }
    match attribute {
        "email" | "email_verified" => has("email"),
        "phone_number" | "phone_number_verified" => has("phone"),
        a if a.starts_with("custom:") => has("profile"),
        a => has("profile") && PROFILE_CLAIMS.contains(&a),
    }
}

/// The attributes of the user the client may read and the scopes allow, for tokens and userInfo.
pub(crate) fn readable_attributes(client: &Client, user: &User, scopes: Scopes<'_>) -> BTreeMap<String, String> {
    user.attributes
        .iter()
        .filter(|(k, _)| !k.starts_with("dev:") && k.as_str() != "sub")
        .filter(|(k, _)| client.settings.read_attributes.as_ref().is_none_or(|r| r.iter().any(|a| a == *k)))
        .filter(|(k, _)| scope_allows(scopes, k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
