//! Passkeys (WebAuthn): StartWebAuthnRegistration and CompleteWebAuthnRegistration for a
//! signed-in user, ListWebAuthnCredentials, DeleteWebAuthnCredential, and the WEB_AUTHN first
//! factor of choice-based sign-in (`signin::choice`). Attestations and assertions are checked by
//! webauthn-rs (origin, relying-party ID hash, challenge, signature, user verification); its
//! states are kept where the next step finds them on any node — a pending registration in the
//! user's document, an authentication in the sealed challenge session.
//! <https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow-methods.html#amazon-cognito-user-pools-authentication-flow-methods-passkey>

use cognate_model::cognito_idp as m;
use cognate_model::{Document, Timestamp};
use serde::Serialize;
use webauthn_rs::prelude::{
    CredentialID, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, SecurityKey, SecurityKeyAuthentication, SecurityKeyRegistration, Url, Uuid, Webauthn,
    WebauthnBuilder,
};

use crate::Domain;
use crate::error::{Error, Result};
use crate::pools::UserPool;
use crate::users::{PendingPasskey, StoredPasskey, User};

/// Cognito's limit of passkeys per user.
const MAX_PASSKEYS: usize = 20;
/// How long a started registration may be completed.
const REGISTRATION_MS: i64 = 5 * 60 * 1000;

fn invalid_credential(why: impl std::fmt::Display) -> Error {
    Error::invalid(format!("The WebAuthn credential is not valid: {why}."))
}

fn internal(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("{what}: {e}"))
}

/// The pool's WebAuthnConfiguration UserVerification: `required` checks user verification on
/// every ceremony (webauthn-rs's passkey API); `preferred`, Cognito's default, asks for it and
/// accepts authenticators without it (webauthn-rs's security-key API, whose policy is exactly
/// "preferred"). Both store the same credential, so a pool may change its mind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verification {
    Required,
    Preferred,
}

impl Verification {
    fn of(pool: &UserPool) -> Verification {
        match pool.settings.mfa.web_authn.as_ref().and_then(|w| w.user_verification.as_ref()) {
            Some(m::UserVerificationType::Required) => Verification::Required,
            Some(m::UserVerificationType::Preferred | m::UserVerificationType::Unknown(_)) | None => {
                Verification::Preferred
            }
        }
    }

    /// The tag of a state sealed or stored under this policy.
    fn tag(self) -> &'static str {
        match self {
            Verification::Required => "required:",
            Verification::Preferred => "preferred:",
        }
    }
}

fn de<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| internal(what, e))
}

fn ser<T: Serialize>(v: &T, what: &str) -> Result<String> {
    serde_json::to_string(v).map_err(|e| internal(what, e))
}

/// A value webauthn-rs serialises to a JSON string (base64url bytes), as that string.
fn json_string<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).map(|s| s.trim_matches('"').to_string()).unwrap_or_default()
}

impl Domain {
    /// The relying party of a pool's passkeys: its WebAuthnConfiguration's RelyingPartyId, else
    /// the host of its domain (or of this deployment), `localhost` for an address.
    pub async fn relying_party_id(&self, pool: &UserPool) -> Result<String> {
        if let Some(id) = pool.settings.mfa.web_authn.as_ref().and_then(|w| w.relying_party_id.clone()) {
            return Ok(id);
        }
        let base = self.domain_base_url(&pool.id).await?.unwrap_or_else(|| self.config.issuer_base.clone());
        let host = Url::parse(&base).ok().and_then(|u| u.host_str().map(str::to_string)).unwrap_or_default();
        Ok(if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() { "localhost".into() } else { host })
    }

    /// The WebAuthn relying party of a pool: pages of the RP ID's host and its subdomains, on any
    /// port (and plain http for `localhost`, which browsers treat as secure).
    pub(crate) async fn webauthn(&self, pool: &UserPool) -> Result<(Webauthn, String)> {
        let rp_id = self.relying_party_id(pool).await?;
        let origin = Url::parse(&format!("https://{rp_id}")).map_err(invalid_credential)?;
        let mut builder = WebauthnBuilder::new(&rp_id, &origin)
            .map_err(|e| Error::invalid(format!("The relying party ID {rp_id} cannot be used: {e}")))?
            .rp_name(&pool.name)
            .allow_subdomains(true)
            .allow_any_port(true);
        let local = Url::parse("http://localhost").map_err(|e| internal("origin", e))?;
        if rp_id == "localhost" {
            builder = builder.append_allowed_origin(&local);
        }
        let webauthn = builder.build().map_err(|e| internal("building the relying party", e))?;
        Ok((webauthn, rp_id))
    }

    /// The user's passkeys as webauthn-rs reads them.
    pub(crate) fn passkeys_of(user: &User) -> Result<Vec<Passkey>> {
        user.extra
            .passkeys
            .iter()
            .map(|p| serde_json::from_str(&p.passkey).map_err(|e| internal("a passkey", e)))
            .collect()
    }

