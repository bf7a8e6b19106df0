//! SMS through an HTTP gateway: one JSON `POST` per message (the body is documented in the crate docs),
//! with an optional bearer token. Any non-2xx answer is a delivery failure.

use serde::Serialize;

use crate::config::SmsConfig;
use crate::error::SendError;
use crate::message::Message;

/// The most of a gateway's error response that is logged.
const LOGGED_RESPONSE_CHARS: usize = 200;

pub(crate) struct SmsTransport {
    client: reqwest::Client,
    url: reqwest::Url,
    bearer_token: Option<String>,
}

/// The JSON the gateway receives; the field names are the contract.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SmsRequest<'a> {
    to: &'a str,
    body: &'a str,
    pool_id: &'a str,
    purpose: &'a str,
}

impl SmsTransport {
    pub(crate) fn new(config: &SmsConfig) -> Result<SmsTransport, SendError> {
        // The URL is not logged: gateways sometimes take credentials in it.
        let url = reqwest::Url::parse(&config.url).map_err(|err| {
            tracing::warn!(code = "COGNATE-MSG0101", error = %err, "invalid SMS gateway URL");
            SendError::Delivery("the SMS gateway URL is invalid".to_owned())
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            tracing::warn!(code = "COGNATE-MSG0101", scheme = url.scheme(), "SMS gateway URL is not http(s)");
            return Err(SendError::Delivery("the SMS gateway URL must be http or https".to_owned()));
        }
        let client = reqwest::Client::builder().timeout(config.timeout).build().map_err(|err| {
            tracing::warn!(code = "COGNATE-MSG0102", error = %err.without_url(), "could not build the SMS HTTP client");
            SendError::Delivery("the SMS HTTP client could not be built".to_owned())
        })?;
        Ok(SmsTransport { client, url, bearer_token: config.bearer_token.clone() })
    }

    pub(crate) async fn send(&self, msg: &Message) -> Result<(), SendError> {
        let payload = SmsRequest { to: &msg.to, body: &msg.body, pool_id: &msg.pool_id, purpose: &msg.purpose };
        let mut request = self.client.post(self.url.clone()).json(&payload);
        if let Some(token) = &self.bearer_token {
            request = request.bearer_auth(token);
        }
        let failed = |detail: &dyn std::fmt::Display| {
            tracing::warn!(
                code = "COGNATE-MSG0103",
                gateway = self.url.host_str().unwrap_or_default(),
                to = %msg.to,
                purpose = %msg.purpose,
                pool_id = %msg.pool_id,
                error = %detail,
                "SMS delivery failed"
            );
            SendError::Delivery("the SMS could not be delivered".to_owned())
        };
        let response = request.send().await.map_err(|err| failed(&err.without_url()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        let snippet: String = text.chars().take(LOGGED_RESPONSE_CHARS).collect();
        Err(failed(&format_args!("gateway answered {status}: {snippet}")))
    }
}
