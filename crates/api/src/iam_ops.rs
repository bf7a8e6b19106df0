//! IAM handlers (Query protocol): roles, inline and managed policies, users and their access keys,
//! OpenID Connect providers, and the policy simulator. Policy documents go out URL-encoded, as
//! IAM returns them (SDKs and Terraform decode them).

use cognate_domain::iam as d;
use cognate_model::iam as m;
use cognate_model::runtime::{Sensitive, Timestamp};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::{ApiError, Ctx};

type Out<T> = Result<Option<T>, ApiError>;

/// RFC 3986's unreserved characters stay; everything else is escaped (spaces as `%20`).
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn encoded(document: &str) -> String {
    utf8_percent_encode(document, ENCODE).to_string()
}

fn tags_in(tags: Option<Vec<m::Tag>>) -> Vec<d::Tag> {
    tags.unwrap_or_default().into_iter().map(|t| d::Tag { key: t.key, value: t.value }).collect()
}

fn tags_out(tags: &[d::Tag]) -> Vec<m::Tag> {
    tags.iter().map(|t| m::Tag { key: t.key.clone(), value: t.value.clone() }).collect()
}

fn some_tags(tags: &[d::Tag]) -> Option<Vec<m::Tag>> {
    (!tags.is_empty()).then(|| tags_out(tags))
}

fn boundary(arn: Option<&String>) -> Option<m::AttachedPermissionsBoundary> {
    arn.map(|a| m::AttachedPermissionsBoundary {
        permissions_boundary_arn: Some(a.clone()),
        permissions_boundary_type: Some(m::PermissionsBoundaryAttachmentType::Permissionsboundarypolicy),
    })
}

fn role_out(ctx: &Ctx, role: &d::Role, with_document: bool) -> m::Role {
    m::Role {
        arn: role.arn(ctx.domain.account_id()),
        assume_role_policy_document: with_document.then(|| encoded(&role.trust_policy)),
        create_date: Timestamp::from_millis(role.created_ms),
        description: role.description.clone(),
        max_session_duration: Some(role.max_session_secs),
        path: role.path.clone(),
        permissions_boundary: boundary(role.boundary.as_ref()),
        role_id: role.id.clone(),
        role_last_used: Some(m::RoleLastUsed::default()),
        role_name: role.name.clone(),
        tags: some_tags(&role.tags),
        ..Default::default()
    }
}

fn user_out(ctx: &Ctx, user: &d::IamUser) -> m::User {
    m::User {
        arn: user.arn(ctx.domain.account_id()),
        create_date: Timestamp::from_millis(user.created_ms),
        path: user.path.clone(),
        permissions_boundary: boundary(user.boundary.as_ref()),
        tags: some_tags(&user.tags),
        user_id: user.id.clone(),
        user_name: user.name.clone(),
        password_last_used: None,
    }
}

fn policy_out(policy: &d::ManagedPolicy, attachments: Option<usize>) -> m::Policy {
    m::Policy {
        arn: Some(policy.arn.clone()),
        attachment_count: attachments.map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
        create_date: Some(Timestamp::from_millis(policy.created_ms)),
        default_version_id: Some(policy.default_version.clone()),
        description: policy.description.clone(),
        is_attachable: Some(true),
        path: Some(policy.path.clone()),
        permissions_boundary_usage_count: Some(0),
        policy_id: Some(policy.id.clone()),
        policy_name: Some(policy.name.clone()),
        tags: some_tags(&policy.tags),
        update_date: Some(Timestamp::from_millis(policy.updated_ms)),
    }
}

fn version_out(policy: &d::ManagedPolicy, v: &d::PolicyVersion, with_document: bool) -> m::PolicyVersion {
    m::PolicyVersion {
        create_date: Some(Timestamp::from_millis(v.created_ms)),
        document: with_document.then(|| encoded(&v.document)),
        is_default_version: Some(v.id == policy.default_version),
        version_id: Some(v.id.clone()),
    }
}

fn attached(ctx: &Ctx, arns: &[String], path_prefix: Option<&str>) -> Vec<m::AttachedPolicy> {
    let _ = ctx;
    arns.iter()
        .filter(|a| path_prefix.is_none_or(|p| policy_path(a).starts_with(p)))
        .map(|a| m::AttachedPolicy {
            policy_arn: Some(a.clone()),
            policy_name: Some(a.rsplit('/').next().unwrap_or(a).to_owned()),
        })
        .collect()
}

/// The path of a managed policy's ARN (`/` for `…:policy/Name`).
fn policy_path(arn: &str) -> String {
    let rest = arn.split_once(":policy").map_or("", |(_, r)| r);
    match rest.rfind('/') {
        Some(i) => rest[..=i].to_owned(),
        None => "/".into(),
    }
}

// --- roles ------------------------------------------------------------------------------------

pub async fn create_role(ctx: Ctx, req: m::CreateRoleRequest) -> Out<m::CreateRoleResponse> {
    let new = d::NewRole {
        name: req.role_name,
        path: req.path,
        trust_policy: req.assume_role_policy_document,
        description: req.description,
        max_session_secs: req.max_session_duration,
        boundary: req.permissions_boundary,
        tags: tags_in(req.tags),
    };
    let role = ctx.domain.create_role(new).await?;
    Ok(Some(m::CreateRoleResponse { role: m::Role { role_last_used: None, ..role_out(&ctx, &role, true) } }))
}