    /// StartWebAuthnRegistration: the creation options for `navigator.credentials.create()`.
    pub async fn start_passkey_registration(&self, pool: &UserPool, user: &mut User) -> Result<Document> {
        if user.extra.passkeys.len() >= MAX_PASSKEYS {
            return Err(Error::LimitExceeded(format!("A user can have at most {MAX_PASSKEYS} passkeys.")));
        }
        let (webauthn, _) = self.webauthn(pool).await?;
        let exclude: Vec<CredentialID> = Self::passkeys_of(user)?.iter().map(|p| p.cred_id().clone()).collect();
        let user_id = Uuid::parse_str(&user.sub).unwrap_or_else(|_| Uuid::new_v4());
        let display = user.attr("email").unwrap_or(&user.username).to_string();
        let policy = Verification::of(pool);
        let (options, state) = match policy {
            Verification::Required => {
                let (o, s) = webauthn
                    .start_passkey_registration(user_id, &user.username, &display, Some(exclude))
                    .map_err(|e| internal("starting a passkey registration", e))?;
                (o, ser(&s, "a registration state")?)
            }
            Verification::Preferred => {
                let (o, s) = webauthn
                    .start_securitykey_registration(user_id, &user.username, &display, Some(exclude), None, None)
                    .map_err(|e| internal("starting a passkey registration", e))?;
                (o, ser(&s, "a registration state")?)
            }
        };
        user.extra.pending_passkey = Some(PendingPasskey {
            state: format!("{}{state}", policy.tag()),
            expires_ms: self.clock.now_ms() + REGISTRATION_MS,
        });
        self.save_user(pool, user).await?;
        // Passkeys are discoverable credentials, as Cognito asks for them (webauthn-rs leaves
        // residency to the authenticator); what is verified does not change.
        let mut public_key = options.public_key;
        // Any authenticator, platform or roaming, as Cognito offers; no credential-protection
        // demand beyond the pool's user verification.
        public_key.hints = None;
        if let Some(extensions) = public_key.extensions.as_mut() {
            extensions.cred_protect = None;
        }
        if let Some(selection) = public_key.authenticator_selection.as_mut() {
            selection.require_resident_key = true;
            selection.resident_key = Some(webauthn_rs_proto::ResidentKeyRequirement::Required);
        }
        let value = serde_json::to_value(public_key).map_err(|e| internal("creation options", e))?;
        Ok(Document(value))
    }

