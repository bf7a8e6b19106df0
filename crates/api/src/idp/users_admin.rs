//! Administrator user operations (SigV4): AdminCreateUser, AdminConfirmSignUp, AdminGetUser,
//! AdminUpdateUserAttributes, AdminDeleteUserAttributes, AdminDeleteUser, AdminDisableUser,
//! AdminEnableUser, AdminSetUserPassword, AdminResetUserPassword, AdminUserGlobalSignOut, ListUsers.

use cognate_domain::accounts::AdminCreate;
use cognate_domain::users::Writer;
use cognate_model::{Sensitive, cognito_idp as m};

use super::users_common::{attribute_pairs, status, user_type};
use crate::{ApiError, Ctx, Empty};

pub async fn admin_create_user(
    ctx: Ctx,
    req: m::AdminCreateUserRequest,
) -> Result<m::AdminCreateUserResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let input = AdminCreate {
        username: req.username.into_inner(),
        attributes: attribute_pairs(req.user_attributes),
        temporary_password: req.temporary_password.map(Sensitive::into_inner),
        message_action: req.message_action,
        delivery: req.desired_delivery_mediums.unwrap_or_default(),
    };
    let user = ctx.domain.admin_create_user(&pool, input).await?;
    Ok(m::AdminCreateUserResponse { user: Some(user_type(&user, None)) })
}

pub async fn admin_confirm_sign_up(
    ctx: Ctx,
    req: m::AdminConfirmSignUpRequest,
) -> Result<m::AdminConfirmSignUpResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    ctx.domain.admin_confirm_sign_up(&pool, req.username.expose()).await?;
    Ok(m::AdminConfirmSignUpResponse {})
}

pub async fn admin_get_user(ctx: Ctx, req: m::AdminGetUserRequest) -> Result<m::AdminGetUserResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let user = ctx.domain.get_user(&pool, req.username.expose()).await?;
    let (list, preferred) = user.mfa_wire();
    Ok(m::AdminGetUserResponse {
        username: Sensitive::new(user.username.clone()),
        user_attributes: Some(crate::wire::user_attributes(&user)),
        user_create_date: Some(user.created),
        user_last_modified_date: Some(user.modified),
        enabled: Some(user.is_enabled),
        user_status: Some(status(&user)),
        mfa_options: None,
        preferred_mfa_setting: preferred,
        user_mfa_setting_list: (!list.is_empty()).then_some(list),
    })
}

pub async fn admin_update_user_attributes(
    ctx: Ctx,
    req: m::AdminUpdateUserAttributesRequest,
) -> Result<m::AdminUpdateUserAttributesResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let mut user = ctx.domain.get_user(&pool, req.username.expose()).await?;
    let changes = attribute_pairs(Some(req.user_attributes));
    ctx.domain.update_attributes(&pool, &mut user, &changes, Writer::Admin).await?;
    Ok(m::AdminUpdateUserAttributesResponse {})
}

pub async fn admin_delete_user_attributes(
    ctx: Ctx,
    req: m::AdminDeleteUserAttributesRequest,
) -> Result<m::AdminDeleteUserAttributesResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let mut user = ctx.domain.get_user(&pool, req.username.expose()).await?;
    ctx.domain.delete_attributes(&pool, &mut user, &req.user_attribute_names, Writer::Admin).await?;
    Ok(m::AdminDeleteUserAttributesResponse {})
}

pub async fn admin_delete_user(ctx: Ctx, req: m::AdminDeleteUserRequest) -> Result<Empty, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let user = ctx.domain.get_user(&pool, req.username.expose()).await?;
    ctx.domain.delete_user(&pool, &user).await?;
    Ok(Empty {})
}

pub async fn admin_disable_user(
    ctx: Ctx,
    req: m::AdminDisableUserRequest,
) -> Result<m::AdminDisableUserResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    ctx.domain.set_user_enabled(&pool, req.username.expose(), false).await?;
    Ok(m::AdminDisableUserResponse {})
}

pub async fn admin_enable_user(
    ctx: Ctx,
    req: m::AdminEnableUserRequest,
) -> Result<m::AdminEnableUserResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    ctx.domain.set_user_enabled(&pool, req.username.expose(), true).await?;
    Ok(m::AdminEnableUserResponse {})
}

pub async fn admin_set_user_password(
    ctx: Ctx,
    req: m::AdminSetUserPasswordRequest,
) -> Result<m::AdminSetUserPasswordResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    ctx.domain
        .admin_set_user_password(&pool, req.username.expose(), req.password.expose(), req.permanent.unwrap_or(false))
        .await?;
    Ok(m::AdminSetUserPasswordResponse {})
}

pub async fn admin_reset_user_password(
    ctx: Ctx,
    req: m::AdminResetUserPasswordRequest,
) -> Result<m::AdminResetUserPasswordResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    ctx.domain.admin_reset_user_password(&pool, req.username.expose()).await?;
    Ok(m::AdminResetUserPasswordResponse {})
}

pub async fn admin_user_global_sign_out(
    ctx: Ctx,
    req: m::AdminUserGlobalSignOutRequest,
) -> Result<m::AdminUserGlobalSignOutResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let mut user = ctx.domain.get_user(&pool, req.username.expose()).await?;
    ctx.domain.global_sign_out(&pool, &mut user).await?;
    Ok(m::AdminUserGlobalSignOutResponse {})
}

pub async fn list_users(ctx: Ctx, req: m::ListUsersRequest) -> Result<m::ListUsersResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let limit = req.limit.and_then(|l| u32::try_from(l).ok()).unwrap_or(60);
    let page = ctx.domain.list_users(&pool, req.filter.as_deref(), req.pagination_token.as_deref(), limit).await?;
    let only = req.attributes_to_get.as_deref();
    Ok(m::ListUsersResponse {
        users: Some(page.items.iter().map(|u| user_type(u, only)).collect()),
        pagination_token: page.next_token,
    })
}
