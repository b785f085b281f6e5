//! Order statistics and moments of a set of values.
//!
//! One quantile definition serves the whole crate: Hyndman & Fan (1996)
//! type 7, linear interpolation between order statistics, the default of R
//! (`quantile(x, type = 7)`) and numpy (`numpy.quantile`). For `n` sorted
//! values `x[0] ≤ … ≤ x[n−1]` the `q` quantile is at position
//! `h = (n − 1)·q`: `x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋])`. The median is
//! its `q = 0.5` (the mean of the two middle values when `n` is even).

/// Quantile `q` (0..=1, clamped) of already sorted `sorted`, Hyndman & Fan
/// (1996) type 7 (see module docs); `None` when there are no values.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = pos - lo as f64;
    Some(sorted[lo] + frac * (sorted[hi] - sorted[lo]))
}

/// The values as `f64`, sorted ascending (NaN last, by `total_cmp`).
pub fn sorted<T: Copy + Into<f64>>(values: &[T]) -> Vec<f64> {
    let mut s: Vec<f64> = values.iter().map(|&v| v.into()).collect();
    s.sort_by(f64::total_cmp);
    s
}

/// Quantile `q` (0..=1, clamped) of unsorted `values` (copied and sorted),
/// Hyndman & Fan (1996) type 7; `None` when there are no values.
pub fn quantile<T: Copy + Into<f64>>(values: &[T], q: f64) -> Option<f64> {
    quantile_sorted(&sorted(values), q)
}

/// Median of unsorted `values`: the type 7 quantile at 0.5, so the mean of
/// the two middle values when their number is even; `None` when empty.
pub fn median<T: Copy + Into<f64>>(values: &[T]) -> Option<f64> {
    quantile(values, 0.5)
}

/// Mean and sample standard deviation (n − 1) of the values; `None` if empty.
pub fn mean_std(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return Some((mean, 0.0));
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    Some((mean, var.sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values printed by R 4.x; they are exact decimals of the type 7
    /// formula, so the tolerance only absorbs binary rounding.
    const TOL: f64 = 1e-12;

    #[test]
    fn quantiles_match_r_type_7() {
        // R: quantile(c(1, 2, 3, 4, 10), c(.05, .25, .5, .95), type = 7)
        //    -> 1.2 2.0 3.0 8.8
        let x = [1.0, 2.0, 3.0, 4.0, 10.0];
        for (q, want) in [(0.05, 1.2), (0.25, 2.0), (0.5, 3.0), (0.95, 8.8)] {
            assert!((quantile(&x, q).unwrap() - want).abs() < TOL, "q {q}");
        }
        // R: quantile(c(3, 1, 4, 1, 5, 9, 2, 6), c(0, .1, .33, .5, .9, 1))
        //    -> 1.00 1.00 2.31 3.50 6.90 9.00
        let y = [3.0f32, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        for (q, want) in [
            (0.0, 1.0),
            (0.1, 1.0),
            (0.33, 2.31),
            (0.5, 3.5),
            (0.9, 6.9),
            (1.0, 9.0),
        ] {
            assert!((quantile(&y, q).unwrap() - want).abs() < 1e-6, "q {q}");
        }
    }

    #[test]
    fn median_averages_the_middle_pair() {
        // R: median(c(3, 1, 4, 1, 5, 9, 2, 6)) -> 3.5; median(c(7, 1, 3)) -> 3
        assert_eq!(median(&[3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]), Some(3.5));
        assert_eq!(median(&[7.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median::<f64>(&[]), None);
        assert_eq!(quantile(&[7.0], 0.95), Some(7.0));
    }

    #[test]
    fn mean_and_sample_deviation() {
        // R: sd(c(2, 4, 4, 4, 5, 5, 7, 9)) -> 2.13809 (sqrt(32 / 7))
        let (m, s) = mean_std(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
        assert!((m - 5.0).abs() < TOL && (s - (32.0f64 / 7.0).sqrt()).abs() < TOL);
        assert_eq!(mean_std(&[3.0]), Some((3.0, 0.0)));
    }
}
