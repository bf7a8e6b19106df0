//! Identity pools over the official SDK (`aws-sdk-cognitoidentity`): pool CRUD, roles, mappings,
//! tags; the enhanced flow (GetId → GetCredentialsForIdentity) with the seed's trust policy and
//! credentials that act as the role; guests; the basic flow (GetOpenIdToken → STS
//! AssumeRoleWithWebIdentity); developer identities; and the refusals (another pool's token, a
//! guest under an authenticated-only trust, a signed-out token with ServerSideTokenCheck).

use aws_sdk_cognitoidentity::types::{
    AmbiguousRoleResolutionType, CognitoIdentityProvider, MappingRule, MappingRuleMatchType, RoleMapping,
    RoleMappingType, RulesConfigurationType,
};
use cognate_testkit::{TestServer, both_backends};

use crate::helpers::{PASSWORD, code, confirmed_user, pool_and_client, sign_in};

/// The seed's trust policy: the identity pool as audience, an authenticated identity.
fn seed_trust(identity_pool: &str, amr: &str) -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool},
            "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr}
        }
    }]})
    .to_string()
}

fn allow(actions: &[&str]) -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
        .to_string()
}

/// A user pool with a signed-in user, an identity pool trusting it, and an authenticated role.
struct Setup {
    user_pool: String,
    client: String,
    provider: String,
    identity_pool: String,
    id_token: String,
    role_arn: String,
}

