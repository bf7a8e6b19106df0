//! STS handlers (Query protocol): temporary credentials and who a caller is.

use cognate_domain::access_keys::IssuedKey;
use cognate_domain::iam::sts::{Session, SessionRequest};
use cognate_model::runtime::{Sensitive, Timestamp};
use cognate_model::sts as m;

use crate::{ApiError, Ctx};

type Out<T> = Result<Option<T>, ApiError>;

fn credentials(issued: &IssuedKey, expires_ms: i64) -> m::Credentials {
    m::Credentials {
        access_key_id: issued.key.access_key_id.clone(),
        expiration: Timestamp::from_millis(expires_ms),
        secret_access_key: Sensitive::new(issued.key.secret_access_key.clone()),
        session_token: issued.session_token.clone().unwrap_or_default(),
    }
}

fn session_request(
    role_arn: String,
    session_name: String,
    duration: Option<i32>,
    policy: Option<String>,
    policy_arns: Option<Vec<m::PolicyDescriptorType>>,
) -> SessionRequest {
    SessionRequest {
        role_arn,
        session_name,
        duration_secs: duration,
        policy,
        policy_arns: policy_arns.unwrap_or_default().into_iter().filter_map(|p| p.arn).collect(),
        ..SessionRequest::default()
    }
}

fn assumed(session: &Session) -> m::AssumedRoleUser {
    m::AssumedRoleUser { arn: session.assumed_role_arn.clone(), assumed_role_id: session.assumed_role_id.clone() }
}

pub async fn get_caller_identity(ctx: Ctx, _: m::GetCallerIdentityRequest) -> Out<m::GetCallerIdentityResponse> {
    let acting = ctx.acting()?;
    Ok(Some(m::GetCallerIdentityResponse {
        account: Some(acting.account.clone()),
        arn: Some(acting.arn.clone()),
        user_id: Some(acting.user_id.clone()),
    }))
}

pub async fn assume_role(ctx: Ctx, req: m::AssumeRoleRequest) -> Out<m::AssumeRoleResponse> {
    let acting = ctx.acting()?;
    let mut request =
        session_request(req.role_arn, req.role_session_name, req.duration_seconds, req.policy, req.policy_arns);
    request.tags = req.tags.unwrap_or_default().into_iter().map(|t| (t.key, t.value)).collect();
    request.external_id = req.external_id;
    request.source_identity = req.source_identity;
    let context = acting.context(&ctx.facts);
    let session = ctx.domain.assume_role(&acting, context, &request).await?;
    Ok(Some(m::AssumeRoleResponse {
        assumed_role_user: Some(assumed(&session)),
        credentials: Some(credentials(&session.issued, session.expires_ms)),
        packed_policy_size: Some(session.packed_policy_size),
        source_identity: session.source_identity.clone(),
        ..Default::default()
    }))
}

pub async fn assume_role_with_web_identity(
    ctx: Ctx,
    req: m::AssumeRoleWithWebIdentityRequest,
) -> Out<m::AssumeRoleWithWebIdentityResponse> {
    let identity = ctx.domain.verify_web_identity(req.web_identity_token.expose()).await?;
    let request =
        session_request(req.role_arn, req.role_session_name, req.duration_seconds, req.policy, req.policy_arns);
    let mut context = cognate_policy::Context::new();
    ctx.facts.add_to(&mut context);
    let session = ctx.domain.assume_role_with_web_identity(&identity, context, &request).await?;
    Ok(Some(m::AssumeRoleWithWebIdentityResponse {
        assumed_role_user: Some(assumed(&session)),
        audience: Some(identity.audience.clone()),
        credentials: Some(credentials(&session.issued, session.expires_ms)),
        packed_policy_size: Some(session.packed_policy_size),
        provider: Some(identity.key_prefix.clone()),
        subject_from_web_identity_token: Some(identity.subject.clone()),
        ..Default::default()
    }))
}

pub async fn get_session_token(ctx: Ctx, req: m::GetSessionTokenRequest) -> Out<m::GetSessionTokenResponse> {
    let acting = ctx.acting()?;
    let (issued, expires_ms) = ctx.domain.get_session_token(&acting, req.duration_seconds).await?;
    Ok(Some(m::GetSessionTokenResponse { credentials: Some(credentials(&issued, expires_ms)), ..Default::default() }))
}

/// Every key this server issues belongs to its one account.
pub async fn get_access_key_info(ctx: Ctx, _: m::GetAccessKeyInfoRequest) -> Out<m::GetAccessKeyInfoResponse> {
    Ok(Some(m::GetAccessKeyInfoResponse { account: Some(ctx.domain.account_id().to_owned()) }))
}

pub async fn decode_authorization_message(
    ctx: Ctx,
    req: m::DecodeAuthorizationMessageRequest,
) -> Out<m::DecodeAuthorizationMessageResponse> {
    let decoded = ctx.domain.decode_authorization_message(&req.encoded_message)?;
    Ok(Some(m::DecodeAuthorizationMessageResponse { decoded_message: Some(decoded) }))
}
