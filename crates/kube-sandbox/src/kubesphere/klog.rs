//! Log lines as the tower agent writes them: klog's header (`W1125 16:52:46.123456       1
//! agent.go:166] …`), and the `2006/01/02 15:04:05` prefix of Go's `log` package, both at the
//! member's clock.

use std::time::SystemTime;
use time::OffsetDateTime;

/// One klog line; `level` is 'I', 'W' or 'E'; `source` the Go file and line it follows.
pub fn line(level: char, source: &str, message: &str, at: SystemTime) -> String {
    let at = OffsetDateTime::from(at);
    format!(
        "{level}{:02}{:02} {:02}:{:02}:{:02}.{:06}       1 {source}] {message}\n",
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

/// One line of Go's standard logger (`log.Println`, `log.Fatalln`).
pub fn std_line(message: &str, at: SystemTime) -> String {
    let at = OffsetDateTime::from(at);
    format!(
        "{}/{:02}/{:02} {:02}:{:02}:{:02} {message}\n",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn headers_read_like_klog_and_go_log() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_micros(1_764_626_116_123_456);
        assert_eq!(
            line('W', "agent.go:166", "x", at),
            "W1201 21:55:16.123456       1 agent.go:166] x\n"
        );
        assert_eq!(std_line("x", at), "2025/12/01 21:55:16 x\n");
    }
}
