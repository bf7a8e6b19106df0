//! Resource servers over the SDK: CRUD, paging, scopes replaced on update, custom scopes in a
//! client's AllowedOAuthScopes, and the errors (duplicates, unknown servers and scopes, the quota).

use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, ResourceServerScopeType};
use cognate_testkit::both_backends;

use crate::helpers::{code, new_pool};

fn scope(name: &str) -> ResourceServerScopeType {
    ResourceServerScopeType::builder().scope_name(name).scope_description(format!("{name} access")).build().unwrap()
}

both_backends! {
    async fn resource_servers_round_trip_and_page(server: TestServer) {
        let idp = server.idp();
        let pool = new_pool(&server, "rs").await;
        let api = "https://api.example.com";
        let created = idp
            .create_resource_server()
            .user_pool_id(&pool)
            .identifier(api)
            .name("API")
            .scopes(scope("read"))
            .scopes(scope("write"))
            .send()
            .await?;
        let rs = created.resource_server().unwrap();
        assert_eq!((rs.identifier(), rs.name(), rs.user_pool_id()), (Some(api), Some("API"), Some(pool.as_str())));
        assert_eq!(rs.scopes().len(), 2);

        let described = idp.describe_resource_server().user_pool_id(&pool).identifier(api).send().await?;
        let names: Vec<&str> = described.resource_server().unwrap().scopes().iter().map(|s| s.scope_name()).collect();
        assert_eq!(names, ["read", "write"]);

        // Update replaces name and scopes; scopes left out are gone, as in Cognito.
        let updated = idp.update_resource_server().user_pool_id(&pool).identifier(api).name("API v2").send().await?;
        assert_eq!(updated.resource_server().unwrap().name(), Some("API v2"));
        assert!(updated.resource_server().unwrap().scopes().is_empty());

        for id in ["orders", "billing"] {
            idp.create_resource_server().user_pool_id(&pool).identifier(id).name(id).send().await?;
        }
        let first = idp.list_resource_servers().user_pool_id(&pool).max_results(2).send().await?;
        let ids: Vec<&str> = first.resource_servers().iter().filter_map(|r| r.identifier()).collect();
        assert_eq!(ids, ["billing", api]);
        let token = first.next_token().expect("a next page");
        let rest = idp.list_resource_servers().user_pool_id(&pool).max_results(2).next_token(token).send().await?;
        let ids: Vec<&str> = rest.resource_servers().iter().filter_map(|r| r.identifier()).collect();
        assert_eq!(ids, ["orders"]);
        assert!(rest.next_token().is_none());

        idp.delete_resource_server().user_pool_id(&pool).identifier("orders").send().await?;
        let err = idp.describe_resource_server().user_pool_id(&pool).identifier("orders").send().await.unwrap_err();
        assert_eq!(code(&err), "ResourceNotFoundException");
        let err = idp.delete_resource_server().user_pool_id(&pool).identifier("orders").send().await.unwrap_err();
        assert_eq!(code(&err), "ResourceNotFoundException");
        Ok(())
    }

    async fn resource_server_errors(server: TestServer) {
        let idp = server.idp();
        let pool = new_pool(&server, "rs").await;
        idp.create_resource_server().user_pool_id(&pool).identifier("api").name("API").send().await?;
        let err = idp.create_resource_server().user_pool_id(&pool).identifier("api").name("again").send().await.unwrap_err();
        assert_eq!(code(&err), "InvalidParameterException", "duplicate identifier");
        let err = idp
            .create_resource_server()
            .user_pool_id(&pool)
            .identifier("twice")
            .name("twice")
            .scopes(scope("read"))
            .scopes(scope("read"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "InvalidParameterException", "duplicate scope names");
        let err = idp.create_resource_server().user_pool_id("us-east-1_nope").identifier("x").name("x").send().await.unwrap_err();
        assert_eq!(code(&err), "ResourceNotFoundException", "missing pool");
        // The quota: 25 per pool.
        for i in 1..25 {
            idp.create_resource_server().user_pool_id(&pool).identifier(format!("api{i:02}")).name("n").send().await?;
        }
        let err = idp.create_resource_server().user_pool_id(&pool).identifier("one-more").name("n").send().await.unwrap_err();
        assert_eq!(code(&err), "LimitExceededException");
        Ok(())
    }

    async fn custom_scopes_in_clients(server: TestServer) {
        let idp = server.idp();
        let pool = new_pool(&server, "rs").await;
        let client_with = |scopes: &[&str]| {
            let mut call = idp
                .create_user_pool_client()
                .user_pool_id(&pool)
                .client_name("m2m")
                .generate_secret(true)
                .allowed_o_auth_flows_user_pool_client(true)
                .allowed_o_auth_flows(OAuthFlowType::ClientCredentials);
            for s in scopes {
                call = call.allowed_o_auth_scopes(*s);
            }
            call.send()
        };
        let err = client_with(&["https://api.example.com/read"]).await.unwrap_err();
        assert_eq!(code(&err), "ScopeDoesNotExistException", "no such resource server yet");
        idp.create_resource_server()
            .user_pool_id(&pool)
            .identifier("https://api.example.com")
            .name("API")
            .scopes(scope("read"))
            .send()
            .await?;
        let client = client_with(&["https://api.example.com/read"]).await?;
        let scopes = client.user_pool_client().unwrap().allowed_o_auth_scopes();
        assert_eq!(scopes, ["https://api.example.com/read"]);
        let err = client_with(&["https://api.example.com/write"]).await.unwrap_err();
        assert_eq!(code(&err), "ScopeDoesNotExistException", "a scope the server does not have");
        Ok(())
    }
}