pub async fn get_role(ctx: Ctx, req: m::GetRoleRequest) -> Out<m::GetRoleResponse> {
    let role = ctx.domain.get_role(&req.role_name).await?;
    Ok(Some(m::GetRoleResponse { role: role_out(&ctx, &role, true) }))
}

pub async fn list_roles(ctx: Ctx, req: m::ListRolesRequest) -> Out<m::ListRolesResponse> {
    let page = ctx.domain.list_roles(req.path_prefix.as_deref(), req.marker.as_deref(), req.max_items).await?;
    Ok(Some(m::ListRolesResponse {
        is_truncated: Some(page.marker.is_some()),
        roles: page.items.iter().map(|r| m::Role { tags: None, ..role_out(&ctx, r, true) }).collect(),
        marker: page.marker,
    }))
}

pub async fn update_role(ctx: Ctx, req: m::UpdateRoleRequest) -> Out<m::UpdateRoleResponse> {
    ctx.domain.update_role(&req.role_name, req.description, req.max_session_duration).await?;
    Ok(Some(m::UpdateRoleResponse {}))
}

pub async fn update_role_description(
    ctx: Ctx,
    req: m::UpdateRoleDescriptionRequest,
) -> Out<m::UpdateRoleDescriptionResponse> {
    let role = ctx.domain.update_role(&req.role_name, Some(req.description), None).await?;
    Ok(Some(m::UpdateRoleDescriptionResponse { role: Some(role_out(&ctx, &role, true)) }))
}

pub async fn update_assume_role_policy(ctx: Ctx, req: m::UpdateAssumeRolePolicyRequest) -> Out<()> {
    ctx.domain.update_assume_role_policy(&req.role_name, &req.policy_document).await?;
    Ok(None)
}

pub async fn delete_role(ctx: Ctx, req: m::DeleteRoleRequest) -> Out<()> {
    ctx.domain.delete_role(&req.role_name).await?;
    Ok(None)
}

pub async fn tag_role(ctx: Ctx, req: m::TagRoleRequest) -> Out<()> {
    ctx.domain.tag_role(&req.role_name, tags_in(Some(req.tags))).await?;
    Ok(None)
}

pub async fn untag_role(ctx: Ctx, req: m::UntagRoleRequest) -> Out<()> {
    ctx.domain.untag_role(&req.role_name, &req.tag_keys).await?;
    Ok(None)
}

pub async fn list_role_tags(ctx: Ctx, req: m::ListRoleTagsRequest) -> Out<m::ListRoleTagsResponse> {
    let role = ctx.domain.get_role(&req.role_name).await?;
    let page = d::page(role.tags, |t| t.key.clone(), req.marker.as_deref(), req.max_items);
    Ok(Some(m::ListRoleTagsResponse {
        is_truncated: Some(page.marker.is_some()),
        tags: tags_out(&page.items),
        marker: page.marker,
    }))
}

pub async fn put_role_policy(ctx: Ctx, req: m::PutRolePolicyRequest) -> Out<()> {
    ctx.domain.put_role_policy(&req.role_name, &req.policy_name, &req.policy_document).await?;
    Ok(None)
}

pub async fn get_role_policy(ctx: Ctx, req: m::GetRolePolicyRequest) -> Out<m::GetRolePolicyResponse> {
    let (role, document) = ctx.domain.get_role_policy(&req.role_name, &req.policy_name).await?;
    Ok(Some(m::GetRolePolicyResponse {
        policy_document: encoded(&document),
        policy_name: req.policy_name,
        role_name: role.name,
    }))
}

pub async fn delete_role_policy(ctx: Ctx, req: m::DeleteRolePolicyRequest) -> Out<()> {
    ctx.domain.delete_role_policy(&req.role_name, &req.policy_name).await?;
    Ok(None)
}

pub async fn list_role_policies(ctx: Ctx, req: m::ListRolePoliciesRequest) -> Out<m::ListRolePoliciesResponse> {
    let role = ctx.domain.get_role(&req.role_name).await?;
    let page = d::page(role.inline.keys().cloned().collect(), Clone::clone, req.marker.as_deref(), req.max_items);
    Ok(Some(m::ListRolePoliciesResponse {
        is_truncated: Some(page.marker.is_some()),
        policy_names: page.items,
        marker: page.marker,
    }))
}

pub async fn attach_role_policy(ctx: Ctx, req: m::AttachRolePolicyRequest) -> Out<()> {
    ctx.domain.attach_role_policy(&req.role_name, &req.policy_arn).await?;
    Ok(None)
}

pub async fn detach_role_policy(ctx: Ctx, req: m::DetachRolePolicyRequest) -> Out<()> {
    ctx.domain.detach_role_policy(&req.role_name, &req.policy_arn).await?;
    Ok(None)
}

pub async fn list_attached_role_policies(
    ctx: Ctx,
    req: m::ListAttachedRolePoliciesRequest,
) -> Out<m::ListAttachedRolePoliciesResponse> {
    let role = ctx.domain.get_role(&req.role_name).await?;
    let all = attached(&ctx, &role.attached, req.path_prefix.as_deref());
    let key = |p: &m::AttachedPolicy| p.policy_arn.clone().unwrap_or_default();
    let page = d::page(all, key, req.marker.as_deref(), req.max_items);
    Ok(Some(m::ListAttachedRolePoliciesResponse {
        attached_policies: Some(page.items),
        is_truncated: Some(page.marker.is_some()),
        marker: page.marker,
    }))
}

