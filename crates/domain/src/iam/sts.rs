//! STS: temporary credentials. AssumeRole (the caller's identity policy must allow
//! `sts:AssumeRole` on the role and the role's trust policy must name the caller),
//! AssumeRoleWithWebIdentity (the token verified, then the trust policy evaluated against its
//! claims), GetSessionToken. Every session is a temporary key (`ASIA…`, a session token, an
//! expiry) whose owner records what the session was granted.

use cognate_policy::{Context, PolicyKind, Principal, Request};

use super::principals::{Acting, ActingKind};
use super::{MIN_MAX_SESSION_SECS, Role};
use crate::Domain;
use crate::access_keys::{IssuedKey, KeyOwner, RoleSession};
use crate::error::{IamError, Result};

/// The shortest session STS issues.
pub const MIN_SESSION_SECS: i32 = 900;
/// Role chaining: a session started by a role session lasts at most an hour.
pub const CHAINED_SESSION_SECS: i32 = 3_600;
/// Largest packed session policy (inline policy, ARNs and tags), in characters.
pub const PACKED_POLICY_CHARS: usize = 2_048;

/// What AssumeRole and AssumeRoleWithWebIdentity take besides their caller.
#[derive(Clone, Debug, Default)]
pub struct SessionRequest {
    pub role_arn: String,
    pub session_name: String,
    pub duration_secs: Option<i32>,
    pub policy: Option<String>,
    pub policy_arns: Vec<String>,
    pub tags: Vec<(String, String)>,
    pub external_id: Option<String>,
    pub source_identity: Option<String>,
}

/// A session as STS answers it.
#[derive(Clone, Debug)]
pub struct Session {
    pub issued: IssuedKey,
    pub expires_ms: i64,
    pub assumed_role_arn: String,
    pub assumed_role_id: String,
    /// How full the packed session policy is, in percent.
    pub packed_policy_size: i32,
    pub source_identity: Option<String>,
}

/// A verified web identity.
#[derive(Clone, Debug)]
pub struct WebIdentity {
    /// The trust policy's `Federated` principal (`cognito-identity.amazonaws.com`, an OIDC
    /// provider's ARN).
    pub provider: String,
    /// The condition-key prefix of its claims (`cognito-identity.amazonaws.com`, `host/path`).
    pub key_prefix: String,
    pub subject: String,
    pub audience: String,
    /// `amr` for Cognito identities.
    pub amr: Vec<String>,
}

fn access_denied(message: impl Into<String>) -> crate::Error {
    IamError::AccessDenied.err(message)
}

impl Domain {
    fn session_length(&self, role: &Role, requested: Option<i32>, chained: bool) -> Result<i32> {
        let max = if chained { CHAINED_SESSION_SECS } else { role.max_session_secs.max(MIN_MAX_SESSION_SECS) };
        let secs = requested.unwrap_or(3_600.min(max));
        if secs < MIN_SESSION_SECS {
            return Err(IamError::InvalidInput.err(format!(
                "1 validation error detected: Value '{secs}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to {MIN_SESSION_SECS}"
            )));
        }
        if secs > max {
            return Err(IamError::InvalidInput.err(format!(
                "The requested DurationSeconds exceeds the {} set for this role.",
                if chained { "1 hour session limit for roles assumed by role chaining" } else { "MaxSessionDuration" }
            )));
        }
        Ok(secs)
    }

    /// Checks the session policies and their packed size (percent of the limit).
    async fn check_session_policies(&self, request: &SessionRequest) -> Result<i32> {
        let mut size = 0usize;
        if let Some(policy) = &request.policy {
            cognate_policy::Policy::parse(policy, PolicyKind::Identity)
                .map_err(|e| IamError::MalformedPolicyDocument.err(e.message))?;
            size += policy.chars().filter(|c| !c.is_whitespace()).count();
        }
        for arn in &request.policy_arns {
            self.get_policy(arn)
                .await
                .map_err(|_| IamError::InvalidInput.err(format!("Policy {arn} does not exist.")))?;
            size += arn.len() / 4;
        }
        for (k, v) in &request.tags {
            size += k.len() + v.len();
        }
        let percent = i32::try_from(size * 100 / PACKED_POLICY_CHARS).unwrap_or(i32::MAX);
        if percent > 100 {
            return Err(IamError::PackedPolicyTooLarge
                .err(format!("Packed policy consumes {percent}% of allotted space, please use smaller policy.")));
        }
        Ok(percent)
    }

