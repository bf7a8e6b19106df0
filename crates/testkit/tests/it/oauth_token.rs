//! `POST /oauth2/token` with the client_credentials grant, from a plain HTTP client: tokens with
//! custom scopes verified against the JWKS, client authentication by Basic and in the body, and
//! RFC 6749's errors for every way of getting it wrong.

use aws_sdk_cognitoidentityprovider::types::{OAuthFlowType, ResourceServerScopeType};
use base64::Engine as _;
use cognate_testkit::{TestServer, both_backends};

use crate::helpers::{code, new_pool, verify_jwt};

const API: &str = "https://api.example.com";

/// A pool with a resource server (`read`, `write`), a machine client allowed both, and a client
/// with a secret but without the client_credentials flow.
async fn m2m(server: &TestServer) -> (String, String, String, (String, String)) {
    let idp = server.idp();
    let pool = new_pool(server, "m2m").await;
    let scope = |n: &str| ResourceServerScopeType::builder().scope_name(n).scope_description(n).build().unwrap();
    idp.create_resource_server()
        .user_pool_id(&pool)
        .identifier(API)
        .name("API")
        .scopes(scope("read"))
        .scopes(scope("write"))
        .send()
        .await
        .unwrap();
    let client = idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("service")
        .generate_secret(true)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_flows(OAuthFlowType::ClientCredentials)
        .allowed_o_auth_scopes(format!("{API}/read"))
        .allowed_o_auth_scopes(format!("{API}/write"))
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let no_flow = idp
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("plain")
        .generate_secret(true)
        .send()
        .await
        .unwrap()
        .user_pool_client
        .unwrap();
    let no_flow = (no_flow.client_id().unwrap().to_string(), no_flow.client_secret().unwrap().to_string());
    (pool, client.client_id().unwrap().to_string(), client.client_secret().unwrap().to_string(), no_flow)
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}")))
}

/// POSTs a form to the token endpoint: (status, body, headers).
async fn post(
    server: &TestServer,
    auth: Option<&str>,
    form: &[(&str, &str)],
) -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
    let mut req = server.http().post(format!("{}/oauth2/token", server.base_url)).form(form);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.unwrap();
    let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
    (status, resp.json().await.unwrap_or_default(), headers)
}

