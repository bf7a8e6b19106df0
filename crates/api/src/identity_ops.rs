//! cognito-identity handlers: identity pools, identities and their logins, credentials, OpenID
//! tokens, developer identities, roles, principal tags and tags.

use std::collections::BTreeMap;

use cognate_domain::identity::{Identity, IdentityPool, TagMap};
use cognate_model::cognito_identity as m;
use cognate_model::runtime::{Sensitive, Timestamp};

use crate::{ApiError, Ctx, Empty};

type Out<T> = Result<T, ApiError>;

/// Login tokens as the domain reads them.
fn logins(logins: Option<BTreeMap<String, Sensitive<String>>>) -> BTreeMap<String, String> {
    logins.unwrap_or_default().into_iter().map(|(k, v)| (k, v.into_inner())).collect()
}

fn pool_out(pool: &IdentityPool) -> m::IdentityPool {
    pool.settings.clone()
}

fn identity_out(identity: &Identity) -> m::IdentityDescription {
    m::IdentityDescription {
        creation_date: Some(Timestamp::from_millis(identity.created_ms)),
        identity_id: Some(identity.id.clone()),
        last_modified_date: Some(Timestamp::from_millis(identity.modified_ms)),
        logins: Some(identity.providers()),
    }
}

pub async fn create_identity_pool(ctx: Ctx, req: m::CreateIdentityPoolInput) -> Out<m::IdentityPool> {
    Ok(pool_out(&ctx.domain.create_identity_pool(req).await?))
}

pub async fn describe_identity_pool(ctx: Ctx, req: m::DescribeIdentityPoolInput) -> Out<m::IdentityPool> {
    Ok(pool_out(&ctx.domain.get_identity_pool(&req.identity_pool_id).await?))
}

pub async fn update_identity_pool(ctx: Ctx, req: m::IdentityPool) -> Out<m::IdentityPool> {
    Ok(pool_out(&ctx.domain.update_identity_pool(req).await?))
}

pub async fn delete_identity_pool(ctx: Ctx, req: m::DeleteIdentityPoolInput) -> Out<Empty> {
    ctx.domain.delete_identity_pool(&req.identity_pool_id).await?;
    Ok(Empty {})
}

pub async fn list_identity_pools(ctx: Ctx, req: m::ListIdentityPoolsInput) -> Out<m::ListIdentityPoolsResponse> {
    let (pools, next) = ctx.domain.list_identity_pools(req.next_token.as_deref(), req.max_results).await?;
    Ok(m::ListIdentityPoolsResponse {
        identity_pools: Some(
            pools
                .iter()
                .map(|p| m::IdentityPoolShortDescription {
                    identity_pool_id: Some(p.settings.identity_pool_id.clone()),
                    identity_pool_name: Some(p.settings.identity_pool_name.clone()),
                })
                .collect(),
        ),
        next_token: next,
    })
}

pub async fn set_identity_pool_roles(ctx: Ctx, req: m::SetIdentityPoolRolesInput) -> Out<Empty> {
    ctx.domain.set_identity_pool_roles(&req.identity_pool_id, req.roles, req.role_mappings.unwrap_or_default()).await?;
    Ok(Empty {})
}

pub async fn get_identity_pool_roles(
    ctx: Ctx,
    req: m::GetIdentityPoolRolesInput,
) -> Out<m::GetIdentityPoolRolesResponse> {
    let pool = ctx.domain.get_identity_pool(&req.identity_pool_id).await?;
    Ok(m::GetIdentityPoolRolesResponse {
        identity_pool_id: Some(req.identity_pool_id),
        role_mappings: (!pool.role_mappings.is_empty()).then(|| pool.role_mappings.clone()),
        roles: Some(pool.roles.clone()),
    })
}