pub async fn put_role_permissions_boundary(ctx: Ctx, req: m::PutRolePermissionsBoundaryRequest) -> Out<()> {
    ctx.domain.set_role_boundary(&req.role_name, Some(&req.permissions_boundary)).await?;
    Ok(None)
}

pub async fn delete_role_permissions_boundary(ctx: Ctx, req: m::DeleteRolePermissionsBoundaryRequest) -> Out<()> {
    ctx.domain.set_role_boundary(&req.role_name, None).await?;
    Ok(None)
}

/// Cognate has no instance profiles (CreateInstanceProfile is not implemented), so a role is
/// in none; the role must exist.
pub async fn list_instance_profiles_for_role(
    ctx: Ctx,
    req: m::ListInstanceProfilesForRoleRequest,
) -> Out<m::ListInstanceProfilesForRoleResponse> {
    ctx.domain.get_role(&req.role_name).await?;
    Ok(Some(m::ListInstanceProfilesForRoleResponse {
        instance_profiles: Vec::new(),
        is_truncated: Some(false),
        marker: None,
    }))
}

// --- managed policies -------------------------------------------------------------------------

pub async fn create_policy(ctx: Ctx, req: m::CreatePolicyRequest) -> Out<m::CreatePolicyResponse> {
    let policy = ctx
        .domain
        .create_policy(&req.policy_name, req.path.as_deref(), &req.policy_document, req.description, tags_in(req.tags))
        .await?;
    Ok(Some(m::CreatePolicyResponse { policy: Some(m::Policy { description: None, ..policy_out(&policy, Some(0)) }) }))
}

pub async fn get_policy(ctx: Ctx, req: m::GetPolicyRequest) -> Out<m::GetPolicyResponse> {
    let policy = ctx.domain.get_policy(&req.policy_arn).await?;
    let entities = ctx.domain.policy_entities(&req.policy_arn).await?;
    let count = entities.roles.len() + entities.users.len() + entities.groups.len();
    Ok(Some(m::GetPolicyResponse { policy: Some(policy_out(&policy, Some(count))) }))
}

pub async fn list_policies(ctx: Ctx, req: m::ListPoliciesRequest) -> Out<m::ListPoliciesResponse> {
    let scope = req.scope.as_ref().map(|s| s.as_str().to_owned());
    let page = ctx
        .domain
        .list_policies(
            scope.as_deref(),
            req.only_attached.unwrap_or(false),
            req.path_prefix.as_deref(),
            req.marker.as_deref(),
            req.max_items,
        )
        .await?;
    Ok(Some(m::ListPoliciesResponse {
        is_truncated: Some(page.marker.is_some()),
        policies: Some(
            page.items
                .iter()
                .map(|(p, n)| m::Policy { description: None, tags: None, ..policy_out(p, Some(*n)) })
                .collect(),
        ),
        marker: page.marker,
    }))
}

pub async fn create_policy_version(
    ctx: Ctx,
    req: m::CreatePolicyVersionRequest,
) -> Out<m::CreatePolicyVersionResponse> {
    let version = ctx
        .domain
        .create_policy_version(&req.policy_arn, &req.policy_document, req.set_as_default.unwrap_or(false))
        .await?;
    let policy = ctx.domain.get_policy(&req.policy_arn).await?;
    Ok(Some(m::CreatePolicyVersionResponse { policy_version: Some(version_out(&policy, &version, false)) }))
}

pub async fn get_policy_version(ctx: Ctx, req: m::GetPolicyVersionRequest) -> Out<m::GetPolicyVersionResponse> {
    let (policy, version) = ctx.domain.get_policy_version(&req.policy_arn, &req.version_id).await?;
    Ok(Some(m::GetPolicyVersionResponse { policy_version: Some(version_out(&policy, &version, true)) }))
}

pub async fn list_policy_versions(ctx: Ctx, req: m::ListPolicyVersionsRequest) -> Out<m::ListPolicyVersionsResponse> {
    let policy = ctx.domain.get_policy(&req.policy_arn).await?;
    // Newest first, as IAM lists them.
    let mut versions = policy.versions.clone();
    versions.reverse();
    let key =
        |v: &d::PolicyVersion| format!("{:010}", u32::MAX - v.id.trim_start_matches('v').parse::<u32>().unwrap_or(0));
    let page = d::page(versions, key, req.marker.as_deref(), req.max_items);
    Ok(Some(m::ListPolicyVersionsResponse {
        is_truncated: Some(page.marker.is_some()),
        versions: Some(page.items.iter().map(|v| version_out(&policy, v, false)).collect()),
        marker: page.marker,
    }))
}

pub async fn set_default_policy_version(ctx: Ctx, req: m::SetDefaultPolicyVersionRequest) -> Out<()> {
    ctx.domain.set_default_policy_version(&req.policy_arn, &req.version_id).await?;
    Ok(None)
}

pub async fn delete_policy_version(ctx: Ctx, req: m::DeletePolicyVersionRequest) -> Out<()> {
    ctx.domain.delete_policy_version(&req.policy_arn, &req.version_id).await?;
    Ok(None)
}

pub async fn delete_policy(ctx: Ctx, req: m::DeletePolicyRequest) -> Out<()> {
    ctx.domain.delete_policy(&req.policy_arn).await?;
    Ok(None)
}

