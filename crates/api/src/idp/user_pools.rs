//! User pool operations: CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool,
//! ListUserPools, AddCustomAttributes, GetSigningCertificate.

use cognate_domain::domains::DomainKind;
use cognate_domain::pools::{NewPool, PoolConfig, PoolUpdate, UserPool};
use cognate_model::cognito_idp as m;

use crate::{ApiError, Ctx, Empty};

/// The settings CreateUserPool and UpdateUserPool share (two wire types, one set of member names).
macro_rules! pool_config {
    ($req:ident) => {
        PoolConfig {
            policies: $req.policies,
            deletion_protection: $req.deletion_protection,
            lambda_config: $req.lambda_config,
            auto_verified_attributes: $req.auto_verified_attributes,
            sms_verification_message: $req.sms_verification_message,
            email_verification_message: $req.email_verification_message,
            email_verification_subject: $req.email_verification_subject,
            verification_message_template: $req.verification_message_template,
            sms_authentication_message: $req.sms_authentication_message,
            user_attribute_update_settings: $req.user_attribute_update_settings,
            device_configuration: $req.device_configuration,
            email_configuration: $req.email_configuration,
            sms_configuration: $req.sms_configuration,
            admin_create_user_config: $req.admin_create_user_config,
            user_pool_add_ons: $req.user_pool_add_ons,
            account_recovery_setting: $req.account_recovery_setting,
            user_pool_tier: $req.user_pool_tier,
        }
    };
}

/// The wire description of a pool, with every member Cognito returns.
pub(crate) fn describe(ctx: &Ctx, pool: UserPool, users: u64) -> m::UserPoolType {
    let arn = ctx.domain.pool_arn(&pool.id);
    let s = pool.settings;
    let c = s.config;
    m::UserPoolType {
        id: Some(pool.id),
        name: Some(pool.name),
        arn: Some(arn),
        creation_date: Some(pool.created),
        last_modified_date: Some(pool.modified),
        policies: c.policies,
        deletion_protection: c.deletion_protection,
        lambda_config: c.lambda_config,
        schema_attributes: Some(s.schema),
        auto_verified_attributes: c.auto_verified_attributes,
        alias_attributes: (!s.alias_attributes.is_empty()).then_some(s.alias_attributes),
        username_attributes: (!s.username_attributes.is_empty()).then_some(s.username_attributes),
        sms_verification_message: c.sms_verification_message,
        email_verification_message: c.email_verification_message,
        email_verification_subject: c.email_verification_subject,
        verification_message_template: c.verification_message_template,
        sms_authentication_message: c.sms_authentication_message,
        user_attribute_update_settings: c.user_attribute_update_settings,
        mfa_configuration: Some(s.mfa.mode.unwrap_or(m::UserPoolMfaType::Off)),
        device_configuration: c.device_configuration,
        estimated_number_of_users: Some(i32::try_from(users).unwrap_or(i32::MAX)),
        email_configuration: c.email_configuration,
        sms_configuration: c.sms_configuration,
        user_pool_tags: Some(s.tags),
        admin_create_user_config: c.admin_create_user_config,
        user_pool_add_ons: c.user_pool_add_ons,
        username_configuration: s.username_configuration,
        account_recovery_setting: c.account_recovery_setting,
        user_pool_tier: c.user_pool_tier,
        ..Default::default()
    }
}

pub async fn create_user_pool(ctx: Ctx, req: m::CreateUserPoolRequest) -> Result<m::CreateUserPoolResponse, ApiError> {
    let input = NewPool {
        name: req.pool_name,
        config: pool_config!(req),
        mfa_configuration: req.mfa_configuration,
        schema: req.schema.unwrap_or_default(),
        username_attributes: req.username_attributes.unwrap_or_default(),
        alias_attributes: req.alias_attributes.unwrap_or_default(),
        username_configuration: req.username_configuration,
        tags: req.user_pool_tags.unwrap_or_default(),
    };
    let pool = ctx.domain.create_user_pool(input).await?;
    Ok(m::CreateUserPoolResponse { user_pool: Some(describe(&ctx, pool, 0)) })
}

pub async fn describe_user_pool(
    ctx: Ctx,
    req: m::DescribeUserPoolRequest,
) -> Result<m::DescribeUserPoolResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let users = ctx.domain.count_users(&pool.id).await?;
    let domains = ctx.domain.pool_domains(&pool).await?;
    let mut described = describe(&ctx, pool, users);
    for d in domains {
        match d.kind {
            DomainKind::Prefix => described.domain = Some(d.domain),
            DomainKind::Custom => described.custom_domain = Some(d.domain),
        }
    }
    Ok(m::DescribeUserPoolResponse { user_pool: Some(described) })
}

pub async fn update_user_pool(ctx: Ctx, req: m::UpdateUserPoolRequest) -> Result<m::UpdateUserPoolResponse, ApiError> {
    let update = PoolUpdate {
        name: req.pool_name,
        config: pool_config!(req),
        mfa_configuration: req.mfa_configuration,
        tags: req.user_pool_tags,
    };
    ctx.domain.update_user_pool(&req.user_pool_id, update).await?;
    Ok(m::UpdateUserPoolResponse {})
}

pub async fn delete_user_pool(ctx: Ctx, req: m::DeleteUserPoolRequest) -> Result<Empty, ApiError> {
    ctx.domain.delete_user_pool(&req.user_pool_id).await?;
    Ok(Empty {})
}

pub async fn list_user_pools(ctx: Ctx, req: m::ListUserPoolsRequest) -> Result<m::ListUserPoolsResponse, ApiError> {
    let max = u32::try_from(req.max_results).unwrap_or(1);
    let page = ctx.domain.list_user_pools(req.next_token.as_deref(), max).await?;
    let pools = page
        .items
        .into_iter()
        .map(|p| m::UserPoolDescriptionType {
            id: Some(p.id),
            name: Some(p.name),
            lambda_config: p.settings.config.lambda_config,
            creation_date: Some(p.created),
            last_modified_date: Some(p.modified),
            ..Default::default()
        })
        .collect();
    Ok(m::ListUserPoolsResponse { user_pools: Some(pools), next_token: page.next_token })
}

pub async fn add_custom_attributes(
    ctx: Ctx,
    req: m::AddCustomAttributesRequest,
) -> Result<m::AddCustomAttributesResponse, ApiError> {
    ctx.domain.add_custom_attributes(&req.user_pool_id, &req.custom_attributes).await?;
    Ok(m::AddCustomAttributesResponse {})
}

pub async fn get_signing_certificate(
    ctx: Ctx,
    req: m::GetSigningCertificateRequest,
) -> Result<m::GetSigningCertificateResponse, ApiError> {
    let certificate = ctx.domain.signing_certificate(&req.user_pool_id).await?;
    Ok(m::GetSigningCertificateResponse { certificate: Some(certificate) })
}
