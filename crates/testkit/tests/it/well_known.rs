//! Per-pool OIDC discovery and JWKS, health, and the OAuth endpoints that are not built yet.

use base64::Engine as _;
use cognate_testkit::both_backends;

use crate::helpers::new_pool;

both_backends! {
    async fn discovery_and_jwks(server: TestServer) {
        let pool = new_pool(&server, "oidc").await;
        let http = server.http();
        let issuer = format!("{}/{pool}", server.base_url);
        let conf: serde_json::Value =
            http.get(format!("{issuer}/.well-known/openid-configuration")).send().await?.json().await?;
        assert_eq!(conf["issuer"], issuer.as_str());
        assert_eq!(conf["jwks_uri"], format!("{issuer}/.well-known/jwks.json").as_str());
        for key in ["authorization_endpoint", "token_endpoint", "userinfo_endpoint", "end_session_endpoint", "revocation_endpoint"] {
            assert!(conf[key].as_str().is_some_and(|u| u.starts_with(&server.base_url)), "{key}: {conf}");
        }
        assert_eq!(conf["id_token_signing_alg_values_supported"], serde_json::json!(["RS256"]));

        let resp = http.get(format!("{issuer}/.well-known/jwks.json")).send().await?;
        assert_eq!(resp.status().as_u16(), 200);
        let jwks: serde_json::Value = resp.json().await?;
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1);
        let key = &keys[0];
        assert_eq!((key["kty"].as_str(), key["alg"].as_str(), key["use"].as_str()), (Some("RSA"), Some("RS256"), Some("sig")));
        assert_eq!(key["e"], "AQAB");
        let n = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap())?;
        assert_eq!(n.len(), 256, "an RSA-2048 modulus");
        assert!(!key["kid"].as_str().unwrap().is_empty());

        let other = new_pool(&server, "oidc-2").await;
        let other_jwks: serde_json::Value =
            http.get(format!("{}/{other}/.well-known/jwks.json", server.base_url)).send().await?.json().await?;
        assert_ne!(other_jwks["keys"][0]["kid"], key["kid"], "each pool has its own key");

        let missing = http.get(format!("{}/us-east-1_missing00/.well-known/jwks.json", server.base_url)).send().await?;
        assert_eq!(missing.status().as_u16(), 404);
        let missing = http
            .get(format!("{}/us-east-1_missing00/.well-known/openid-configuration", server.base_url))
            .send()
            .await?;
        assert_eq!(missing.status().as_u16(), 404);
        Ok(())
    }

    async fn health_and_unbuilt_oauth_endpoints(server: TestServer) {
        let http = server.http();
        let health: serde_json::Value = http.get(format!("{}/health", server.base_url)).send().await?.json().await?;
        assert_eq!(health["status"], "ok");
        let resp = http.get(format!("{}/oauth2/idpresponse", server.base_url)).send().await?;
        assert_eq!(resp.status().as_u16(), 501);
        let body: serde_json::Value = resp.json().await?;
        assert!(body["error"].is_string() && body.get("__type").is_none());
        Ok(())
    }
}
