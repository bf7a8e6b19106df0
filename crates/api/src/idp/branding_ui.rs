//! Hosted UI branding: SetUICustomization, GetUICustomization (the classic hosted UI), and
//! CreateManagedLoginBranding, DescribeManagedLoginBranding, DescribeManagedLoginBrandingByClient,
//! UpdateManagedLoginBranding, DeleteManagedLoginBranding (managed login).

use cognate_domain::Error;
use cognate_model::cognito_idp as m;

use crate::{ApiError, Ctx, Empty};

pub async fn set_ui_customization(
    ctx: Ctx,
    req: m::SetUICustomizationRequest,
) -> Result<m::SetUICustomizationResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let client = req.client_id.as_ref().map(|c| c.expose().as_str());
    let image = req.image_file.map(|b| b.0);
    let ui_customization = ctx.domain.set_ui_customization(&pool, client, req.css, image).await?;
    Ok(m::SetUICustomizationResponse { ui_customization })
}

pub async fn get_ui_customization(
    ctx: Ctx,
    req: m::GetUICustomizationRequest,
) -> Result<m::GetUICustomizationResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let client = req.client_id.as_ref().map(|c| c.expose().as_str());
    let ui_customization = ctx.domain.get_ui_customization(&pool, client).await?;
    Ok(m::GetUICustomizationResponse { ui_customization })
}

pub async fn create_managed_login_branding(
    ctx: Ctx,
    req: m::CreateManagedLoginBrandingRequest,
) -> Result<m::CreateManagedLoginBrandingResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let style = ctx
        .domain
        .create_managed_branding(
            &pool,
            req.client_id.expose(),
            req.use_cognito_provided_values,
            req.settings,
            req.assets,
        )
        .await?;
    Ok(m::CreateManagedLoginBrandingResponse { managed_login_branding: Some(style) })
}

pub async fn describe_managed_login_branding(
    ctx: Ctx,
    req: m::DescribeManagedLoginBrandingRequest,
) -> Result<m::DescribeManagedLoginBrandingResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let style = ctx.domain.describe_managed_branding(&pool, &req.managed_login_branding_id).await?;
    Ok(m::DescribeManagedLoginBrandingResponse { managed_login_branding: Some(style) })
}

pub async fn describe_managed_login_branding_by_client(
    ctx: Ctx,
    req: m::DescribeManagedLoginBrandingByClientRequest,
) -> Result<m::DescribeManagedLoginBrandingByClientResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let style = ctx.domain.managed_branding_of_client(&pool, req.client_id.expose()).await?;
    Ok(m::DescribeManagedLoginBrandingByClientResponse { managed_login_branding: Some(style) })
}

pub async fn update_managed_login_branding(
    ctx: Ctx,
    req: m::UpdateManagedLoginBrandingRequest,
) -> Result<m::UpdateManagedLoginBrandingResponse, ApiError> {
    // The model leaves both optional; a style is named by its pool and ID.
    let pool_id = req.user_pool_id.ok_or_else(|| Error::invalid("UserPoolId is required."))?;
    let id = req.managed_login_branding_id.ok_or_else(|| Error::invalid("ManagedLoginBrandingId is required."))?;
    let pool = ctx.domain.get_user_pool(&pool_id).await?;
    let style = ctx
        .domain
        .update_managed_branding(&pool, &id, req.use_cognito_provided_values, req.settings, req.assets)
        .await?;
    Ok(m::UpdateManagedLoginBrandingResponse { managed_login_branding: Some(style) })
}

pub async fn delete_managed_login_branding(
    ctx: Ctx,
    req: m::DeleteManagedLoginBrandingRequest,
) -> Result<Empty, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    ctx.domain.delete_managed_branding(&pool, &req.managed_login_branding_id).await?;
    Ok(Empty {})
}
