//! Password recovery: ForgotPassword, ConfirmForgotPassword.

use cognate_model::cognito_idp as m;

use crate::{ApiError, Ctx};

pub async fn forgot_password(ctx: Ctx, req: m::ForgotPasswordRequest) -> Result<m::ForgotPasswordResponse, ApiError> {
    let (pool, client) = ctx.domain.client_by_id(req.client_id.expose()).await?;
    client.check_secret_hash(req.username.expose(), req.secret_hash.as_ref().map(|s| s.expose().as_str()))?;
    let delivery = ctx.domain.forgot_password(&pool, &client, req.username.expose()).await?;
    Ok(m::ForgotPasswordResponse { code_delivery_details: Some(crate::wire::code_delivery(&delivery)) })
}

pub async fn confirm_forgot_password(
    ctx: Ctx,
    req: m::ConfirmForgotPasswordRequest,
) -> Result<m::ConfirmForgotPasswordResponse, ApiError> {
    let (pool, client) = ctx.domain.client_by_id(req.client_id.expose()).await?;
    client.check_secret_hash(req.username.expose(), req.secret_hash.as_ref().map(|s| s.expose().as_str()))?;
    ctx.domain
        .confirm_forgot_password(&pool, &client, req.username.expose(), &req.confirmation_code, req.password.expose())
        .await?;
    Ok(m::ConfirmForgotPasswordResponse {})
}