    async fn start_session(
        &self,
        role: &Role,
        request: &SessionRequest,
        secs: i32,
        packed_policy_size: i32,
        web_identity: Vec<(String, Vec<String>)>,
    ) -> Result<Session> {
        let now = self.clock.now_ms();
        let expires_ms = now + i64::from(secs) * 1000;
        let session = RoleSession {
            role_arn: role.arn(&self.config.account_id),
            role_name: role.name.clone(),
            role_id: role.id.clone(),
            session_name: request.session_name.clone(),
            policy: request.policy.clone(),
            policy_arns: request.policy_arns.clone(),
            tags: request.tags.clone(),
            source_identity: request.source_identity.clone(),
            web_identity,
            issued_ms: now,
        };
        let description = format!("session {} of role {}", request.session_name, role.name);
        let issued = self.issue_access_key(KeyOwner::Role(Box::new(session)), Some(expires_ms), description).await?;
        Ok(Session {
            issued,
            expires_ms,
            assumed_role_arn: format!(
                "arn:aws:sts::{}:assumed-role/{}/{}",
                self.config.account_id, role.name, request.session_name
            ),
            assumed_role_id: format!("{}:{}", role.id, request.session_name),
            packed_policy_size,
            source_identity: request.source_identity.clone(),
        })
    }

    fn session_context(&self, base: Context, request: &SessionRequest) -> Context {
        let mut context = base;
        context.set("sts:RoleSessionName", request.session_name.clone());
        if let Some(id) = &request.external_id {
            context.set("sts:ExternalId", id.clone());
        }
        if let Some(source) = &request.source_identity {
            context.set("sts:SourceIdentity", source.clone());
        }
        for (k, v) in &request.tags {
            context.set(&format!("aws:RequestTag/{k}"), v.clone());
        }
        if !request.tags.is_empty() {
            context.set_list("aws:TagKeys", request.tags.iter().map(|(k, _)| k.clone()).collect());
        }
        context
    }

    /// AssumeRole by a signed caller.
    pub async fn assume_role(&self, caller: &Acting, context: Context, request: &SessionRequest) -> Result<Session> {
        if caller.is_root() {
            return Err(access_denied("Roles may not be assumed by root accounts."));
        }
        if caller.kind == ActingKind::UserSession {
            return Err(access_denied("Cannot call AssumeRole with session credentials of a user."));
        }
        let role = self.find_role_by_arn(&request.role_arn).await?;
        let denied = || {
            access_denied(format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {}",
                caller.arn, request.role_arn
            ))
        };
        let Some(role) = role else { return Err(denied()) };
        let context = self.session_context(context, request);
        if !caller.decide("sts:AssumeRole", &request.role_arn, &context).is_allowed() {
            return Err(denied());
        }
        let trust = cognate_policy::Policy::parse(&role.trust_policy, PolicyKind::Trust)
            .map_err(|e| IamError::MalformedPolicyDocument.err(e.message))?;
        let asks = Request {
            action: "sts:AssumeRole",
            resource: &request.request_resource(),
            principal: caller.principal(),
            context: &context,
        };
        if !cognate_policy::allows(&trust, &asks) {
            return Err(denied());
        }
        let chained = caller.kind == ActingKind::AssumedRole;
        let secs = self.session_length(&role, request.duration_secs, chained)?;
        let packed = self.check_session_policies(request).await?;
        self.start_session(&role, request, secs, packed, Vec::new()).await
    }

    /// AssumeRoleWithWebIdentity: the identity is verified by the caller of this function
    /// (`verify_web_identity`); here the role's trust policy decides.
    pub async fn assume_role_with_web_identity(
        &self,
        identity: &WebIdentity,
        mut context: Context,
        request: &SessionRequest,
    ) -> Result<Session> {
        let denied = || access_denied("Not authorized to perform sts:AssumeRoleWithWebIdentity");
        let Some(role) = self.find_role_by_arn(&request.role_arn).await? else { return Err(denied()) };
        let prefix = &identity.key_prefix;
        let mut claims = vec![
            (format!("{prefix}:sub"), vec![identity.subject.clone()]),
            (format!("{prefix}:aud"), vec![identity.audience.clone()]),
        ];
        if !identity.amr.is_empty() {
            claims.push((format!("{prefix}:amr"), identity.amr.clone()));
        }
        for (k, values) in &claims {
            match values.as_slice() {
                [one] => context.set(k, one.clone()),
                many => context.set_list(k, many.to_vec()),
            }
        }
        let context = self.session_context(context, request);
        let trust = cognate_policy::Policy::parse(&role.trust_policy, PolicyKind::Trust)
            .map_err(|e| IamError::MalformedPolicyDocument.err(e.message))?;
        let principal = Principal::Federated(identity.provider.clone());
        let asks = Request {
            action: "sts:AssumeRoleWithWebIdentity",
            resource: &request.role_arn,
            principal: &principal,
            context: &context,
        };
        if !cognate_policy::allows(&trust, &asks) {
            return Err(denied());
        }
        let secs = self.session_length(&role, request.duration_secs, false)?;
        let packed = self.check_session_policies(request).await?;
        self.start_session(&role, request, secs, packed, claims).await
    }

    /// GetSessionToken: a session of the calling user (or root) for `secs`.
    pub async fn get_session_token(&self, caller: &Acting, duration_secs: Option<i32>) -> Result<(IssuedKey, i64)> {
        let (default, max) = match caller.kind {
            ActingKind::Root => (3_600, 3_600),
            ActingKind::User => (43_200, 129_600),
            ActingKind::AssumedRole | ActingKind::UserSession => {
                return Err(access_denied("Cannot call GetSessionToken with session credentials"));
            }
        };
        let secs = duration_secs.unwrap_or(default);
        if !(MIN_SESSION_SECS..=max).contains(&secs) {
            return Err(IamError::InvalidInput
                .err(format!("The requested DurationSeconds must be between {MIN_SESSION_SECS} and {max} seconds.")));
        }
        let expires_ms = self.clock.now_ms() + i64::from(secs) * 1000;
        let owner = KeyOwner::UserSession { name: caller.user_name.clone() };
        let issued = self.issue_access_key(owner, Some(expires_ms), format!("session of {}", caller.arn)).await?;
        Ok((issued, expires_ms))
    }
}

