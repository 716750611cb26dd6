//! Simulated time: `u64` milliseconds since the start of a run.

/// Simulated time in milliseconds since t = 0.
pub type SimTime = u64;

/// Milliseconds in one hour.
pub const MS_PER_HOUR: SimTime = 3_600_000;

/// Converts a time or span in milliseconds to hours.
#[inline]
pub fn hours(t: SimTime) -> f64 {
    t as f64 / MS_PER_HOUR as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_convert_to_hours() {
        assert_eq!(hours(9_000_000), 2.5);
        assert_eq!(hours(0), 0.0);
    }
}
