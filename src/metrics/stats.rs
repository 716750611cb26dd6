//! Statistics over replicates shared by the outputs and the charts.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean, sample sd and 95% CI half-width of `xs` (sd and CI need n ≥ 2).
pub fn mean_sd_ci(xs: &[f64]) -> (Option<f64>, Option<f64>, Option<f64>) {
    let n = xs.len();
    if n == 0 {
        return (None, None, None);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (Some(mean), None, None);
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .expect("n - 1 >= 1 degrees of freedom is valid")
        .inverse_cdf(0.975);
    (Some(mean), Some(sd), Some(t * sd / (n as f64).sqrt()))
}
