//! Resource servers: CreateResourceServer, DescribeResourceServer, UpdateResourceServer,
//! DeleteResourceServer, ListResourceServers.

use cognate_domain::resource_servers::{ResourceServer, Scope};
use cognate_model::cognito_idp as m;

use crate::{ApiError, Ctx, Empty};

fn scopes_in(scopes: Option<Vec<m::ResourceServerScopeType>>) -> Vec<Scope> {
    scopes
        .unwrap_or_default()
        .into_iter()
        .map(|s| Scope { name: s.scope_name, description: s.scope_description })
        .collect()
}

fn resource_server_type(r: ResourceServer) -> m::ResourceServerType {
    m::ResourceServerType {
        identifier: Some(r.identifier),
        managed_by: None,
        name: Some(r.name),
        scopes: Some(
            r.scopes
                .into_iter()
                .map(|s| m::ResourceServerScopeType { scope_name: s.name, scope_description: s.description })
                .collect(),
        ),
        user_pool_id: Some(r.pool_id),
    }
}

pub async fn create_resource_server(
    ctx: Ctx,
    req: m::CreateResourceServerRequest,
) -> Result<m::CreateResourceServerResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let server = ctx.domain.create_resource_server(&pool, &req.identifier, &req.name, scopes_in(req.scopes)).await?;
    Ok(m::CreateResourceServerResponse { resource_server: resource_server_type(server) })
}

pub async fn describe_resource_server(
    ctx: Ctx,
    req: m::DescribeResourceServerRequest,
) -> Result<m::DescribeResourceServerResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let server = ctx.domain.get_resource_server(&pool, &req.identifier).await?;
    Ok(m::DescribeResourceServerResponse { resource_server: resource_server_type(server) })
}

pub async fn update_resource_server(
    ctx: Ctx,
    req: m::UpdateResourceServerRequest,
) -> Result<m::UpdateResourceServerResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let server = ctx.domain.update_resource_server(&pool, &req.identifier, &req.name, scopes_in(req.scopes)).await?;
    Ok(m::UpdateResourceServerResponse { resource_server: resource_server_type(server) })
}

pub async fn delete_resource_server(ctx: Ctx, req: m::DeleteResourceServerRequest) -> Result<Empty, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    ctx.domain.delete_resource_server(&pool, &req.identifier).await?;
    Ok(Empty {})
}

pub async fn list_resource_servers(
    ctx: Ctx,
    req: m::ListResourceServersRequest,
) -> Result<m::ListResourceServersResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let limit = req.max_results.and_then(|l| u32::try_from(l).ok()).unwrap_or(50);
    let page = ctx.domain.list_resource_servers(&pool, req.next_token.as_deref(), limit).await?;
    Ok(m::ListResourceServersResponse {
        resource_servers: page.items.into_iter().map(resource_server_type).collect(),
        next_token: page.next_token,
    })
}
