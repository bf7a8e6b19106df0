//! Remembered devices: ConfirmDevice, GetDevice, ListDevices, ForgetDevice, UpdateDeviceStatus and
//! their Admin forms.

use cognate_domain::Error;
use cognate_domain::pools::UserPool;
use cognate_domain::users::User;
use cognate_model::{Sensitive, cognito_idp as m};

use crate::{ApiError, Ctx, Empty};

async fn caller(ctx: &Ctx, token: Option<&Sensitive<String>>) -> Result<(UserPool, User), ApiError> {
    token.ok_or_else(|| Error::invalid("An AccessToken is required."))?;
    let (pool, user, _) = ctx.signed_in_with_pool().await?;
    Ok((pool, user))
}

async fn admin_user(ctx: &Ctx, pool_id: &str, username: &str) -> Result<(UserPool, User), ApiError> {
    let pool = ctx.domain.get_user_pool(pool_id).await?;
    let user = ctx.domain.get_user(&pool, username).await?;
    Ok((pool, user))
}

fn remembered(status: Option<&m::DeviceRememberedStatusType>) -> Result<bool, ApiError> {
    match status {
        Some(m::DeviceRememberedStatusType::Remembered) => Ok(true),
        Some(m::DeviceRememberedStatusType::NotRemembered) | None => Ok(false),
        Some(other) => Err(Error::invalid(format!("Invalid DeviceRememberedStatus {other}")).into()),
    }
}

pub async fn confirm_device(ctx: Ctx, req: m::ConfirmDeviceRequest) -> Result<m::ConfirmDeviceResponse, ApiError> {
    let (pool, user) = caller(&ctx, Some(&req.access_token)).await?;
    let config = req.device_secret_verifier_config.unwrap_or_default();
    let (Some(verifier), Some(salt)) = (config.password_verifier, config.salt) else {
        return Err(Error::invalid("DeviceSecretVerifierConfig needs PasswordVerifier and Salt.").into());
    };
    let necessary = ctx.domain.confirm_device(&pool, &user, &req.device_key, &verifier, &salt, req.device_name).await?;
    Ok(m::ConfirmDeviceResponse { user_confirmation_necessary: Some(necessary) })
}

pub async fn get_device(ctx: Ctx, req: m::GetDeviceRequest) -> Result<m::GetDeviceResponse, ApiError> {
    let (pool, user) = caller(&ctx, req.access_token.as_ref()).await?;
    let device = ctx.domain.get_device(&pool, &user, &req.device_key).await?;
    Ok(m::GetDeviceResponse { device: crate::wire::device(&device) })
}

pub async fn list_devices(ctx: Ctx, req: m::ListDevicesRequest) -> Result<m::ListDevicesResponse, ApiError> {
    let (pool, user) = caller(&ctx, Some(&req.access_token)).await?;
    let limit = req.limit.and_then(|l| u32::try_from(l).ok()).unwrap_or(60);
    let page = ctx.domain.list_devices(&pool, &user, req.pagination_token.as_deref(), limit).await?;
    Ok(m::ListDevicesResponse {
        devices: Some(page.items.iter().map(crate::wire::device).collect()),
        pagination_token: page.next_token,
    })
}

pub async fn forget_device(ctx: Ctx, req: m::ForgetDeviceRequest) -> Result<Empty, ApiError> {
    let (pool, user) = caller(&ctx, req.access_token.as_ref()).await?;
    ctx.domain.forget_device(&pool, &user, &req.device_key).await?;
    Ok(Empty {})
}

pub async fn update_device_status(
    ctx: Ctx,
    req: m::UpdateDeviceStatusRequest,
) -> Result<m::UpdateDeviceStatusResponse, ApiError> {
    let (pool, user) = caller(&ctx, Some(&req.access_token)).await?;
    let is_remembered = remembered(req.device_remembered_status.as_ref())?;
    ctx.domain.update_device_status(&pool, &user, &req.device_key, is_remembered).await?;
    Ok(m::UpdateDeviceStatusResponse {})
}

pub async fn admin_get_device(ctx: Ctx, req: m::AdminGetDeviceRequest) -> Result<m::AdminGetDeviceResponse, ApiError> {
    let (pool, user) = admin_user(&ctx, &req.user_pool_id, req.username.expose()).await?;
    let device = ctx.domain.get_device(&pool, &user, &req.device_key).await?;
    Ok(m::AdminGetDeviceResponse { device: crate::wire::device(&device) })
}

pub async fn admin_list_devices(
    ctx: Ctx,
    req: m::AdminListDevicesRequest,
) -> Result<m::AdminListDevicesResponse, ApiError> {
    let (pool, user) = admin_user(&ctx, &req.user_pool_id, req.username.expose()).await?;
    let limit = req.limit.and_then(|l| u32::try_from(l).ok()).unwrap_or(60);
    let page = ctx.domain.list_devices(&pool, &user, req.pagination_token.as_deref(), limit).await?;
    Ok(m::AdminListDevicesResponse {
        devices: Some(page.items.iter().map(crate::wire::device).collect()),
        pagination_token: page.next_token,
    })
}

pub async fn admin_forget_device(ctx: Ctx, req: m::AdminForgetDeviceRequest) -> Result<Empty, ApiError> {
    let (pool, user) = admin_user(&ctx, &req.user_pool_id, req.username.expose()).await?;
    ctx.domain.forget_device(&pool, &user, &req.device_key).await?;
    Ok(Empty {})
}

pub async fn admin_update_device_status(
    ctx: Ctx,
    req: m::AdminUpdateDeviceStatusRequest,
) -> Result<m::AdminUpdateDeviceStatusResponse, ApiError> {
    let (pool, user) = admin_user(&ctx, &req.user_pool_id, req.username.expose()).await?;
    let is_remembered = remembered(req.device_remembered_status.as_ref())?;
    ctx.domain.update_device_status(&pool, &user, &req.device_key, is_remembered).await?;
    Ok(m::AdminUpdateDeviceStatusResponse {})
}