pub async fn set_principal_tag_attribute_map(
    ctx: Ctx,
    req: m::SetPrincipalTagAttributeMapInput,
) -> Out<m::SetPrincipalTagAttributeMapResponse> {
    let map = TagMap { use_defaults: req.use_defaults.unwrap_or(false), tags: req.principal_tags.unwrap_or_default() };
    let map = ctx.domain.set_principal_tag_map(&req.identity_pool_id, &req.identity_provider_name, map).await?;
    Ok(m::SetPrincipalTagAttributeMapResponse {
        identity_pool_id: Some(req.identity_pool_id),
        identity_provider_name: Some(req.identity_provider_name),
        principal_tags: Some(map.tags),
        use_defaults: Some(map.use_defaults),
    })
}

pub async fn get_principal_tag_attribute_map(
    ctx: Ctx,
    req: m::GetPrincipalTagAttributeMapInput,
) -> Out<m::GetPrincipalTagAttributeMapResponse> {
    let pool = ctx.domain.get_identity_pool(&req.identity_pool_id).await?;
    let map = pool.principal_tags.get(&req.identity_provider_name).cloned().unwrap_or_default();
    Ok(m::GetPrincipalTagAttributeMapResponse {
        identity_pool_id: Some(req.identity_pool_id),
        identity_provider_name: Some(req.identity_provider_name),
        principal_tags: Some(map.tags),
        use_defaults: Some(map.use_defaults),
    })
}

pub async fn tag_resource(ctx: Ctx, req: m::TagResourceInput) -> Out<m::TagResourceResponse> {
    ctx.domain.tag_identity_pool(&req.resource_arn, req.tags, &[]).await?;
    Ok(m::TagResourceResponse {})
}

pub async fn untag_resource(ctx: Ctx, req: m::UntagResourceInput) -> Out<m::UntagResourceResponse> {
    ctx.domain.tag_identity_pool(&req.resource_arn, BTreeMap::new(), &req.tag_keys).await?;
    Ok(m::UntagResourceResponse {})
}

pub async fn list_tags_for_resource(ctx: Ctx, req: m::ListTagsForResourceInput) -> Out<m::ListTagsForResourceResponse> {
    let id = ctx
        .domain
        .identity_pool_of_arn(&req.resource_arn)
        .ok_or_else(|| cognate_domain::Error::invalid(format!("Invalid resource ARN: {}", req.resource_arn)))?
        .to_owned();
    let pool = ctx.domain.get_identity_pool(&id).await?;
    Ok(m::ListTagsForResourceResponse { tags: Some(pool.settings.identity_pool_tags.clone().unwrap_or_default()) })
}

pub async fn get_id(ctx: Ctx, req: m::GetIdInput) -> Out<m::GetIdResponse> {
    if let Some(account) = &req.account_id
        && account != ctx.domain.account_id()
    {
        return Err(
            cognate_domain::Error::NotAuthorized("The AccountId is not this identity pool's account.".into()).into()
        );
    }
    let id = ctx.domain.get_id(&req.identity_pool_id, &logins(req.logins)).await?;
    Ok(m::GetIdResponse { identity_id: Some(id) })
}

pub async fn get_credentials_for_identity(
    ctx: Ctx,
    req: m::GetCredentialsForIdentityInput,
) -> Out<m::GetCredentialsForIdentityResponse> {
    let logins = logins(req.logins);
    let out = ctx.domain.credentials_for_identity(&req.identity_id, &logins, req.custom_role_arn.as_deref()).await?;
    Ok(m::GetCredentialsForIdentityResponse {
        credentials: Some(m::Credentials {
            access_key_id: Some(out.issued.key.access_key_id.clone()),
            expiration: Some(Timestamp::from_millis(out.expires_ms)),
            secret_key: Some(Sensitive::new(out.issued.key.secret_access_key.clone())),
            session_token: out.issued.session_token.clone(),
        }),
        identity_id: Some(out.identity_id),
    })
}

