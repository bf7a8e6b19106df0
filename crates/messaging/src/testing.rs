//! Test sinks that stand in for real infrastructure (behind the `testing` feature): an SMTP server
//! that speaks just enough SMTP for `lettre` and records what it receives, and an HTTP SMS gateway that
//! records the JSON posted to it. Both listen on `127.0.0.1:0`; other crates' tests reuse them.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// How often `wait_for` looks at what has arrived.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

/// One email as the SMTP sink received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The raw message (headers and body, CRLF line endings, dot-unstuffed).
    pub data: String,
    /// The `(username, password)` the client authenticated with, if it did.
    pub auth: Option<(String, String)>,
}

impl ReceivedMail {
    /// The first header called `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let (headers, _) = split_message(&self.data);
        let mut found: Option<String> = None;
        for line in headers.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                if let Some(value) = found.as_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                continue;
            }
            if found.is_some() {
                break;
            }
            if let Some((key, value)) = line.split_once(':')
                && key.trim().eq_ignore_ascii_case(name)
            {
                found = Some(value.trim().to_owned());
            }
        }
        found
    }

    pub fn subject(&self) -> Option<String> {
        self.header("Subject")
    }

    /// The body with its `Content-Transfer-Encoding` (base64, quoted-printable, 7bit/8bit) undone.
    pub fn body(&self) -> String {
        let (_, body) = split_message(&self.data);
        let encoding = self.header("Content-Transfer-Encoding").unwrap_or_default().to_ascii_lowercase();
        match encoding.as_str() {
            "base64" => {
                let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
                BASE64.decode(compact).map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default()
            }
            "quoted-printable" => decode_quoted_printable(body),
            _ => body.to_owned(),
        }
    }
}

fn split_message(data: &str) -> (&str, &str) {
    data.split_once("\r\n\r\n").unwrap_or((data, ""))
}

fn decode_quoted_printable(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte != b'=' {
            out.push(byte);
            i += 1;
            continue;
        }
        let rest = &bytes[i + 1..];
        if rest.starts_with(b"\r\n") {
            i += 3;
        } else if rest.starts_with(b"\n") {
            i += 2;
        } else if let Some(decoded) = rest.get(..2).and_then(hex_byte) {
            out.push(decoded);
            i += 3;
        } else {
            out.push(b'=');
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let digit = |b: u8| char::from(b).to_digit(16);
    match pair {
        [high, low] => u8::try_from(digit(*high)? * 16 + digit(*low)?).ok(),
        _ => None,
    }
}

/// Polls `count` until it reaches `n` or `timeout` passes.
async fn wait_until(n: usize, timeout: Duration, count: impl Fn() -> usize) {
    let deadline = tokio::time::Instant::now() + timeout;
    while count() < n && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running SMTP sink; it stops when the test's runtime does.
#[derive(Clone, Debug)]
pub struct SmtpSink {
    addr: SocketAddr,
    messages: Arc<Mutex<Vec<ReceivedMail>>>,
}

/// Starts an SMTP sink on `127.0.0.1:0`. Test support: panics if no local port can be bound (see
/// [`try_start_smtp_sink`]).
#[allow(clippy::expect_used)]
pub async fn start_smtp_sink() -> SmtpSink {
    try_start_smtp_sink().await.expect("bind the SMTP sink on 127.0.0.1:0")
}

/// Starts an SMTP sink on `127.0.0.1:0`.
pub async fn try_start_smtp_sink() -> std::io::Result<SmtpSink> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let sink = SmtpSink { addr: listener.local_addr()?, messages: Arc::default() };
    let messages = Arc::clone(&sink.messages);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let messages = Arc::clone(&messages);
            tokio::spawn(async move {
                if let Err(err) = smtp_session(stream, &messages).await {
                    tracing::debug!(error = %err, "SMTP sink session ended with an error");
                }
            });
        }
    });
    Ok(sink)
}

impl SmtpSink {
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Everything received so far, in arrival order.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        lock(&self.messages).clone()
    }

    /// Waits until at least `n` messages arrived or `timeout` passed, then returns what arrived.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        wait_until(n, timeout, || lock(&self.messages).len()).await;
        self.messages()
    }
}

