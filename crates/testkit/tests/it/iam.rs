//! IAM and STS over the official SDKs (`aws-sdk-iam`, `aws-sdk-sts`): roles, inline and managed
//! policies, the AWS managed policies, users and access keys, OIDC providers, the simulator; STS
//! sessions; and the policy engine deciding every signed call (a scoped user's key does only what
//! its policy allows; a role session acts within its role's and its session's policies).

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata as _;
use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum, PolicyEvaluationDecisionType, StatusType, Tag};
use cognate_testkit::{TestServer, both_backends};

use crate::helpers::{PASSWORD, code, confirmed_user, new_pool, pool_and_client, sign_in};

const S3_READ_ONLY: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

fn decode(document: &str) -> serde_json::Value {
    let text = url::form_urlencoded::parse(format!("d={document}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    serde_json::from_str(&text).unwrap()
}

fn trust_of(principal: serde_json::Value, action: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": action}]
    })
    .to_string()
}

fn allow(actions: &[&str], resource: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]
    })
    .to_string()
}

/// An IAM user with one inline policy and an access key; its credentials.
async fn scoped_user(server: &TestServer, name: &str, policy: &str) -> aws_credential_types::Credentials {
    let iam = server.iam();
    iam.create_user().user_name(name).send().await.unwrap();
    iam.put_user_policy().user_name(name).policy_name("scope").policy_document(policy).send().await.unwrap();
    let key = iam.create_access_key().user_name(name).send().await.unwrap().access_key.unwrap();
    TestServer::credentials(key.access_key_id(), key.secret_access_key(), None)
}