both_backends! {
    async fn client_credentials_tokens(server: TestServer) {
        let (pool, id, secret, _) = m2m(&server).await;
        let (status, body, headers) =
            post(&server, Some(&basic(&id, &secret)), &[("grant_type", "client_credentials")]).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3600);
        assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none(), "{body}");
        assert_eq!(headers["cache-control"], "no-store");
        let claims = verify_jwt(&server, &pool, body["access_token"].as_str().unwrap()).await;
        assert_eq!(claims["sub"], id.as_str());
        assert_eq!(claims["client_id"], id.as_str());
        assert_eq!(claims["token_use"], "access");
        assert_eq!(claims["version"], 2);
        assert_eq!(claims["scope"], format!("{API}/read {API}/write"), "all the client's scopes");
        assert!(claims["iss"].as_str().unwrap().ends_with(&format!("/{pool}")));

        // In the body, with one scope asked for.
        let read = format!("{API}/read");
        let (status, body, _) = post(
            &server,
            None,
            &[("grant_type", "client_credentials"), ("client_id", &id), ("client_secret", &secret), ("scope", &read)],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let claims = verify_jwt(&server, &pool, body["access_token"].as_str().unwrap()).await;
        assert_eq!(claims["scope"], read.as_str());

        // A machine token is no user's: self-service operations refuse it.
        let err = server.idp().get_user().access_token(body["access_token"].as_str().unwrap()).send().await.unwrap_err();
        assert_eq!(code(&err), "NotAuthorizedException");
        Ok(())
    }

    async fn token_endpoint_errors(server: TestServer) {
        let (_, id, secret, no_flow) = m2m(&server).await;
        let cc = ("grant_type", "client_credentials");
        let expect = |(status, body, _): (u16, serde_json::Value, reqwest::header::HeaderMap), s: u16, error: &str, what: &str| {
            assert_eq!((status, body["error"].as_str().unwrap_or_default()), (s, error), "{what}: {body}");
            assert!(body.get("__type").is_none(), "{what}: never the AWS shape");
        };
        let wrong = post(&server, Some(&basic(&id, "not-the-secret")), &[cc]).await;
        assert_eq!(wrong.2["www-authenticate"], "Basic realm=\"cognate\"");
        expect(wrong, 401, "invalid_client", "wrong secret");
        expect(post(&server, Some(&basic("nosuchclient", &secret)), &[cc]).await, 401, "invalid_client", "unknown client");
        expect(post(&server, Some("Basic !!!"), &[cc]).await, 401, "invalid_client", "garbled Basic");
        expect(post(&server, None, &[cc, ("client_id", &id)]).await, 401, "invalid_client", "no secret");
        expect(post(&server, Some(&basic(&no_flow.0, &secret)), &[cc]).await, 401, "invalid_client", "another client's secret");
        expect(
            post(&server, Some(&basic(&no_flow.0, &no_flow.1)), &[cc]).await,
            400,
            "unauthorized_client",
            "a client without the flow",
        );
        let openid = ("scope", "openid");
        expect(post(&server, Some(&basic(&id, &secret)), &[cc, openid]).await, 400, "invalid_scope", "a user scope");
        let other = format!("{API}/admin");
        expect(post(&server, Some(&basic(&id, &secret)), &[cc, ("scope", &other)]).await, 400, "invalid_scope", "unknown scope");
        expect(post(&server, Some(&basic(&id, &secret)), &[]).await, 400, "invalid_request", "no grant_type");
        expect(post(&server, Some(&basic(&id, &secret)), &[("grant_type", "password")]).await, 400, "unsupported_grant_type", "password grant");
        expect(
            post(&server, Some(&basic(&id, &secret)), &[("grant_type", "authorization_code"), ("code", "x")]).await,
            400,
            "unauthorized_client",
            "a machine client without the code flow",
        );
        expect(post(&server, Some(&basic(&id, &secret)), &[cc, ("client_secret", &secret)]).await, 400, "invalid_request", "two ways");
        expect(post(&server, Some(&basic(&id, &secret)), &[cc, cc]).await, 400, "invalid_request", "a repeated parameter");
        let resp = server
            .http()
            .post(format!("{}/oauth2/token", server.base_url))
            .header("authorization", basic(&id, &secret))
            .json(&serde_json::json!({"grant_type": "client_credentials"}))
            .send()
            .await?;
        assert_eq!(resp.status().as_u16(), 400, "JSON is not a form");
        Ok(())
    }
}

both_backends! {
    /// The refresh_token grant: new ID and access tokens for a sign-in, from a public client by
    /// its ID; a token that is garbage, another client's or signed out is `invalid_grant`.
    async fn refresh_token_grant(server: TestServer) {
        use crate::helpers::{PASSWORD, confirmed_user, pool_and_client, sign_in};
        let (pool, client) = pool_and_client(&server, false).await;
        confirmed_user(&server, &client, "ada", "ada@example.com").await;
        let tokens = sign_in(&server, &client, "ada", PASSWORD).await;
        let refresh = tokens.refresh_token().unwrap().to_string();
        let grant = [("grant_type", "refresh_token"), ("client_id", client.as_str()), ("refresh_token", refresh.as_str())];
        let (status, body, headers) = post(&server, None, &grant).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(headers["cache-control"], "no-store");
        assert!(body.get("refresh_token").is_none(), "no rotation: the refresh token stays");
        let id = verify_jwt(&server, &pool, body["id_token"].as_str().unwrap()).await;
        assert_eq!(id["cognito:username"], "ada");
        let access = body["access_token"].as_str().unwrap();
        assert_eq!(verify_jwt(&server, &pool, access).await["token_use"], "access");
        assert_eq!(server.idp().get_user().access_token(access).send().await?.username(), "ada");

        let expect = |(status, body, _): (u16, serde_json::Value, reqwest::header::HeaderMap), s: u16, error: &str, what: &str| {
            assert_eq!((status, body["error"].as_str().unwrap_or_default()), (s, error), "{what}: {body}");
        };
        let garbage = [("grant_type", "refresh_token"), ("client_id", client.as_str()), ("refresh_token", "not-a-token")];
        expect(post(&server, None, &garbage).await, 400, "invalid_grant", "garbage");
        let (_, other_client) = pool_and_client(&server, false).await;
        let foreign = [("grant_type", "refresh_token"), ("client_id", other_client.as_str()), ("refresh_token", refresh.as_str())];
        expect(post(&server, None, &foreign).await, 400, "invalid_grant", "another client's token");
        let missing = [("grant_type", "refresh_token"), ("client_id", client.as_str())];
        expect(post(&server, None, &missing).await, 400, "invalid_request", "no refresh_token");
        let unknown = [("grant_type", "refresh_token"), ("client_id", "nosuchclient"), ("refresh_token", refresh.as_str())];
        expect(post(&server, None, &unknown).await, 401, "invalid_client", "unknown client");
        server.idp().global_sign_out().access_token(tokens.access_token().unwrap()).send().await?;
        expect(post(&server, None, &grant).await, 400, "invalid_grant", "signed out");
        Ok(())
    }
}

