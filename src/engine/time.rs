//! Simulated time: `u64` milliseconds since the start of a run.

/// Simulated time in milliseconds since t = 0.
pub type SimTime = u64;

/// Milliseconds in one second.
pub const MS_PER_SECOND: SimTime = 1_000;
/// Milliseconds in one hour.
pub const MS_PER_HOUR: SimTime = 3_600_000;

/// Converts a time or span in milliseconds to hours.
#[inline]
pub fn hours(t: SimTime) -> f64 {
    t as f64 / MS_PER_HOUR as f64
}

/// Converts hours to milliseconds, rounding to the nearest millisecond and
/// saturating at the ends of the `u64` range (negative or NaN gives 0).
#[inline]
pub fn ms_from_hours(h: f64) -> SimTime {
    let ms = (h * MS_PER_HOUR as f64).round();
    if ms.is_nan() || ms <= 0.0 {
        0
    } else if ms >= u64::MAX as f64 {
        u64::MAX
    } else {
        ms as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hour_conversions_round_trip() {
        assert_eq!(ms_from_hours(2.5), 9_000_000);
        assert_eq!(hours(9_000_000), 2.5);
        assert_eq!(ms_from_hours(-1.0), 0);
        assert_eq!(ms_from_hours(f64::NAN), 0);
        assert_eq!(ms_from_hours(1e300), u64::MAX);
    }
}
