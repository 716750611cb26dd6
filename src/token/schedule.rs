//! Emission schedules: cumulative emissions in closed form, so any interval
//! integrates exactly (the published totals are checked in tests).

use crate::engine::SimTime;
use crate::scenario::token::Schedule;

/// A Julian year, ms: the unit of per-year schedules and annual rates.
pub const YEAR_MS: SimTime = 31_557_600_000;
/// A twelfth of [`YEAR_MS`].
pub const MONTH_MS: SimTime = YEAR_MS / 12;

/// Tokens a schedule has emitted from its start up to schedule time `s` ms
/// (uncapped schedules have no upper limit). `Band` has no fixed path
/// (it depends on supply): 0 here, see [`super::akash`].
pub fn cumulative(schedule: &Schedule, s: SimTime) -> f64 {
    match schedule {
        Schedule::Yearly { per_year, .. } => {
            let y = (s / YEAR_MS) as usize;
            let full: f64 = per_year.iter().take(y).sum();
            let frac = (s % YEAR_MS) as f64 / YEAR_MS as f64;
            full + per_year.get(y).map_or(0.0, |a| frac * a)
        }
        Schedule::Decaying {
            first_month,
            ratio,
            total,
            ..
        } => {
            let m = s / MONTH_MS;
            let frac = (s % MONTH_MS) as f64 / MONTH_MS as f64;
            let rm = ratio.powi(m.min(i32::MAX as u64) as i32);
            let full = if *ratio == 1.0 {
                first_month * m as f64
            } else {
                first_month * (1.0 - rm) / (1.0 - ratio)
            };
            (full + frac * first_month * rm).min(*total)
        }
        Schedule::Geometric {
            first,
            ratio,
            epoch,
            epochs,
            ..
        } => {
            let k = (s / epoch).min(*epochs);
            let rk = ratio.powf(k as f64);
            let full = if *ratio == 1.0 {
                first * k as f64
            } else {
                first * (1.0 - rk) / (1.0 - ratio)
            };
            if k == *epochs {
                full
            } else {
                full + (s % epoch) as f64 / *epoch as f64 * first * rk
            }
        }
        Schedule::Halving {
            genesis, half_life, ..
        } => {
            let t_half_y = *half_life as f64 / YEAR_MS as f64;
            let sy = s as f64 / YEAR_MS as f64;
            genesis * t_half_y / std::f64::consts::LN_2 * (1.0 - (-sy / t_half_y).exp2())
        }
        Schedule::Band { .. } => 0.0,
    }
}

/// Tokens the schedule emits over run time [a, b], with the scenario's
/// emission changes (`(from, factor)`, in time order) applied.
pub fn emitted(schedule: &Schedule, changes: &[(SimTime, f64)], a: SimTime, b: SimTime) -> f64 {
    let start = match schedule {
        Schedule::Yearly { start, .. }
        | Schedule::Decaying { start, .. }
        | Schedule::Geometric { start, .. }
        | Schedule::Halving { start, .. } => *start,
        Schedule::Band { .. } => return 0.0,
    };
    let piece =
        |x: SimTime, y: SimTime| cumulative(schedule, start + y) - cumulative(schedule, start + x);
    let mut total = 0.0;
    let (mut from, mut factor) = (a, 1.0);
    for &(at, f) in changes {
        if at <= from {
            factor = f;
        } else if at < b {
            total += factor * piece(from, at);
            from = at;
            factor = f;
        }
    }
    total + factor * piece(from, b)
}