/// One SMTP conversation: greeting, EHLO/HELO, optional AUTH PLAIN/LOGIN, any number of transactions,
/// QUIT. No STARTTLS.
async fn smtp_session(stream: TcpStream, messages: &Mutex<Vec<ReceivedMail>>) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    writer.write_all(b"220 cognate-smtp-sink ESMTP ready\r\n").await?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut auth = None;
    loop {
        let Some(line) = read_line(&mut reader).await? else { return Ok(()) };
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-cognate-smtp-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 AUTH PLAIN LOGIN\r\n"
        } else if upper.starts_with("HELO") {
            b"250 cognate-smtp-sink\r\n"
        } else if upper.starts_with("AUTH PLAIN") {
            let initial = line.get("AUTH PLAIN".len()..).unwrap_or_default().trim().to_owned();
            let response = if initial.is_empty() {
                writer.write_all(b"334 \r\n").await?;
                read_line(&mut reader).await?.unwrap_or_default()
            } else {
                initial
            };
            let decoded = decode_base64(&response);
            let mut parts = decoded.split('\0').skip(1);
            auth = Some((parts.next().unwrap_or_default().to_owned(), parts.next().unwrap_or_default().to_owned()));
            b"235 2.7.0 Authentication successful\r\n"
        } else if upper.starts_with("AUTH LOGIN") {
            let initial = line.get("AUTH LOGIN".len()..).unwrap_or_default().trim().to_owned();
            let username = if initial.is_empty() {
                writer.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                read_line(&mut reader).await?.unwrap_or_default()
            } else {
                initial
            };
            writer.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
            let password = read_line(&mut reader).await?.unwrap_or_default();
            auth = Some((decode_base64(&username), decode_base64(&password)));
            b"235 2.7.0 Authentication successful\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = angle_address(&line["MAIL FROM:".len()..]);
            to.clear();
            b"250 2.1.0 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(angle_address(&line["RCPT TO:".len()..]));
            b"250 2.1.5 OK\r\n"
        } else if upper == "DATA" {
            writer.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
            let mut data = String::new();
            loop {
                let Some(line) = read_line(&mut reader).await? else { return Ok(()) };
                if line == "." {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
                data.push_str("\r\n");
            }
            lock(messages).push(ReceivedMail {
                from: std::mem::take(&mut from),
                to: std::mem::take(&mut to),
                data,
                auth: auth.clone(),
            });
            b"250 2.0.0 OK: queued\r\n"
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            b"250 2.0.0 OK\r\n"
        } else if upper.starts_with("NOOP") {
            b"250 2.0.0 OK\r\n"
        } else if upper == "QUIT" {
            writer.write_all(b"221 2.0.0 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 5.5.2 Command not recognized\r\n"
        };
        writer.write_all(reply).await?;
    }
}

/// Reads one line without its line ending; `None` at end of stream.
async fn read_line(reader: &mut (impl AsyncBufReadExt + Unpin)) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    if reader.read_until(b'\n', &mut buf).await? == 0 {
        return Ok(None);
    }
    while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

fn decode_base64(text: &str) -> String {
    BASE64.decode(text.trim()).map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).unwrap_or_default()
}

/// `<addr> SIZE=…` → `addr`.
fn angle_address(rest: &str) -> String {
    let rest = rest.trim();
    match (rest.find('<'), rest.find('>')) {
        (Some(start), Some(end)) if start < end => rest[start + 1..end].to_owned(),
        _ => rest.split_whitespace().next().unwrap_or_default().to_owned(),
    }
}

/// One request as the SMS sink received it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedSms {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    /// The JSON body (`Null` if it was not JSON).
    pub body: serde_json::Value,
}

impl ReceivedSms {
    /// A string member of the JSON body (`to`, `body`, `poolId`, `purpose`).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(serde_json::Value::as_str)
    }
}

/// A running HTTP SMS gateway stand-in; it stops when the test's runtime does.
#[derive(Clone, Debug)]
pub struct SmsSink {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<ReceivedSms>>>,
}

#[derive(Clone)]
struct SmsSinkState {
    status: StatusCode,
    received: Arc<Mutex<Vec<ReceivedSms>>>,
}

/// Starts an SMS sink on `127.0.0.1:0` that answers every request with 200. Test support: panics if no
/// local port can be bound.
pub async fn start_sms_sink() -> SmsSink {
    start_sms_sink_with_status(200).await
}

/// Starts an SMS sink that answers every request with `status` (e.g. 500 to test failures). Test support:
/// panics if no local port can be bound or `status` is not a status code.
#[allow(clippy::expect_used)]
pub async fn start_sms_sink_with_status(status: u16) -> SmsSink {
    let status = StatusCode::from_u16(status).expect("an HTTP status code");
    try_start_sms_sink(status).await.expect("bind the SMS sink on 127.0.0.1:0")
}

/// Starts an SMS sink answering `status`.
pub async fn try_start_sms_sink(status: StatusCode) -> std::io::Result<SmsSink> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let sink = SmsSink { addr: listener.local_addr()?, received: Arc::default() };
    let state = SmsSinkState { status, received: Arc::clone(&sink.received) };
    let app = Router::new().fallback(record_sms).with_state(state);
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::debug!(error = %err, "SMS sink stopped");
        }
    });
    Ok(sink)
}

async fn record_sms(
    State(state): State<SmsSinkState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header_value = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    lock(&state.received).push(ReceivedSms {
        method: method.to_string(),
        path: uri.path().to_owned(),
        authorization: header_value(header::AUTHORIZATION),
        content_type: header_value(header::CONTENT_TYPE),
        body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
    });
    state.status
}

impl SmsSink {
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The URL to configure as `SmsConfig::url`.
    pub fn url(&self) -> String {
        format!("http://{}/sms", self.addr)
    }

    /// Everything received so far, in arrival order.
    pub fn messages(&self) -> Vec<ReceivedSms> {
        lock(&self.received).clone()
    }

    /// Waits until at least `n` requests arrived or `timeout` passed, then returns what arrived.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedSms> {
        wait_until(n, timeout, || lock(&self.received).len()).await;
        self.messages()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::{angle_address, decode_quoted_printable};

    #[test]
    fn decodes_quoted_printable() {
        assert_eq!(decode_quoted_printable("caf=C3=A9 =3D ok=\r\n!"), "café = ok!");
        assert_eq!(decode_quoted_printable("bad =ZZ end="), "bad =ZZ end=");
    }

    #[test]
    fn extracts_envelope_addresses() {
        assert_eq!(angle_address(" <a@example.com> SIZE=100"), "a@example.com");
        assert_eq!(angle_address("b@example.com"), "b@example.com");
    }
}
