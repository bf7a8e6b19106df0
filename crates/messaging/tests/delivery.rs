//! End-to-end delivery through the test sinks: email over a real SMTP conversation, SMS as JSON over
//! HTTP, the development outbox, and the errors when nothing can take a message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use cognate_messaging::testing::{start_sms_sink, start_sms_sink_with_status, start_smtp_sink};
use cognate_messaging::{
    Channel, Message, MessagingConfig, Messenger, SendError, SmsConfig, SmtpConfig, SmtpTls, render,
};

const WAIT: Duration = Duration::from_secs(10);
const POOL: &str = "us-east-1_AbCdEf123";

fn smtp_config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".to_owned(),
        port,
        tls: SmtpTls::None,
        username: None,
        password: None,
        from: "Cognate <no-reply@example.com>".to_owned(),
        timeout: Duration::from_secs(10),
    }
}

fn sms_config(url: String, bearer_token: Option<&str>) -> SmsConfig {
    SmsConfig { url, bearer_token: bearer_token.map(str::to_owned), timeout: Duration::from_secs(10) }
}

fn email_only(port: u16, outbox_capacity: usize) -> Messenger {
    Messenger::new(MessagingConfig { smtp: Some(smtp_config(port)), sms: None, outbox_capacity }).unwrap()
}

#[tokio::test]
async fn email_is_delivered_over_smtp_with_defaults() {
    let sink = start_smtp_sink().await;
    let messenger = email_only(sink.port(), 0);
    let body = render("Your confirmation code is {####}", Some("123456"), None);

    messenger.send(Message::email("alice@example.com", body, POOL, "signup")).await.unwrap();

    let mails = sink.wait_for(1, WAIT).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.from, "no-reply@example.com");
    assert_eq!(mail.to, ["alice@example.com"]);
    assert_eq!(mail.auth, None);
    assert_eq!(mail.subject().as_deref(), Some("Your verification code"));
    assert!(mail.header("From").unwrap().contains("<no-reply@example.com>"), "{}", mail.data);
    assert_eq!(mail.header("To").as_deref(), Some("alice@example.com"));
    assert!(mail.header("Message-ID").is_some() && mail.header("Date").is_some(), "{}", mail.data);
    assert!(mail.header("Content-Type").unwrap().starts_with("text/plain"), "{}", mail.data);
    assert!(mail.data.contains("123456"), "{}", mail.data);
    assert_eq!(mail.body().trim_end(), "Your confirmation code is 123456");
    assert!(!messenger.outbox_enabled());
    assert!(messenger.outbox().is_empty());
}

#[tokio::test]
async fn email_uses_the_from_override_subject_and_html() {
    let sink = start_smtp_sink().await;
    let messenger = email_only(sink.port(), 0);
    let body = render("<p>Hello {username}, your temporary password is <b>{####}</b></p>", Some("Tmp#9x"), Some("bob"));
    let msg = Message::email("bob@example.org", body, POOL, "invitation")
        .with_from("My Pool <pool@example.org>")
        .with_subject("Your temporary password");

    messenger.send(msg).await.unwrap();

    let mails = sink.wait_for(1, WAIT).await;
    let mail = &mails[0];
    assert_eq!(mail.from, "pool@example.org");
    assert_eq!(mail.to, ["bob@example.org"]);
    assert!(mail.header("From").unwrap().contains("<pool@example.org>"));
    assert_eq!(mail.subject().as_deref(), Some("Your temporary password"));
    assert!(mail.header("Content-Type").unwrap().starts_with("text/html"), "{}", mail.data);
    assert!(mail.body().contains("Hello bob, your temporary password is <b>Tmp#9x</b>"), "{}", mail.data);
}

#[tokio::test]
async fn email_authenticates_and_carries_non_ascii_bodies() {
    let sink = start_smtp_sink().await;
    let config = SmtpConfig {
        username: Some("smtp-user".to_owned()),
        password: Some("s3cret-pass".to_owned()),
        ..smtp_config(sink.port())
    };
    let messenger = Messenger::new(MessagingConfig { smtp: Some(config), ..MessagingConfig::default() }).unwrap();

    messenger
        .send(Message::email("zoë@example.com", "Código: 654321 — ¡hola!", POOL, "forgot_password"))
        .await
        .unwrap();
    messenger.send(Message::email("carol@example.com", "second 111222", POOL, "verify:email")).await.unwrap();

    let mails = sink.wait_for(2, WAIT).await;
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[0].auth, Some(("smtp-user".to_owned(), "s3cret-pass".to_owned())));
    assert_eq!(mails[0].to, ["zoë@example.com"]);
    assert_eq!(mails[0].body().trim_end(), "Código: 654321 — ¡hola!");
    assert_eq!(mails[1].to, ["carol@example.com"]);
    assert!(mails[1].body().contains("111222"));
}