pub async fn list_entities_for_policy(
    ctx: Ctx,
    req: m::ListEntitiesForPolicyRequest,
) -> Out<m::ListEntitiesForPolicyResponse> {
    ctx.domain.get_policy(&req.policy_arn).await?;
    let entities = ctx.domain.policy_entities(&req.policy_arn).await?;
    let wants = |kind: m::EntityType| req.entity_filter.as_ref().is_none_or(|f| *f == kind);
    Ok(Some(m::ListEntitiesForPolicyResponse {
        is_truncated: Some(false),
        marker: None,
        policy_groups: Some(if wants(m::EntityType::Group) {
            entities
                .groups
                .into_iter()
                .map(|(n, id)| m::PolicyGroup { group_id: Some(id), group_name: Some(n) })
                .collect()
        } else {
            Vec::new()
        }),
        policy_roles: Some(if wants(m::EntityType::Role) {
            entities.roles.into_iter().map(|(n, id)| m::PolicyRole { role_id: Some(id), role_name: Some(n) }).collect()
        } else {
            Vec::new()
        }),
        policy_users: Some(if wants(m::EntityType::User) {
            entities.users.into_iter().map(|(n, id)| m::PolicyUser { user_id: Some(id), user_name: Some(n) }).collect()
        } else {
            Vec::new()
        }),
    }))
}

pub async fn tag_policy(ctx: Ctx, req: m::TagPolicyRequest) -> Out<()> {
    ctx.domain.tag_policy(&req.policy_arn, tags_in(Some(req.tags))).await?;
    Ok(None)
}

pub async fn untag_policy(ctx: Ctx, req: m::UntagPolicyRequest) -> Out<()> {
    ctx.domain.untag_policy(&req.policy_arn, &req.tag_keys).await?;
    Ok(None)
}

pub async fn list_policy_tags(ctx: Ctx, req: m::ListPolicyTagsRequest) -> Out<m::ListPolicyTagsResponse> {
    let policy = ctx.domain.get_policy(&req.policy_arn).await?;
    let page = d::page(policy.tags, |t| t.key.clone(), req.marker.as_deref(), req.max_items);
    Ok(Some(m::ListPolicyTagsResponse {
        is_truncated: Some(page.marker.is_some()),
        tags: tags_out(&page.items),
        marker: page.marker,
    }))
}

// --- users ------------------------------------------------------------------------------------

pub async fn create_user(ctx: Ctx, req: m::CreateUserRequest) -> Out<m::CreateUserResponse> {
    let user = ctx
        .domain
        .create_iam_user(&req.user_name, req.path.as_deref(), req.permissions_boundary, tags_in(req.tags))
        .await?;
    Ok(Some(m::CreateUserResponse { user: Some(user_out(&ctx, &user)) }))
}

/// The named user, or (without a name) the calling user.
async fn user_or_caller(ctx: &Ctx, name: Option<&str>) -> Result<d::IamUser, ApiError> {
    match name {
        Some(n) => Ok(ctx.domain.get_iam_user(n).await?),
        None => match ctx.acting()?.user_name.clone() {
            Some(n) => Ok(ctx.domain.get_iam_user(&n).await?),
            None => Err(ApiError::Domain(
                cognate_domain::IamError::InvalidInput
                    .err("Must specify userName when calling with non-User credentials"),
            )),
        },
    }
}

pub async fn get_user(ctx: Ctx, req: m::GetUserRequest) -> Out<m::GetUserResponse> {
    // The root calling without a name gets the account's root "user", as IAM answers.
    if req.user_name.is_none()
        && let Ok(acting) = ctx.acting()
        && acting.is_root()
    {
        return Ok(Some(m::GetUserResponse {
            user: m::User {
                arn: acting.arn.clone(),
                create_date: Timestamp::from_millis(0),
                path: "/".into(),
                user_id: acting.account.clone(),
                user_name: String::new(),
                ..Default::default()
            },
        }));
    }
    let user = user_or_caller(&ctx, req.user_name.as_deref()).await?;
    Ok(Some(m::GetUserResponse { user: user_out(&ctx, &user) }))
}

pub async fn list_users(ctx: Ctx, req: m::ListUsersRequest) -> Out<m::ListUsersResponse> {
    let page = ctx.domain.list_iam_users(req.path_prefix.as_deref(), req.marker.as_deref(), req.max_items).await?;
    Ok(Some(m::ListUsersResponse {
        is_truncated: Some(page.marker.is_some()),
        users: page.items.iter().map(|u| m::User { tags: None, ..user_out(&ctx, u) }).collect(),
        marker: page.marker,
    }))
}

pub async fn delete_user(ctx: Ctx, req: m::DeleteUserRequest) -> Out<()> {
    ctx.domain.delete_iam_user(&req.user_name).await?;
    Ok(None)
}

pub async fn tag_user(ctx: Ctx, req: m::TagUserRequest) -> Out<()> {
    ctx.domain.tag_iam_user(&req.user_name, tags_in(Some(req.tags))).await?;
    Ok(None)
}

pub async fn untag_user(ctx: Ctx, req: m::UntagUserRequest) -> Out<()> {
    ctx.domain.untag_iam_user(&req.user_name, &req.tag_keys).await?;
    Ok(None)
}

pub async fn list_user_tags(ctx: Ctx, req: m::ListUserTagsRequest) -> Out<m::ListUserTagsResponse> {
    let user = ctx.domain.get_iam_user(&req.user_name).await?;
    let page = d::page(user.tags, |t| t.key.clone(), req.marker.as_deref(), req.max_items);
    Ok(Some(m::ListUserTagsResponse {
        is_truncated: Some(page.marker.is_some()),
        tags: tags_out(&page.items),
        marker: page.marker,
    }))
}

