//! MFA with the official SDK: TOTP association and verification, SOFTWARE_TOKEN_MFA (a code is
//! accepted once), MFA_SETUP when the pool requires MFA, SMS_MFA through the SMS outbox, and
//! SELECT_MFA_TYPE.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    ChallengeNameType, SmsConfigurationType, SmsMfaConfigType, SmsMfaSettingsType, SoftwareTokenMfaConfigType,
    SoftwareTokenMfaSettingsType, UserPoolMfaType, VerifySoftwareTokenResponseType,
};
use cognate_testkit::both_backends;

use crate::helpers::{PASSWORD, confirmed_user, password_step, pool_and_client, sign_in, totp_code};

both_backends! {
    async fn totp_mfa(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;
        idp.set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .mfa_configuration(UserPoolMfaType::Optional)
            .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .send()
            .await?;
        confirmed_user(&server, &client, "tia", "tia@example.com").await;
        let tokens = sign_in(&server, &client, "tia", PASSWORD).await;
        let access = tokens.access_token().unwrap();

        let secret = idp.associate_software_token().access_token(access).send().await?.secret_code.unwrap();
        assert!(secret.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)), "base32: {secret}");
        assert_eq!(data_encoding::BASE32_NOPAD.decode(secret.as_bytes())?.len(), 20);
        let err = idp.verify_software_token().access_token(access).user_code("000000").send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_code_mismatch_exception() || totp_code(&secret, 0) == "000000", "{err:?}");
        let ok = idp.verify_software_token().access_token(access).user_code(totp_code(&secret, 0)).send().await?;
        assert_eq!(ok.status(), Some(&VerifySoftwareTokenResponseType::Success));
        idp.set_user_mfa_preference()
            .access_token(access)
            .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
            .send()
            .await?;
        let me = idp.get_user().access_token(access).send().await?;
        assert_eq!(me.user_mfa_setting_list(), &["SOFTWARE_TOKEN_MFA".to_string()]);
        assert_eq!(me.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));

        let challenge = password_step(&server, &client, "tia").await;
        assert_eq!(challenge.challenge_name(), Some(&ChallengeNameType::SoftwareTokenMfa));
        assert!(challenge.authentication_result().is_none());
        let session = challenge.session().unwrap().to_string();
        let answer = |c: String| {
            idp.respond_to_auth_challenge()
                .client_id(&client)
                .challenge_name(ChallengeNameType::SoftwareTokenMfa)
                .session(&session)
                .challenge_responses("USERNAME", "tia")
                .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", c)
                .send()
        };
        let wrong = if totp_code(&secret, 1) == "123456" { "654321" } else { "123456" };
        let err = answer(wrong.to_string()).await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_code_mismatch_exception(), "{err:?}");
        let done = answer(totp_code(&secret, 1)).await?;
        assert!(done.authentication_result().unwrap().access_token().is_some());
        let err = answer(totp_code(&secret, 1)).await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_expired_code_exception(), "a TOTP code works once: {err:?}");
        assert_eq!(err.as_service_error().unwrap().meta().message(), Some("Your software token has already been used once."));

        // Guessing locks the factor: after five wrong codes in a row (the reused one above counts)
        // even the right one is refused for a while.
        let challenge = password_step(&server, &client, "tia").await;
        let guess = |c: String| {
            idp.respond_to_auth_challenge()
                .client_id(&client)
                .challenge_name(ChallengeNameType::SoftwareTokenMfa)
                .session(challenge.session().unwrap())
                .challenge_responses("USERNAME", "tia")
                .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", c)
                .send()
        };
        let valid: Vec<String> = (-1..=1).map(|o| totp_code(&secret, o)).collect();
        let wrong: Vec<String> = (0..100).map(|i| format!("{:06}", 100_000 + i)).filter(|c| !valid.contains(c)).take(4).collect();
        for c in wrong {
            let err = guess(c).await.unwrap_err();
            assert!(err.as_service_error().unwrap().is_code_mismatch_exception(), "{err:?}");
        }
        let err = guess(totp_code(&secret, 0)).await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_not_authorized_exception(), "locked out: {err:?}");
        Ok(())
    }

    async fn mfa_setup_when_required(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &client, "uma", "uma@example.com").await;
        idp.set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .mfa_configuration(UserPoolMfaType::On)
            .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .send()
            .await?;
        let challenge = password_step(&server, &client, "uma").await;
        assert_eq!(challenge.challenge_name(), Some(&ChallengeNameType::MfaSetup));
        assert!(challenge.authentication_result().is_none(), "no tokens without the second factor");
        let session = challenge.session().unwrap();
        let associated = idp.associate_software_token().session(session).send().await?;
        let secret = associated.secret_code().unwrap().to_string();
        let verified = idp
            .verify_software_token()
            .session(associated.session().unwrap())
            .user_code(totp_code(&secret, 0))
            .send()
            .await?;
        let done = idp
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::MfaSetup)
            .session(verified.session().unwrap())
            .challenge_responses("USERNAME", "uma")
            .send()
            .await?;
        assert!(done.authentication_result().unwrap().id_token().is_some());
        let again = password_step(&server, &client, "uma").await;
        assert_eq!(again.challenge_name(), Some(&ChallengeNameType::SoftwareTokenMfa));
        Ok(())
    }

    async fn sms_mfa_and_choice(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;
        idp.set_user_pool_mfa_config()
            .user_pool_id(&pool)
            .mfa_configuration(UserPoolMfaType::Optional)
            .sms_mfa_configuration(
                SmsMfaConfigType::builder()
                    .sms_configuration(SmsConfigurationType::builder().sns_caller_arn("arn:aws:iam::000000000000:role/sms").build())
                    .build(),
            )
            .software_token_mfa_configuration(SoftwareTokenMfaConfigType::builder().enabled(true).build())
            .send()
            .await?;
        confirmed_user(&server, &client, "val", "val@example.com").await;
        idp.admin_update_user_attributes()
            .user_pool_id(&pool)
            .username("val")
            .user_attributes(aws_sdk_cognitoidentityprovider::types::AttributeType::builder().name("phone_number").value("+15555550100").build()?)
            .send()
            .await?;
        idp.admin_set_user_mfa_preference()
            .user_pool_id(&pool)
            .username("val")
            .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).build())
            .send()
            .await?;
        let challenge = password_step(&server, &client, "val").await;
        assert_eq!(challenge.challenge_name(), Some(&ChallengeNameType::SmsMfa));
        let params = challenge.challenge_parameters().unwrap();
        assert_eq!(params.get("CODE_DELIVERY_DELIVERY_MEDIUM").map(String::as_str), Some("SMS"));
        let sms = server.last_code("+15555550100").await?;
        let done = idp
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::SmsMfa)
            .session(challenge.session().unwrap())
            .challenge_responses("USERNAME", "val")
            .challenge_responses("SMS_MFA_CODE", sms)
            .send()
            .await?;
        let access = done.authentication_result().unwrap().access_token().unwrap().to_string();

        // With TOTP too and no preference, the user chooses.
        let secret = idp.associate_software_token().access_token(&access).send().await?.secret_code.unwrap();
        idp.verify_software_token().access_token(&access).user_code(totp_code(&secret, 0)).send().await?;
        let choose = password_step(&server, &client, "val").await;
        assert_eq!(choose.challenge_name(), Some(&ChallengeNameType::SelectMfaType));
        let can = choose.challenge_parameters().unwrap().get("MFAS_CAN_CHOOSE").unwrap();
        assert!(can.contains("SMS_MFA") && can.contains("SOFTWARE_TOKEN_MFA"), "{can}");
        let chosen = idp
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::SelectMfaType)
            .session(choose.session().unwrap())
            .challenge_responses("USERNAME", "val")
            .challenge_responses("ANSWER", "SOFTWARE_TOKEN_MFA")
            .send()
            .await?;
        assert_eq!(chosen.challenge_name(), Some(&ChallengeNameType::SoftwareTokenMfa));
        let err = idp
            .set_user_mfa_preference()
            .access_token(&access)
            .sms_mfa_settings(SmsMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
            .software_token_mfa_settings(SoftwareTokenMfaSettingsType::builder().enabled(true).preferred_mfa(true).build())
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("InvalidParameterException"));
        Ok(())
    }
}