    /// CompleteWebAuthnRegistration: checks the attestation against the started registration
    /// (once) and stores the passkey.
    pub async fn complete_passkey_registration(
        &self,
        pool: &UserPool,
        user: &mut User,
        credential: Document,
    ) -> Result<()> {
        let pending = user.extra.pending_passkey.take().filter(|p| p.expires_ms > self.clock.now_ms());
        let Some(pending) = pending else {
            return Err(Error::invalid(
                "There is no passkey registration to complete; call StartWebAuthnRegistration.",
            ));
        };
        let attachment = credential.0.get("authenticatorAttachment").and_then(|v| v.as_str()).map(str::to_string);
        let transports: Vec<String> = credential
            .0
            .pointer("/response/transports")
            .and_then(|t| t.as_array())
            .map(|t| t.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let registration: RegisterPublicKeyCredential =
            serde_json::from_value(credential.0).map_err(invalid_credential)?;
        let (webauthn, rp_id) = self.webauthn(pool).await?;
        // The pending registration is used up whatever the outcome (it was taken above).
        let finished = if let Some(state) = pending.state.strip_prefix(Verification::Required.tag()) {
            let state: PasskeyRegistration = de(state, "a registration state")?;
            webauthn.finish_passkey_registration(&registration, &state)
        } else {
            let state = pending.state.strip_prefix(Verification::Preferred.tag()).unwrap_or(&pending.state);
            let state: SecurityKeyRegistration = de(state, "a registration state")?;
            match webauthn.finish_securitykey_registration(&registration, &state) {
                // The same credential either way (both serialise as it; see `Verification`).
                Ok(k) => Ok(de::<Passkey>(&ser(&k, "a passkey")?, "a passkey")?),
                Err(e) => Err(e),
            }
        };
        let passkey = match finished {
            Ok(p) => p,
            Err(e) => {
                self.save_user(pool, user).await?;
                return Err(invalid_credential(e));
            }
        };
        let credential_id = json_string(passkey.cred_id());
        if user.extra.passkeys.iter().any(|p| p.credential_id == credential_id) {
            self.save_user(pool, user).await?;
            return Err(Error::invalid("The passkey is registered already."));
        }
        user.extra.passkeys.push(StoredPasskey {
            credential_id,
            friendly_name: attachment
                .as_deref()
                .map_or("Passkey", |a| if a == "platform" { "Platform passkey" } else { "Security key" })
                .to_string(),
            relying_party_id: rp_id,
            attachment,
            transports,
            created_ms: self.clock.now_ms(),
            passkey: ser(&passkey, "a passkey")?,
        });
        self.save_user(pool, user).await
    }

    /// ListWebAuthnCredentials: a page of the user's passkeys (the token is the last ID seen).
    pub fn list_passkeys(
        user: &User,
        next_token: Option<&str>,
        max: usize,
    ) -> (Vec<m::WebAuthnCredentialDescription>, Option<String>) {
        let start =
            next_token.and_then(|t| user.extra.passkeys.iter().position(|p| p.credential_id == t)).map_or(0, |i| i + 1);
        let page: Vec<&StoredPasskey> = user.extra.passkeys.iter().skip(start).take(max).collect();
        let next = (start + page.len() < user.extra.passkeys.len())
            .then(|| page.last().map(|p| p.credential_id.clone()))
            .flatten();
        let out = page
            .into_iter()
            .map(|p| m::WebAuthnCredentialDescription {
                authenticator_attachment: p.attachment.clone(),
                authenticator_transports: p.transports.clone(),
                created_at: Timestamp::from_millis(p.created_ms),
                credential_id: p.credential_id.clone(),
                friendly_credential_name: p.friendly_name.clone(),
                relying_party_id: p.relying_party_id.clone(),
            })
            .collect();
        (out, next)
    }

    /// DeleteWebAuthnCredential.
    pub async fn delete_passkey(&self, pool: &UserPool, user: &mut User, credential_id: &str) -> Result<()> {
        let before = user.extra.passkeys.len();
        user.extra.passkeys.retain(|p| p.credential_id != credential_id);
        if user.extra.passkeys.len() == before {
            return Err(Error::ResourceNotFound(format!("The passkey {credential_id} does not exist.")));
        }
        self.save_user(pool, user).await
    }

    /// The WEB_AUTHN challenge: request options for `navigator.credentials.get()` and the state
    /// to seal into the session.
    pub(crate) async fn start_passkey_sign_in(&self, pool: &UserPool, user: &User) -> Result<(String, String)> {
        let (webauthn, _) = self.webauthn(pool).await?;
        let policy = Verification::of(pool);
        let (options, state) = match policy {
            Verification::Required => {
                let (o, s) = webauthn
                    .start_passkey_authentication(&Self::passkeys_of(user)?)
                    .map_err(|e| internal("starting a passkey sign-in", e))?;
                (o, ser(&s, "an authentication state")?)
            }
            Verification::Preferred => {
                let keys: Vec<SecurityKey> =
                    user.extra.passkeys.iter().map(|p| de(&p.passkey, "a passkey")).collect::<Result<_>>()?;
                let (o, s) = webauthn
                    .start_securitykey_authentication(&keys)
                    .map_err(|e| internal("starting a passkey sign-in", e))?;
                (o, ser(&s, "an authentication state")?)
            }
        };
        Ok((ser(&options.public_key, "request options")?, format!("{}{state}", policy.tag())))
    }

    /// Checks a WEB_AUTHN answer (`CREDENTIAL`) against the sealed state, and records the
    /// passkey's new signature counter.
    pub(crate) async fn finish_passkey_sign_in(
        &self,
        pool: &UserPool,
        user: &mut User,
        state: &str,
        credential: &str,
    ) -> Result<()> {
        let assertion: PublicKeyCredential = serde_json::from_str(credential)
            .map_err(|_| Error::NotAuthorized("The WebAuthn credential is not valid.".into()))?;
        let (webauthn, _) = self.webauthn(pool).await?;
        let verified = if let Some(state) = state.strip_prefix(Verification::Required.tag()) {
            let state: PasskeyAuthentication = de(state, "an authentication state")?;
            webauthn.finish_passkey_authentication(&assertion, &state)
        } else {
            let state = state.strip_prefix(Verification::Preferred.tag()).unwrap_or(state);
            let state: SecurityKeyAuthentication = de(state, "an authentication state")?;
            webauthn.finish_securitykey_authentication(&assertion, &state)
        };
        let result = verified.map_err(|_| Error::NotAuthorized("The WebAuthn credential is not valid.".into()))?;
        // The sign-in began with the passkeys the user had then; one deleted since is no key.
        let used = json_string(result.cred_id());
        if !user.extra.passkeys.iter().any(|p| p.credential_id == used) {
            return Err(Error::NotAuthorized("The WebAuthn credential is not valid.".into()));
        }
        let mut changed = false;
        for stored in &mut user.extra.passkeys {
            let mut passkey: Passkey = de(&stored.passkey, "a passkey")?;
            if passkey.update_credential(&result) == Some(true) {
                stored.passkey = ser(&passkey, "a passkey")?;
                changed = true;
            }
        }
        if changed {
            self.save_user(pool, user).await?;
        }
        Ok(())
    }
}