#[tokio::test]
async fn email_to_an_unreachable_relay_is_a_delivery_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let messenger = email_only(port, 4);

    let err = messenger.send(Message::email("dave@example.com", "code 999000", POOL, "signup")).await.unwrap_err();

    let SendError::Delivery(message) = err else { panic!("expected a delivery error, got {err:?}") };
    assert!(!message.contains("999000"));
    let outbox = messenger.outbox();
    assert_eq!(outbox.len(), 1);
    assert!(!outbox[0].delivered);
}

#[tokio::test]
async fn invalid_addresses_are_delivery_errors() {
    let sink = start_smtp_sink().await;
    let messenger = email_only(sink.port(), 0);
    let err = messenger.send(Message::email("not an address", "x", POOL, "signup")).await.unwrap_err();
    assert!(matches!(err, SendError::Delivery(_)), "{err:?}");

    let bad_from =
        MessagingConfig { smtp: Some(SmtpConfig { from: "nope".to_owned(), ..smtp_config(25) }), ..Default::default() };
    assert!(matches!(Messenger::new(bad_from), Err(SendError::Delivery(_))));

    let bad_url =
        MessagingConfig { sms: Some(sms_config("ftp://example.com/".to_owned(), None)), ..Default::default() };
    assert!(matches!(Messenger::new(bad_url), Err(SendError::Delivery(_))));
}

#[tokio::test]
async fn sms_is_posted_as_json_with_the_bearer_token() {
    let sink = start_sms_sink().await;
    let messenger = Messenger::new(MessagingConfig {
        sms: Some(sms_config(sink.url(), Some("gateway-token"))),
        ..MessagingConfig::default()
    })
    .unwrap();

    messenger.send(Message::sms("+15555550100", "Your code is 424242", POOL, "signup")).await.unwrap();

    let received = sink.wait_for(1, WAIT).await;
    assert_eq!(received.len(), 1);
    let sms = &received[0];
    assert_eq!(sms.method, "POST");
    assert_eq!(sms.path, "/sms");
    assert_eq!(sms.authorization.as_deref(), Some("Bearer gateway-token"));
    assert!(sms.content_type.as_deref().unwrap().starts_with("application/json"));
    assert_eq!(
        sms.body,
        serde_json::json!({"to": "+15555550100", "body": "Your code is 424242", "poolId": POOL, "purpose": "signup"})
    );
    assert_eq!(sms.field("body"), Some("Your code is 424242"));
}

#[tokio::test]
async fn sms_without_token_sends_no_authorization() {
    let sink = start_sms_sink().await;
    let messenger =
        Messenger::new(MessagingConfig { sms: Some(sms_config(sink.url(), None)), ..MessagingConfig::default() })
            .unwrap();
    messenger.send(Message::sms("+15555550101", "1", POOL, "verify:phone_number")).await.unwrap();
    let received = sink.wait_for(1, WAIT).await;
    assert_eq!(received[0].authorization, None);
    assert_eq!(received[0].field("purpose"), Some("verify:phone_number"));
}

#[tokio::test]
async fn sms_gateway_errors_are_delivery_errors_and_kept_undelivered() {
    let sink = start_sms_sink_with_status(503).await;
    let messenger = Messenger::new(MessagingConfig {
        sms: Some(sms_config(sink.url(), Some("gateway-token"))),
        smtp: None,
        outbox_capacity: 8,
    })
    .unwrap();

    let err = messenger.send(Message::sms("+15555550100", "code 777888", POOL, "signup")).await.unwrap_err();

    let SendError::Delivery(message) = &err else { panic!("expected a delivery error, got {err:?}") };
    assert!(!message.contains("gateway-token") && !message.contains("777888"));
    assert_eq!(sink.messages().len(), 1);
    let outbox = messenger.outbox();
    assert_eq!(outbox.len(), 1);
    assert!(!outbox[0].delivered);
}

