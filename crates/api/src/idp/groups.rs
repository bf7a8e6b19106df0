//! Groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups, AdminAddUserToGroup,
//! AdminRemoveUserFromGroup, AdminListGroupsForUser, ListUsersInGroup.

use cognate_domain::groups::Group;
use cognate_model::cognito_idp as m;

use super::users_common::user_type;
use crate::{ApiError, Ctx, Empty};

fn group_type(g: Group) -> m::GroupType {
    m::GroupType {
        group_name: Some(g.name),
        user_pool_id: Some(g.pool_id),
        description: g.description,
        role_arn: g.role_arn,
        precedence: g.precedence,
        last_modified_date: Some(g.modified),
        creation_date: Some(g.created),
    }
}

pub async fn create_group(ctx: Ctx, req: m::CreateGroupRequest) -> Result<m::CreateGroupResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let g = ctx.domain.create_group(&pool, &req.group_name, req.description, req.precedence, req.role_arn).await?;
    Ok(m::CreateGroupResponse { group: Some(group_type(g)) })
}

pub async fn get_group(ctx: Ctx, req: m::GetGroupRequest) -> Result<m::GetGroupResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    Ok(m::GetGroupResponse { group: Some(group_type(ctx.domain.get_group(&pool, &req.group_name).await?)) })
}

pub async fn update_group(ctx: Ctx, req: m::UpdateGroupRequest) -> Result<m::UpdateGroupResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let g = ctx.domain.update_group(&pool, &req.group_name, req.description, req.precedence, req.role_arn).await?;
    Ok(m::UpdateGroupResponse { group: Some(group_type(g)) })
}

pub async fn delete_group(ctx: Ctx, req: m::DeleteGroupRequest) -> Result<Empty, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    ctx.domain.delete_group(&pool, &req.group_name).await?;
    Ok(Empty {})
}

pub async fn list_groups(ctx: Ctx, req: m::ListGroupsRequest) -> Result<m::ListGroupsResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let limit = req.limit.and_then(|l| u32::try_from(l).ok()).unwrap_or(60);
    let page = ctx.domain.list_groups(&pool, req.next_token.as_deref(), limit).await?;
    Ok(m::ListGroupsResponse {
        groups: Some(page.items.into_iter().map(group_type).collect()),
        next_token: page.next_token,
    })
}

pub async fn admin_add_user_to_group(ctx: Ctx, req: m::AdminAddUserToGroupRequest) -> Result<Empty, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let user = ctx.domain.get_user(&pool, req.username.expose()).await?;
    ctx.domain.add_user_to_group(&pool, &user, &req.group_name).await?;
    Ok(Empty {})
}

pub async fn admin_remove_user_from_group(
    ctx: Ctx,
    req: m::AdminRemoveUserFromGroupRequest,
) -> Result<Empty, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let user = ctx.domain.get_user(&pool, req.username.expose()).await?;
    ctx.domain.remove_user_from_group(&pool, &user, &req.group_name).await?;
    Ok(Empty {})
}

pub async fn admin_list_groups_for_user(
    ctx: Ctx,
    req: m::AdminListGroupsForUserRequest,
) -> Result<m::AdminListGroupsForUserResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let user = ctx.domain.get_user(&pool, req.username.expose()).await?;
    let limit = req.limit.and_then(|l| u32::try_from(l).ok()).unwrap_or(60);
    let page = ctx.domain.groups_for_user(&pool, &user, req.next_token.as_deref(), limit).await?;
    Ok(m::AdminListGroupsForUserResponse {
        groups: Some(page.items.into_iter().map(group_type).collect()),
        next_token: page.next_token,
    })
}

pub async fn list_users_in_group(
    ctx: Ctx,
    req: m::ListUsersInGroupRequest,
) -> Result<m::ListUsersInGroupResponse, ApiError> {
    let pool = ctx.domain.get_user_pool(&req.user_pool_id).await?;
    let limit = req.limit.and_then(|l| u32::try_from(l).ok()).unwrap_or(60);
    let page = ctx.domain.users_in_group(&pool, &req.group_name, req.next_token.as_deref(), limit).await?;
    Ok(m::ListUsersInGroupResponse {
        users: Some(page.items.iter().map(|u| user_type(u, None)).collect()),
        next_token: page.next_token,
    })
}