pub async fn get_open_id_token(ctx: Ctx, req: m::GetOpenIdTokenInput) -> Out<m::GetOpenIdTokenResponse> {
    let token = ctx.domain.open_id_token(&req.identity_id, &logins(req.logins)).await?;
    Ok(m::GetOpenIdTokenResponse { identity_id: Some(req.identity_id), token: Some(Sensitive::new(token)) })
}

pub async fn get_open_id_token_for_developer_identity(
    ctx: Ctx,
    req: m::GetOpenIdTokenForDeveloperIdentityInput,
) -> Out<m::GetOpenIdTokenForDeveloperIdentityResponse> {
    let (identity_id, token) = ctx
        .domain
        .open_id_token_for_developer(
            &req.identity_pool_id,
            req.identity_id.as_deref(),
            &logins(Some(req.logins)),
            req.principal_tags,
            req.token_duration,
        )
        .await?;
    Ok(m::GetOpenIdTokenForDeveloperIdentityResponse {
        identity_id: Some(identity_id),
        token: Some(Sensitive::new(token)),
    })
}

pub async fn lookup_developer_identity(
    ctx: Ctx,
    req: m::LookupDeveloperIdentityInput,
) -> Out<m::LookupDeveloperIdentityResponse> {
    let (identity_id, users) = ctx
        .domain
        .lookup_developer_identity(
            &req.identity_pool_id,
            req.identity_id.as_deref(),
            req.developer_user_identifier.as_deref(),
        )
        .await?;
    Ok(m::LookupDeveloperIdentityResponse {
        developer_user_identifier_list: Some(users),
        identity_id: Some(identity_id),
        next_token: None,
    })
}

pub async fn merge_developer_identities(
    ctx: Ctx,
    req: m::MergeDeveloperIdentitiesInput,
) -> Out<m::MergeDeveloperIdentitiesResponse> {
    let id = ctx
        .domain
        .merge_developer_identities(
            &req.identity_pool_id,
            &req.developer_provider_name,
            &req.source_user_identifier,
            &req.destination_user_identifier,
        )
        .await?;
    Ok(m::MergeDeveloperIdentitiesResponse { identity_id: Some(id) })
}

pub async fn unlink_developer_identity(ctx: Ctx, req: m::UnlinkDeveloperIdentityInput) -> Out<Empty> {
    ctx.domain
        .unlink_developer_identity(
            &req.identity_id,
            &req.identity_pool_id,
            &req.developer_provider_name,
            &req.developer_user_identifier,
        )
        .await?;
    Ok(Empty {})
}

pub async fn unlink_identity(ctx: Ctx, req: m::UnlinkIdentityInput) -> Out<Empty> {
    ctx.domain.unlink_identity(&req.identity_id, &logins(Some(req.logins)), &req.logins_to_remove).await?;
    Ok(Empty {})
}

pub async fn describe_identity(ctx: Ctx, req: m::DescribeIdentityInput) -> Out<m::IdentityDescription> {
    Ok(identity_out(&ctx.domain.get_identity(&req.identity_id).await?))
}

pub async fn list_identities(ctx: Ctx, req: m::ListIdentitiesInput) -> Out<m::ListIdentitiesResponse> {
    let (identities, next) =
        ctx.domain.list_identities(&req.identity_pool_id, req.next_token.as_deref(), req.max_results).await?;
    Ok(m::ListIdentitiesResponse {
        identities: Some(identities.iter().map(identity_out).collect()),
        identity_pool_id: Some(req.identity_pool_id),
        next_token: next,
    })
}

pub async fn delete_identities(ctx: Ctx, req: m::DeleteIdentitiesInput) -> Out<m::DeleteIdentitiesResponse> {
    // An identity already gone counts as deleted, as in Cognito.
    ctx.domain.delete_identities(&req.identity_ids_to_delete).await?;
    Ok(m::DeleteIdentitiesResponse { unprocessed_identity_ids: Some(Vec::new()) })
}