pub async fn put_user_policy(ctx: Ctx, req: m::PutUserPolicyRequest) -> Out<()> {
    ctx.domain.put_user_policy(&req.user_name, &req.policy_name, &req.policy_document).await?;
    Ok(None)
}

pub async fn get_user_policy(ctx: Ctx, req: m::GetUserPolicyRequest) -> Out<m::GetUserPolicyResponse> {
    let (user, document) = ctx.domain.get_user_policy(&req.user_name, &req.policy_name).await?;
    Ok(Some(m::GetUserPolicyResponse {
        policy_document: encoded(&document),
        policy_name: req.policy_name,
        user_name: user.name,
    }))
}

pub async fn delete_user_policy(ctx: Ctx, req: m::DeleteUserPolicyRequest) -> Out<()> {
    ctx.domain.delete_user_policy(&req.user_name, &req.policy_name).await?;
    Ok(None)
}

pub async fn list_user_policies(ctx: Ctx, req: m::ListUserPoliciesRequest) -> Out<m::ListUserPoliciesResponse> {
    let user = ctx.domain.get_iam_user(&req.user_name).await?;
    let page = d::page(user.inline.keys().cloned().collect(), Clone::clone, req.marker.as_deref(), req.max_items);
    Ok(Some(m::ListUserPoliciesResponse {
        is_truncated: Some(page.marker.is_some()),
        policy_names: page.items,
        marker: page.marker,
    }))
}

pub async fn attach_user_policy(ctx: Ctx, req: m::AttachUserPolicyRequest) -> Out<()> {
    ctx.domain.attach_user_policy(&req.user_name, &req.policy_arn).await?;
    Ok(None)
}

pub async fn detach_user_policy(ctx: Ctx, req: m::DetachUserPolicyRequest) -> Out<()> {
    ctx.domain.detach_user_policy(&req.user_name, &req.policy_arn).await?;
    Ok(None)
}

pub async fn list_attached_user_policies(
    ctx: Ctx,
    req: m::ListAttachedUserPoliciesRequest,
) -> Out<m::ListAttachedUserPoliciesResponse> {
    let user = ctx.domain.get_iam_user(&req.user_name).await?;
    let all = attached(&ctx, &user.attached, req.path_prefix.as_deref());
    let key = |p: &m::AttachedPolicy| p.policy_arn.clone().unwrap_or_default();
    let page = d::page(all, key, req.marker.as_deref(), req.max_items);
    Ok(Some(m::ListAttachedUserPoliciesResponse {
        attached_policies: Some(page.items),
        is_truncated: Some(page.marker.is_some()),
        marker: page.marker,
    }))
}

pub async fn put_user_permissions_boundary(ctx: Ctx, req: m::PutUserPermissionsBoundaryRequest) -> Out<()> {
    ctx.domain.set_user_boundary(&req.user_name, Some(&req.permissions_boundary)).await?;
    Ok(None)
}

pub async fn delete_user_permissions_boundary(ctx: Ctx, req: m::DeleteUserPermissionsBoundaryRequest) -> Out<()> {
    ctx.domain.set_user_boundary(&req.user_name, None).await?;
    Ok(None)
}

pub async fn list_groups_for_user(ctx: Ctx, req: m::ListGroupsForUserRequest) -> Out<m::ListGroupsForUserResponse> {
    let user = ctx.domain.get_iam_user(&req.user_name).await?;
    let groups = ctx.domain.groups_of_user(&user).await?;
    let page = d::page(groups, |g| g.name.to_lowercase(), req.marker.as_deref(), req.max_items);
    Ok(Some(m::ListGroupsForUserResponse {
        groups: page.items.iter().map(|g| group_out(&ctx, g)).collect(),
        is_truncated: Some(page.marker.is_some()),
        marker: page.marker,
    }))
}

// --- groups -----------------------------------------------------------------------------------

fn group_out(ctx: &Ctx, group: &d::IamGroup) -> m::Group {
    m::Group {
        arn: group.arn(ctx.domain.account_id()),
        create_date: Timestamp::from_millis(group.created_ms),
        group_id: group.id.clone(),
        group_name: group.name.clone(),
        path: group.path.clone(),
    }
}

pub async fn create_group(ctx: Ctx, req: m::CreateGroupRequest) -> Out<m::CreateGroupResponse> {
    let group = ctx.domain.create_iam_group(&req.group_name, req.path.as_deref()).await?;
    Ok(Some(m::CreateGroupResponse { group: group_out(&ctx, &group) }))
}

pub async fn get_group(ctx: Ctx, req: m::GetGroupRequest) -> Out<m::GetGroupResponse> {
    let group = ctx.domain.get_iam_group(&req.group_name).await?;
    let members = ctx.domain.iam_group_members(&req.group_name).await?;
    let page = d::page(members, |u| u.name.to_lowercase(), req.marker.as_deref(), req.max_items);
    Ok(Some(m::GetGroupResponse {
        group: group_out(&ctx, &group),
        is_truncated: Some(page.marker.is_some()),
        users: page.items.iter().map(|u| m::User { tags: None, ..user_out(&ctx, u) }).collect(),
        marker: page.marker,
    }))
}

