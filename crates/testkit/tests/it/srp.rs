//! USER_SRP_AUTH with the official SDK and the client's half of SRP (`SrpClient`): a correct proof
//! signs in, and a wrong proof, a stale TIMESTAMP, a reused SECRET_BLOCK and a foreign
//! SECRET_BLOCK are refused with NotAuthorizedException.

use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType, ExplicitAuthFlowsType};
use base64::Engine as _;
use cognate_domain::srp::{SrpClient, format_timestamp};
use cognate_testkit::{TestServer, both_backends};

use crate::helpers::{PASSWORD, confirmed_user, pool_and_client};

struct Exchange {
    params: std::collections::HashMap<String, String>,
    client: SrpClient,
}

async fn begin(server: &TestServer, client_id: &str, username: &str) -> Exchange {
    let srp = SrpClient::random();
    let out = server
        .idp()
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("SRP_A", srp.a_hex())
        .send()
        .await
        .unwrap();
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::PasswordVerifier));
    Exchange { params: out.challenge_parameters().unwrap().clone(), client: srp }
}

async fn answer(
    server: &TestServer,
    client_id: &str,
    pool: &str,
    x: &Exchange,
    password: &str,
    timestamp: &str,
) -> Result<
    (),
    aws_sdk_cognitoidentityprovider::error::SdkError<
        aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeError,
    >,
> {
    let p = &x.params;
    let block = base64::engine::general_purpose::STANDARD.decode(&p["SECRET_BLOCK"]).unwrap();
    let name = pool.split_once('_').unwrap().1;
    let signature = x.client.sign(&p["SALT"], &p["SRP_B"], name, &p["USER_ID_FOR_SRP"], password, &block, timestamp);
    server
        .idp()
        .respond_to_auth_challenge()
        .client_id(client_id)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .challenge_responses("USERNAME", &p["USERNAME"])
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", &p["SECRET_BLOCK"])
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", signature)
        .challenge_responses("TIMESTAMP", timestamp)
        .send()
        .await
        .map(|out| assert!(out.authentication_result().unwrap().access_token().is_some()))
}

both_backends! {
    async fn user_srp_auth(server: TestServer) {
        let (pool, client) = pool_and_client(&server, false).await;
        server
            .idp()
            .update_user_pool_client()
            .user_pool_id(&pool)
            .client_id(&client)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
            .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
            .send()
            .await?;
        confirmed_user(&server, &client, "sid", "sid@example.com").await;
        let now = || format_timestamp(time::OffsetDateTime::now_utc());

        let x = begin(&server, &client, "sid").await;
        assert_eq!(x.params["USERNAME"], "sid");
        assert_eq!(x.params["USER_ID_FOR_SRP"], "sid");
        answer(&server, &client, &pool, &x, PASSWORD, &now()).await.expect("a correct proof signs in");
        let err = answer(&server, &client, &pool, &x, PASSWORD, &now()).await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_not_authorized_exception(), "a SECRET_BLOCK works once: {err:?}");

        let x = begin(&server, &client, "sid").await;
        let err = answer(&server, &client, &pool, &x, "Wrong-pass1", &now()).await.unwrap_err();
        assert_eq!(err.message(), Some("Incorrect username or password."));

        let x = begin(&server, &client, "sid").await;
        let stale = format_timestamp(time::OffsetDateTime::now_utc() - time::Duration::minutes(10));
        let err = answer(&server, &client, &pool, &x, PASSWORD, &stale).await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_not_authorized_exception());
        assert!(err.message().unwrap().contains("TIMESTAMP"), "{err:?}");

        // A SECRET_BLOCK from another client of the pool is refused.
        let other = server
            .idp()
            .create_user_pool_client()
            .user_pool_id(&pool)
            .client_name("other")
            .send()
            .await?
            .user_pool_client
            .unwrap()
            .client_id
            .unwrap();
        let x = begin(&server, &other, "sid").await;
        let err = answer(&server, &client, &pool, &x, PASSWORD, &now()).await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_not_authorized_exception());

        let err = server
            .idp()
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserSrpAuth)
            .auth_parameters("USERNAME", "sid")
            .auth_parameters("SRP_A", "0")
            .send()
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some("InvalidParameterException"), "A = 0 is refused");
        Ok(())
    }
}
