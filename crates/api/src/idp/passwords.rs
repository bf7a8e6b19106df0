//! Password recovery: ForgotPassword, ConfirmForgotPassword.

use cognate_domain::Error;
use cognate_model::cognito_idp as m;

use crate::{ApiError, Ctx};

pub async fn forgot_password(ctx: Ctx, req: m::ForgotPasswordRequest) -> Result<m::ForgotPasswordResponse, ApiError> {
    let (pool, client) = ctx.domain.client_by_id(req.client_id.expose()).await?;
    client.check_secret_hash(req.username.expose(), req.secret_hash.as_ref().map(|s| s.expose().as_str()))?;
    let user = match ctx.domain.find_user(&pool, req.username.expose()).await? {
        Some(u) => u,
        // With PreventUserExistenceErrors, an unknown user looks like a delivered code.
        None if client.prevents_user_existence_errors() => {
            return Ok(m::ForgotPasswordResponse {
                code_delivery_details: Some(m::CodeDeliveryDetailsType {
                    destination: Some("***@***".into()),
                    delivery_medium: Some(m::DeliveryMediumType::Email),
                    attribute_name: Some("email".into()),
                }),
            });
        }
        None => return Err(Error::UserNotFound("Username/client id combination not found.".into()).into()),
    };
    let delivery = ctx.domain.forgot_password(&pool, &user).await?;
    Ok(m::ForgotPasswordResponse { code_delivery_details: Some(delivery.to_wire()) })
}

pub async fn confirm_forgot_password(
    ctx: Ctx,
    req: m::ConfirmForgotPasswordRequest,
) -> Result<m::ConfirmForgotPasswordResponse, ApiError> {
    let (pool, client) = ctx.domain.client_by_id(req.client_id.expose()).await?;
    client.check_secret_hash(req.username.expose(), req.secret_hash.as_ref().map(|s| s.expose().as_str()))?;
    match ctx
        .domain
        .confirm_forgot_password(&pool, req.username.expose(), &req.confirmation_code, req.password.expose())
        .await
    {
        Err(Error::UserNotFound(_)) if client.prevents_user_existence_errors() => {
            Err(Error::CodeMismatch("Invalid verification code provided, please try again.".into()).into())
        }
        other => other.map(|()| m::ConfirmForgotPasswordResponse {}).map_err(Into::into),
    }
}