pub async fn list_groups(ctx: Ctx, req: m::ListGroupsRequest) -> Out<m::ListGroupsResponse> {
    let page = ctx.domain.list_iam_groups(req.path_prefix.as_deref(), req.marker.as_deref(), req.max_items).await?;
    Ok(Some(m::ListGroupsResponse {
        groups: page.items.iter().map(|g| group_out(&ctx, g)).collect(),
        is_truncated: Some(page.marker.is_some()),
        marker: page.marker,
    }))
}

pub async fn delete_group(ctx: Ctx, req: m::DeleteGroupRequest) -> Out<()> {
    ctx.domain.delete_iam_group(&req.group_name).await?;
    Ok(None)
}

pub async fn add_user_to_group(ctx: Ctx, req: m::AddUserToGroupRequest) -> Out<()> {
    ctx.domain.add_iam_user_to_group(&req.group_name, &req.user_name).await?;
    Ok(None)
}

pub async fn remove_user_from_group(ctx: Ctx, req: m::RemoveUserFromGroupRequest) -> Out<()> {
    ctx.domain.remove_iam_user_from_group(&req.group_name, &req.user_name).await?;
    Ok(None)
}

pub async fn put_group_policy(ctx: Ctx, req: m::PutGroupPolicyRequest) -> Out<()> {
    ctx.domain.put_group_policy(&req.group_name, &req.policy_name, &req.policy_document).await?;
    Ok(None)
}

pub async fn get_group_policy(ctx: Ctx, req: m::GetGroupPolicyRequest) -> Out<m::GetGroupPolicyResponse> {
    let (group, document) = ctx.domain.get_group_policy(&req.group_name, &req.policy_name).await?;
    Ok(Some(m::GetGroupPolicyResponse {
        group_name: group.name,
        policy_document: encoded(&document),
        policy_name: req.policy_name,
    }))
}

pub async fn delete_group_policy(ctx: Ctx, req: m::DeleteGroupPolicyRequest) -> Out<()> {
    ctx.domain.delete_group_policy(&req.group_name, &req.policy_name).await?;
    Ok(None)
}

pub async fn list_group_policies(ctx: Ctx, req: m::ListGroupPoliciesRequest) -> Out<m::ListGroupPoliciesResponse> {
    let group = ctx.domain.get_iam_group(&req.group_name).await?;
    let page = d::page(group.inline.keys().cloned().collect(), Clone::clone, req.marker.as_deref(), req.max_items);
    Ok(Some(m::ListGroupPoliciesResponse {
        is_truncated: Some(page.marker.is_some()),
        policy_names: page.items,
        marker: page.marker,
    }))
}

pub async fn attach_group_policy(ctx: Ctx, req: m::AttachGroupPolicyRequest) -> Out<()> {
    ctx.domain.attach_group_policy(&req.group_name, &req.policy_arn).await?;
    Ok(None)
}

pub async fn detach_group_policy(ctx: Ctx, req: m::DetachGroupPolicyRequest) -> Out<()> {
    ctx.domain.detach_group_policy(&req.group_name, &req.policy_arn).await?;
    Ok(None)
}

pub async fn list_attached_group_policies(
    ctx: Ctx,
    req: m::ListAttachedGroupPoliciesRequest,
) -> Out<m::ListAttachedGroupPoliciesResponse> {
    let group = ctx.domain.get_iam_group(&req.group_name).await?;
    let all = attached(&ctx, &group.attached, req.path_prefix.as_deref());
    let key = |p: &m::AttachedPolicy| p.policy_arn.clone().unwrap_or_default();
    let page = d::page(all, key, req.marker.as_deref(), req.max_items);
    Ok(Some(m::ListAttachedGroupPoliciesResponse {
        attached_policies: Some(page.items),
        is_truncated: Some(page.marker.is_some()),
        marker: page.marker,
    }))
}

fn status(is_active: bool) -> m::statusType {
    if is_active { m::statusType::Active } else { m::statusType::Inactive }
}

pub async fn create_access_key(ctx: Ctx, req: m::CreateAccessKeyRequest) -> Out<m::CreateAccessKeyResponse> {
    let user = user_or_caller(&ctx, req.user_name.as_deref()).await?;
    let (key, entry) = ctx.domain.create_user_access_key(&user.name).await?;
    Ok(Some(m::CreateAccessKeyResponse {
        access_key: m::AccessKey {
            access_key_id: key.access_key_id.clone(),
            create_date: Some(Timestamp::from_millis(entry.created_ms)),
            secret_access_key: Sensitive::new(key.secret_access_key.clone()),
            status: status(entry.is_active),
            user_name: user.name,
        },
    }))
}

pub async fn list_access_keys(ctx: Ctx, req: m::ListAccessKeysRequest) -> Out<m::ListAccessKeysResponse> {
    let user = user_or_caller(&ctx, req.user_name.as_deref()).await?;
    let page = d::page(user.access_keys.clone(), |k| k.id.clone(), req.marker.as_deref(), req.max_items);
    Ok(Some(m::ListAccessKeysResponse {
        access_key_metadata: page
            .items
            .iter()
            .map(|k| m::AccessKeyMetadata {
                access_key_id: Some(k.id.clone()),
                create_date: Some(Timestamp::from_millis(k.created_ms)),
                status: Some(status(k.is_active)),
                user_name: Some(user.name.clone()),
            })
            .collect(),
        is_truncated: Some(page.marker.is_some()),
        marker: page.marker,
    }))
}