both_backends! {
    async fn caller_identity_of_the_root_key(server: TestServer) {
        let me = server.sts().get_caller_identity().send().await?;
        assert_eq!(me.account(), Some("000000000000"));
        assert_eq!(me.arn(), Some("arn:aws:iam::000000000000:root"));
        assert_eq!(me.user_id(), Some("000000000000"));
        let info = server.sts().get_access_key_info().access_key_id(&server.access_key_id).send().await?;
        assert_eq!(info.account(), Some("000000000000"));
        Ok(())
    }

    async fn roles_round_trip(server: TestServer) {
        let iam = server.iam();
        let trust = trust_of(serde_json::json!({"Service": "lambda.amazonaws.com"}), "sts:AssumeRole");
        let created = iam
            .create_role()
            .role_name("Reader")
            .path("/team/")
            .assume_role_policy_document(&trust)
            .description("reads")
            .max_session_duration(7200)
            .tags(Tag::builder().key("env").value("test").build()?)
            .send()
            .await?
            .role
            .unwrap();
        assert_eq!(created.arn(), "arn:aws:iam::000000000000:role/team/Reader");
        assert!(created.role_id().starts_with("AROA") && created.role_id().len() == 21);
        let dup = iam.create_role().role_name("reader").assume_role_policy_document(&trust).send().await.unwrap_err();
        assert_eq!(code(&dup), "EntityAlreadyExists", "role names are unique regardless of case");

        let got = iam.get_role().role_name("Reader").send().await?.role.unwrap();
        assert_eq!(decode(got.assume_role_policy_document().unwrap()), serde_json::from_str::<serde_json::Value>(&trust)?);
        assert_eq!((got.max_session_duration(), got.description()), (Some(7200), Some("reads")));
        assert_eq!(got.tags().len(), 1);

        iam.update_role().role_name("Reader").max_session_duration(3600).send().await?;
        let bad = iam.update_role().role_name("Reader").max_session_duration(60).send().await.unwrap_err();
        assert_eq!(code(&bad), "ValidationError", "the model's range");
        let listed = iam.list_roles().path_prefix("/team/").send().await?;
        assert_eq!(listed.roles().len(), 1);

        // Inline and attached policies; a role with policies cannot be deleted.
        let inline = allow(&["s3:GetObject"], "arn:aws:s3:::bucket/*");
        iam.put_role_policy().role_name("Reader").policy_name("objects").policy_document(&inline).send().await?;
        let fetched = iam.get_role_policy().role_name("Reader").policy_name("objects").send().await?;
        assert_eq!(decode(fetched.policy_document()), serde_json::from_str::<serde_json::Value>(&inline)?);
        assert_eq!(iam.list_role_policies().role_name("Reader").send().await?.policy_names(), ["objects"]);
        iam.attach_role_policy().role_name("Reader").policy_arn(S3_READ_ONLY).send().await?;
        let attached = iam.list_attached_role_policies().role_name("Reader").send().await?;
        assert_eq!(attached.attached_policies()[0].policy_name(), Some("AmazonS3ReadOnlyAccess"));
        let entities = iam.list_entities_for_policy().policy_arn(S3_READ_ONLY).send().await?;
        assert_eq!(entities.policy_roles()[0].role_name(), Some("Reader"));
        let conflict = iam.delete_role().role_name("Reader").send().await.unwrap_err();
        assert_eq!(code(&conflict), "DeleteConflict");
        let missing = iam.attach_role_policy().role_name("Reader").policy_arn("arn:aws:iam::aws:policy/Nope").send().await.unwrap_err();
        assert_eq!(code(&missing), "NoSuchEntity");

        iam.detach_role_policy().role_name("Reader").policy_arn(S3_READ_ONLY).send().await?;
        iam.delete_role_policy().role_name("Reader").policy_name("objects").send().await?;
        assert!(iam.list_instance_profiles_for_role().role_name("Reader").send().await?.instance_profiles().is_empty());
        iam.delete_role().role_name("Reader").send().await?;
        let gone = iam.get_role().role_name("Reader").send().await.unwrap_err();
        assert_eq!(code(&gone), "NoSuchEntity");
        Ok(())
    }

    async fn policy_documents_are_checked(server: TestServer) {
        let iam = server.iam();
        let cases = [
            ("not json", "MalformedPolicyDocument"),
            (r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#, "MalformedPolicyDocument"),
        ];
        for (trust, expected) in cases {
            let e = iam.create_role().role_name("r").assume_role_policy_document(trust).send().await.unwrap_err();
            assert_eq!(code(&e), expected, "{trust}");
        }
        let with_principal = trust_of(serde_json::json!({"AWS": "*"}), "s3:GetObject");
        let e = iam.create_policy().policy_name("p").policy_document(&with_principal).send().await.unwrap_err();
        assert_eq!(code(&e), "MalformedPolicyDocument", "identity policies name no principal");
        let huge = allow(&["s3:GetObject"; 700], "*");
        let e = iam.create_policy().policy_name("p").policy_document(&huge).send().await.unwrap_err();
        assert_eq!(code(&e), "LimitExceeded");
        Ok(())
    }

    async fn managed_policies_and_versions(server: TestServer) {
        let iam = server.iam();
        let aws = iam.get_policy().policy_arn(S3_READ_ONLY).send().await?.policy.unwrap();
        assert!(aws.policy_id().unwrap().starts_with("ANPA"));
        let version = iam.get_policy_version().policy_arn(S3_READ_ONLY).version_id(aws.default_version_id().unwrap()).send().await?;
        let document = decode(version.policy_version().unwrap().document().unwrap());
        assert!(document.to_string().contains("s3:Get"), "{document}");
        let aws_listed = iam.list_policies().scope(aws_sdk_iam::types::PolicyScopeType::Aws).max_items(1000).send().await?;
        assert!(aws_listed.policies().iter().any(|p| p.arn() == Some(S3_READ_ONLY)));
        let e = iam.delete_policy().policy_arn(S3_READ_ONLY).send().await.unwrap_err();
        assert_eq!(code(&e), "InvalidInput");

        let created = iam
            .create_policy()
            .policy_name("Pools")
            .path("/cognate/")
            .policy_document(allow(&["cognito-idp:ListUserPools"], "*"))
            .send()
            .await?
            .policy
            .unwrap();
        let arn = created.arn().unwrap().to_string();
        assert_eq!(arn, "arn:aws:iam::000000000000:policy/cognate/Pools");
        for i in 2..=5 {
            let v = iam.create_policy_version().policy_arn(&arn).policy_document(allow(&["cognito-idp:ListUsers"], "*")).set_as_default(i == 3).send().await?;
            assert_eq!(v.policy_version().unwrap().version_id(), Some(format!("v{i}").as_str()));
        }
        let sixth = iam.create_policy_version().policy_arn(&arn).policy_document(allow(&["s3:*"], "*")).send().await.unwrap_err();
        assert_eq!(code(&sixth), "LimitExceeded");
        let versions = iam.list_policy_versions().policy_arn(&arn).send().await?;
        let ids: Vec<&str> = versions.versions().iter().filter_map(|v| v.version_id()).collect();
        assert_eq!(ids, ["v5", "v4", "v3", "v2", "v1"]);
        assert_eq!(iam.get_policy().policy_arn(&arn).send().await?.policy.unwrap().default_version_id(), Some("v3"));
        let e = iam.delete_policy_version().policy_arn(&arn).version_id("v3").send().await.unwrap_err();
        assert_eq!(code(&e), "DeleteConflict");
        iam.set_default_policy_version().policy_arn(&arn).version_id("v1").send().await?;
        for v in ["v2", "v3", "v4", "v5"] {
            iam.delete_policy_version().policy_arn(&arn).version_id(v).send().await?;
        }
        iam.create_user().user_name("holder").send().await?;
        iam.attach_user_policy().user_name("holder").policy_arn(&arn).send().await?;
        let e = iam.delete_policy().policy_arn(&arn).send().await.unwrap_err();
        assert_eq!(code(&e), "DeleteConflict");
        iam.detach_user_policy().user_name("holder").policy_arn(&arn).send().await?;
        iam.delete_policy().policy_arn(&arn).send().await?;
        assert_eq!(code(&iam.get_policy().policy_arn(&arn).send().await.unwrap_err()), "NoSuchEntity");
        Ok(())
    }

    async fn a_scoped_users_key_does_only_what_its_policy_allows(server: TestServer) {
        let allowed_pool = new_pool(&server, "allowed").await;
        let other_pool = new_pool(&server, "other").await;
        let pool_arn = format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{allowed_pool}");
        let creds = scoped_user(&server, "operator", &allow(&["cognito-idp:AdminCreateUser", "cognito-idp:AdminGetUser"], &pool_arn)).await;
        let idp = server.idp_with(creds.clone());
        idp.admin_create_user().user_pool_id(&allowed_pool).username("alice").send().await?;
        idp.admin_get_user().user_pool_id(&allowed_pool).username("alice").send().await?;

        let denied = idp.admin_create_user().user_pool_id(&other_pool).username("alice").send().await.unwrap_err();
        assert_eq!(code(&denied), "AccessDeniedException");
        let message = denied.message().unwrap_or_default().to_string();
        let other_arn = format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{other_pool}");
        assert_eq!(
            message,
            format!("User: arn:aws:iam::000000000000:user/operator is not authorized to perform: cognito-idp:AdminCreateUser on resource: {other_arn} because no identity-based policy allows the cognito-idp:AdminCreateUser action")
        );
        let e = idp.admin_delete_user().user_pool_id(&allowed_pool).username("alice").send().await.unwrap_err();
        assert_eq!(code(&e), "AccessDeniedException");
        let e = idp.list_user_pools().max_results(10).send().await.unwrap_err();
        assert_eq!(code(&e), "AccessDeniedException");
        let e = server.iam_with(creds.clone()).list_roles().send().await.unwrap_err();
        assert_eq!(code(&e), "AccessDenied");
        // The Query services' refusals carry an encoded message the account can decode.
        let message = e.message().unwrap_or_default().to_string();
        let encoded = message.split("Encoded authorization failure message: ").nth(1).expect("an encoded message");
        let decoded = server.sts().decode_authorization_message().encoded_message(encoded).send().await?;
        let document: serde_json::Value = serde_json::from_str(decoded.decoded_message().unwrap())?;
        assert_eq!(document["allowed"], false);
        assert_eq!(document["context"]["action"], "iam:ListRoles");
        assert_eq!(document["context"]["principal"]["arn"], "arn:aws:iam::000000000000:user/operator");
        let e = server.sts_with(creds.clone()).decode_authorization_message().encoded_message(encoded).send().await.unwrap_err();
        assert_eq!(code(&e), "AccessDenied", "decoding needs sts:DecodeAuthorizationMessage");
        let e = server.sts().decode_authorization_message().encoded_message("bm90IG9uZSBvZiBvdXJz").send().await.unwrap_err();
        assert_eq!(code(&e), "InvalidAuthorizationMessageException");
        let me = server.sts_with(creds.clone()).get_caller_identity().send().await?;
        assert_eq!(me.arn(), Some("arn:aws:iam::000000000000:user/operator"));
        assert!(me.user_id().unwrap().starts_with("AIDA"));

        // An explicit deny wins over the allow.
        let deny = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "cognito-idp:AdminGetUser", "Resource": "*"}]}).to_string();
        server.iam().put_user_policy().user_name("operator").policy_name("deny").policy_document(&deny).send().await?;
        let e = idp.admin_get_user().user_pool_id(&allowed_pool).username("alice").send().await.unwrap_err();
        assert!(e.message().unwrap_or_default().contains("with an explicit deny in an identity-based policy"), "{e:?}");

        // An inactive key, then a deleted one, no longer signs anything.
        let iam = server.iam();
        iam.update_access_key().user_name("operator").access_key_id(creds.access_key_id()).status(StatusType::Inactive).send().await?;
        let e = idp.admin_create_user().user_pool_id(&allowed_pool).username("bob").send().await.unwrap_err();
        assert_eq!(code(&e), "UnrecognizedClientException");
        let keys = iam.list_access_keys().user_name("operator").send().await?;
        assert_eq!(keys.access_key_metadata()[0].status(), Some(&StatusType::Inactive));
        iam.delete_access_key().user_name("operator").access_key_id(creds.access_key_id()).send().await?;
        let e = server.sts_with(creds).get_caller_identity().send().await.unwrap_err();
        assert_eq!(code(&e), "InvalidClientTokenId");
        let e = iam.delete_user().user_name("operator").send().await.unwrap_err();
        assert_eq!(code(&e), "DeleteConflict", "the inline policies are left");
        Ok(())
    }

    async fn assumed_roles_act_within_their_policies(server: TestServer) {
        let iam = server.iam();
        let pool = new_pool(&server, "roles").await;
        let user = scoped_user(&server, "dev", &allow(&["sts:AssumeRole"], "*")).await;
        let trust = trust_of(serde_json::json!({"AWS": "arn:aws:iam::000000000000:user/dev"}), "sts:AssumeRole");
        let role = iam.create_role().role_name("Admin").assume_role_policy_document(&trust).send().await?.role.unwrap();
        iam.put_role_policy().role_name("Admin").policy_name("pools").policy_document(allow(&["cognito-idp:ListUserPools", "cognito-idp:DescribeUserPool"], "*")).send().await?;

        let assumed = server.sts_with(user.clone()).assume_role().role_arn(role.arn()).role_session_name("s1").send().await?;
        let c = assumed.credentials().unwrap();
        assert!(c.access_key_id().starts_with("ASIA"));
        assert_eq!(c.secret_access_key().len(), 40);
        assert_eq!(assumed.assumed_role_user().unwrap().arn(), "arn:aws:sts::000000000000:assumed-role/Admin/s1");
        let session = TestServer::credentials(c.access_key_id(), c.secret_access_key(), Some(c.session_token()));
        let me = server.sts_with(session.clone()).get_caller_identity().send().await?;
        assert_eq!(me.arn(), Some("arn:aws:sts::000000000000:assumed-role/Admin/s1"));
        assert_eq!(me.user_id(), Some(format!("{}:s1", role.role_id()).as_str()));
        let idp = server.idp_with(session.clone());
        idp.list_user_pools().max_results(10).send().await?;
        idp.describe_user_pool().user_pool_id(&pool).send().await?;
        let e = idp.delete_user_pool().user_pool_id(&pool).send().await.unwrap_err();
        assert!(e.message().unwrap_or_default().starts_with("User: arn:aws:sts::000000000000:assumed-role/Admin/s1 is not authorized"), "{e:?}");

        // A session policy narrows the session to the intersection.
        let narrowed = server.sts_with(user.clone()).assume_role().role_arn(role.arn()).role_session_name("s2")
            .policy(allow(&["cognito-idp:ListUserPools"], "*")).send().await?;
        let c2 = narrowed.credentials().unwrap();
        let idp2 = server.idp_with(TestServer::credentials(c2.access_key_id(), c2.secret_access_key(), Some(c2.session_token())));
        idp2.list_user_pools().max_results(10).send().await?;
        assert_eq!(code(&idp2.describe_user_pool().user_pool_id(&pool).send().await.unwrap_err()), "AccessDeniedException");

        // A wrong session token, or none, does not sign.
        let forged = TestServer::credentials(c.access_key_id(), c.secret_access_key(), Some("IQoJforged"));
        assert_eq!(code(&server.sts_with(forged).get_caller_identity().send().await.unwrap_err()), "InvalidClientTokenId");
        let bare = TestServer::credentials(c.access_key_id(), c.secret_access_key(), None);
        assert_eq!(code(&server.sts_with(bare).get_caller_identity().send().await.unwrap_err()), "InvalidClientTokenId");

        // Refusals: the root may not assume roles; a trust policy that does not name the caller;
        // a session longer than the role allows.
        let e = server.sts().assume_role().role_arn(role.arn()).role_session_name("root").send().await.unwrap_err();
        assert_eq!(code(&e), "AccessDenied");
        let stranger = scoped_user(&server, "stranger", &allow(&["sts:AssumeRole"], "*")).await;
        let e = server.sts_with(stranger).assume_role().role_arn(role.arn()).role_session_name("xx").send().await.unwrap_err();
        assert_eq!(code(&e), "AccessDenied", "the trust policy names only dev");
        let e = server.sts_with(user.clone()).assume_role().role_arn(role.arn()).role_session_name("long").duration_seconds(7200).send().await.unwrap_err();
        assert_eq!(code(&e), "ValidationError");
        let e = server.sts_with(user.clone()).assume_role().role_arn("arn:aws:iam::000000000000:role/Missing").role_session_name("xx").send().await.unwrap_err();
        assert_eq!(code(&e), "AccessDenied");

        // Deleting the role ends its sessions.
        iam.delete_role_policy().role_name("Admin").policy_name("pools").send().await?;
        iam.delete_role().role_name("Admin").send().await?;
        assert_eq!(code(&server.sts_with(session).get_caller_identity().send().await.unwrap_err()), "InvalidClientTokenId");
        Ok(())
    }

    async fn session_tokens_cannot_call_iam(server: TestServer) {
        let user = scoped_user(&server, "ops", &allow(&["iam:*", "sts:*"], "*")).await;
        let out = server.sts_with(user).get_session_token().duration_seconds(900).send().await?;
        let c = out.credentials().unwrap();
        let session = TestServer::credentials(c.access_key_id(), c.secret_access_key(), Some(c.session_token()));
        let me = server.sts_with(session.clone()).get_caller_identity().send().await?;
        assert_eq!(me.arn(), Some("arn:aws:iam::000000000000:user/ops"));
        assert_eq!(code(&server.iam_with(session).list_roles().send().await.unwrap_err()), "AccessDenied");
        let e = server.sts().get_session_token().duration_seconds(7200).send().await.unwrap_err();
        assert_eq!(code(&e), "ValidationError", "the root's sessions last at most an hour");
        Ok(())
    }

    async fn the_simulator_and_context_keys(server: TestServer) {
        let iam = server.iam();
        let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "cognito-idp:AdminGetUser", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}).to_string();
        let entry = |ip: &str| ContextEntry::builder().context_key_name("aws:SourceIp").context_key_type(ContextKeyTypeEnum::Ip).context_key_values(ip).build();
        let inside = iam.simulate_custom_policy().policy_input_list(&policy).action_names("cognito-idp:AdminGetUser").context_entries(entry("10.1.2.3")).send().await?;
        assert_eq!(inside.evaluation_results()[0].eval_decision(), &PolicyEvaluationDecisionType::Allowed);
        assert_eq!(inside.evaluation_results()[0].matched_statements()[0].source_policy_id(), Some("PolicyInputList.1"));
        let outside = iam.simulate_custom_policy().policy_input_list(&policy).action_names("cognito-idp:AdminGetUser").context_entries(entry("192.0.2.1")).send().await?;
        assert_eq!(outside.evaluation_results()[0].eval_decision(), &PolicyEvaluationDecisionType::ImplicitDeny);
        let missing = iam.simulate_custom_policy().policy_input_list(&policy).action_names("cognito-idp:AdminGetUser").send().await?;
        assert_eq!(missing.evaluation_results()[0].missing_context_values(), ["aws:SourceIp"]);
        let keys = iam.get_context_keys_for_custom_policy().policy_input_list(&policy).send().await?;
        assert_eq!(keys.context_key_names(), ["aws:SourceIp"]);

        iam.create_user().user_name("sim").send().await?;
        iam.attach_user_policy().user_name("sim").policy_arn(S3_READ_ONLY).send().await?;
        let arn = "arn:aws:iam::000000000000:user/sim";
        let out = iam.simulate_principal_policy().policy_source_arn(arn).action_names("s3:GetObject").action_names("s3:PutObject").send().await?;
        let decisions: Vec<_> = out.evaluation_results().iter().map(|r| r.eval_decision().clone()).collect();
        assert_eq!(decisions, [PolicyEvaluationDecisionType::Allowed, PolicyEvaluationDecisionType::ImplicitDeny]);
        assert_eq!(out.evaluation_results()[0].matched_statements()[0].source_policy_id(), Some(S3_READ_ONLY));
        let e = iam.simulate_principal_policy().policy_source_arn("arn:aws:iam::000000000000:user/nobody").action_names("s3:GetObject").send().await.unwrap_err();
        assert_eq!(code(&e), "NoSuchEntity");
        Ok(())
    }

    async fn web_identity_from_a_pool_token(server: TestServer) {
        let (pool, client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &client, "wendy", "wendy@example.com").await;
        let id_token = sign_in(&server, &client, "wendy", PASSWORD).await.id_token.unwrap();
        let iam = server.iam();
        let issuer = format!("{}/{pool}", server.base_url);
        let provider = iam.create_open_id_connect_provider().url(&issuer).client_id_list(&client).send().await?;
        let provider_arn = provider.open_id_connect_provider_arn().unwrap().to_string();
        let host_path = issuer.split_once("://").unwrap().1.to_string();
        assert_eq!(provider_arn, format!("arn:aws:iam::000000000000:oidc-provider/{host_path}"));
        let got = iam.get_open_id_connect_provider().open_id_connect_provider_arn(&provider_arn).send().await?;
        assert_eq!(got.client_id_list(), [client.as_str()]);
        assert_eq!(iam.list_open_id_connect_providers().send().await?.open_id_connect_provider_list().len(), 1);

        let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": provider_arn}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {format!("{host_path}:aud"): client}}}]}).to_string();
        let role = iam.create_role().role_name("Web").assume_role_policy_document(&trust).send().await?.role.unwrap();
        let sts = server.sts();
        let out = sts.assume_role_with_web_identity().role_arn(role.arn()).role_session_name("web").web_identity_token(&id_token).send().await?;
        assert!(out.credentials().unwrap().access_key_id().starts_with("ASIA"));
        assert_eq!(out.audience(), Some(client.as_str()));
        assert!(out.subject_from_web_identity_token().is_some());

        // A forged token, a token of an unregistered issuer, a trust policy for another audience.
        let mut forged = id_token.clone();
        forged.pop();
        forged.push(if id_token.ends_with('A') { 'B' } else { 'A' });
        let e = sts.assume_role_with_web_identity().role_arn(role.arn()).role_session_name("xx").web_identity_token(&forged).send().await.unwrap_err();
        assert_eq!(code(&e), "InvalidIdentityToken", "{e:?}");
        iam.update_assume_role_policy().role_name("Web").policy_document(trust.replace(&client, "another-client")).send().await?;
        let e = sts.assume_role_with_web_identity().role_arn(role.arn()).role_session_name("xx").web_identity_token(&id_token).send().await.unwrap_err();
        assert_eq!(code(&e), "AccessDenied");
        iam.delete_open_id_connect_provider().open_id_connect_provider_arn(&provider_arn).send().await?;
        let e = sts.assume_role_with_web_identity().role_arn(role.arn()).role_session_name("xx").web_identity_token(&id_token).send().await.unwrap_err();
        assert_eq!(code(&e), "InvalidIdentityToken");
        Ok(())
    }

    async fn group_policies_apply_to_members(server: TestServer) {
        let iam = server.iam();
        let creds = scoped_user(&server, "member", &allow(&["sts:GetCallerIdentity"], "*")).await;
        let idp = server.idp_with(creds);
        assert_eq!(code(&idp.list_user_pools().max_results(5).send().await.unwrap_err()), "AccessDeniedException");
        let group = iam.create_group().group_name("Readers").path("/team/").send().await?.group.unwrap();
        assert_eq!(group.arn(), "arn:aws:iam::000000000000:group/team/Readers");
        assert!(group.group_id().starts_with("AGPA"));
        iam.put_group_policy().group_name("Readers").policy_name("pools").policy_document(allow(&["cognito-idp:ListUserPools"], "*")).send().await?;
        iam.attach_group_policy().group_name("Readers").policy_arn("arn:aws:iam::aws:policy/AmazonCognitoReadOnly").send().await?;
        iam.add_user_to_group().group_name("Readers").user_name("member").send().await?;
        idp.list_user_pools().max_results(5).send().await?;
        let listed = iam.list_groups_for_user().user_name("member").send().await?;
        assert_eq!(listed.groups()[0].group_name(), "Readers");
        let got = iam.get_group().group_name("Readers").send().await?;
        assert_eq!(got.users()[0].user_name(), "member");
        assert_eq!(iam.list_group_policies().group_name("Readers").send().await?.policy_names(), ["pools"]);
        let e = iam.delete_group().group_name("Readers").send().await.unwrap_err();
        assert_eq!(code(&e), "DeleteConflict");
        let sim = iam.simulate_principal_policy().policy_source_arn("arn:aws:iam::000000000000:user/member").action_names("cognito-idp:ListUserPools").send().await?;
        assert_eq!(sim.evaluation_results()[0].eval_decision(), &PolicyEvaluationDecisionType::Allowed);

        iam.remove_user_from_group().group_name("Readers").user_name("member").send().await?;
        assert_eq!(code(&idp.list_user_pools().max_results(5).send().await.unwrap_err()), "AccessDeniedException");
        iam.detach_group_policy().group_name("Readers").policy_arn("arn:aws:iam::aws:policy/AmazonCognitoReadOnly").send().await?;
        iam.delete_group_policy().group_name("Readers").policy_name("pools").send().await?;
        iam.delete_group().group_name("Readers").send().await?;
        assert_eq!(code(&iam.get_group().group_name("Readers").send().await.unwrap_err()), "NoSuchEntity");
        Ok(())
    }
}
