//! CreateUserPool, DescribeUserPool, UpdateUserPool, DeleteUserPool, ListUserPools,
//! AddCustomAttributes, GetUserPoolMfaConfig, SetUserPoolMfaConfig, GetSigningCertificate.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeDataType, DeletionProtectionType, PasswordPolicyType, SchemaAttributeType, SoftwareTokenMfaConfigType,
    UserPoolMfaType, UserPoolPolicyType, UsernameAttributeType,
};
use base64::Engine as _;
use cognate_testkit::both_backends;

use crate::helpers::{code, new_pool};

both_backends! {
    async fn create_describe_update_delete(server: TestServer) {
        let idp = server.idp();
        let created = idp
            .create_user_pool()
            .pool_name("shop")
            .schema(
                SchemaAttributeType::builder()
                    .name("tenant")
                    .attribute_data_type(AttributeDataType::String)
                    .string_attribute_constraints(
                        aws_sdk_cognitoidentityprovider::types::StringAttributeConstraintsType::builder()
                            .min_length("1")
                            .max_length("64")
                            .build(),
                    )
                    .build(),
            )
            .schema(SchemaAttributeType::builder().name("email").required(true).build())
            .user_pool_tags("team", "identity")
            .send()
            .await?;
        let pool = created.user_pool().unwrap();
        let id = pool.id().unwrap().to_string();
        let (region, suffix) = id.split_once('_').unwrap();
        assert_eq!(region, "us-east-1");
        assert_eq!(suffix.len(), 9);
        assert_eq!(pool.arn(), Some(format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{id}").as_str()));

        let described = idp.describe_user_pool().user_pool_id(&id).send().await?;
        let pool = described.user_pool().unwrap();
        assert_eq!(pool.name(), Some("shop"));
        assert_eq!(pool.estimated_number_of_users(), 0);
        assert_eq!(pool.mfa_configuration(), Some(&UserPoolMfaType::Off));
        assert_eq!(pool.deletion_protection(), Some(&DeletionProtectionType::Inactive));
        assert!(pool.creation_date().is_some() && pool.last_modified_date().is_some());
        let policy = pool.policies().unwrap().password_policy().unwrap();
        assert_eq!(policy.minimum_length(), Some(8));
        assert!(policy.require_symbols());
        assert_eq!(policy.temporary_password_validity_days(), 7);
        let schema = pool.schema_attributes();
        let names: Vec<&str> = schema.iter().filter_map(|a| a.name()).collect();
        for std in ["sub", "email", "email_verified", "phone_number", "given_name", "updated_at"] {
            assert!(names.contains(&std), "standard attribute {std} missing from {names:?}");
        }
        let email = schema.iter().find(|a| a.name() == Some("email")).unwrap();
        assert_eq!(email.required(), Some(true));
        let tenant = schema.iter().find(|a| a.name() == Some("custom:tenant")).unwrap();
        assert_eq!(tenant.attribute_data_type(), Some(&AttributeDataType::String));
        assert_eq!(tenant.string_attribute_constraints().unwrap().max_length(), Some("64"));
        assert_eq!(pool.user_pool_tags().unwrap().get("team").map(String::as_str), Some("identity"));

        idp.update_user_pool()
            .user_pool_id(&id)
            .deletion_protection(DeletionProtectionType::Active)
            .policies(
                UserPoolPolicyType::builder()
                    .password_policy(PasswordPolicyType::builder().minimum_length(12).require_numbers(true).build())
                    .build(),
            )
            .send()
            .await?;
        let pool = idp.describe_user_pool().user_pool_id(&id).send().await?.user_pool.unwrap();
        let policy = pool.policies().unwrap().password_policy().unwrap();
        assert_eq!(policy.minimum_length(), Some(12));
        assert!(!policy.require_uppercase());
        assert_eq!(pool.deletion_protection(), Some(&DeletionProtectionType::Active));
        assert_eq!(pool.name(), Some("shop"), "UpdateUserPool without PoolName keeps the name");

        let err = idp.delete_user_pool().user_pool_id(&id).send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_invalid_parameter_exception(), "{err:?}");

        idp.update_user_pool().user_pool_id(&id).deletion_protection(DeletionProtectionType::Inactive).send().await?;
        idp.delete_user_pool().user_pool_id(&id).send().await?;
        let err = idp.describe_user_pool().user_pool_id(&id).send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_resource_not_found_exception(), "{err:?}");
        assert_eq!(err.message(), Some(format!("User pool {id} does not exist.").as_str()));
        let err = idp.delete_user_pool().user_pool_id(&id).send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
        Ok(())
    }

    async fn list_user_pools_pages(server: TestServer) {
        let idp = server.idp();
        let mut created = Vec::new();
        for i in 0..5 {
            created.push(new_pool(&server, &format!("list-{i}")).await);
        }
        let mut seen = Vec::new();
        let mut token = None;
        loop {
            let page = idp.list_user_pools().max_results(2).set_next_token(token).send().await?;
            assert!(page.user_pools().len() <= 2);
            for p in page.user_pools() {
                assert!(p.creation_date().is_some());
                seen.push(p.id().unwrap().to_string());
            }
            token = page.next_token().map(String::from);
            if token.is_none() {
                break;
            }
        }
        created.sort();
        seen.sort();
        assert_eq!(seen, created);

        let err = idp.list_user_pools().max_results(0).send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_invalid_parameter_exception());
        assert!(err.message().unwrap().contains("maxResults"), "{:?}", err.message());
        let err = idp.list_user_pools().max_results(61).send().await.unwrap_err();
        assert_eq!(code(&err), "InvalidParameterException");
        Ok(())
    }

    async fn add_custom_attributes(server: TestServer) {
        let idp = server.idp();
        let id = new_pool(&server, "attrs").await;
        idp.add_custom_attributes()
            .user_pool_id(&id)
            .custom_attributes(SchemaAttributeType::builder().name("plan").attribute_data_type(AttributeDataType::String).build())
            .custom_attributes(
                SchemaAttributeType::builder()
                    .name("seats")
                    .attribute_data_type(AttributeDataType::Number)
                    .mutable(false)
                    .build(),
            )
            .send()
            .await?;
        let pool = idp.describe_user_pool().user_pool_id(&id).send().await?.user_pool.unwrap();
        let seats = pool.schema_attributes().iter().find(|a| a.name() == Some("custom:seats")).unwrap();
        assert_eq!(seats.attribute_data_type(), Some(&AttributeDataType::Number));
        assert_eq!(seats.mutable(), Some(false));

        let err = idp
            .add_custom_attributes()
            .user_pool_id(&id)
            .custom_attributes(SchemaAttributeType::builder().name("plan").attribute_data_type(AttributeDataType::String).build())
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_invalid_parameter_exception());
        assert!(err.message().unwrap().contains("custom:plan"));

        let err = idp
            .add_custom_attributes()
            .user_pool_id(&id)
            .custom_attributes(SchemaAttributeType::builder().name("must").required(true).build())
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_invalid_parameter_exception());

        let err = idp
            .add_custom_attributes()
            .user_pool_id("us-east-1_missing00")
            .custom_attributes(SchemaAttributeType::builder().name("x").build())
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
        Ok(())
    }

    async fn create_user_pool_rules(server: TestServer) {
        let idp = server.idp();
        let err = idp.create_user_pool().pool_name("").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_invalid_parameter_exception());
        assert!(err.message().unwrap().contains("validation error") && err.message().unwrap().contains("poolName"), "{:?}", err.message());

        let err = idp
            .create_user_pool()
            .pool_name("both")
            .username_attributes(UsernameAttributeType::Email)
            .alias_attributes(aws_sdk_cognitoidentityprovider::types::AliasAttributeType::PreferredUsername)
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_invalid_parameter_exception());

        let out = idp
            .create_user_pool()
            .pool_name("by-email")
            .username_attributes(UsernameAttributeType::Email)
            .auto_verified_attributes(aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email)
            .send()
            .await?;
        let pool = out.user_pool().unwrap();
        assert_eq!(pool.username_attributes(), &[UsernameAttributeType::Email]);
        assert_eq!(pool.auto_verified_attributes().len(), 1);
        Ok(())
    }

    async fn mfa_config(server: TestServer) {
        let idp = server.idp();
        let id = new_pool(&server, "mfa").await;
        let cfg = idp.get_user_pool_mfa_config().user_pool_id(&id).send().await?;
        assert_eq!(cfg.mfa_configuration(), Some(&UserPoolMfaType::Off));

        let err = idp
            .set_user_pool_mfa_config()
            .user_pool_id(&id)
            .mfa_configuration(UserPoolMfaType::On)
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_invalid_parameter_exception(), "{err:?}");

        let set = idp
            .set_user_pool_mfa_config()
            .user_pool_id(&id)
            .mfa_configuration(UserPoolMfaType::Optional)
            .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .send()
            .await?;
        assert_eq!(set.mfa_configuration(), Some(&UserPoolMfaType::Optional));
        let cfg = idp.get_user_pool_mfa_config().user_pool_id(&id).send().await?;
        assert_eq!(cfg.mfa_configuration(), Some(&UserPoolMfaType::Optional));
        assert!(cfg.software_token_mfa_configuration().unwrap().enabled());
        let pool = idp.describe_user_pool().user_pool_id(&id).send().await?.user_pool.unwrap();
        assert_eq!(pool.mfa_configuration(), Some(&UserPoolMfaType::Optional));

        let err = idp.get_user_pool_mfa_config().user_pool_id("us-east-1_missing00").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
        Ok(())
    }

    async fn signing_certificate(server: TestServer) {
        let idp = server.idp();
        let id = new_pool(&server, "cert").await;
        let a = idp.get_signing_certificate().user_pool_id(&id).send().await?.certificate.unwrap();
        let b = idp.get_signing_certificate().user_pool_id(&id).send().await?.certificate.unwrap();
        assert_eq!(a, b, "the certificate is stable");
        let der = base64::engine::general_purpose::STANDARD.decode(&a)?;
        assert_eq!(der[0], 0x30, "a DER SEQUENCE");
        assert!(der.len() > 700);
        let err = idp.get_signing_certificate().user_pool_id("us-east-1_missing00").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
        Ok(())
    }

    async fn tags(server: TestServer) {
        let idp = server.idp();
        let id = new_pool(&server, "tags").await;
        let arn = idp.describe_user_pool().user_pool_id(&id).send().await?.user_pool.unwrap().arn.unwrap();
        idp.tag_resource().resource_arn(&arn).tags("env", "dev").tags("owner", "me").send().await?;
        let tags = idp.list_tags_for_resource().resource_arn(&arn).send().await?.tags.unwrap_or_default();
        assert_eq!(tags.len(), 2);
        idp.untag_resource().resource_arn(&arn).tag_keys("env").send().await?;
        let tags = idp.list_tags_for_resource().resource_arn(&arn).send().await?.tags.unwrap_or_default();
        assert_eq!(tags.keys().collect::<Vec<_>>(), vec!["owner"]);
        let err = idp
            .list_tags_for_resource()
            .resource_arn("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_missing00")
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
        Ok(())
    }
}
