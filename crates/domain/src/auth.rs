//! Tokens after sign-in: the client a request names, SECRET_HASH, GetTokensFromRefreshToken with
//! rotation, token revocation, global sign-out, and access-token authorization for self-service
//! operations. Sign-in itself (flows, challenges, the path to tokens) is in `signin`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cognate_model::cognito_idp as m;
use cognate_store::RefreshTokenRow;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use crate::Domain;
use crate::clients::Client;
use crate::error::{Error, Result};
use crate::pools::UserPool;
use crate::signin::{AuthResult, Issue};
use crate::tokens::{AccessClaims, refresh_token_hash};
use crate::users::User;

pub use crate::signin::ADMIN_SCOPE;

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
    /// The hosted pages run on the server, which knows the secret: they need no SECRET_HASH.
    pub fn check_secret_hash(&self, username: &str, given: Option<&str>) -> Result<()> {
        let Some(secret) = &self.secret else { return Ok(()) };
        if self.via == crate::clients::Via::HostedUi {
            return Ok(());
        }
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

    /// Whether a token-endpoint request authenticates as this client: a confidential client with
    /// its secret (compared in constant time), a public one with none.
    pub fn authenticates(&self, client_secret: Option<&str>) -> bool {
        match (&self.secret, client_secret) {
            (None, None) => true,
            (Some(s), Some(given)) => bool::from(s.as_bytes().ct_eq(given.as_bytes())),
            (None, Some(_)) | (Some(_), None) => false,
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

fn invalid_refresh_token() -> Error {
    Error::NotAuthorized("Invalid Refresh Token".into())
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

    /// The stored row and user of a live refresh token issued to `client`.
    pub(crate) async fn refresh_token_owner(
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
        let granted: Vec<String> = row.scope.iter().flat_map(|s| s.split(' ')).map(str::to_string).collect();
        if !is_rotating {
            return self.issue(pool, client, &user, Issue::refresh(&row, &granted)).await;
        }
        let now = self.clock.now_ms();
        if row.rotated_ms.is_none() && !self.store.rotate_refresh_token(&row.token_sha256, now).await? {
            // Another request rotated it first: this one sees a rotated token, as it would have a
            // moment later.
            let row = self.store.find_refresh_token(&row.token_sha256).await?.ok_or_else(invalid_refresh_token)?;
            self.check_grace(client, &row, now)?;
        }
        let mut result = self.issue(pool, client, &user, Issue::refresh(&row, &granted)).await?;
        let scope = row.scope.as_deref();
        result.refresh_token = Some(self.store_refresh_token(pool, client, &user, &row.origin_jti, now, scope).await?);
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
        self.authorize_scoped(token, ADMIN_SCOPE).await
    }

    /// Like `authorize`, for an access token that must carry `scope` (`openid` for userInfo).
    pub async fn authorize_scoped(&self, token: &str, scope: &str) -> Result<(String, User, AccessClaims)> {
        let claims = self.verify_access_token(token).await?;
        let pool_id = claims.iss.rsplit('/').next().unwrap_or_default().to_string();
        if !claims.scope.split(' ').any(|s| s == scope) {
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
