//! MFA: the pool's configuration (GetUserPoolMfaConfig, SetUserPoolMfaConfig) and the user's
//! factors (AssociateSoftwareToken, VerifySoftwareToken, SetUserMFAPreference,
//! AdminSetUserMFAPreference). The MFA challenges themselves are answered through
//! RespondToAuthChallenge.

use cognate_domain::Error;
use cognate_domain::mfa::FactorChange;
use cognate_domain::pools::MfaConfig;
use cognate_model::{Sensitive, cognito_idp as m};

use crate::{ApiError, Ctx};

pub async fn get_user_pool_mfa_config(
    ctx: Ctx,
    req: m::GetUserPoolMfaConfigRequest,
) -> Result<m::GetUserPoolMfaConfigResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let mode = pool.mfa_mode();
    let mfa = pool.settings.mfa;
    Ok(m::GetUserPoolMfaConfigResponse {
        mfa_configuration: Some(mode),
        sms_mfa_configuration: mfa.sms,
        software_token_mfa_configuration: mfa.software_token,
        email_mfa_configuration: mfa.email,
        web_authn_configuration: mfa.web_authn,
    })
}

pub async fn set_user_pool_mfa_config(
    ctx: Ctx,
    req: m::SetUserPoolMfaConfigRequest,
) -> Result<m::SetUserPoolMfaConfigResponse, ApiError> {
    let input = MfaConfig {
        mode: req.mfa_configuration,
        sms: req.sms_mfa_configuration,
        software_token: req.software_token_mfa_configuration,
        email: req.email_mfa_configuration,
        web_authn: req.web_authn_configuration,
    };
    let pool = ctx.domain.set_user_pool_mfa_config(&req.user_pool_id, input).await?;
    let mode = pool.mfa_mode();
    let mfa = pool.settings.mfa;
    Ok(m::SetUserPoolMfaConfigResponse {
        mfa_configuration: Some(mode),
        sms_mfa_configuration: mfa.sms,
        software_token_mfa_configuration: mfa.software_token,
        email_mfa_configuration: mfa.email,
        web_authn_configuration: mfa.web_authn,
    })
}

pub async fn associate_software_token(
    ctx: Ctx,
    req: m::AssociateSoftwareTokenRequest,
) -> Result<m::AssociateSoftwareTokenResponse, ApiError> {
    if req.access_token.is_some() {
        let (pool, mut user, _) = ctx.signed_in_with_pool().await?;
        let secret = ctx.domain.associate_software_token(&pool, &mut user).await?;
        return Ok(m::AssociateSoftwareTokenResponse { secret_code: Some(Sensitive::new(secret)), session: None });
    }
    let session = req.session.ok_or_else(|| Error::invalid("An AccessToken or a Session is required."))?;
    let (secret, next) = ctx.domain.associate_software_token_in_setup(session.expose()).await?;
    Ok(m::AssociateSoftwareTokenResponse {
        secret_code: Some(Sensitive::new(secret)),
        session: Some(Sensitive::new(next)),
    })
}

pub async fn verify_software_token(
    ctx: Ctx,
    req: m::VerifySoftwareTokenRequest,
) -> Result<m::VerifySoftwareTokenResponse, ApiError> {
    let success = Some(m::VerifySoftwareTokenResponseType::Success);
    if req.access_token.is_some() {
        let (pool, mut user, _) = ctx.signed_in_with_pool().await?;
        ctx.domain.verify_software_token(&pool, &mut user, req.user_code.expose()).await?;
        return Ok(m::VerifySoftwareTokenResponse { status: success, session: None });
    }
    let session = req.session.ok_or_else(|| Error::invalid("An AccessToken or a Session is required."))?;
    let next = ctx.domain.verify_software_token_in_setup(session.expose(), req.user_code.expose()).await?;
    Ok(m::VerifySoftwareTokenResponse { status: success, session: Some(Sensitive::new(next)) })
}

fn change(enabled: Option<bool>, preferred: Option<bool>) -> FactorChange {
    FactorChange { enabled, preferred }
}

pub async fn set_user_mfa_preference(
    ctx: Ctx,
    req: m::SetUserMFAPreferenceRequest,
) -> Result<m::SetUserMFAPreferenceResponse, ApiError> {
    let (pool, mut user, _) = ctx.signed_in_with_pool().await?;
    ctx.domain
        .set_mfa_preference(
            &pool,
            &mut user,
            req.sms_mfa_settings.map(|s| change(s.enabled, s.preferred_mfa)),
            req.software_token_mfa_settings.map(|s| change(s.enabled, s.preferred_mfa)),
            req.email_mfa_settings.map(|s| change(s.enabled, s.preferred_mfa)),
        )
        .await?;
    Ok(m::SetUserMFAPreferenceResponse {})
}

pub async fn admin_set_user_mfa_preference(
    ctx: Ctx,
    req: m::AdminSetUserMFAPreferenceRequest,
) -> Result<m::AdminSetUserMFAPreferenceResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let mut user = ctx.domain.get_user(&pool, req.username.expose()).await?;
    ctx.domain
        .set_mfa_preference(
            &pool,
            &mut user,
            req.sms_mfa_settings.map(|s| change(s.enabled, s.preferred_mfa)),
            req.software_token_mfa_settings.map(|s| change(s.enabled, s.preferred_mfa)),
            req.email_mfa_settings.map(|s| change(s.enabled, s.preferred_mfa)),
        )
        .await?;
    Ok(m::AdminSetUserMFAPreferenceResponse {})
}
