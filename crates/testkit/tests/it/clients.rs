//! CreateUserPoolClient, DescribeUserPoolClient, UpdateUserPoolClient, DeleteUserPoolClient,
//! ListUserPoolClients.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    ExplicitAuthFlowsType, OAuthFlowType, PreventUserExistenceErrorTypes, TimeUnitsType, TokenValidityUnitsType,
};
use cognate_testkit::both_backends;

use crate::helpers::{code, new_pool};

both_backends! {
    async fn create_describe_update_delete_client(server: TestServer) {
        let idp = server.idp();
        let pool = new_pool(&server, "clients").await;
        let created = idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("web")
            .generate_secret(true)
            .access_token_validity(30)
            .id_token_validity(30)
            .refresh_token_validity(7)
            .token_validity_units(
                TokenValidityUnitsType::builder()
                    .access_token(TimeUnitsType::Minutes)
                    .id_token(TimeUnitsType::Minutes)
                    .refresh_token(TimeUnitsType::Days)
                    .build(),
            )
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .supported_identity_providers("COGNITO")
            .callback_urls("https://app.example.com/callback")
            .callback_urls("http://localhost:3000/callback")
            .logout_urls("https://app.example.com/bye")
            .allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid")
            .allowed_o_auth_scopes("email")
            .allowed_o_auth_flows_user_pool_client(true)
            .read_attributes("email")
            .read_attributes("email_verified")
            .write_attributes("email")
            .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
            .send()
            .await?;
        let c = created.user_pool_client().unwrap();
        let client_id = c.client_id().unwrap().to_string();
        assert_eq!(client_id.len(), 26);
        assert!(client_id.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit()));
        let secret = c.client_secret().unwrap().to_string();
        assert_eq!(secret.len(), 51);
        assert_eq!(c.user_pool_id(), Some(pool.as_str()));
        assert_eq!(c.enable_token_revocation(), Some(true));
        assert_eq!(c.auth_session_validity(), Some(3));

        let d = idp.describe_user_pool_client().user_pool_id(&pool).client_id(&client_id).send().await?;
        let d = d.user_pool_client().unwrap();
        assert_eq!(d.client_secret(), Some(secret.as_str()));
        assert_eq!(d.access_token_validity(), Some(30));
        assert_eq!(d.refresh_token_validity(), 7);
        assert_eq!(d.token_validity_units().unwrap().access_token(), Some(&TimeUnitsType::Minutes));
        assert_eq!(d.callback_urls().len(), 2);
        assert_eq!(d.allowed_o_auth_flows(), &[OAuthFlowType::Code]);
        assert_eq!(d.allowed_o_auth_scopes(), &["openid".to_string(), "email".to_string()]);
        assert_eq!(d.allowed_o_auth_flows_user_pool_client(), Some(true));
        assert_eq!(d.prevent_user_existence_errors(), Some(&PreventUserExistenceErrorTypes::Enabled));
        assert_eq!(d.explicit_auth_flows().len(), 2);

        let u = idp
            .update_user_pool_client()
            .user_pool_id(&pool)
            .client_id(&client_id)
            .client_name("web-2")
            .send()
            .await?;
        let u = u.user_pool_client().unwrap();
        assert_eq!(u.client_name(), Some("web-2"));
        assert_eq!(u.client_secret(), Some(secret.as_str()), "the secret survives updates");
        assert!(u.callback_urls().is_empty(), "unset members return to their defaults");
        assert_eq!(u.refresh_token_validity(), 30);
        assert_eq!(u.allowed_o_auth_flows_user_pool_client(), Some(false));

        idp.delete_user_pool_client().user_pool_id(&pool).client_id(&client_id).send().await?;
        let err = idp.describe_user_pool_client().user_pool_id(&pool).client_id(&client_id).send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_resource_not_found_exception(), "{err:?}");
        let err = idp.delete_user_pool_client().user_pool_id(&pool).client_id(&client_id).send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
        Ok(())
    }

    async fn list_clients_pages(server: TestServer) {
        let idp = server.idp();
        let pool = new_pool(&server, "many-clients").await;
        let other = new_pool(&server, "other").await;
        idp.create_user_pool_client().user_pool_id(&other).client_name("elsewhere").send().await?;
        let mut created = Vec::new();
        for i in 0..5 {
            let c = idp.create_user_pool_client().user_pool_id(&pool).client_name(format!("c{i}")).send().await?;
            created.push(c.user_pool_client.unwrap().client_id.unwrap());
        }
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let page = idp.list_user_pool_clients().user_pool_id(&pool).max_results(2).set_next_token(token).send().await?;
            for c in page.user_pool_clients() {
                assert_eq!(c.user_pool_id(), Some(pool.as_str()));
                seen.push(c.client_id().unwrap().to_string());
            }
            token = page.next_token().map(String::from);
            if token.is_none() {
                break;
            }
        }
        created.sort();
        seen.sort();
        assert_eq!(seen, created);
        let err = idp.list_user_pool_clients().user_pool_id("us-east-1_missing00").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
        Ok(())
    }

    async fn client_rules(server: TestServer) {
        let idp = server.idp();
        let pool = new_pool(&server, "rules").await;
        let invalid = |e: &aws_sdk_cognitoidentityprovider::error::SdkError<_, _>| code(e);

        let err = idp.create_user_pool_client().user_pool_id(&pool).client_name("c").access_token_validity(2)
            .token_validity_units(TokenValidityUnitsType::builder().access_token(TimeUnitsType::Days).build())
            .send().await.unwrap_err();
        assert_eq!(invalid(&err), "InvalidParameterException");

        let err = idp.create_user_pool_client().user_pool_id(&pool).client_name("c")
            .allowed_o_auth_flows_user_pool_client(true).allowed_o_auth_flows(OAuthFlowType::Code)
            .allowed_o_auth_scopes("openid").callback_urls("http://example.com/cb")
            .send().await.unwrap_err();
        assert_eq!(invalid(&err), "InvalidParameterException");

        let err = idp.create_user_pool_client().user_pool_id(&pool).client_name("c")
            .allowed_o_auth_flows_user_pool_client(true).allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
            .allowed_o_auth_scopes("openid")
            .send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_invalid_o_auth_flow_exception(), "{err:?}");
        assert!(err.message().unwrap().contains("client secret"));

        let err = idp.create_user_pool_client().user_pool_id(&pool).client_name("c")
            .allowed_o_auth_scopes("orders/read")
            .send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_scope_does_not_exist_exception(), "{err:?}");

        let err = idp.create_user_pool_client().user_pool_id(&pool).client_name("c").read_attributes("custom:nope")
            .send().await.unwrap_err();
        assert_eq!(invalid(&err), "InvalidParameterException");

        let err = idp.create_user_pool_client().user_pool_id("us-east-1_missing00").client_name("c")
            .send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_resource_not_found_exception());

        let err = idp.create_user_pool_client().user_pool_id(&pool).client_name("c")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AdminNoSrpAuth)
            .send().await.unwrap_err();
        assert_eq!(invalid(&err), "InvalidParameterException");
        Ok(())
    }
}
