//! Log lines as the tower agent writes them: klog's header (`W1125 16:52:46.123456       1
//! agent.go:166] …`) and Go's `time.Duration` text for its back-off ("274.4ms", "2m0s").

use std::time::Duration;
use time::OffsetDateTime;

/// One klog line; `level` is 'I', 'W' or 'E'; `source` the Go file and line it follows.
pub fn line(level: char, source: &str, message: &str) -> String {
    let now = OffsetDateTime::now_utc();
    format!(
        "{level}{:02}{:02} {:02}:{:02}:{:02}.{:06}       1 {source}] {message}\n",
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.microsecond()
    )
}

fn trimmed(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `time.Duration.String()` for the durations a back-off produces.
pub fn go_duration(d: Duration) -> String {
    let seconds = d.as_secs_f64();
    if d.is_zero() {
        "0s".into()
    } else if seconds < 1.0 {
        format!("{}ms", trimmed(seconds * 1000.0))
    } else if seconds < 60.0 {
        format!("{}s", trimmed(seconds))
    } else {
        let minutes = (seconds / 60.0).floor();
        format!("{minutes}m{}s", trimmed(seconds - minutes * 60.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_go() {
        assert_eq!(go_duration(Duration::from_millis(100)), "100ms");
        assert_eq!(go_duration(Duration::from_micros(274_400)), "274.4ms");
        assert_eq!(go_duration(Duration::from_millis(1200)), "1.2s");
        assert_eq!(go_duration(Duration::from_secs(120)), "2m0s");
        assert!(line('W', "agent.go:166", "x").starts_with('W'));
        assert!(line('W', "agent.go:166", "x").ends_with("       1 agent.go:166] x\n"));
    }
}