impl SessionRequest {
    /// The resource a trust policy's statements are matched against: the role.
    fn request_resource(&self) -> String {
        self.role_arn.clone()
    }
}

impl Domain {
    /// Verifies a web identity token for AssumeRoleWithWebIdentity: an ID token of one of this
    /// server's pools whose issuer is registered as an IAM OpenID Connect provider (under
    /// Cognate's issuer or `cognito-idp.<region>.amazonaws.com/<poolId>`), with an audience the
    /// provider lists.
    pub async fn verify_web_identity(&self, token: &str) -> Result<WebIdentity> {
        let invalid = |m: &str| IamError::InvalidIdentityToken.err(m.to_owned());
        // An identity pool's OpenID token (the basic flow).
        if let Some((pool_id, identity_id, amr)) = self.verify_open_id_token(token).await? {
            let pool =
                self.get_identity_pool(&pool_id).await.map_err(|_| invalid("The identity pool no longer exists."))?;
            if pool.settings.allow_classic_flow != Some(true) {
                return Err(invalid("Basic (classic) flow is not enabled for this identity pool (AllowClassicFlow)."));
            }
            return Ok(WebIdentity {
                provider: crate::identity::COGNITO_IDENTITY.into(),
                key_prefix: crate::identity::COGNITO_IDENTITY.into(),
                subject: identity_id,
                audience: pool_id,
                amr,
            });
        }
        let verified = match self.verify_pool_id_token(token).await {
            Ok(v) => v,
            Err(crate::Error::NotAuthorized(m)) if m.contains("expired") => {
                return Err(IamError::ExpiredToken.err("Token expired: the web identity token has expired."));
            }
            Err(crate::Error::NotAuthorized(_)) => return Err(invalid("The web identity token is not valid.")),
            Err(e) => return Err(e),
        };
        let Some((pool_id, claims)) = verified else {
            return Err(invalid(
                "No OpenIDConnect provider found in your account for this issuer: only the issuers of this server's user pools can be verified.",
            ));
        };
        let issuer = self.issuer(&pool_id);
        let own = issuer.split_once("://").map_or(issuer.as_str(), |(_, rest)| rest).to_owned();
        let region = crate::ids::pool_region(&pool_id).unwrap_or(&self.config.region);
        let aws_form = format!("cognito-idp.{region}.amazonaws.com/{pool_id}");
        let providers = self.list_oidc_providers().await?;
        let Some(provider) = providers.iter().find(|p| p.host_path == own || p.host_path == aws_form) else {
            return Err(invalid(&format!("No OpenIDConnect provider found in your account for {issuer}")));
        };
        if !provider.client_ids.iter().any(|c| c == &claims.aud) {
            return Err(invalid("Incorrect token audience"));
        }
        Ok(WebIdentity {
            provider: self.oidc_provider_arn(&provider.host_path),
            key_prefix: provider.host_path.clone(),
            subject: claims.sub,
            audience: claims.aud,
            amr: Vec::new(),
        })
    }
}
