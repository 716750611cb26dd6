//! A constant-product pool (x · y = k): the protocol's net token flow of a
//! period trades in it and moves the price. Reserves are kept in units of
//! the market factor, so the factor and the flow multiply (see [`super`]).

/// Token and USD reserves of a constant-product pool.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pool {
    /// Token reserve.
    pub tokens: f64,
    /// USD reserve (at market factor 1).
    pub usd: f64,
}

impl Pool {
    /// A pool quoting `price_usd` with `depth_usd` on its USD side.
    pub fn new(price_usd: f64, depth_usd: f64) -> Self {
        Self {
            tokens: depth_usd / price_usd,
            usd: depth_usd,
        }
    }

    /// The marginal price, USD per token (at market factor 1). O(1).
    #[inline]
    pub fn price(&self) -> f64 {
        self.usd / self.tokens
    }

    /// Buys tokens with `usd` and returns how many come out:
    /// `tokens · usd / (reserve_usd + usd)`. The price rises by the factor
    /// `((reserve_usd + usd) / reserve_usd)²`.
    pub fn buy(&mut self, usd: f64) -> f64 {
        let k = self.tokens * self.usd;
        let usd_after = self.usd + usd;
        let tokens_after = k / usd_after;
        let out = self.tokens - tokens_after;
        self.usd = usd_after;
        self.tokens = tokens_after;
        out
    }

    /// Sells `tokens` and returns the USD that comes out.
    pub fn sell(&mut self, tokens: f64) -> f64 {
        let k = self.tokens * self.usd;
        let tokens_after = self.tokens + tokens;
        let usd_after = k / tokens_after;
        let out = self.usd - usd_after;
        self.usd = usd_after;
        self.tokens = tokens_after;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buy_then_selling_what_was_bought_restores_the_price() {
        let mut p = Pool::new(2.0, 1e6);
        let got = p.buy(50_000.0);
        let back = p.sell(got);
        assert!((p.price() - 2.0).abs() < 1e-12);
        assert!((back - 50_000.0).abs() < 1e-6);
    }

    #[test]
    fn price_impact_matches_the_closed_form() {
        // Buying U against USD depth Y multiplies the price by ((Y + U) / Y)².
        let mut p = Pool::new(1.14, 2e6);
        p.buy(100_000.0);
        let expected = 1.14 * (2.1e6 / 2e6_f64).powi(2);
        assert!((p.price() - expected).abs() < 1e-12 * expected);
        // Selling T tokens against token depth X divides it by ((X + T) / X)².
        let mut p = Pool::new(0.5, 1e6);
        let x = p.tokens;
        p.sell(0.1 * x);
        assert!((p.price() - 0.5 / 1.1_f64.powi(2)).abs() < 1e-12);
    }
}
