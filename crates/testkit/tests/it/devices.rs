//! Remembered devices with the official SDK: NEW_DEVICE_METADATA, `device_key` in the access
//! token, ConfirmDevice, Get/List/UpdateDeviceStatus/Forget and their Admin forms, and the
//! DEVICE_SRP_AUTH challenge for a remembered device (completed by amazon-cognito-identity-js in
//! the end-to-end tests).

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, DeviceConfigurationType, DeviceRememberedStatusType,
    DeviceSecretVerifierConfigType,
};
use base64::Engine as _;
use cognate_testkit::both_backends;

use crate::helpers::{PASSWORD, confirmed_user, pool_and_client, verify_jwt};

both_backends! {
    async fn devices(server: TestServer) {
        let idp = server.idp();
        let (pool, client) = pool_and_client(&server, false).await;
        idp.update_user_pool()
            .user_pool_id(&pool)
            .auto_verified_attributes(aws_sdk_cognitoidentityprovider::types::VerifiedAttributeType::Email)
            .device_configuration(
                DeviceConfigurationType::builder()
                    .challenge_required_on_new_device(false)
                    .device_only_remembered_on_user_prompt(false)
                    .build(),
            )
            .send()
            .await?;
        confirmed_user(&server, &client, "dee", "dee@example.com").await;
        let first = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "dee")
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await?
            .authentication_result
            .unwrap();
        let meta = first.new_device_metadata().expect("NEW_DEVICE_METADATA");
        let key = meta.device_key().unwrap().to_string();
        assert!(key.starts_with("us-east-1_"), "{key}");
        assert!(meta.device_group_key().unwrap().starts_with('-'));
        let access = first.access_token().unwrap().to_string();
        let claims = verify_jwt(&server, &pool, &access).await;
        assert_eq!(claims["device_key"], key.as_str());

        // Any value below N is a well-formed verifier.
        let b64 = base64::engine::general_purpose::STANDARD;
        let confirmed = idp
            .confirm_device()
            .access_token(&access)
            .device_key(&key)
            .device_name("laptop")
            .device_secret_verifier_config(
                DeviceSecretVerifierConfigType::builder()
                    .password_verifier(b64.encode([7u8; 384]))
                    .salt(b64.encode([9u8; 16]))
                    .build(),
            )
            .send()
            .await?;
        assert!(!confirmed.user_confirmation_necessary());
        let listed = idp.list_devices().access_token(&access).send().await?;
        assert_eq!(listed.devices().len(), 1);
        let device = idp.get_device().access_token(&access).device_key(&key).send().await?;
        let attrs = device.device().unwrap().device_attributes();
        assert!(attrs.iter().any(|a| a.name() == "device_name" && a.value() == Some("laptop")));
        assert!(attrs.iter().any(|a| a.name() == "dev:device_remembered_status" && a.value() == Some("remembered")));

        let challenge = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "dee")
            .auth_parameters("PASSWORD", PASSWORD)
            .auth_parameters("DEVICE_KEY", &key)
            .send()
            .await?;
        assert_eq!(challenge.challenge_name(), Some(&ChallengeNameType::DeviceSrpAuth));
        assert_eq!(challenge.challenge_parameters().unwrap().get("DEVICE_KEY"), Some(&key));

        idp.update_device_status()
            .access_token(&access)
            .device_key(&key)
            .device_remembered_status(DeviceRememberedStatusType::NotRemembered)
            .send()
            .await?;
        let plain = idp
            .initiate_auth()
            .client_id(&client)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", "dee")
            .auth_parameters("PASSWORD", PASSWORD)
            .auth_parameters("DEVICE_KEY", &key)
            .send()
            .await?;
        assert!(plain.authentication_result().is_some(), "a device that is not remembered is not challenged");

        let admin = idp.admin_list_devices().user_pool_id(&pool).username("dee").send().await?;
        assert_eq!(admin.devices().len(), 2, "every completed sign-in made a device");
        idp.admin_update_device_status()
            .user_pool_id(&pool)
            .username("dee")
            .device_key(&key)
            .device_remembered_status(DeviceRememberedStatusType::Remembered)
            .send()
            .await?;
        idp.admin_get_device().user_pool_id(&pool).username("dee").device_key(&key).send().await?;
        idp.admin_forget_device().user_pool_id(&pool).username("dee").device_key(&key).send().await?;
        let err = idp.get_device().access_token(&access).device_key(&key).send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_resource_not_found_exception(), "{err:?}");
        Ok(())
    }
}