#[tokio::test]
async fn outbox_is_bounded_and_ordered_and_stands_in_for_missing_transports() {
    let messenger = Messenger::new(MessagingConfig { outbox_capacity: 3, ..MessagingConfig::default() }).unwrap();
    assert!(messenger.outbox_enabled());
    assert!(messenger.can_send(Channel::Email) && messenger.can_send(Channel::Sms));
    assert!(!messenger.has_transport(Channel::Email));

    for i in 0..5 {
        let msg = if i % 2 == 0 {
            Message::email(format!("user{i}@example.com"), format!("code {i}"), POOL, "signup")
        } else {
            Message::sms(format!("+1555555010{i}"), format!("code {i}"), POOL, "signup")
        };
        messenger.send(msg).await.unwrap();
    }

    let outbox = messenger.outbox();
    assert_eq!(outbox.iter().map(|e| e.message.body.as_str()).collect::<Vec<_>>(), ["code 2", "code 3", "code 4"]);
    assert_eq!(
        outbox.iter().map(|e| e.message.channel).collect::<Vec<_>>(),
        [Channel::Email, Channel::Sms, Channel::Email]
    );
    assert!(outbox.iter().all(|e| !e.delivered && e.message.pool_id == POOL));
    assert!(outbox.windows(2).all(|w| w[0].sent_at_ms <= w[1].sent_at_ms));

    // Clones share the outbox.
    let clone = messenger.clone();
    clone.send(Message::sms("+15555550109", "code 5", POOL, "signup")).await.unwrap();
    assert_eq!(messenger.outbox().last().unwrap().message.body, "code 5");

    let json = serde_json::to_value(&messenger.outbox()[0]).unwrap();
    assert_eq!(json["channel"], "sms");
    assert_eq!(json["poolId"], POOL);
    assert_eq!(json["delivered"], false);
    assert!(json["sentAtMs"].is_i64());
}

#[tokio::test]
async fn outbox_marks_messages_a_transport_took_as_delivered() {
    let sink = start_smtp_sink().await;
    let messenger = email_only(sink.port(), 10);

    messenger.send(Message::email("erin@example.com", "code 135790", POOL, "signup")).await.unwrap();
    messenger.send(Message::sms("+15555550100", "code 246801", POOL, "signup")).await.unwrap();

    assert_eq!(sink.wait_for(1, WAIT).await.len(), 1);
    let outbox = messenger.outbox();
    assert_eq!(outbox.len(), 2);
    assert!(outbox[0].delivered, "the SMTP sink took the email");
    assert!(!outbox[1].delivered, "no SMS gateway: outbox only");
}

#[tokio::test]
async fn nothing_configured_is_not_configured() {
    let messenger = Messenger::new(MessagingConfig::default()).unwrap();
    assert!(!messenger.outbox_enabled());
    assert!(!messenger.can_send(Channel::Email));
    assert_eq!(
        messenger.send(Message::email("a@example.com", "x", POOL, "signup")).await,
        Err(SendError::NotConfigured(Channel::Email))
    );
    assert_eq!(
        messenger.send(Message::sms("+15555550100", "x", POOL, "signup")).await,
        Err(SendError::NotConfigured(Channel::Sms))
    );
    assert!(messenger.outbox().is_empty());

    let disabled = Messenger::disabled();
    assert_eq!(
        disabled.send(Message::sms("+15555550100", "x", POOL, "signup")).await,
        Err(SendError::NotConfigured(Channel::Sms))
    );

    // An SMS gateway does not make email deliverable.
    let sms_only = Messenger::new(MessagingConfig {
        sms: Some(sms_config("http://127.0.0.1:9/".to_owned(), None)),
        ..MessagingConfig::default()
    })
    .unwrap();
    assert_eq!(
        sms_only.send(Message::email("a@example.com", "x", POOL, "signup")).await,
        Err(SendError::NotConfigured(Channel::Email))
    );
}

#[test]
fn debug_output_hides_secrets() {
    let smtp = SmtpConfig { password: Some("s3cret-pass".to_owned()), ..smtp_config(25) };
    let sms = sms_config("https://user:url-secret@sms.example.com/send?key=k3y".to_owned(), Some("gateway-token"));
    let config = MessagingConfig { smtp: Some(smtp), sms: Some(sms), outbox_capacity: 1 };
    let printed = format!("{config:?}");
    for secret in ["s3cret-pass", "gateway-token", "url-secret", "k3y"] {
        assert!(!printed.contains(secret), "{secret} in {printed}");
    }
    let messenger = Messenger::new(config).unwrap();
    assert_eq!(format!("{messenger:?}"), "Messenger { smtp: true, sms: true, outbox: true }");
}

#[tokio::test]
async fn tls_modes_build_and_required_starttls_is_enforced() {
    let sink = start_smtp_sink().await;
    for tls in [SmtpTls::StartTls, SmtpTls::Tls] {
        let config = SmtpConfig { tls, timeout: Duration::from_secs(5), ..smtp_config(sink.port()) };
        let messenger = Messenger::new(MessagingConfig { smtp: Some(config), ..MessagingConfig::default() }).unwrap();
        // The sink offers no STARTTLS and speaks no TLS, so neither mode may fall back to plain text.
        let err = messenger.send(Message::email("a@example.com", "code 1", POOL, "signup")).await.unwrap_err();
        assert!(matches!(err, SendError::Delivery(_)), "{tls:?}: {err:?}");
    }
    assert!(sink.messages().is_empty());
}