async fn setup(server: &TestServer, allow_guests: bool, server_side_check: bool) -> Setup {
    let (user_pool, client) = pool_and_client(server, false).await;
    confirmed_user(server, &client, "ivy", "ivy@example.com").await;
    let id_token = sign_in(server, &client, "ivy", PASSWORD).await.id_token.unwrap();
    let provider = format!("cognito-idp.us-east-1.amazonaws.com/{user_pool}");
    let identity_pool = server
        .identity()
        .create_identity_pool()
        .identity_pool_name("seed")
        .allow_unauthenticated_identities(allow_guests)
        .allow_classic_flow(true)
        .cognito_identity_providers(
            CognitoIdentityProvider::builder()
                .provider_name(&provider)
                .client_id(&client)
                .server_side_token_check(server_side_check)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .identity_pool_id;
    let iam = server.iam();
    let role_arn = iam
        .create_role()
        .role_name(format!("auth-{}", &identity_pool[10..18]))
        .assume_role_policy_document(seed_trust(&identity_pool, "authenticated"))
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn;
    iam.put_role_policy()
        .role_name(role_arn.rsplit('/').next().unwrap())
        .policy_name("pools")
        .policy_document(allow(&["cognito-idp:ListUserPools"]))
        .send()
        .await
        .unwrap();
    server
        .identity()
        .set_identity_pool_roles()
        .identity_pool_id(&identity_pool)
        .roles("authenticated", &role_arn)
        .send()
        .await
        .unwrap();
    Setup { user_pool, client, provider, identity_pool, id_token, role_arn }
}

both_backends! {
    async fn identity_pools_round_trip(server: TestServer) {
        let ci = server.identity();
        let s = setup(&server, false, false).await;
        let described = ci.describe_identity_pool().identity_pool_id(&s.identity_pool).send().await?;
        assert_eq!(described.identity_pool_name(), "seed");
        assert!(s.identity_pool.starts_with("us-east-1:") && s.identity_pool.len() == 46);
        assert_eq!(described.cognito_identity_providers()[0].client_id(), Some(s.client.as_str()));
        let roles = ci.get_identity_pool_roles().identity_pool_id(&s.identity_pool).send().await?;
        assert_eq!(roles.roles().unwrap().get("authenticated"), Some(&s.role_arn));

        let updated = ci.update_identity_pool().identity_pool_id(&s.identity_pool).identity_pool_name("renamed")
            .allow_unauthenticated_identities(true).send().await?;
        assert_eq!((updated.identity_pool_name(), updated.allow_unauthenticated_identities()), ("renamed", true));
        let listed = ci.list_identity_pools().max_results(60).send().await?;
        assert!(listed.identity_pools().iter().any(|p| p.identity_pool_id() == Some(s.identity_pool.as_str())));

        let arn = format!("arn:aws:cognito-identity:us-east-1:000000000000:identitypool/{}", s.identity_pool);
        ci.tag_resource().resource_arn(&arn).tags("team", "auth").send().await?;
        assert_eq!(ci.list_tags_for_resource().resource_arn(&arn).send().await?.tags().unwrap().get("team").map(String::as_str), Some("auth"));
        ci.untag_resource().resource_arn(&arn).tag_keys("team").send().await?;
        assert!(ci.list_tags_for_resource().resource_arn(&arn).send().await?.tags().unwrap().is_empty());

        let tags = ci.set_principal_tag_attribute_map().identity_pool_id(&s.identity_pool).identity_provider_name(&s.provider)
            .principal_tags("user", "sub").use_defaults(false).send().await?;
        assert_eq!(tags.principal_tags().unwrap().get("user").map(String::as_str), Some("sub"));
        let got = ci.get_principal_tag_attribute_map().identity_pool_id(&s.identity_pool).identity_provider_name(&s.provider).send().await?;
        assert_eq!(got.use_defaults(), Some(false));

        let bad = ci.create_identity_pool().identity_pool_name("bad").allow_unauthenticated_identities(false)
            .open_id_connect_provider_arns("arn:aws:iam::000000000000:oidc-provider/nowhere.example").send().await.unwrap_err();
        assert_eq!(code(&bad), "InvalidParameterException");
        ci.delete_identity_pool().identity_pool_id(&s.identity_pool).send().await?;
        let gone = ci.describe_identity_pool().identity_pool_id(&s.identity_pool).send().await.unwrap_err();
        assert_eq!(code(&gone), "ResourceNotFoundException");
        Ok(())
    }

    async fn the_enhanced_flow_gives_credentials_that_act_as_the_role(server: TestServer) {
        let s = setup(&server, false, true).await;
        let ci = server.identity();
        let id = ci.get_id().identity_pool_id(&s.identity_pool).logins(&s.provider, &s.id_token).send().await?.identity_id.unwrap();
        assert!(id.starts_with("us-east-1:"));
        // The same user under Cognate's own issuer form is the same identity.
        let own_key = format!("{}/{}", server.base_url.split_once("://").unwrap().1, s.user_pool);
        let again = ci.get_id().identity_pool_id(&s.identity_pool).logins(&own_key, &s.id_token).send().await?.identity_id.unwrap();
        assert_eq!(again, id);

        let out = ci.get_credentials_for_identity().identity_id(&id).logins(&s.provider, &s.id_token).send().await?;
        let c = out.credentials().unwrap();
        assert!(c.access_key_id().unwrap().starts_with("ASIA"));
        let expires = c.expiration().unwrap().secs() - std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
        assert!((3500..=3600).contains(&expires), "credentials last an hour: {expires}");
        let creds = TestServer::credentials(c.access_key_id().unwrap(), c.secret_key().unwrap(), c.session_token());
        let me = server.sts_with(creds.clone()).get_caller_identity().send().await?;
        let role_name = s.role_arn.rsplit('/').next().unwrap();
        assert_eq!(me.arn(), Some(format!("arn:aws:sts::000000000000:assumed-role/{role_name}/CognitoIdentityCredentials").as_str()));
        let idp = server.idp_with(creds);
        idp.list_user_pools().max_results(5).send().await?;
        let denied = idp.describe_user_pool().user_pool_id(&s.user_pool).send().await.unwrap_err();
        assert_eq!(code(&denied), "AccessDeniedException");

        // Without the login the identity's credentials are refused.
        let e = ci.get_credentials_for_identity().identity_id(&id).send().await.unwrap_err();
        assert_eq!(code(&e), "NotAuthorizedException");
        let described = ci.describe_identity().identity_id(&id).send().await?;
        assert_eq!(described.logins(), [s.provider.as_str()]);
        let listed = ci.list_identities().identity_pool_id(&s.identity_pool).max_results(10).send().await?;
        assert_eq!(listed.identities().len(), 1);

        // ServerSideTokenCheck: a signed-out user's token is refused.
        server.idp().admin_user_global_sign_out().user_pool_id(&s.user_pool).username("ivy").send().await?;
        let e = ci.get_credentials_for_identity().identity_id(&id).logins(&s.provider, &s.id_token).send().await.unwrap_err();
        assert_eq!(code(&e), "NotAuthorizedException");
        ci.delete_identities().identity_ids_to_delete(&id).send().await?;
        assert_eq!(code(&ci.describe_identity().identity_id(&id).send().await.unwrap_err()), "ResourceNotFoundException");
        Ok(())
    }

    async fn guests_get_the_unauthenticated_role(server: TestServer) {
        let s = setup(&server, true, false).await;
        let iam = server.iam();
        let guest_role = iam.create_role().role_name(format!("guest-{}", &s.identity_pool[10..18]))
            .assume_role_policy_document(seed_trust(&s.identity_pool, "unauthenticated")).send().await?.role.unwrap().arn;
        let ci = server.identity();
        ci.set_identity_pool_roles().identity_pool_id(&s.identity_pool).roles("authenticated", &s.role_arn)
            .roles("unauthenticated", &guest_role).send().await?;
        let guest = ci.get_id().identity_pool_id(&s.identity_pool).send().await?.identity_id.unwrap();
        let out = ci.get_credentials_for_identity().identity_id(&guest).send().await?;
        let c = out.credentials().unwrap();
        let creds = TestServer::credentials(c.access_key_id().unwrap(), c.secret_key().unwrap(), c.session_token());
        let me = server.sts_with(creds).get_caller_identity().send().await?;
        assert!(me.arn().unwrap().contains(&format!("assumed-role/guest-{}", &s.identity_pool[10..18])), "{me:?}");

        // The seed's trust policy refuses a guest: with the authenticated role as the guests'
        // role, no credentials.
        ci.set_identity_pool_roles().identity_pool_id(&s.identity_pool).roles("authenticated", &s.role_arn)
            .roles("unauthenticated", &s.role_arn).send().await?;
        let e = ci.get_credentials_for_identity().identity_id(&guest).send().await.unwrap_err();
        assert_eq!(code(&e), "InvalidIdentityPoolConfigurationException");

        // A pool without guests refuses them.
        ci.update_identity_pool().identity_pool_id(&s.identity_pool).identity_pool_name("seed")
            .allow_unauthenticated_identities(false).set_cognito_identity_providers(Some(vec![CognitoIdentityProvider::builder()
                .provider_name(&s.provider).client_id(&s.client).build()])).send().await?;
        assert_eq!(code(&ci.get_id().identity_pool_id(&s.identity_pool).send().await.unwrap_err()), "NotAuthorizedException");
        Ok(())
    }

    async fn tokens_of_other_pools_and_forged_tokens_are_refused(server: TestServer) {
        let s = setup(&server, false, false).await;
        let (other_pool, other_client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &other_client, "oscar", "oscar@example.com").await;
        let other_token = sign_in(&server, &other_client, "oscar", PASSWORD).await.id_token.unwrap();
        let ci = server.identity();
        // Another pool's token, under its own key or under this pool's key.
        let other_key = format!("cognito-idp.us-east-1.amazonaws.com/{other_pool}");
        let e = ci.get_id().identity_pool_id(&s.identity_pool).logins(&other_key, &other_token).send().await.unwrap_err();
        assert_eq!(code(&e), "NotAuthorizedException");
        let e = ci.get_id().identity_pool_id(&s.identity_pool).logins(&s.provider, &other_token).send().await.unwrap_err();
        assert_eq!(code(&e), "NotAuthorizedException");
        let mut forged = s.id_token.clone();
        forged.truncate(forged.len() - 4);
        forged.push_str("AAAA");
        let e = ci.get_id().identity_pool_id(&s.identity_pool).logins(&s.provider, &forged).send().await.unwrap_err();
        assert_eq!(code(&e), "NotAuthorizedException");
        // An access token is not an ID token.
        let access = sign_in(&server, &s.client, "ivy", PASSWORD).await.access_token.unwrap();
        let e = ci.get_id().identity_pool_id(&s.identity_pool).logins(&s.provider, &access).send().await.unwrap_err();
        assert_eq!(code(&e), "NotAuthorizedException");
        Ok(())
    }

    async fn the_basic_flow_through_sts(server: TestServer) {
        let s = setup(&server, false, false).await;
        let ci = server.identity();
        let basic_role = server.iam().create_role().role_name(format!("basic-{}", &s.identity_pool[10..18]))
            .assume_role_policy_document(seed_trust(&s.identity_pool, "authenticated")).send().await?.role.unwrap().arn;
        let id = ci.get_id().identity_pool_id(&s.identity_pool).logins(&s.provider, &s.id_token).send().await?.identity_id.unwrap();
        let token = ci.get_open_id_token().identity_id(&id).logins(&s.provider, &s.id_token).send().await?.token.unwrap();
        let claims: serde_json::Value = serde_json::from_slice(&base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, token.split('.').nth(1).unwrap())?)?;
        assert_eq!((claims["sub"].as_str(), claims["aud"].as_str()), (Some(id.as_str()), Some(s.identity_pool.as_str())));
        assert_eq!(claims["amr"][0], "authenticated");
        let out = server.sts().assume_role_with_web_identity().role_arn(&basic_role).role_session_name("basic").web_identity_token(&token).send().await?;
        assert!(out.credentials().unwrap().access_key_id().starts_with("ASIA"));
        assert_eq!(out.subject_from_web_identity_token(), Some(id.as_str()));

        let mut forged = token.clone();
        forged.truncate(forged.len() - 4);
        forged.push_str("AAAA");
        let e = server.sts().assume_role_with_web_identity().role_arn(&basic_role).role_session_name("basic").web_identity_token(&forged).send().await.unwrap_err();
        assert_eq!(code(&e), "InvalidIdentityToken");
        ci.update_identity_pool().identity_pool_id(&s.identity_pool).identity_pool_name("seed").allow_unauthenticated_identities(false)
            .allow_classic_flow(false).set_cognito_identity_providers(Some(vec![CognitoIdentityProvider::builder()
                .provider_name(&s.provider).client_id(&s.client).build()])).send().await?;
        let e = server.sts().assume_role_with_web_identity().role_arn(&basic_role).role_session_name("basic").web_identity_token(&token).send().await.unwrap_err();
        assert_eq!(code(&e), "InvalidIdentityToken", "AllowClassicFlow is off");
        Ok(())
    }

    async fn role_mapping_rules_choose_the_role(server: TestServer) {
        let s = setup(&server, false, false).await;
        let iam = server.iam();
        let admin_role = iam.create_role().role_name(format!("admin-{}", &s.identity_pool[10..18]))
            .assume_role_policy_document(seed_trust(&s.identity_pool, "authenticated")).send().await?.role.unwrap().arn;
        let rule = MappingRule::builder().claim("cognito:groups").match_type(MappingRuleMatchType::Contains).value("admins").role_arn(&admin_role).build()?;
        let mapping = RoleMapping::builder().r#type(RoleMappingType::Rules).ambiguous_role_resolution(AmbiguousRoleResolutionType::Deny)
            .rules_configuration(RulesConfigurationType::builder().rules(rule).build()?).build()?;
        let ci = server.identity();
        let key = format!("{}:{}", s.provider, s.client);
        ci.set_identity_pool_roles().identity_pool_id(&s.identity_pool).roles("authenticated", &s.role_arn).role_mappings(&key, mapping).send().await?;
        let id = ci.get_id().identity_pool_id(&s.identity_pool).logins(&s.provider, &s.id_token).send().await?.identity_id.unwrap();
        // Not in the group, and Deny for ambiguity: no credentials.
        let e = ci.get_credentials_for_identity().identity_id(&id).logins(&s.provider, &s.id_token).send().await.unwrap_err();
        assert_eq!(code(&e), "NotAuthorizedException");
        let idp = server.idp();
        idp.create_group().user_pool_id(&s.user_pool).group_name("admins").send().await?;
        idp.admin_add_user_to_group().user_pool_id(&s.user_pool).username("ivy").group_name("admins").send().await?;
        let token = sign_in(&server, &s.client, "ivy", PASSWORD).await.id_token.unwrap();
        let out = ci.get_credentials_for_identity().identity_id(&id).logins(&s.provider, &token).send().await?;
        let c = out.credentials().unwrap();
        let creds = TestServer::credentials(c.access_key_id().unwrap(), c.secret_key().unwrap(), c.session_token());
        let me = server.sts_with(creds).get_caller_identity().send().await?;
        assert!(me.arn().unwrap().contains(&format!("assumed-role/admin-{}", &s.identity_pool[10..18])), "{me:?}");
        Ok(())
    }

    async fn developer_identities(server: TestServer) {
        let ci = server.identity();
        let pool = ci.create_identity_pool().identity_pool_name("dev").allow_unauthenticated_identities(false)
            .developer_provider_name("login.example").send().await?.identity_pool_id;
        let first = ci.get_open_id_token_for_developer_identity().identity_pool_id(&pool).logins("login.example", "user-1").send().await?;
        let id = first.identity_id.clone().unwrap();
        assert!(first.token.is_some());
        let again = ci.get_open_id_token_for_developer_identity().identity_pool_id(&pool).logins("login.example", "user-1").send().await?;
        assert_eq!(again.identity_id.as_deref(), Some(id.as_str()));
        let looked = ci.lookup_developer_identity().identity_pool_id(&pool).developer_user_identifier("user-1").send().await?;
        assert_eq!(looked.identity_id(), Some(id.as_str()));
        let second = ci.get_open_id_token_for_developer_identity().identity_pool_id(&pool).logins("login.example", "user-2").send().await?.identity_id.unwrap();
        assert_ne!(second, id);
        let taken = ci.get_open_id_token_for_developer_identity().identity_pool_id(&pool).identity_id(&second).logins("login.example", "user-1").send().await.unwrap_err();
        assert_eq!(code(&taken), "DeveloperUserAlreadyRegisteredException");
        let merged = ci.merge_developer_identities().identity_pool_id(&pool).developer_provider_name("login.example")
            .source_user_identifier("user-2").destination_user_identifier("user-1").send().await?;
        assert_eq!(merged.identity_id(), Some(id.as_str()));
        let users = ci.lookup_developer_identity().identity_pool_id(&pool).identity_id(&id).send().await?;
        let mut list = users.developer_user_identifier_list().to_vec();
        list.sort();
        assert_eq!(list, ["user-1", "user-2"]);
        ci.unlink_developer_identity().identity_pool_id(&pool).identity_id(&id).developer_provider_name("login.example").developer_user_identifier("user-2").send().await?;
        let e = ci.lookup_developer_identity().identity_pool_id(&pool).developer_user_identifier("user-2").send().await.unwrap_err();
        assert_eq!(code(&e), "ResourceNotFoundException");
        Ok(())
    }

    async fn racing_first_sign_ins_get_one_identity(server: TestServer) {
        let s = setup(&server, false, false).await;
        let calls = (0..10).map(|_| {
            let ci = server.identity();
            let (pool, provider, token) = (s.identity_pool.clone(), s.provider.clone(), s.id_token.clone());
            tokio::spawn(async move { ci.get_id().identity_pool_id(pool).logins(provider, token).send().await })
        });
        let mut ids = Vec::new();
        for call in calls {
            ids.push(call.await?.map_err(|e| anyhow::anyhow!("{e:?}"))?.identity_id.unwrap());
        }
        assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
        let listed = server.identity().list_identities().identity_pool_id(&s.identity_pool).max_results(60).send().await?;
        assert_eq!(listed.identities().len(), 1);
        Ok(())
    }
}
