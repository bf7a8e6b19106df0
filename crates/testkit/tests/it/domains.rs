//! User pool domains over the SDK: prefix and custom domains, one of each per pool, names unique
//! across pools, Cognito's errors, DescribeUserPool's Domain and CustomDomain, and a pool with a
//! domain that cannot be deleted.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{CustomDomainConfigType, DomainStatusType};
use cognate_testkit::both_backends;

use crate::helpers::{code, new_pool};

fn cert(n: u32) -> CustomDomainConfigType {
    CustomDomainConfigType::builder()
        .certificate_arn(format!("arn:aws:acm:us-east-1:123456789012:certificate/{n:08}-0000-0000-0000-000000000000"))
        .build()
        .unwrap()
}

both_backends! {
    async fn prefix_and_custom_domains(server: TestServer) {
        let idp = server.idp();
        let pool = new_pool(&server, "with-domains").await;
        let created = idp.create_user_pool_domain().user_pool_id(&pool).domain("my-app").send().await?;
        assert_eq!(created.managed_login_version(), Some(1));
        assert_eq!(created.cloud_front_domain(), None, "a prefix needs no DNS target");

        let described = idp.describe_user_pool_domain().domain("my-app").send().await?;
        let d = described.domain_description().unwrap();
        assert_eq!(d.user_pool_id(), Some(pool.as_str()));
        assert_eq!(d.domain(), Some("my-app"));
        assert_eq!(d.status(), Some(&DomainStatusType::Active));
        assert!(d.aws_account_id().is_some());
        // A name no pool has is described as nothing.
        let nothing = idp.describe_user_pool_domain().domain("nobody-has-this").send().await?;
        assert!(nothing.domain_description().unwrap().domain().is_none());

        let custom = idp
            .create_user_pool_domain()
            .user_pool_id(&pool)
            .domain("auth.example.com")
            .custom_domain_config(cert(1))
            .managed_login_version(2)
            .send()
            .await?;
        assert_eq!(custom.managed_login_version(), Some(2));
        assert!(custom.cloud_front_domain().is_some(), "where the custom domain's DNS must point");

        let p = idp.describe_user_pool().user_pool_id(&pool).send().await?;
        let p = p.user_pool().unwrap();
        assert_eq!((p.domain(), p.custom_domain()), (Some("my-app"), Some("auth.example.com")));

        let updated = idp
            .update_user_pool_domain()
            .user_pool_id(&pool)
            .domain("auth.example.com")
            .custom_domain_config(cert(2))
            .managed_login_version(1)
            .send()
            .await?;
        assert_eq!(updated.managed_login_version(), Some(1));
        let d = idp.describe_user_pool_domain().domain("auth.example.com").send().await?;
        let arn = d.domain_description().unwrap().custom_domain_config().unwrap().certificate_arn();
        assert!(arn.contains("00000002"), "{arn}");

        // A pool with a domain cannot be deleted; without, it can.
        let err = idp.delete_user_pool().user_pool_id(&pool).send().await.unwrap_err();
        assert_eq!(code(&err), "InvalidParameterException");
        assert_eq!(err.message(), Some("User pool cannot be deleted. It has a domain configured that must be deleted first."));
        idp.delete_user_pool_domain().user_pool_id(&pool).domain("my-app").send().await?;
        idp.delete_user_pool_domain().user_pool_id(&pool).domain("auth.example.com").send().await?;
        let gone = idp.describe_user_pool_domain().domain("my-app").send().await?;
        assert!(gone.domain_description().unwrap().domain().is_none());
        idp.delete_user_pool().user_pool_id(&pool).send().await?;
        Ok(())
    }

    async fn domain_errors(server: TestServer) {
        let idp = server.idp();
        let pool = new_pool(&server, "first").await;
        let other = new_pool(&server, "second").await;
        idp.create_user_pool_domain().user_pool_id(&pool).domain("taken").send().await?;
        let cases = [
            (&pool, "again", None, "User pool already has a domain configured."),
            (&other, "taken", None, "Domain already associated with another user pool."),
            (&other, "my-cognito", None, "Domain cannot contain reserved word: cognito"),
            (&other, "login.example.org", None, "A custom domain needs a CustomDomainConfig with a CertificateArn."),
            (&other, "plain", Some(cert(3)), "A prefix domain takes no CustomDomainConfig."),
        ];
        for (pool_id, domain, config, message) in cases {
            let mut call = idp.create_user_pool_domain().user_pool_id(pool_id).domain(domain);
            if let Some(config) = config {
                call = call.custom_domain_config(config);
            }
            let err = call.send().await.unwrap_err();
            assert_eq!(code(&err), "InvalidParameterException", "{domain}");
            assert_eq!(err.message(), Some(message), "{domain}");
        }
        let err = idp.create_user_pool_domain().user_pool_id(&other).domain("Upper").send().await.unwrap_err();
        assert_eq!(code(&err), "InvalidParameterException", "not a valid prefix");
        let err = idp
            .create_user_pool_domain()
            .user_pool_id(&other)
            .domain("v3")
            .managed_login_version(3)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "InvalidParameterException", "ManagedLoginVersion 3");
        let err = idp.delete_user_pool_domain().user_pool_id(&other).domain("taken").send().await.unwrap_err();
        assert_eq!(err.message(), Some("No such domain or user pool exists."), "another pool's domain");
        let err = idp.create_user_pool_domain().user_pool_id("us-east-1_missing").domain("x1").send().await.unwrap_err();
        assert_eq!(code(&err), "ResourceNotFoundException");
        Ok(())
    }
}
