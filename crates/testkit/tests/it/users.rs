//! Users and sign-in with the official SDK: sign-up and confirmation by emailed code, password
//! sign-in, tokens verified against the JWKS by an independent RSA implementation, refresh,
//! revocation, global sign-out, admin-created users, attributes, password recovery, ListUsers
//! filters, throttling and user-existence rules.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, UserStatusType, UsernameAttributeType,
    VerifiedAttributeType,
};
use base64::Engine as _;
use cognate_testkit::both_backends;

use crate::helpers::{PASSWORD, attr, confirmed_user, pool_and_client, sign_in, verify_jwt};

both_backends! {
    async fn sign_up_confirm_sign_in_and_tokens(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;

        let err = idp.sign_up().client_id(&client).username("alice").password("short").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_invalid_password_exception(), "{err:?}");
        assert!(err.message().unwrap().starts_with("Password did not conform with policy"));

        let out = idp
            .sign_up()
            .client_id(&client)
            .username("alice")
            .password(PASSWORD)
            .user_attributes(attr("email", "alice@example.com"))
            .user_attributes(attr("given_name", "Alice"))
            .send()
            .await?;
        assert!(!out.user_confirmed());
        let delivery = out.code_delivery_details().unwrap();
        assert_eq!(delivery.destination(), Some("a***@e***"));
        assert_eq!(delivery.attribute_name(), Some("email"));

        let err = idp.sign_up().client_id(&client).username("alice").password(PASSWORD).send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_username_exists_exception(), "{err:?}");

        let err = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_user_not_confirmed_exception(), "{err:?}");
        assert_eq!(err.message(), Some("User is not confirmed."));

        let err = idp.confirm_sign_up().client_id(&client).username("alice").confirmation_code("000000").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_code_mismatch_exception(), "{err:?}");
        let code = server.last_code("alice@example.com").await?;
        idp.confirm_sign_up().client_id(&client).username("alice").confirmation_code(&code).send().await?;
        let err = idp.confirm_sign_up().client_id(&client).username("alice").confirmation_code(&code).send().await.unwrap_err();
        assert_eq!(err.code(), Some("NotAuthorizedException"), "a used code does not work twice");

        let user = idp.admin_get_user().user_pool_id(&pool).username("alice").send().await?;
        assert_eq!(user.user_status(), Some(&UserStatusType::Confirmed));
        let attrs: HashMap<_, _> = user.user_attributes().iter().map(|a| (a.name(), a.value().unwrap_or(""))).collect();
        assert_eq!(attrs.get("email_verified"), Some(&"true"));
        assert!(attrs.contains_key("sub"));

        let err = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "alice")
            .auth_parameters("PASSWORD", "Wrong0ne!")
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_not_authorized_exception());
        assert_eq!(err.message(), Some("Incorrect username or password."));

        let tokens = sign_in(&server, &client, "alice", PASSWORD).await;
        assert_eq!(tokens.token_type(), Some("Bearer"));
        assert_eq!(tokens.expires_in(), 3600);
        let id = verify_jwt(&server, &pool, tokens.id_token().unwrap()).await;
        let issuer = format!("{}/{pool}", server.base_url);
        assert_eq!(id["iss"], issuer.as_str());
        assert_eq!(id["aud"], client.as_str());
        assert_eq!(id["token_use"], "id");
        assert_eq!(id["cognito:username"], "alice");
        assert_eq!(id["email"], "alice@example.com");
        assert_eq!(id["email_verified"], true);
        assert_eq!(id["given_name"], "Alice");
        assert_eq!(id["sub"], attrs["sub"]);
        assert_eq!(id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(), 3600);
        for claim in ["auth_time", "jti", "origin_jti", "event_id"] {
            assert!(!id[claim].is_null(), "ID token lacks {claim}");
        }
        let access = verify_jwt(&server, &pool, tokens.access_token().unwrap()).await;
        assert_eq!(access["token_use"], "access");
        assert_eq!(access["client_id"], client.as_str());
        assert_eq!(access["username"], "alice");
        assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
        assert!(access.get("aud").is_none());
        assert_eq!(access["origin_jti"], id["origin_jti"]);

        let me = idp.get_user().access_token(tokens.access_token().unwrap()).send().await?;
        assert_eq!(me.username(), "alice");

        let err = idp.get_user().access_token("not.a.token").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_not_authorized_exception());
        assert_eq!(err.message(), Some("Invalid Access Token"));
        let mut tampered = tokens.access_token().unwrap().to_string();
        tampered.replace_range(tampered.len() - 5.., "AAAAA");
        let err = idp.get_user().access_token(tampered).send().await.unwrap_err();
        assert_eq!(err.message(), Some("Invalid Access Token"));
        Ok(())
    }

    async fn code_abuse_is_limited(server: TestServer) {
        let idp = server.idp();
        let (_, client) = pool_and_client(&server, false).await;
        idp.sign_up()
            .client_id(&client)
            .username("lee")
            .password(PASSWORD)
            .user_attributes(attr("email", "lee@example.com"))
            .send()
            .await?;
        for _ in 0..4 {
            idp.resend_confirmation_code().client_id(&client).username("lee").send().await?;
        }
        let err = idp.resend_confirmation_code().client_id(&client).username("lee").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_limit_exceeded_exception(), "{err:?}");

        let code = server.last_code("lee@example.com").await?;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..5 {
            let err = idp.confirm_sign_up().client_id(&client).username("lee").confirmation_code(wrong).send().await.unwrap_err();
            assert!(err.as_service_error().unwrap().is_code_mismatch_exception());
        }
        let err = idp.confirm_sign_up().client_id(&client).username("lee").confirmation_code(&code).send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_limit_exceeded_exception(), "guessing stops the code: {err:?}");
        Ok(())
    }

    async fn refresh_revoke_and_global_sign_out(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &client, "bob", "bob@example.com").await;
        let first = sign_in(&server, &client, "bob", PASSWORD).await;
        let refresh = first.refresh_token().unwrap().to_string();

        let again = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", &refresh)
            .send()
            .await?
            .authentication_result
            .unwrap();
        assert!(again.refresh_token().is_none(), "REFRESH_TOKEN_AUTH returns no new refresh token");
        let claims = verify_jwt(&server, &pool, again.id_token().unwrap()).await;
        assert_eq!(claims["cognito:username"], "bob");
        let via_get_tokens = idp.get_tokens_from_refresh_token().client_id(&client).refresh_token(&refresh).send().await?;
        assert!(via_get_tokens.authentication_result().unwrap().access_token().is_some());
        assert!(via_get_tokens.authentication_result().unwrap().refresh_token().is_none(), "no rotation by default");

        // With rotation, GetTokensFromRefreshToken hands out a new refresh token and retires the old one.
        idp.update_user_pool_client()
            .user_pool_id(&pool)
            .client_id(&client)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .refresh_token_rotation(
                aws_sdk_cognitoidentityprovider::types::RefreshTokenRotationType::builder()
                    .feature(aws_sdk_cognitoidentityprovider::types::FeatureType::Enabled)
                    .build()?,
            )
            .send()
            .await?;
        let rotating = sign_in(&server, &client, "bob", PASSWORD).await.refresh_token().unwrap().to_string();
        let rotated = idp.get_tokens_from_refresh_token().client_id(&client).refresh_token(&rotating).send().await?;
        let next = rotated.authentication_result().unwrap().refresh_token().expect("a rotated refresh token").to_string();
        assert_ne!(next, rotating);
        let err = idp.get_tokens_from_refresh_token().client_id(&client).refresh_token(&rotating).send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_not_authorized_exception(), "the old token is retired");
        idp.get_tokens_from_refresh_token().client_id(&client).refresh_token(&next).send().await?;

        let err = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", "garbage")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.message(), Some("Invalid Refresh Token"));

        idp.revoke_token().client_id(&client).token(&refresh).send().await?;
        let err = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", &refresh)
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_not_authorized_exception());
        let err = idp.get_user().access_token(first.access_token().unwrap()).send().await.unwrap_err();
        assert_eq!(err.message(), Some("Access Token has been revoked"));

        let second = sign_in(&server, &client, "bob", PASSWORD).await;
        idp.get_user().access_token(second.access_token().unwrap()).send().await?;
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        idp.global_sign_out().access_token(second.access_token().unwrap()).send().await?;
        let err = idp.get_user().access_token(second.access_token().unwrap()).send().await.unwrap_err();
        assert_eq!(err.message(), Some("Access Token has been revoked"));
        let err = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", second.refresh_token().unwrap())
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_not_authorized_exception());

        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let third = sign_in(&server, &client, "bob", PASSWORD).await;
        idp.admin_user_global_sign_out().user_pool_id(&pool).username("bob").send().await?;
        let err = idp.get_user().access_token(third.access_token().unwrap()).send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_not_authorized_exception());
        Ok(())
    }

    async fn admin_created_users_and_new_password_challenge(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;
        let created = idp
            .admin_create_user()
            .user_pool_id(&pool)
            .username("carol")
            .user_attributes(attr("email", "carol@example.com"))
            .user_attributes(attr("email_verified", "true"))
            .desired_delivery_mediums(aws_sdk_cognitoidentityprovider::types::DeliveryMediumType::Email)
            .send()
            .await?;
        assert_eq!(created.user().unwrap().user_status(), Some(&UserStatusType::ForceChangePassword));
        let invite = server.last_message("carol@example.com").await?.expect("an invitation email");
        let body = invite["body"].as_str().unwrap();
        assert!(body.contains("carol"), "{body}");
        let temp = body.split("temporary password is ").nth(1).unwrap().split_whitespace().next().unwrap().trim_end_matches('.').to_string();

        let challenge = idp
            .admin_initiate_auth()
            .user_pool_id(&pool)
            .client_id(&client)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", "carol")
            .auth_parameters("PASSWORD", &temp)
            .send()
            .await?;
        assert_eq!(challenge.challenge_name(), Some(&ChallengeNameType::NewPasswordRequired));
        let session = challenge.session().unwrap().to_string();
        let err = idp
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(format!("{session}x"))
            .challenge_responses("USERNAME", "carol")
            .challenge_responses("NEW_PASSWORD", "N3w-Passw0rd!")
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_not_authorized_exception(), "a tampered session is refused");
        let done = idp
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(&session)
            .challenge_responses("USERNAME", "carol")
            .challenge_responses("NEW_PASSWORD", "N3w-Passw0rd!")
            .send()
            .await?;
        assert!(done.authentication_result().unwrap().id_token().is_some());
        let user = idp.admin_get_user().user_pool_id(&pool).username("carol").send().await?;
        assert_eq!(user.user_status(), Some(&UserStatusType::Confirmed));

        let err = idp.admin_create_user().user_pool_id(&pool).username("carol").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_username_exists_exception());

        idp.admin_set_user_password().user_pool_id(&pool).username("carol").password("An0ther-pass").permanent(true).send().await?;
        sign_in(&server, &client, "carol", "An0ther-pass").await;
        idp.admin_disable_user().user_pool_id(&pool).username("carol").send().await?;
        let err = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "carol")
            .auth_parameters("PASSWORD", "An0ther-pass")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.message(), Some("User is disabled."));
        idp.admin_enable_user().user_pool_id(&pool).username("carol").send().await?;
        sign_in(&server, &client, "carol", "An0ther-pass").await;

        idp.admin_delete_user().user_pool_id(&pool).username("carol").send().await?;
        let err = idp.admin_get_user().user_pool_id(&pool).username("carol").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_user_not_found_exception());
        assert_eq!(err.message(), Some("User does not exist."));
        Ok(())
    }

    async fn attributes_and_verification(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;
        idp.add_custom_attributes()
            .user_pool_id(&pool)
            .custom_attributes(aws_sdk_cognitoidentityprovider::types::SchemaAttributeType::builder().name("plan").attribute_data_type(aws_sdk_cognitoidentityprovider::types::AttributeDataType::String).build())
            .send()
            .await?;
        confirmed_user(&server, &client, "dan", "dan@example.com").await;
        idp.admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("dan")
            .user_attributes(attr("custom:plan", "gold"))
            .user_attributes(attr("family_name", "Smith"))
            .send()
            .await?;
        let err = idp
            .admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("dan")
            .user_attributes(attr("custom:nope", "x"))
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_invalid_parameter_exception(), "{err:?}");
        let err = idp
            .admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("dan")
            .user_attributes(attr("email", "not-an-email"))
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_invalid_parameter_exception());

        let tokens = sign_in(&server, &client, "dan", PASSWORD).await;
        let access = tokens.access_token().unwrap();
        let out = idp.update_user_attributes().access_token(access).user_attributes(attr("email", "dan@new.example.com")).send().await?;
        assert_eq!(out.code_delivery_details_list().len(), 1);
        let me = idp.get_user().access_token(access).send().await?;
        let attrs: HashMap<_, _> = me.user_attributes().iter().map(|a| (a.name(), a.value().unwrap_or(""))).collect();
        assert_eq!(attrs["custom:plan"], "gold");
        assert_eq!(attrs["email"], "dan@new.example.com");
        assert_eq!(attrs["email_verified"], "false");
        let code = server.last_code("dan@new.example.com").await?;
        let err = idp.verify_user_attribute().access_token(access).attribute_name("email").code("999999").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_code_mismatch_exception());
        idp.verify_user_attribute().access_token(access).attribute_name("email").code(code).send().await?;
        idp.get_user_attribute_verification_code().access_token(access).attribute_name("email").send().await?;

        idp.admin_delete_user_attributes().user_pool_id(&pool).username("dan").user_attribute_names("family_name").send().await?;
        idp.delete_user_attributes().access_token(access).user_attribute_names("custom:plan").send().await?;
        let me = idp.get_user().access_token(access).send().await?;
        assert!(me.user_attributes().iter().all(|a| a.name() != "family_name" && a.name() != "custom:plan"));
        assert!(me.user_attributes().iter().any(|a| a.name() == "email_verified" && a.value() == Some("true")));

        idp.delete_user().access_token(access).send().await?;
        let err = idp.admin_get_user().user_pool_id(&pool).username("dan").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_user_not_found_exception());
        Ok(())
    }

    async fn passwords_change_and_recovery(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &client, "erin", "erin@example.com").await;
        let tokens = sign_in(&server, &client, "erin", PASSWORD).await;
        let err = idp
            .change_password()
            .access_token(tokens.access_token().unwrap())
            .previous_password("Wrong-pass1")
            .proposed_password("Changed-pass1")
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_not_authorized_exception());
        idp.change_password()
            .access_token(tokens.access_token().unwrap())
            .previous_password(PASSWORD)
            .proposed_password("Changed-pass1")
            .send()
            .await?;
        sign_in(&server, &client, "erin", "Changed-pass1").await;

        let out = idp.forgot_password().client_id(&client).username("erin").send().await?;
        assert_eq!(out.code_delivery_details().unwrap().attribute_name(), Some("email"));
        let code = server.last_code("erin@example.com").await?;
        let err = idp
            .confirm_forgot_password()
            .client_id(&client)
            .username("erin")
            .confirmation_code(&code)
            .password("weak")
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_invalid_password_exception(), "{err:?}");
        let out = idp.forgot_password().client_id(&client).username("erin").send().await?;
        assert!(out.code_delivery_details().is_some());
        let code = server.last_code("erin@example.com").await?;
        idp.confirm_forgot_password().client_id(&client).username("erin").confirmation_code(&code).password("Reset-pass1").send().await?;
        sign_in(&server, &client, "erin", "Reset-pass1").await;

        idp.admin_reset_user_password().user_pool_id(&pool).username("erin").send().await?;
        let err = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "erin")
            .auth_parameters("PASSWORD", "Reset-pass1")
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_password_reset_required_exception(), "{err:?}");
        Ok(())
    }

    async fn list_users_filters(server: TestServer) {
        let idp = server.idp();
        let (pool, _) = pool_and_client(&server, false).await;
        for (name, email) in [("u1", "ann@a.example"), ("u2", "andy@a.example"), ("u3", "bea@b.example")] {
            idp.admin_create_user()
                .user_pool_id(&pool)
                .username(name)
                .user_attributes(attr("email", email))
                .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
                .send()
                .await?;
        }
        let all = idp.list_users().user_pool_id(&pool).send().await?;
        assert_eq!(all.users().len(), 3);
        let described = idp.describe_user_pool().user_pool_id(&pool).send().await?;
        assert_eq!(described.user_pool().unwrap().estimated_number_of_users(), 3);
        let eq = idp.list_users().user_pool_id(&pool).filter("email = \"bea@b.example\"").send().await?;
        assert_eq!(eq.users().iter().map(|u| u.username().unwrap()).collect::<Vec<_>>(), vec!["u3"]);
        let prefix = idp.list_users().user_pool_id(&pool).filter("email ^= \"an\"").send().await?;
        assert_eq!(prefix.users().len(), 2);
        let status = idp.list_users().user_pool_id(&pool).filter("cognito:user_status = \"FORCE_CHANGE_PASSWORD\"").send().await?;
        assert_eq!(status.users().len(), 3);
        let page = idp.list_users().user_pool_id(&pool).limit(2).attributes_to_get("email").send().await?;
        assert_eq!(page.users().len(), 2);
        assert!(page.users()[0].attributes().iter().all(|a| a.name() == "email"));
        let rest = idp.list_users().user_pool_id(&pool).limit(2).pagination_token(page.pagination_token().unwrap()).send().await?;
        assert_eq!(rest.users().len(), 1);
        assert!(rest.pagination_token().is_none());
        let err = idp.list_users().user_pool_id(&pool).filter("custom:x = \"1\"").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_invalid_parameter_exception());
        Ok(())
    }

    async fn groups_reach_tokens(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &client, "gus", "gus@example.com").await;
        idp.create_group().user_pool_id(&pool).group_name("admins").precedence(1).role_arn("arn:aws:iam::000000000000:role/Admin").send().await?;
        idp.create_group().user_pool_id(&pool).group_name("readers").precedence(5).description("read only").send().await?;
        let err = idp.create_group().user_pool_id(&pool).group_name("admins").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_group_exists_exception());
        idp.admin_add_user_to_group().user_pool_id(&pool).username("gus").group_name("readers").send().await?;
        idp.admin_add_user_to_group().user_pool_id(&pool).username("gus").group_name("admins").send().await?;
        idp.admin_add_user_to_group().user_pool_id(&pool).username("gus").group_name("admins").send().await?;

        let groups = idp.admin_list_groups_for_user().user_pool_id(&pool).username("gus").send().await?;
        assert_eq!(groups.groups().len(), 2);
        let members = idp.list_users_in_group().user_pool_id(&pool).group_name("admins").send().await?;
        assert_eq!(members.users().len(), 1);
        let listed = idp.list_groups().user_pool_id(&pool).limit(1).send().await?;
        assert_eq!(listed.groups().len(), 1);
        assert!(listed.next_token().is_some());
        let g = idp.update_group().user_pool_id(&pool).group_name("readers").description("readers!").send().await?;
        assert_eq!(g.group().unwrap().description(), Some("readers!"));
        assert_eq!(g.group().unwrap().precedence(), Some(5));

        let tokens = sign_in(&server, &client, "gus", PASSWORD).await;
        let id = verify_jwt(&server, &pool, tokens.id_token().unwrap()).await;
        assert_eq!(id["cognito:groups"], serde_json::json!(["admins", "readers"]));
        assert_eq!(id["cognito:preferred_role"], "arn:aws:iam::000000000000:role/Admin");
        assert_eq!(id["cognito:roles"], serde_json::json!(["arn:aws:iam::000000000000:role/Admin"]));
        let access = verify_jwt(&server, &pool, tokens.access_token().unwrap()).await;
        assert_eq!(access["cognito:groups"], serde_json::json!(["admins", "readers"]));

        idp.admin_remove_user_from_group().user_pool_id(&pool).username("gus").group_name("admins").send().await?;
        idp.delete_group().user_pool_id(&pool).group_name("readers").send().await?;
        let err = idp.get_group().user_pool_id(&pool).group_name("readers").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
        let groups = idp.admin_list_groups_for_user().user_pool_id(&pool).username("gus").send().await?;
        assert!(groups.groups().is_empty());
        Ok(())
    }

    async fn user_existence_and_lockout(server: TestServer) {
        let idp = server.idp();
        let (_, hiding) = pool_and_client(&server, true).await;
        let err = idp
            .initiate_auth()
            .client_id(&hiding)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "nobody")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .unwrap_err();
        assert_eq!((err.code(), err.message()), (Some("NotAuthorizedException"), Some("Incorrect username or password.")));
        let forgot = idp.forgot_password().client_id(&hiding).username("nobody").send().await?;
        assert!(forgot.code_delivery_details().is_some(), "no enumeration through ForgotPassword");

        let (_, legacy) = pool_and_client(&server, false).await;
        let err = idp
            .initiate_auth()
            .client_id(&legacy)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "nobody")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_user_not_found_exception());

        confirmed_user(&server, &legacy, "hal", "hal@example.com").await;
        let mut last = String::new();
        for _ in 0..7 {
            let err = idp
                .initiate_auth()
                .client_id(&legacy)
                .auth_flow(AuthFlowType::UserPasswordAuth)
                .auth_parameters("USERNAME", "hal")
                .auth_parameters("PASSWORD", "Wrong-pass1")
                .send()
                .await
                .unwrap_err();
            last = err.message().unwrap_or_default().to_string();
        }
        assert_eq!(last, "Password attempts exceeded");
        let err = idp
            .initiate_auth()
            .client_id(&legacy)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "hal")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.message(), Some("Password attempts exceeded"), "locked even with the right password");
        Ok(())
    }

    async fn email_as_username_and_secret_hash(server: TestServer) {
        let idp = server.idp();
        let pool = idp
            .create_user_pool()
            .pool_name("by-email")
            .username_attributes(UsernameAttributeType::Email)
            .auto_verified_attributes(VerifiedAttributeType::Email)
            .send()
            .await?
            .user_pool
            .unwrap()
            .id
            .unwrap();
        let c = idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("secret")
            .generate_secret(true)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await?
            .user_pool_client
            .unwrap();
        let (client, secret) = (c.client_id.unwrap(), c.client_secret.unwrap());
        let hash = |user: &str| {
            use hmac_free::hmac_sha256;
            base64::engine::general_purpose::STANDARD.encode(hmac_sha256(secret.as_bytes(), format!("{user}{client}").as_bytes()))
        };
        let err = idp.sign_up().client_id(&client).username("ivy@example.com").password(PASSWORD).send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_not_authorized_exception(), "{err:?}");
        let out = idp
            .sign_up()
            .client_id(&client)
            .username("ivy@example.com")
            .password(PASSWORD)
            .secret_hash(hash("ivy@example.com"))
            .send()
            .await?;
        let code = server.last_code("ivy@example.com").await?;
        idp.confirm_sign_up()
            .client_id(&client)
            .username("ivy@example.com")
            .confirmation_code(code)
            .secret_hash(hash("ivy@example.com"))
            .send()
            .await?;
        let user = idp.admin_get_user().user_pool_id(&pool).username("ivy@example.com").send().await?;
        assert_eq!(user.username(), out.user_sub(), "the username is the generated UUID");
        let tokens = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "IVY@example.com")
            .auth_parameters("PASSWORD", PASSWORD)
            .auth_parameters("SECRET_HASH", hash("IVY@example.com"))
            .send()
            .await?
            .authentication_result
            .unwrap();
        let id = verify_jwt(&server, &pool, tokens.id_token().unwrap()).await;
        assert_eq!(id["cognito:username"], out.user_sub());
        let err = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "ivy@example.com")
            .auth_parameters("PASSWORD", PASSWORD)
            .auth_parameters("SECRET_HASH", "bad")
            .send()
            .await
            .unwrap_err();
        assert!(err.message().unwrap().contains("Unable to verify secret hash"));
        let err = idp
            .sign_up()
            .client_id(&client)
            .username("ivy@example.com")
            .password(PASSWORD)
            .secret_hash(hash("ivy@example.com"))
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_username_exists_exception(), "{err:?}");
        Ok(())
    }
}

/// HMAC-SHA256 from the `sha2` crate alone, so the test computes SECRET_HASH independently.
mod hmac_free {
    use sha2::{Digest as _, Sha256};

    pub fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
        let mut k = [0u8; 64];
        if key.len() > 64 {
            k[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).chain(message.iter().copied()).collect();
        let inner = Sha256::digest(inner);
        let outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).chain(inner.iter().copied()).collect();
        Sha256::digest(outer).to_vec()
    }
}