pub async fn update_access_key(ctx: Ctx, req: m::UpdateAccessKeyRequest) -> Out<()> {
    let is_active = match req.status {
        m::statusType::Active => true,
        m::statusType::Inactive => false,
        m::statusType::Expired | m::statusType::Unknown(_) => {
            return Err(ApiError::Domain(
                cognate_domain::IamError::InvalidInput.err("Status must be Active or Inactive."),
            ));
        }
    };
    ctx.domain.update_user_access_key(req.user_name.as_deref(), &req.access_key_id, is_active).await?;
    Ok(None)
}

pub async fn delete_access_key(ctx: Ctx, req: m::DeleteAccessKeyRequest) -> Out<()> {
    ctx.domain.delete_user_access_key(req.user_name.as_deref(), &req.access_key_id).await?;
    Ok(None)
}

/// Cognate does not record when a key was last used: IAM's answer for a key never used.
pub async fn get_access_key_last_used(
    ctx: Ctx,
    req: m::GetAccessKeyLastUsedRequest,
) -> Out<m::GetAccessKeyLastUsedResponse> {
    let (user, _) = ctx.domain.user_access_key(&req.access_key_id).await?;
    Ok(Some(m::GetAccessKeyLastUsedResponse {
        access_key_last_used: Some(m::AccessKeyLastUsed {
            last_used_date: None,
            region: "N/A".into(),
            service_name: "N/A".into(),
        }),
        user_name: Some(user.name),
    }))
}

// --- OpenID Connect providers -----------------------------------------------------------------

pub async fn create_open_id_connect_provider(
    ctx: Ctx,
    req: m::CreateOpenIDConnectProviderRequest,
) -> Out<m::CreateOpenIDConnectProviderResponse> {
    let provider = ctx
        .domain
        .create_oidc_provider(
            &req.url,
            req.client_id_list.unwrap_or_default(),
            req.thumbprint_list.unwrap_or_default(),
            tags_in(req.tags),
        )
        .await?;
    Ok(Some(m::CreateOpenIDConnectProviderResponse {
        open_id_connect_provider_arn: Some(ctx.domain.oidc_provider_arn(&provider.host_path)),
        tags: some_tags(&provider.tags),
    }))
}

pub async fn get_open_id_connect_provider(
    ctx: Ctx,
    req: m::GetOpenIDConnectProviderRequest,
) -> Out<m::GetOpenIDConnectProviderResponse> {
    let p = ctx.domain.get_oidc_provider(&req.open_id_connect_provider_arn).await?;
    Ok(Some(m::GetOpenIDConnectProviderResponse {
        client_id_list: Some(p.client_ids.clone()),
        create_date: Some(Timestamp::from_millis(p.created_ms)),
        tags: Some(tags_out(&p.tags)),
        thumbprint_list: Some(p.thumbprints.clone()),
        url: Some(p.host_path.clone()),
        ..Default::default()
    }))
}

pub async fn list_open_id_connect_providers(
    ctx: Ctx,
    _: m::ListOpenIDConnectProvidersRequest,
) -> Out<m::ListOpenIDConnectProvidersResponse> {
    let providers = ctx.domain.list_oidc_providers().await?;
    Ok(Some(m::ListOpenIDConnectProvidersResponse {
        open_id_connect_provider_list: Some(
            providers
                .iter()
                .map(|p| m::OpenIDConnectProviderListEntry {
                    arn: Some(ctx.domain.oidc_provider_arn(&p.host_path)),
                    is_trusted_identity_propagation_enabled: None,
                })
                .collect(),
        ),
    }))
}

pub async fn delete_open_id_connect_provider(ctx: Ctx, req: m::DeleteOpenIDConnectProviderRequest) -> Out<()> {
    ctx.domain.delete_oidc_provider(&req.open_id_connect_provider_arn).await?;
    Ok(None)
}

// --- the policy simulator ---------------------------------------------------------------------

fn parse_all(documents: &[(String, String)]) -> Result<Vec<cognate_policy::Policy>, ApiError> {
    documents
        .iter()
        .map(|(_, d)| {
            cognate_policy::Policy::parse(d, cognate_policy::PolicyKind::Identity)
                .map_err(|e| ApiError::Domain(cognate_domain::IamError::MalformedPolicyDocument.err(e.message)))
        })
        .collect()
}

fn simulation_context(entries: Option<Vec<m::ContextEntry>>) -> cognate_policy::Context {
    let mut context = cognate_policy::Context::new();
    for e in entries.unwrap_or_default() {
        let (Some(key), Some(values)) = (e.context_key_name, e.context_key_values) else { continue };
        let is_list = e.context_key_type.as_ref().is_some_and(|t| t.as_str().ends_with("List"));
        match (is_list, values.as_slice()) {
            (false, [one]) => context.set(&key, one.clone()),
            _ => context.set_list(&key, values),
        }
    }
    context
}

