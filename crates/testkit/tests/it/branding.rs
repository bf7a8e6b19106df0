//! Hosted UI branding through the official SDK: the classic UI customization (CSS limited to the
//! customizable classes, a logo, per client or for the pool) and managed login branding styles,
//! and the pages showing them.

use aws_sdk_cognitoidentityprovider::primitives::Blob;
use aws_sdk_cognitoidentityprovider::types::{AssetCategoryType, AssetExtensionType, AssetType, ColorSchemeModeType};
use aws_smithy_types::Document;
use cognate_testkit::both_backends;

use crate::helpers::code;
use crate::hosted_ui::{Browser, authorize_url, hosted_pool, web_client};

/// The smallest PNG there is (1×1, transparent).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

async fn login_page(b: &mut Browser, base: &str, client: &str) -> String {
    let to_login = b.get(&authorize_url(base, client, &[])).await;
    b.get(to_login.location.as_deref().unwrap()).await.body
}

both_backends! {
    async fn ui_customization_for_the_pool_and_a_client(server: TestServer) {
        let idp = server.idp();
        let (pool, base, client) = hosted_pool(&server, false).await;
        let (second, _) = web_client(&server, &pool, "second", false, false).await;
        let css = ".submitButton-customizable { background-color: #ff9900; }";
        let set = idp.set_ui_customization().user_pool_id(&pool).css(css).image_file(Blob::new(PNG)).send().await?;
        let ui = set.ui_customization().unwrap();
        assert_eq!(ui.client_id(), Some("ALL"));
        assert_eq!(ui.css(), Some(css));
        let url = ui.image_url().unwrap().to_string();
        let logo = server.http().get(&url).send().await?;
        assert_eq!(logo.headers()["content-type"], "image/png");
        assert_eq!(logo.bytes().await?.as_ref(), PNG);
        // A client without its own customization gets the pool's; with one, its own.
        let got = idp.get_ui_customization().user_pool_id(&pool).client_id(&client).send().await?;
        assert_eq!(got.ui_customization().unwrap().css(), Some(css));
        let own = ".label-customizable { color: #123456; }";
        idp.set_ui_customization().user_pool_id(&pool).client_id(&second).css(own).send().await?;
        let got = idp.get_ui_customization().user_pool_id(&pool).client_id(&second).send().await?;
        assert_eq!(got.ui_customization().unwrap().css(), Some(own));
        assert_eq!(got.ui_customization().unwrap().client_id(), Some(second.as_str()));
        // The pages show it.
        let mut b = Browser::new();
        let page = login_page(&mut b, &base, &client).await;
        assert!(page.contains("#ff9900"), "the pool's CSS on the first client's page");
        assert!(page.contains("class=\"logo-customizable\""), "the logo");
        let page = login_page(&mut b, &base, &second).await;
        assert!(page.contains("#123456") && !page.contains("#ff9900"), "the second client's own CSS");
        // CSS outside the customizable classes, or that loads anything, is refused.
        for bad in ["body { color: red }", ".label-customizable { background: url(https://x.example/a.png) }",
                    ".label-customizable { color: red } </style><script>alert(1)</script>"] {
            let e = idp.set_ui_customization().user_pool_id(&pool).css(bad).send().await.unwrap_err();
            assert_eq!(code(&e.into_service_error()), "InvalidParameterException", "{bad}");
        }
        let e = idp.set_ui_customization().user_pool_id(&pool).image_file(Blob::new(b"GIF89a".to_vec())).send().await.unwrap_err();
        assert_eq!(code(&e.into_service_error()), "InvalidParameterException");
        let e = idp.get_ui_customization().user_pool_id(&pool).client_id("nosuchclient").send().await.unwrap_err();
        assert_eq!(code(&e.into_service_error()), "ResourceNotFoundException");
        // Without a domain there is nothing to customize.
        let bare = crate::helpers::new_pool(&server, "bare").await;
        let e = idp.set_ui_customization().user_pool_id(&bare).css(css).send().await.unwrap_err();
        assert_eq!(code(&e.into_service_error()), "InvalidParameterException");
        Ok(())
    }

    async fn managed_login_branding_styles(server: TestServer) {
        let idp = server.idp();
        let (pool, _, client) = hosted_pool(&server, false).await;
        // A managed-login domain for the pages to use version 2.
        let v2 = format!("v2-{}", pool.rsplit('_').next().unwrap().to_lowercase().replace('a', "x"));
        let settings = Document::Object(
            [("components".to_string(), Document::Object([
                ("pageBackground".to_string(), Document::Object([("lightMode".to_string(), Document::Object(
                    [("color".to_string(), Document::String("0a1b2cff".into()))].into()))].into())),
            ].into()))].into(),
        );
        let asset = AssetType::builder().category(AssetCategoryType::FormLogo).color_mode(ColorSchemeModeType::Light)
            .extension(AssetExtensionType::Png).bytes(Blob::new(PNG)).build()?;
        let created = idp.create_managed_login_branding().user_pool_id(&pool).client_id(&client)
            .settings(settings.clone()).assets(asset).send().await?;
        let style = created.managed_login_branding().unwrap();
        let id = style.managed_login_branding_id().unwrap().to_string();
        assert!(!style.use_cognito_provided_values());
        assert!(style.assets()[0].resource_id().is_some());
        let e = idp.create_managed_login_branding().user_pool_id(&pool).client_id(&client)
            .use_cognito_provided_values(true).send().await.unwrap_err();
        assert_eq!(code(&e.into_service_error()), "ManagedLoginBrandingExistsException");
        let (other, _) = web_client(&server, &pool, "other", false, false).await;
        let e = idp.create_managed_login_branding().user_pool_id(&pool).client_id(&other)
            .use_cognito_provided_values(true).settings(settings.clone()).send().await.unwrap_err();
        assert_eq!(code(&e.into_service_error()), "InvalidParameterException", "defaults and settings together");
        let by_client = idp.describe_managed_login_branding_by_client().user_pool_id(&pool).client_id(&client).send().await?;
        assert_eq!(by_client.managed_login_branding().unwrap().managed_login_branding_id(), Some(id.as_str()));
        assert_eq!(by_client.managed_login_branding().unwrap().settings(), Some(&settings));
        let described = idp.describe_managed_login_branding().user_pool_id(&pool).managed_login_branding_id(&id).send().await?;
        assert_eq!(described.managed_login_branding().unwrap().assets().len(), 1);

        // The managed-login pages show the style.
        idp.create_user_pool_domain().user_pool_id(&pool).domain(&v2).managed_login_version(2).send().await
            .map(|_| ()).or_else(|e| {
                // The pool has a prefix domain already: switch it to managed login instead.
                assert_eq!(code(&e.into_service_error()), "InvalidParameterException");
                Ok::<(), anyhow::Error>(())
            })?;
        let prefix = idp.describe_user_pool().user_pool_id(&pool).send().await?.user_pool.unwrap().domain.unwrap();
        idp.update_user_pool_domain().user_pool_id(&pool).domain(&prefix).managed_login_version(2).send().await?;
        let mut b = Browser::new();
        let page = login_page(&mut b, &format!("{}/domains/{prefix}", server.base_url), &client).await;
        assert!(page.contains("#0a1b2cff"), "the page background colour");
        assert!(page.contains("class=\"logo-customizable\""), "the form logo");

        let updated = idp.update_managed_login_branding().user_pool_id(&pool).managed_login_branding_id(&id)
            .use_cognito_provided_values(true).send().await?;
        assert!(updated.managed_login_branding().unwrap().use_cognito_provided_values());
        assert!(updated.managed_login_branding().unwrap().settings().is_none());
        idp.delete_managed_login_branding().user_pool_id(&pool).managed_login_branding_id(&id).send().await?;
        let e = idp.describe_managed_login_branding().user_pool_id(&pool).managed_login_branding_id(&id).send().await.unwrap_err();
        assert_eq!(code(&e.into_service_error()), "ResourceNotFoundException");
        let e = idp.delete_managed_login_branding().user_pool_id(&pool).managed_login_branding_id(&id).send().await.unwrap_err();
        assert_eq!(code(&e.into_service_error()), "ResourceNotFoundException");
        Ok(())
    }
}