both_backends! {
    /// A domain's token endpoint serves its pool's clients only: under the path that names a
    /// prefix domain, and on a custom domain's Host. Discovery lists the domain's endpoints.
    async fn domains_serve_their_pools_clients(server: TestServer) {
        let (pool, id, secret, _) = m2m(&server).await;
        let (_, other_id, other_secret, _) = m2m(&server).await;
        let idp = server.idp();
        idp.create_user_pool_domain().user_pool_id(&pool).domain("m2m-app").send().await?;
        let cc = [("grant_type", "client_credentials")];
        let at = |path: &str| format!("{}{path}", server.base_url);
        let post_to = |url: String, host: Option<&'static str>, auth: String| {
            let mut req = server.http().post(url).header("authorization", auth).form(&cc);
            if let Some(h) = host {
                req = req.header("host", h);
            }
            req.send()
        };
        let resp = post_to(at("/domains/m2m-app/oauth2/token"), None, basic(&id, &secret)).await?;
        assert_eq!(resp.status().as_u16(), 200);
        let body: serde_json::Value = resp.json().await?;
        assert_eq!(verify_jwt(&server, &pool, body["access_token"].as_str().unwrap()).await["client_id"], id.as_str());
        let resp = post_to(at("/domains/m2m-app/oauth2/token"), None, basic(&other_id, &other_secret)).await?;
        assert_eq!(resp.status().as_u16(), 401, "another pool's client at this domain");
        let resp = post_to(at("/domains/nobody/oauth2/token"), None, basic(&id, &secret)).await?;
        assert_eq!(resp.status().as_u16(), 404);

        let discovery_url = format!("{}/{pool}/.well-known/openid-configuration", server.base_url);
        let http = server.http();
        let discovery = || async { http.get(&discovery_url).send().await.unwrap().json::<serde_json::Value>().await.unwrap() };
        let config = discovery().await;
        assert_eq!(config["token_endpoint"], at("/domains/m2m-app/oauth2/token"));
        assert_eq!(config["issuer"], at(&format!("/{pool}")), "the issuer stays the pool's");

        idp.create_user_pool_domain()
            .user_pool_id(&pool)
            .domain("auth.example.com")
            .custom_domain_config(
                aws_sdk_cognitoidentityprovider::types::CustomDomainConfigType::builder()
                    .certificate_arn("arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000001")
                    .build()
                    .unwrap(),
            )
            .send()
            .await?;
        assert_eq!(discovery().await["token_endpoint"], "https://auth.example.com/oauth2/token");
        let resp = post_to(at("/oauth2/token"), Some("auth.example.com"), basic(&id, &secret)).await?;
        assert_eq!(resp.status().as_u16(), 200, "the custom domain's own client");
        let resp = post_to(at("/oauth2/token"), Some("auth.example.com"), basic(&other_id, &other_secret)).await?;
        assert_eq!(resp.status().as_u16(), 401, "another pool's client on the custom domain");
        let resp = post_to(at("/oauth2/token"), None, basic(&other_id, &other_secret)).await?;
        assert_eq!(resp.status().as_u16(), 200, "on the main listener every pool's client");
        Ok(())
    }
}