/// The emission factor in force at `t`.
pub fn factor_at(changes: &[(SimTime, f64)], t: SimTime) -> f64 {
    changes.iter().rev().find(|c| c.0 <= t).map_or(1.0, |c| c.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::from_str;

    fn schedules() -> crate::scenario::token::TokenParams {
        let text = super::super::test_scenario::TEXT;
        from_str(text, "t.toml", &[]).unwrap().token.unwrap()
    }

    #[test]
    fn render_year_one_emits_the_published_amount() {
        let t = schedules();
        let e = emitted(&t.render.emissions, &[], 0, YEAR_MS);
        assert!((e - 9_126_804.0).abs() < 1e-6, "{e}");
        // 52 weekly epochs and a day and a quarter make the year.
        let week = 7 * 86_400_000;
        let epochs: f64 = (0..52)
            .map(|k| emitted(&t.render.emissions, &[], k * week, (k + 1) * week))
            .sum();
        assert!((epochs - 9_126_804.0 * 364.0 / 365.25).abs() < 1e-6);
    }

    #[test]
    fn the_monthly_decaying_schedule_emits_300m_over_20_years_within_the_cap() {
        let decaying = crate::scenario::parse_override(
            "token.ionet.emissions={ schedule = \"decaying\", genesis = 500e6, first_year_inflation = 0.08, monthly_decay = 0.0102, total = 300e6 }",
        )
        .unwrap();
        let text = super::super::test_scenario::TEXT;
        let t = from_str(text, "t.toml", &[decaying])
            .unwrap()
            .token
            .unwrap();
        let s = &t.ionet.emissions;
        assert!(
            (emitted(s, &[], 0, YEAR_MS) - 40e6).abs() < 1e-4,
            "year 1 = 8% of 500 M"
        );
        let hour = 3_600_000;
        let hours = 20 * YEAR_MS / hour;
        let sum: f64 = (0..hours)
            .map(|h| emitted(s, &[], h * hour, (h + 1) * hour))
            .sum();
        assert!((sum - 300e6).abs() < 1.0, "{sum}");
        // Uncapped, the decaying months would reach 316 M: the cap binds.
        let Schedule::Decaying {
            first_month, ratio, ..
        } = *s
        else {
            unreachable!()
        };
        let uncapped = first_month * (1.0 - ratio.powi(240)) / (1.0 - ratio);
        assert!(uncapped > 310e6 && uncapped < 320e6, "{uncapped}");
    }

    #[test]
    fn ionet_emits_its_published_per_epoch_test_vector() {
        // io.net's token emission schedule docs tabulate the first six
        // hourly epochs: epoch 1 emits 500 M × 8% / 8,760 = 4,566.21 IO
        // (40 M / 8,760 h), then each epoch's rate is the previous one's ×
        // (1 − 0.0013886952395979300%); total supply after each epoch.
        let t = schedules();
        let s = &t.ionet.emissions;
        let hour = 3_600_000;
        let published = [4_566.21, 4_566.15, 4_566.08, 4_566.02, 4_565.96, 4_565.89];
        let supply = [
            500_004_566.21,
            500_009_132.36,
            500_013_698.44,
            500_018_264.46,
            500_022_830.42,
            500_027_396.31,
        ];
        for (k, (&e, &total)) in published.iter().zip(&supply).enumerate() {
            let k = k as u64;
            let got = emitted(s, &[], k * hour, (k + 1) * hour);
            assert!((got - e).abs() < 0.005, "epoch {}: {got} vs {e}", k + 1);
            let cum = 500e6 + emitted(s, &[], 0, (k + 1) * hour);
            assert!(
                (cum - total).abs() < 0.005,
                "supply after epoch {}: {cum}",
                k + 1
            );
        }
        // 175,319 hourly epochs emit the 300 M, then nothing more.
        let all = emitted(s, &[], 0, 175_319 * hour);
        assert!((all - 300e6).abs() < 1.0, "{all}");
        assert_eq!(emitted(s, &[], 175_319 * hour, 200_000 * hour), 0.0);
    }

    #[test]
    fn halving_curve_matches_the_whitepaper_formula() {
        let s = Schedule::Halving {
            genesis: 100e6,
            half_life: 2 * YEAR_MS,
            start: 0,
        };
        // T½ = 2 y: 288.5 M over all time, half of it in the first 2 years.
        let all = 100e6 * 2.0 / std::f64::consts::LN_2;
        assert!((cumulative(&s, 2 * YEAR_MS) - all / 2.0).abs() < 1e-3);
        assert!((cumulative(&s, 200 * YEAR_MS) - all).abs() < 1.0);
    }

    #[test]
    fn emission_changes_scale_what_follows_them() {
        let s = Schedule::Yearly {
            per_year: vec![YEAR_MS as f64],
            start: 0,
        };
        // 1 token per ms; halved from 100 ms on.
        assert!((emitted(&s, &[(100, 0.5)], 0, 300) - 200.0).abs() < 1e-9);
        assert!((emitted(&s, &[(100, 0.5)], 150, 250) - 50.0).abs() < 1e-9);
        assert_eq!(factor_at(&[(100, 0.5)], 99), 1.0);
    }
}
