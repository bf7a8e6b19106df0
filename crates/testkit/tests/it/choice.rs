//! Choice-based sign-in (USER_AUTH) with the official SDK: SELECT_CHALLENGE with the available
//! challenges, EMAIL_OTP as a first factor, PASSWORD with and without the password up front, and
//! GetUserAuthFactors.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFactorType, AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType, SignInPolicyType, UserPoolPolicyType,
    VerifiedAttributeType,
};
use cognate_testkit::both_backends;

use crate::helpers::{PASSWORD, confirmed_user};

both_backends! {
    async fn user_auth(server: TestServer) {
        let idp = server.idp();
        let pool = idp
            .create_user_pool()
            .pool_name("choice")
            .auto_verified_attributes(VerifiedAttributeType::Email)
            .policies(
                UserPoolPolicyType::builder()
                    .sign_in_policy(
                        SignInPolicyType::builder()
                            .allowed_first_auth_factors(AuthFactorType::Password)
                            .allowed_first_auth_factors(AuthFactorType::EmailOtp)
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await?
            .user_pool
            .unwrap()
            .id
            .unwrap();
        let client = idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("passwordless")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
            .send()
            .await?
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        confirmed_user(&server, &client, "zoe", "zoe@example.com").await;

        let start = idp.initiate_auth().client_id(&client).auth_flow(AuthFlowType::UserAuth).auth_parameters("USERNAME", "zoe").send().await?;
        assert_eq!(start.challenge_name(), Some(&ChallengeNameType::SelectChallenge));
        let available: Vec<&str> = start.available_challenges().iter().map(|c| c.as_str()).collect();
        assert_eq!(available, vec!["PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"]);
        let otp = idp
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::SelectChallenge)
            .session(start.session().unwrap())
            .challenge_responses("USERNAME", "zoe")
            .challenge_responses("ANSWER", "EMAIL_OTP")
            .send()
            .await?;
        assert_eq!(otp.challenge_name(), Some(&ChallengeNameType::EmailOtp));
        let code = server.last_code("zoe@example.com").await?;
        let err = idp
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::EmailOtp)
            .session(otp.session().unwrap())
            .challenge_responses("USERNAME", "zoe")
            .challenge_responses("EMAIL_OTP_CODE", if code == "111111" { "222222" } else { "111111" })
            .send()
            .await
            .unwrap_err();
        assert!(err.as_service_error().unwrap().is_code_mismatch_exception(), "{err:?}");
        let done = idp
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::EmailOtp)
            .session(otp.session().unwrap())
            .challenge_responses("USERNAME", "zoe")
            .challenge_responses("EMAIL_OTP_CODE", code)
            .send()
            .await?;
        let access = done.authentication_result().unwrap().access_token().unwrap().to_string();

        let direct = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "zoe")
            .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await?;
        assert!(direct.authentication_result().is_some());
        let ask = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", "zoe")
            .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD")
            .send()
            .await?;
        assert_eq!(ask.challenge_name(), Some(&ChallengeNameType::Password));
        let err = idp
            .respond_to_auth_challenge()
            .client_id(&client)
            .challenge_name(ChallengeNameType::Password)
            .session(ask.session().unwrap())
            .challenge_responses("USERNAME", "zoe")
            .challenge_responses("PASSWORD", "Wrong-pass1")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.message(), Some("Incorrect username or password."));

        let factors = idp.get_user_auth_factors().access_token(&access).send().await?;
        let configured: Vec<&str> = factors.configured_user_auth_factors().iter().map(|f| f.as_str()).collect();
        assert_eq!(configured, vec!["PASSWORD", "EMAIL_OTP"]);

        let other = idp
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("classic")
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .send()
            .await?
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        let err = idp.initiate_auth().client_id(&other).auth_flow(AuthFlowType::UserAuth).auth_parameters("USERNAME", "zoe").send().await.unwrap_err();
        assert_eq!(err.code(), Some("InvalidParameterException"));
        Ok(())
    }
}
