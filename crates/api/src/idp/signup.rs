//! Self sign-up: SignUp, ConfirmSignUp, ResendConfirmationCode.

use cognate_domain::Error;
use cognate_model::cognito_idp as m;

use super::users_common::attribute_pairs;
use crate::{ApiError, Ctx};

pub async fn sign_up(ctx: Ctx, req: m::SignUpRequest) -> Result<m::SignUpResponse, ApiError> {
    let (pool, client) = ctx.domain.client_by_id(req.client_id.expose()).await?;
    client.check_secret_hash(req.username.expose(), req.secret_hash.as_ref().map(|s| s.expose().as_str()))?;
    let password = req.password.ok_or_else(|| Error::invalid("A password is required to sign up."))?;
    let (user, delivery) = ctx
        .domain
        .sign_up(&pool, &client, req.username.expose(), password.expose(), attribute_pairs(req.user_attributes))
        .await?;
    Ok(m::SignUpResponse {
        user_confirmed: false,
        user_sub: user.sub,
        code_delivery_details: delivery.as_ref().map(crate::wire::code_delivery),
        session: None,
    })
}

pub async fn confirm_sign_up(ctx: Ctx, req: m::ConfirmSignUpRequest) -> Result<m::ConfirmSignUpResponse, ApiError> {
    let (pool, client) = ctx.domain.client_by_id(req.client_id.expose()).await?;
    client.check_secret_hash(req.username.expose(), req.secret_hash.as_ref().map(|s| s.expose().as_str()))?;
    ctx.domain.confirm_sign_up(&pool, &client, req.username.expose(), &req.confirmation_code).await?;
    Ok(m::ConfirmSignUpResponse { session: None })
}

pub async fn resend_confirmation_code(
    ctx: Ctx,
    req: m::ResendConfirmationCodeRequest,
) -> Result<m::ResendConfirmationCodeResponse, ApiError> {
    let (pool, client) = ctx.domain.client_by_id(req.client_id.expose()).await?;
    client.check_secret_hash(req.username.expose(), req.secret_hash.as_ref().map(|s| s.expose().as_str()))?;
    let delivery = ctx.domain.resend_confirmation_code(&pool, &client, req.username.expose()).await?;
    Ok(m::ResendConfirmationCodeResponse { code_delivery_details: Some(crate::wire::code_delivery(&delivery)) })
}
