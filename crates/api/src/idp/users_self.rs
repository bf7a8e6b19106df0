//! Operations a signed-in user calls with an access token: GetUser, UpdateUserAttributes,
//! DeleteUserAttributes, DeleteUser, GetUserAttributeVerificationCode, VerifyUserAttribute,
//! ChangePassword, GlobalSignOut. The access token was verified, and its user resolved, before the
//! handler runs (`Ctx::signed_in`).

use cognate_domain::users::Writer;
use cognate_model::{Sensitive, cognito_idp as m};

use super::users_common::attribute_pairs;
use crate::{ApiError, Ctx, Empty};

pub async fn get_user(ctx: Ctx, _req: m::GetUserRequest) -> Result<m::GetUserResponse, ApiError> {
    let user = &ctx.signed_in()?.user;
    let (list, preferred) = user.mfa_wire();
    Ok(m::GetUserResponse {
        username: Sensitive::new(user.username.clone()),
        user_attributes: crate::wire::user_attributes(user),
        mfa_options: None,
        preferred_mfa_setting: preferred,
        user_mfa_setting_list: (!list.is_empty()).then_some(list),
    })
}

pub async fn update_user_attributes(
    ctx: Ctx,
    req: m::UpdateUserAttributesRequest,
) -> Result<m::UpdateUserAttributesResponse, ApiError> {
    let (pool, mut user, claims) = ctx.signed_in_with_pool().await?;
    let client = ctx.domain.get_client(&pool.id, &claims.client_id).await?;
    let changes = attribute_pairs(Some(req.user_attributes));
    let deliveries = ctx.domain.update_attributes(&pool, &mut user, &changes, Writer::Client(&client)).await?;
    Ok(m::UpdateUserAttributesResponse {
        code_delivery_details_list: Some(deliveries.iter().map(crate::wire::code_delivery).collect()),
    })
}

pub async fn delete_user_attributes(
    ctx: Ctx,
    req: m::DeleteUserAttributesRequest,
) -> Result<m::DeleteUserAttributesResponse, ApiError> {
    let (pool, mut user, claims) = ctx.signed_in_with_pool().await?;
    let client = ctx.domain.get_client(&pool.id, &claims.client_id).await?;
    ctx.domain.delete_attributes(&pool, &mut user, &req.user_attribute_names, Writer::Client(&client)).await?;
    Ok(m::DeleteUserAttributesResponse {})
}

pub async fn delete_user(ctx: Ctx, _req: m::DeleteUserRequest) -> Result<Empty, ApiError> {
    let (pool, user, _) = ctx.signed_in_with_pool().await?;
    ctx.domain.delete_user(&pool, &user).await?;
    Ok(Empty {})
}

pub async fn get_user_attribute_verification_code(
    ctx: Ctx,
    req: m::GetUserAttributeVerificationCodeRequest,
) -> Result<m::GetUserAttributeVerificationCodeResponse, ApiError> {
    let (pool, user, _) = ctx.signed_in_with_pool().await?;
    let delivery = ctx.domain.attribute_verification_code(&pool, &user, &req.attribute_name).await?;
    Ok(m::GetUserAttributeVerificationCodeResponse {
        code_delivery_details: Some(crate::wire::code_delivery(&delivery)),
    })
}

pub async fn verify_user_attribute(
    ctx: Ctx,
    req: m::VerifyUserAttributeRequest,
) -> Result<m::VerifyUserAttributeResponse, ApiError> {
    let (pool, mut user, _) = ctx.signed_in_with_pool().await?;
    ctx.domain.verify_attribute(&pool, &mut user, &req.attribute_name, &req.code).await?;
    Ok(m::VerifyUserAttributeResponse {})
}

pub async fn change_password(ctx: Ctx, req: m::ChangePasswordRequest) -> Result<m::ChangePasswordResponse, ApiError> {
    let (pool, mut user, _) = ctx.signed_in_with_pool().await?;
    let previous = req.previous_password.as_ref().map(|p| p.expose().as_str()).unwrap_or("");
    ctx.domain.change_password(&pool, &mut user, previous, req.proposed_password.expose()).await?;
    Ok(m::ChangePasswordResponse {})
}

pub async fn global_sign_out(ctx: Ctx, _req: m::GlobalSignOutRequest) -> Result<m::GlobalSignOutResponse, ApiError> {
    let (pool, mut user, _) = ctx.signed_in_with_pool().await?;
    ctx.domain.global_sign_out(&pool, &mut user).await?;
    Ok(m::GlobalSignOutResponse {})
}

pub async fn get_user_auth_factors(
    ctx: Ctx,
    _req: m::GetUserAuthFactorsRequest,
) -> Result<m::GetUserAuthFactorsResponse, ApiError> {
    let (pool, user, _) = ctx.signed_in_with_pool().await?;
    let (list, preferred) = user.mfa_wire();
    let factors = ctx.domain.configured_auth_factors(&pool, &user).into_iter().map(m::AuthFactorType::from).collect();
    Ok(m::GetUserAuthFactorsResponse {
        username: Sensitive::new(user.username.clone()),
        preferred_mfa_setting: preferred,
        user_mfa_setting_list: (!list.is_empty()).then_some(list),
        configured_user_auth_factors: Some(factors),
    })
}
