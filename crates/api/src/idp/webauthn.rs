//! Passkeys of the signed-in user: StartWebAuthnRegistration, CompleteWebAuthnRegistration,
//! ListWebAuthnCredentials, DeleteWebAuthnCredential.

use cognate_domain::Domain;
use cognate_model::cognito_idp as m;

use crate::{ApiError, Ctx, Empty};

pub async fn start_web_authn_registration(
    ctx: Ctx,
    _req: m::StartWebAuthnRegistrationRequest,
) -> Result<m::StartWebAuthnRegistrationResponse, ApiError> {
    let (pool, mut user, _) = ctx.signed_in_with_pool().await?;
    let credential_creation_options = ctx.domain.start_passkey_registration(&pool, &mut user).await?;
    Ok(m::StartWebAuthnRegistrationResponse { credential_creation_options })
}

pub async fn complete_web_authn_registration(
    ctx: Ctx,
    req: m::CompleteWebAuthnRegistrationRequest,
) -> Result<Empty, ApiError> {
    let (pool, mut user, _) = ctx.signed_in_with_pool().await?;
    ctx.domain.complete_passkey_registration(&pool, &mut user, req.credential).await?;
    Ok(Empty {})
}

pub async fn list_web_authn_credentials(
    ctx: Ctx,
    req: m::ListWebAuthnCredentialsRequest,
) -> Result<m::ListWebAuthnCredentialsResponse, ApiError> {
    let user = &ctx.signed_in()?.user;
    let max = usize::try_from(req.max_results.unwrap_or(20).clamp(1, 20)).unwrap_or(20);
    let (credentials, next_token) = Domain::list_passkeys(user, req.next_token.as_deref(), max);
    Ok(m::ListWebAuthnCredentialsResponse { credentials, next_token })
}

pub async fn delete_web_authn_credential(ctx: Ctx, req: m::DeleteWebAuthnCredentialRequest) -> Result<Empty, ApiError> {
    let (pool, mut user, _) = ctx.signed_in_with_pool().await?;
    ctx.domain.delete_passkey(&pool, &mut user, &req.credential_id).await?;
    Ok(Empty {})
}
