//! Pool-level MFA configuration: GetUserPoolMfaConfig, SetUserPoolMfaConfig. (User-level MFA and
//! the MFA challenges come with the sign-in milestone.)

use cognate_domain::pools::MfaConfig;
use cognate_model::cognito_idp as m;

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
