//! Cognito behaviours checked against tests that were verified against real AWS and AWS's own error
//! texts: legacy auth-flow names, booleans in any case, schema rules, alias conflicts on update,
//! MFA configuration, email usernames, confirmation of users who are not UNCONFIRMED.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, AttributeType, AuthFlowType, ExplicitAuthFlowsType, MessageActionType, SchemaAttributeType,
    UserPoolMfaType, UsernameAttributeType,
};
use cognate_testkit::both_backends;

use crate::helpers::{PASSWORD, confirmed_user, pool_and_client};
use crate::helpers::{code, new_pool};

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder().name(name).value(value).build().unwrap()
}

both_backends! {
    /// A client with only legacy ExplicitAuthFlows names keeps refresh (and SRP) allowed.
    async fn legacy_flow_names_still_allow_refresh(server: TestServer) {
        let idp = server.idp();
        let (pool, _) = pool_and_client(&server, false).await;
        let client = idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("legacy")
            .explicit_auth_flows(ExplicitAuthFlowsType::UserPasswordAuth)
            .send()
            .await?
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        confirmed_user(&server, &client, "leo", "leo@example.com").await;
        let tokens = crate::helpers::sign_in(&server, &client, "leo", PASSWORD).await;
        let refreshed = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", tokens.refresh_token().unwrap())
            .send()
            .await?;
        assert!(refreshed.authentication_result().unwrap().access_token().is_some());
        let srp = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserSrpAuth)
            .auth_parameters("USERNAME", "leo")
            .auth_parameters("SRP_A", "02")
            .send()
            .await?;
        assert!(srp.challenge_name().is_some(), "SRP is allowed too");
        server.stop().await
    }

    /// Boolean attributes are accepted in any case and kept as true/false.
    async fn boolean_attributes_ignore_case(server: TestServer) {
        let idp = server.idp();
        let pool = new_pool(&server, "booleans").await;
        idp.admin_create_user()
            .user_pool_id(&pool)
            .username("bea")
            .user_attributes(attr("email", "bea@example.com"))
            .user_attributes(attr("email_verified", "True"))
            .message_action(MessageActionType::Suppress)
            .send()
            .await?;
        let user = idp.admin_get_user().user_pool_id(&pool).username("bea").send().await?;
        let verified = user.user_attributes().iter().find(|a| a.name() == "email_verified").and_then(|a| a.value());
        assert_eq!(verified, Some("true"));
        server.stop().await
    }

    /// Schema rules in Cognito's words.
    async fn schema_errors_use_cognitos_words(server: TestServer) {
        let idp = server.idp();
        let err = idp
            .create_user_pool()
            .pool_name("untyped")
            .schema(SchemaAttributeType::builder().name("team").build())
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "InvalidParameterException");
        assert_eq!(err.message(), Some("Invalid AttributeDataType input, consider using the provided AttributeDataType enum."));
        for bad in [
            SchemaAttributeType::builder().name("email").attribute_data_type(AttributeDataType::Number).build(),
            SchemaAttributeType::builder().name("email").developer_only_attribute(true).build(),
        ] {
            let err = idp.create_user_pool().pool_name("standard").schema(bad).send().await.unwrap_err();
            assert_eq!(
                err.message(),
                Some("You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute email")
            );
        }
        let pool = new_pool(&server, "customs").await;
        let team = SchemaAttributeType::builder().name("team").attribute_data_type(AttributeDataType::String).build();
        idp.add_custom_attributes().user_pool_id(&pool).custom_attributes(team.clone()).send().await?;
        let err = idp.add_custom_attributes().user_pool_id(&pool).custom_attributes(team).send().await.unwrap_err();
        assert_eq!(err.message(), Some("custom:team: Existing attribute already has name custom:team."));
        server.stop().await
    }

    /// Taking an email another user signs in with, by updating attributes, is AliasExists.
    async fn updates_taking_a_sign_in_email_are_alias_conflicts(server: TestServer) {
        let idp = server.idp();
        let pool = idp
            .create_user_pool()
            .pool_name("emails")
            .username_attributes(UsernameAttributeType::Email)
            .send()
            .await?
            .user_pool
            .unwrap()
            .id
            .unwrap();
        for email in ["one@example.com", "two@example.com"] {
            idp.admin_create_user()
                .user_pool_id(&pool)
                .username(email)
                .message_action(MessageActionType::Suppress)
                .send()
                .await?;
        }
        let err = idp
            .admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("two@example.com")
            .user_attributes(attr("email", "one@example.com"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "AliasExistsException");
        let err = idp
            .admin_create_user()
            .user_pool_id(&pool)
            .username("not-an-email")
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.message(), Some("Username should be an email."));
        server.stop().await
    }

    /// MFA ON or OPTIONAL needs a factor.
    async fn mfa_needs_a_factor(server: TestServer) {
        let pool = new_pool(&server, "mfa").await;
        let err = server
            .idp()
            .set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .mfa_configuration(UserPoolMfaType::Optional)
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            err.message(),
            Some("Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.")
        );
        server.stop().await
    }

    /// ConfirmSignUp of a user who is not UNCONFIRMED names the user's real status.
    async fn confirming_a_confirmed_user_names_the_status(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &client, "cid", "cid@example.com").await;
        idp.admin_create_user()
            .user_pool_id(&pool)
            .username("fay")
            .temporary_password("Temp-pass-1")
            .message_action(MessageActionType::Suppress)
            .send()
            .await?;
        for (name, status) in [("cid", "CONFIRMED"), ("fay", "FORCE_CHANGE_PASSWORD")] {
            let err = idp.confirm_sign_up().client_id(&client).username(name).confirmation_code("123456").send().await.unwrap_err();
            assert_eq!(code(&err), "NotAuthorizedException");
            assert_eq!(err.message().unwrap(), format!("User cannot be confirmed. Current status is {status}"));
        }
        server.stop().await
    }
}