/// Evaluates every action on every resource against `identity` (and `boundary`).
fn simulate(
    identity: &[(String, String)],
    boundary: &[(String, String)],
    actions: &[String],
    resources: Option<Vec<String>>,
    entries: Option<Vec<m::ContextEntry>>,
    caller_arn: Option<&str>,
    account: &str,
) -> Result<m::SimulatePolicyResponse, ApiError> {
    let identity_parsed = parse_all(identity)?;
    let boundary_parsed = parse_all(boundary)?;
    let identity_refs: Vec<&cognate_policy::Policy> = identity_parsed.iter().collect();
    let boundary_refs: Vec<&cognate_policy::Policy> = boundary_parsed.iter().collect();
    let context = simulation_context(entries);
    let arn = caller_arn.map_or_else(|| format!("arn:aws:iam::{account}:user/simulated"), str::to_owned);
    let principal = cognate_policy::Principal::Aws { arn, account: account.to_owned(), role_arn: None };
    let resources = resources.filter(|r| !r.is_empty()).unwrap_or_else(|| vec!["*".to_owned()]);
    let mut results = Vec::new();
    for action in actions {
        for resource in &resources {
            let set = cognate_policy::PolicySet {
                identity: &identity_refs,
                boundary: (!boundary_refs.is_empty()).then_some(boundary_refs.as_slice()),
                session: None,
                resource: &[],
            };
            let request = cognate_policy::Request { action, resource, principal: &principal, context: &context };
            let evaluation = cognate_policy::evaluate(&set, &request);
            let decision = match evaluation.decision {
                cognate_policy::Decision::Allow => m::PolicyEvaluationDecisionType::Allowed,
                cognate_policy::Decision::ExplicitDeny => m::PolicyEvaluationDecisionType::Explicitdeny,
                cognate_policy::Decision::ImplicitDeny => m::PolicyEvaluationDecisionType::Implicitdeny,
            };
            let matched = evaluation
                .matched
                .iter()
                .map(|s| {
                    let (source_id, source_type) = match s.source {
                        cognate_policy::PolicySource::Boundary => {
                            (boundary.get(s.policy).map(|(id, _)| id.clone()), m::PolicySourceType::from("aws-managed"))
                        }
                        _ => (identity.get(s.policy).map(|(id, _)| id.clone()), m::PolicySourceType::from("user")),
                    };
                    m::Statement {
                        source_policy_id: source_id,
                        source_policy_type: Some(source_type),
                        ..Default::default()
                    }
                })
                .collect();
            results.push(m::EvaluationResult {
                eval_action_name: action.clone(),
                eval_decision: decision,
                eval_resource_name: Some(resource.clone()),
                matched_statements: Some(matched),
                missing_context_values: Some(evaluation.missing_context_keys.clone()),
                eval_decision_details: None,
                organizations_decision_detail: None,
                permissions_boundary_decision_detail: None,
                resource_specific_results: None,
            });
        }
    }
    Ok(m::SimulatePolicyResponse { evaluation_results: Some(results), is_truncated: Some(false), marker: None })
}

fn numbered(prefix: &str, documents: Vec<String>) -> Vec<(String, String)> {
    documents.into_iter().enumerate().map(|(i, d)| (format!("{prefix}.{}", i + 1), d)).collect()
}

pub async fn simulate_custom_policy(ctx: Ctx, req: m::SimulateCustomPolicyRequest) -> Out<m::SimulatePolicyResponse> {
    let identity = numbered("PolicyInputList", req.policy_input_list);
    let boundary =
        numbered("PermissionsBoundaryPolicyInputList", req.permissions_boundary_policy_input_list.unwrap_or_default());
    let account = ctx.domain.account_id().to_owned();
    simulate(
        &identity,
        &boundary,
        &req.action_names,
        req.resource_arns,
        req.context_entries,
        req.caller_arn.as_deref(),
        &account,
    )
    .map(Some)
}

pub async fn simulate_principal_policy(
    ctx: Ctx,
    req: m::SimulatePrincipalPolicyRequest,
) -> Out<m::SimulatePolicyResponse> {
    let documents = ctx.domain.principal_documents(&req.policy_source_arn).await?;
    let mut identity = documents.identity;
    identity.extend(numbered("PolicyInputList", req.policy_input_list.unwrap_or_default()));
    let mut boundary: Vec<(String, String)> = documents.boundary.into_iter().collect();
    boundary.extend(numbered(
        "PermissionsBoundaryPolicyInputList",
        req.permissions_boundary_policy_input_list.unwrap_or_default(),
    ));
    let account = ctx.domain.account_id().to_owned();
    let caller = req.caller_arn.clone().unwrap_or_else(|| req.policy_source_arn.clone());
    simulate(&identity, &boundary, &req.action_names, req.resource_arns, req.context_entries, Some(&caller), &account)
        .map(Some)
}

fn context_keys(documents: &[(String, String)]) -> Result<m::GetContextKeysForPolicyResponse, ApiError> {
    let mut keys: Vec<String> = parse_all(documents)?.iter().flat_map(cognate_policy::Policy::context_keys).collect();
    keys.sort_by_key(|k| k.to_lowercase());
    keys.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    Ok(m::GetContextKeysForPolicyResponse { context_key_names: Some(keys) })
}

pub async fn get_context_keys_for_custom_policy(
    _: Ctx,
    req: m::GetContextKeysForCustomPolicyRequest,
) -> Out<m::GetContextKeysForPolicyResponse> {
    context_keys(&numbered("PolicyInputList", req.policy_input_list)).map(Some)
}

pub async fn get_context_keys_for_principal_policy(
    ctx: Ctx,
    req: m::GetContextKeysForPrincipalPolicyRequest,
) -> Out<m::GetContextKeysForPolicyResponse> {
    let documents = ctx.domain.principal_documents(&req.policy_source_arn).await?;
    let mut all = documents.identity;
    all.extend(numbered("PolicyInputList", req.policy_input_list.unwrap_or_default()));
    context_keys(&all).map(Some)
}
