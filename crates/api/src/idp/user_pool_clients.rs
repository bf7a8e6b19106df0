//! App client operations: CreateUserPoolClient, DescribeUserPoolClient, UpdateUserPoolClient,
//! DeleteUserPoolClient, ListUserPoolClients.

use cognate_domain::clients::{Client, ClientSettings, NewSecret};
use cognate_model::{Sensitive, cognito_idp as m};

use crate::{ApiError, Ctx, Empty};

/// The settable members CreateUserPoolClient and UpdateUserPoolClient share (two wire types, one
/// set of member names).
macro_rules! client_settings {
    ($req:ident) => {
        ClientSettings {
            refresh_token_validity: $req.refresh_token_validity,
            access_token_validity: $req.access_token_validity,
            id_token_validity: $req.id_token_validity,
            token_validity_units: $req.token_validity_units,
            read_attributes: $req.read_attributes,
            write_attributes: $req.write_attributes,
            explicit_auth_flows: $req.explicit_auth_flows,
            supported_identity_providers: $req.supported_identity_providers,
            callback_urls: $req.callback_urls,
            logout_urls: $req.logout_urls,
            default_redirect_uri: $req.default_redirect_uri,
            allowed_oauth_flows: $req.allowed_oauth_flows,
            allowed_oauth_scopes: $req.allowed_oauth_scopes,
            allowed_oauth_flows_user_pool_client: $req.allowed_oauth_flows_user_pool_client,
            analytics_configuration: $req.analytics_configuration,
            prevent_user_existence_errors: $req.prevent_user_existence_errors,
            enable_token_revocation: $req.enable_token_revocation,
            enable_propagate_additional_user_context_data: $req.enable_propagate_additional_user_context_data,
            auth_session_validity: $req.auth_session_validity,
            refresh_token_rotation: $req.refresh_token_rotation,
        }
    };
}

fn describe(client: Client) -> m::UserPoolClientType {
    let s = client.settings;
    m::UserPoolClientType {
        user_pool_id: Some(client.pool_id),
        client_name: Some(client.name),
        client_id: Some(Sensitive::new(client.client_id)),
        client_secret: client.secret.map(Sensitive::new),
        last_modified_date: Some(client.modified),
        creation_date: Some(client.created),
        refresh_token_validity: s.refresh_token_validity,
        access_token_validity: s.access_token_validity,
        id_token_validity: s.id_token_validity,
        token_validity_units: s.token_validity_units,
        read_attributes: s.read_attributes,
        write_attributes: s.write_attributes,
        explicit_auth_flows: s.explicit_auth_flows,
        supported_identity_providers: s.supported_identity_providers,
        callback_urls: s.callback_urls,
        logout_urls: s.logout_urls,
        default_redirect_uri: s.default_redirect_uri,
        allowed_oauth_flows: s.allowed_oauth_flows,
        allowed_oauth_scopes: s.allowed_oauth_scopes,
        allowed_oauth_flows_user_pool_client: s.allowed_oauth_flows_user_pool_client,
        analytics_configuration: s.analytics_configuration,
        prevent_user_existence_errors: s.prevent_user_existence_errors,
        enable_token_revocation: s.enable_token_revocation,
        enable_propagate_additional_user_context_data: s.enable_propagate_additional_user_context_data,
        auth_session_validity: s.auth_session_validity,
        refresh_token_rotation: s.refresh_token_rotation,
        ..Default::default()
    }
}

pub async fn create_user_pool_client(
    ctx: Ctx,
    req: m::CreateUserPoolClientRequest,
) -> Result<m::CreateUserPoolClientResponse, ApiError> {
    let secret = match (req.generate_secret, req.client_secret) {
        (_, Some(given)) => NewSecret::Given(given.into_inner()),
        (Some(true), None) => NewSecret::Generate,
        _ => NewSecret::None,
    };
    let settings = client_settings!(req);
    let client = ctx.domain.create_client(&req.user_pool_id, req.client_name, secret, settings).await?;
    Ok(m::CreateUserPoolClientResponse { user_pool_client: Some(describe(client)) })
}

pub async fn describe_user_pool_client(
    ctx: Ctx,
    req: m::DescribeUserPoolClientRequest,
) -> Result<m::DescribeUserPoolClientResponse, ApiError> {
    let client = ctx.domain.get_client(&req.user_pool_id, req.client_id.expose()).await?;
    Ok(m::DescribeUserPoolClientResponse { user_pool_client: Some(describe(client)) })
}

pub async fn update_user_pool_client(
    ctx: Ctx,
    req: m::UpdateUserPoolClientRequest,
) -> Result<m::UpdateUserPoolClientResponse, ApiError> {
    let settings = client_settings!(req);
    let client = ctx.domain.update_client(&req.user_pool_id, req.client_id.expose(), req.client_name, settings).await?;
    Ok(m::UpdateUserPoolClientResponse { user_pool_client: Some(describe(client)) })
}

pub async fn delete_user_pool_client(ctx: Ctx, req: m::DeleteUserPoolClientRequest) -> Result<Empty, ApiError> {
    ctx.domain.delete_client(&req.user_pool_id, req.client_id.expose()).await?;
    Ok(Empty {})
}

pub async fn list_user_pool_clients(
    ctx: Ctx,
    req: m::ListUserPoolClientsRequest,
) -> Result<m::ListUserPoolClientsResponse, ApiError> {
    let max = req.max_results.and_then(|n| u32::try_from(n).ok()).unwrap_or(60);
    let page = ctx.domain.list_clients(&req.user_pool_id, req.next_token.as_deref(), max).await?;
    let clients = page
        .items
        .into_iter()
        .map(|c| m::UserPoolClientDescription {
            client_id: Some(Sensitive::new(c.client_id)),
            user_pool_id: Some(c.pool_id),
            client_name: Some(c.name),
        })
        .collect();
    Ok(m::ListUserPoolClientsResponse { user_pool_clients: Some(clients), next_token: page.next_token })
}
