//! The bytes on a member's connection to tower's listener. HTTP/1.1 as the real parties send
//! it: busybox wget's `GET` (a probe), gorilla/websocket's upgrade request (the agent,
//! protocol `kubesphere-v1`, TOWER `pkg/version/version.go`), Go net/http's answers. After
//! the upgrade, one line each way stands for the SSH handshake of the real agent: tower's
//! credential with its validity window, then the agent's name and token.

use crate::clock::{format_rfc3339, parse_rfc3339};
use crate::error::Reported;
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// The websocket sub-protocol tower accepts agents on.
pub const PROTOCOL: &str = "kubesphere-v1";

/// How long around the host's clock tower's credential is valid (see docs/sandbox.md: the
/// sandbox's stand-in for what a skewed clock breaks).
pub const CREDENTIAL_SKEW: Duration = Duration::from_secs(300);

/// The head of an HTTP message: its first line and its headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    pub start: String,
    headers: Vec<(String, String)>,
}

impl Head {
    /// A header's value (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The request target of a request line (`GET /health HTTP/1.1` → `/health`).
    pub fn target(&self) -> &str {
        self.start.split(' ').nth(1).unwrap_or_default()
    }

    /// The status code of a status line (`HTTP/1.1 404 Not Found` → 404).
    pub fn status(&self) -> Option<u16> {
        self.start.split(' ').nth(1)?.parse().ok()
    }
}

/// Reads a head up to its blank line; None when the peer closed first or sent too much.
pub async fn read_head(reader: &mut (impl AsyncBufRead + Unpin)) -> Option<Head> {
    let mut head = Head::default();
    for _ in 0..100 {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return (!head.start.is_empty()).then_some(head);
        }
        if head.start.is_empty() {
            head.start = line.to_string();
        } else if let Some((name, value)) = line.split_once(':') {
            head.headers
                .push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    None
}

/// tower's credential line, valid `CREDENTIAL_SKEW` either side of `host_now`.
pub fn credential(host_now: SystemTime) -> String {
    let not_before = host_now.checked_sub(CREDENTIAL_SKEW).unwrap_or(host_now);
    let not_after = host_now + CREDENTIAL_SKEW;
    format!(
        "certificate {} {}\n",
        format_rfc3339(not_before),
        format_rfc3339(not_after)
    )
}

/// Whether the credential holds at `now` (the agent's clock), in Go crypto/x509's words
/// when it does not (Go 1.19, as tower's agent is built: no `tls:` prefix yet).
pub fn verify_credential(line: &str, now: SystemTime) -> Result<(), Reported> {
    let mut words = line.trim_end().split(' ').skip(1);
    let (Some(not_before), Some(not_after)) = (words.next(), words.next()) else {
        return Err("x509: malformed certificate".into());
    };
    let (Some(from), Some(until)) = (parse_rfc3339(not_before), parse_rfc3339(not_after)) else {
        return Err("x509: malformed certificate".into());
    };
    let now_text = format_rfc3339(now);
    let invalid = "x509: certificate has expired or is not yet valid";
    if now < from {
        return Err(Reported(format!(
            "{invalid}: current time {now_text} is before {not_before}"
        )));
    }
    if now > until {
        return Err(Reported(format!(
            "{invalid}: current time {now_text} is after {not_after}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn heads_are_read_to_the_blank_line() {
        let mut bytes: &[u8] =
            b"GET /health HTTP/1.1\r\nHost: 1.2.3.4:8080\r\nUpgrade: websocket\r\n\r\nrest";
        let head = read_head(&mut bytes).await.unwrap();
        assert_eq!(head.target(), "/health");
        assert_eq!(head.header("upgrade"), Some("websocket"));
        assert_eq!(bytes, b"rest");
        let mut closed: &[u8] = b"GET / HTTP/1.1\r\n";
        assert_eq!(read_head(&mut closed).await, None);
    }

    #[test]
    fn credentials_hold_five_minutes_either_way() {
        let host = parse_rfc3339("2026-12-01T21:55:16Z").unwrap();
        let line = credential(host);
        assert_eq!(
            line,
            "certificate 2026-12-01T21:50:16Z 2026-12-01T22:00:16Z\n"
        );
        assert!(verify_credential(&line, host + Duration::from_secs(299)).is_ok());
        let behind = verify_credential(&line, host - Duration::from_secs(600)).unwrap_err();
        assert_eq!(behind.0, "x509: certificate has expired or is not yet valid: current time 2026-12-01T21:45:16Z is before 2026-12-01T21:50:16Z");
        let ahead = verify_credential(&line, host + Duration::from_secs(3600)).unwrap_err();
        assert_eq!(ahead.0, "x509: certificate has expired or is not yet valid: current time 2026-12-01T22:55:16Z is after 2026-12-01T22:00:16Z");
    }
}
