//! A cluster's clock, which may run ahead of or behind the machine's (a node whose NTP is off),
//! and time as the API server writes it: RFC 3339 timestamps in whole seconds (`metav1.Time`),
//! the HTTP `Date` header (IMF-fixdate, RFC 9110), ages as kubectl prints them (apimachinery's
//! `duration.HumanDuration`) and Go's `time.Duration` text.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::OffsetDateTime;

/// How far a cluster's clock is from the machine's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockOffset {
    Ahead(Duration),
    Behind(Duration),
}

impl ClockOffset {
    /// The machine's own time.
    pub const NONE: Self = Self::Ahead(Duration::ZERO);

    fn nanos(self) -> i64 {
        let clamp = |d: Duration| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX);
        match self {
            Self::Ahead(d) => clamp(d),
            Self::Behind(d) => -clamp(d),
        }
    }

    fn from_nanos(nanos: i64) -> Self {
        let magnitude = Duration::from_nanos(nanos.unsigned_abs());
        if nanos < 0 {
            Self::Behind(magnitude)
        } else {
            Self::Ahead(magnitude)
        }
    }
}

impl Default for ClockOffset {
    fn default() -> Self {
        Self::NONE
    }
}

/// The clock of one cluster; clones share the offset, so a change shows everywhere at once.
#[derive(Debug, Clone, Default)]
pub struct Clock(Arc<AtomicI64>);

impl Clock {
    pub fn set_offset(&self, offset: ClockOffset) {
        self.0.store(offset.nanos(), Ordering::Relaxed);
    }

    pub fn offset(&self) -> ClockOffset {
        ClockOffset::from_nanos(self.0.load(Ordering::Relaxed))
    }

    pub fn now(&self) -> SystemTime {
        let machine = SystemTime::now();
        match self.offset() {
            ClockOffset::Ahead(d) => machine.checked_add(d),
            ClockOffset::Behind(d) => machine.checked_sub(d),
        }
        .unwrap_or(machine)
    }

    /// Now, truncated to whole seconds like `metav1.Time`.
    pub fn now_rfc3339(&self) -> String {
        format_rfc3339(self.now())
    }

    /// Now as the `Date` response header writes it.
    pub fn http_date(&self) -> String {
        format_http_date(self.now())
    }
}

/// A time as the `Date` header writes it (IMF-fixdate): `Tue, 01 Dec 2026 21:55:16 GMT`.
pub fn format_http_date(at: SystemTime) -> String {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    OffsetDateTime::from(at).format(format).unwrap_or_default()
}

pub fn format_rfc3339(at: SystemTime) -> String {
    let at = OffsetDateTime::from(at);
    let at = at.replace_nanosecond(0).unwrap_or(at);
    at.format(&Rfc3339).unwrap_or_default()
}

pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(SystemTime::from)
}

/// The age of a timestamp at `now`, as the server's table printers write it ("<unknown>"
/// when absent).
pub fn age(timestamp: Option<&str>, now: SystemTime) -> String {
    let Some(at) = timestamp.and_then(parse_rfc3339) else {
        return "<unknown>".into();
    };
    match now.duration_since(at) {
        Ok(elapsed) => human_duration(elapsed),
        Err(ahead) if ahead.duration() > Duration::from_secs(1) => "<invalid>".into(),
        Err(_) => "0s".into(),
    }
}

