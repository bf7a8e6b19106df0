//! Email over SMTP: builds the `lettre` transport once from `SmtpConfig` (plain, STARTTLS or implicit
//! TLS; credentials when given) and turns a `Message` into a MIME email.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message as Email};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::config::{SmtpConfig, SmtpTls};
use crate::error::SendError;
use crate::message::{DEFAULT_SUBJECT, Message};

pub(crate) struct SmtpTransport {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpTransport {
    pub(crate) fn new(config: &SmtpConfig) -> Result<SmtpTransport, SendError> {
        let from: Mailbox = config.from.parse().map_err(|err| {
            tracing::warn!(code = "COGNATE-MSG0001", from = %config.from, error = %err, "invalid SMTP from address");
            SendError::Delivery("the configured SMTP From address is invalid".to_owned())
        })?;
        let tls = match config.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTls => Tls::Required(tls_parameters(&config.host)?),
            SmtpTls::Tls => Tls::Wrapper(tls_parameters(&config.host)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.as_str())
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        if let Some(username) = &config.username {
            builder =
                builder.credentials(Credentials::new(username.clone(), config.password.clone().unwrap_or_default()));
        }
        Ok(SmtpTransport { transport: builder.build(), from })
    }

    pub(crate) async fn send(&self, msg: &Message) -> Result<(), SendError> {
        let email = self.build(msg)?;
        match self.transport.send(email).await {
            Ok(_) => Ok(()),
            Err(err) => {
                tracing::warn!(
                    code = "COGNATE-MSG0002",
                    to = %msg.to,
                    purpose = %msg.purpose,
                    pool_id = %msg.pool_id,
                    error = %err,
                    "SMTP delivery failed"
                );
                Err(SendError::Delivery("the email could not be delivered".to_owned()))
            }
        }
    }

    fn build(&self, msg: &Message) -> Result<Email, SendError> {
        let from = match &msg.from {
            Some(from) => from.parse::<Mailbox>().map_err(|err| {
                tracing::warn!(code = "COGNATE-MSG0003", from = %from, error = %err, "invalid email From address");
                SendError::Delivery("the email From address is invalid".to_owned())
            })?,
            None => self.from.clone(),
        };
        let to = msg.to.parse::<Mailbox>().map_err(|err| {
            tracing::warn!(code = "COGNATE-MSG0004", to = %msg.to, error = %err, "invalid email recipient address");
            SendError::Delivery("the email recipient address is invalid".to_owned())
        })?;
        let content_type = if looks_like_html(&msg.body) { ContentType::TEXT_HTML } else { ContentType::TEXT_PLAIN };
        Email::builder()
            .from(from)
            .to(to)
            .subject(msg.subject.as_deref().unwrap_or(DEFAULT_SUBJECT))
            .header(content_type)
            // Not every relay adds one, and spam filters frown on its absence.
            .message_id(None)
            .body(msg.body.clone())
            .map_err(|err| {
                tracing::warn!(code = "COGNATE-MSG0005", to = %msg.to, error = %err, "could not build the email");
                SendError::Delivery("the email could not be built".to_owned())
            })
    }
}

fn tls_parameters(host: &str) -> Result<TlsParameters, SendError> {
    TlsParameters::new(host.to_owned()).map_err(|err| {
        tracing::warn!(code = "COGNATE-MSG0006", host, error = %err, "could not set up TLS for SMTP");
        SendError::Delivery("TLS for the SMTP relay could not be set up".to_owned())
    })
}

/// Whether a body should go out as `text/html`: it contains something tag-like, a `<` directly followed
/// by a letter, `/` or `!` with a `>` somewhere after it. Cognito's templates are either plain text or
/// HTML, so this does not need to be cleverer.
pub(crate) fn looks_like_html(body: &str) -> bool {
    body.char_indices().any(|(i, c)| {
        c == '<'
            && body[i + 1..].chars().next().is_some_and(|next| next.is_ascii_alphabetic() || next == '/' || next == '!')
            && body[i + 1..].contains('>')
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::looks_like_html;

    #[test]
    fn detects_html_bodies() {
        assert!(looks_like_html("<p>Your code is 123456</p>"));
        assert!(looks_like_html("Code: <b>123456</b>"));
        assert!(looks_like_html("<!DOCTYPE html><html></html>"));
        assert!(!looks_like_html("Your code is 123456"));
        assert!(!looks_like_html("1 < 2 and 3 > 2"));
        assert!(!looks_like_html("<b unterminated"));
    }
}
