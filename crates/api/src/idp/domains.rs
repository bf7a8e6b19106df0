//! Domains: CreateUserPoolDomain, DescribeUserPoolDomain, UpdateUserPoolDomain,
//! DeleteUserPoolDomain.

use cognate_domain::Error;
use cognate_domain::domains::{DomainKind, PoolDomain};
use cognate_model::cognito_idp as m;

use crate::{ApiError, Ctx, Empty};

/// Replicated pools (and so domain routing between replicas) are not built.
fn refuse_routing(routing: Option<&m::RoutingType>) -> Result<(), ApiError> {
    match routing {
        Some(_) => {
            Err(Error::invalid("Cognate does not support user pool replicas, so Routing is not supported.").into())
        }
        None => Ok(()),
    }
}

/// What a custom domain's DNS must point at; prefix domains answer without one.
fn target(ctx: &Ctx, d: &PoolDomain) -> Option<String> {
    (d.kind == DomainKind::Custom).then(|| ctx.domain.domain_target_host())
}

pub async fn create_user_pool_domain(
    ctx: Ctx,
    req: m::CreateUserPoolDomainRequest,
) -> Result<m::CreateUserPoolDomainResponse, ApiError> {
    refuse_routing(req.routing.as_ref())?;
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let d =
        ctx.domain.create_pool_domain(&pool, &req.domain, req.managed_login_version, req.custom_domain_config).await?;
    Ok(m::CreateUserPoolDomainResponse {
        cloud_front_domain: target(&ctx, &d),
        managed_login_version: Some(d.managed_login_version),
        routing: None,
    })
}

pub async fn describe_user_pool_domain(
    ctx: Ctx,
    req: m::DescribeUserPoolDomainRequest,
) -> Result<m::DescribeUserPoolDomainResponse, ApiError> {
    // A name no pool has is described as nothing, not as an error (as Cognito does).
    let description = match ctx.domain.find_pool_domain(&req.domain).await? {
        None => m::DomainDescriptionType::default(),
        Some(d) => m::DomainDescriptionType {
            aws_account_id: Some(ctx.domain.config().account_id.clone()),
            cloud_front_distribution: Some(ctx.domain.domain_target_host()),
            custom_domain_config: d.custom_domain_config.clone(),
            domain: Some(d.domain.clone()),
            managed_login_version: Some(d.managed_login_version),
            routing: None,
            s3_bucket: None,
            status: Some(m::DomainStatusType::Active),
            user_pool_id: Some(d.pool_id.clone()),
            version: Some(d.modified.millis().to_string()),
        },
    };
    Ok(m::DescribeUserPoolDomainResponse { domain_description: Some(description) })
}

pub async fn update_user_pool_domain(
    ctx: Ctx,
    req: m::UpdateUserPoolDomainRequest,
) -> Result<m::UpdateUserPoolDomainResponse, ApiError> {
    refuse_routing(req.routing.as_ref())?;
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let d =
        ctx.domain.update_pool_domain(&pool, &req.domain, req.managed_login_version, req.custom_domain_config).await?;
    Ok(m::UpdateUserPoolDomainResponse {
        cloud_front_domain: target(&ctx, &d),
        managed_login_version: Some(d.managed_login_version),
        routing: None,
    })
}

pub async fn delete_user_pool_domain(ctx: Ctx, req: m::DeleteUserPoolDomainRequest) -> Result<Empty, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    ctx.domain.delete_pool_domain(&pool, &req.domain).await?;
    Ok(Empty {})
}