/// apimachinery's `duration.HumanDuration`: coarser units as the duration grows.
pub fn human_duration(d: Duration) -> String {
    let seconds = d.as_secs();
    if seconds < 120 {
        return format!("{seconds}s");
    }
    let minutes = seconds / 60;
    if minutes < 10 {
        return with_remainder(minutes, "m", seconds % 60, "s");
    }
    if minutes < 180 {
        return format!("{minutes}m");
    }
    let hours = minutes / 60;
    if hours < 8 {
        return with_remainder(hours, "h", minutes % 60, "m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    let days = hours / 24;
    if hours < 24 * 8 {
        return with_remainder(days, "d", hours % 24, "h");
    }
    if hours < 24 * 365 * 2 {
        return format!("{days}d");
    }
    let years = days / 365;
    if hours < 24 * 365 * 8 {
        return with_remainder(years, "y", days % 365, "d");
    }
    format!("{years}y")
}

fn with_remainder(major: u64, major_unit: &str, minor: u64, minor_unit: &str) -> String {
    if minor == 0 {
        format!("{major}{major_unit}")
    } else {
        format!("{major}{major_unit}{minor}{minor_unit}")
    }
}

/// Go's `time.Duration.String()`: "100ms", "274.4ms", "1.5s", "2m0s", "1h30m0s".
pub fn go_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    let fraction = |value: u128, unit: u128| {
        let whole = value / unit;
        let rest = format!("{:0width$}", value % unit, width = unit.ilog10() as usize);
        let rest = rest.trim_end_matches('0');
        if rest.is_empty() {
            whole.to_string()
        } else {
            format!("{whole}.{rest}")
        }
    };
    match nanos {
        0 => "0s".into(),
        1..=999 => format!("{nanos}ns"),
        1_000..=999_999 => format!("{}µs", fraction(nanos, 1_000)),
        1_000_000..=999_999_999 => format!("{}ms", fraction(nanos, 1_000_000)),
        _ => {
            let seconds = fraction(nanos % 60_000_000_000, 1_000_000_000) + "s";
            let minutes = nanos / 60_000_000_000;
            match (minutes / 60, minutes % 60) {
                (0, 0) => seconds,
                (0, m) => format!("{m}m{seconds}"),
                (h, m) => format!("{h}h{m}m{seconds}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_match_apimachinery() {
        let cases = [
            (5, "5s"),
            (119, "119s"),
            (150, "2m30s"),
            (600, "10m"),
            (3 * 3600 + 60, "3h1m"),
            (20 * 3600, "20h"),
            (3 * 86400 + 3600, "3d1h"),
            (30 * 86400, "30d"),
            (3 * 365 * 86400, "3y"),
        ];
        for (secs, want) in cases {
            assert_eq!(human_duration(Duration::from_secs(secs)), want, "{secs}s");
        }
    }

    #[test]
    fn rfc3339_round_trips_whole_seconds() {
        let text = "2026-01-02T03:04:05Z";
        let at = parse_rfc3339(text).unwrap();
        assert_eq!(format_rfc3339(at), text);
    }

    #[test]
    fn durations_read_like_go() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(1), "1ns"),
            (Duration::from_micros(1), "1µs"),
            (Duration::from_millis(100), "100ms"),
            (Duration::from_micros(274_400), "274.4ms"),
            (Duration::from_millis(1200), "1.2s"),
            (Duration::from_secs(10), "10s"),
            (Duration::from_secs(80), "1m20s"),
            (Duration::from_secs(120), "2m0s"),
            (Duration::from_secs(5400), "1h30m0s"),
        ];
        for (d, want) in cases {
            assert_eq!(go_duration(d), want);
        }
    }

    #[test]
    fn a_clock_runs_ahead_or_behind_and_every_clone_follows() {
        let clock = Clock::default();
        let copy = clock.clone();
        clock.set_offset(ClockOffset::Behind(Duration::from_secs(600)));
        assert_eq!(copy.offset(), ClockOffset::Behind(Duration::from_secs(600)));
        let behind = SystemTime::now()
            .duration_since(copy.now())
            .unwrap()
            .as_secs();
        assert!((599..=601).contains(&behind), "{behind}");
        clock.set_offset(ClockOffset::NONE);
        assert_eq!(copy.offset(), ClockOffset::NONE);
        let date = clock.http_date();
        assert!(date.ends_with(" GMT") && date.len() == 29, "{date}");
        assert_eq!(&date[3..5], ", ");
    }
}
