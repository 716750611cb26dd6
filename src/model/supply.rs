//! Profit-driven supply (`supply.dynamic = true`): providers review their
//! margin every `review_every` and leave after `patience` bad reviews in a
//! row; new nodes enter from a finite pool at a rate that rises with their
//! class's margin. docs/model.md ("Profit-driven supply") has the equations.
//!
//! One `Review` event does all the work of a period, in O(nodes, pool
//! included, + classes + entries); nothing runs per node per hour.
//!
//! Entry draws keep common random numbers across designs: class c's k-th
//! entrant always uses the k-th unit exponential of the stream
//! `supply/entry` (substream c) and the k-th node of the class's pool (with
//! its own churn and fault streams); only the times at which the cumulative
//! entry hazard crosses those thresholds depend on the design's margins.

use super::{Event, NodeId, Presence, World};
use crate::engine::{MS_PER_HOUR, Rng, Scheduler, SimTime, Streams};
use crate::scenario::{DesignKind, DynamicSupply, Scenario};
use rand_distr::{Distribution, Exp1};

/// The supply side of one run of one design.
pub struct Supply {
    p: DynamicSupply,
    /// Delay from the decision to leave to leaving (io.net's unstaking), ms.
    exit_delay: SimTime,
    /// Per class: USD cost per GPU-hour.
    cost: Vec<f64>,
    /// Per class: its pool nodes in index order, and how many have entered.
    pool_nodes: Vec<Vec<NodeId>>,
    entered: Vec<usize>,
    /// Per class: entry stream, cumulative entry hazard so far, and the
    /// hazard at which the next entrant decides (a sum of unit exponentials).
    entry_rng: Vec<Rng>,
    hazard: Vec<f64>,
    threshold: Vec<f64>,
    /// Per node: consecutive bad reviews.
    bad: Vec<u32>,
    /// Per node: when its last review was (0 before its first).
    last_review: Vec<SimTime>,
    /// Reviews are staggered over `review_cohorts` cohorts: node i reviews
    /// with cohort i mod C, one cohort every `tick` = review_every / C.
    tick: SimTime,
    next_cohort: usize,
    /// Per class and cohort: income and cost of the cohort's last period
    /// (the class margin sums them: every provider's latest period).
    ring_income: Vec<Vec<f64>>,
    ring_cost: Vec<Vec<f64>>,
    /// Per class, scratch: income and cost of the period.
    class_income: Vec<f64>,
    class_cost: Vec<f64>,
    /// Nodes that decided at this review to leave at once (the caller takes
    /// them out of the fleet and tells the design).
    pub leaving_now: Vec<NodeId>,
    /// Nodes that decided at this review to leave after the unstaking delay
    /// (io.net): they unstake now and serve on; their `Leave` is scheduled.
    pub unstaking_now: Vec<NodeId>,
    /// Entry rate per class set at the last review, per hour (tests, docs).
    pub last_rate_per_h: Vec<f64>,
}

/// The entry-rate multiplier f of a class whose providers earned `income`
/// against `cost` (USD) over the period: 0 when the margin is ≤ 0, else
/// 1 − exp(−(margin / cost) / scale), and 1 when the cost is 0.
pub fn entry_factor(income: f64, cost: f64, scale: f64) -> f64 {
    let margin = income - cost;
    if margin <= 0.0 {
        0.0
    } else if cost <= 0.0 {
        1.0
    } else {
        1.0 - (-(margin / cost) / scale).exp()
    }
}

impl Supply {
    /// The supply of `sc` (which must have `dynamic = true`) for `design`
    /// over the nodes of `world`; schedules the first review.
    pub fn new(
        sc: &Scenario,
        design: DesignKind,
        world: &World,
        streams: &Streams,
        sched: &mut Scheduler<Event>,
    ) -> Self {
        let p = sc.supply.clone().expect("dynamic supply is configured");
        let classes = sc.classes.len();
        let mut pool_nodes = vec![Vec::new(); classes];
        for (i, n) in world.nodes.iter().enumerate() {
            if n.presence == Presence::Absent {
                pool_nodes[n.class as usize].push(NodeId(i as u32));
            }
        }
        let mut entry_rng: Vec<Rng> = (0..classes)
            .map(|c| streams.substream("supply/entry", c as u64))
            .collect();
        let threshold = entry_rng
            .iter_mut()
            .map(|r| Exp1.sample(r))
            .collect::<Vec<f64>>();
        let exit_delay = match design {
            // io.net's unstaking delay: the stake is locked and the node
            // serves on until it is over.
            DesignKind::Ionet => sc.ionet.as_ref().map_or(0, |io| io.unstaking_delay),
            DesignKind::Akash | DesignKind::Render | DesignKind::Cloud => 0,
        };
        let cohorts = p.review_cohorts as usize;
        sched.at(p.review_every, Event::Review);
        Self {
            exit_delay,
            cost: sc.classes.iter().map(|c| c.cost_per_hour).collect(),
            pool_nodes,
            entered: vec![0; classes],
            entry_rng,
            hazard: vec![0.0; classes],
            threshold,
            bad: vec![0; world.nodes.len()],
            last_review: vec![0; world.nodes.len()],
            tick: p.review_every / cohorts as SimTime,
            next_cohort: 0,
            ring_income: vec![vec![0.0; cohorts]; classes],
            ring_cost: vec![vec![0.0; cohorts]; classes],
            class_income: vec![0.0; classes],
            class_cost: vec![0.0; classes],
            leaving_now: Vec::new(),
            unstaking_now: Vec::new(),
            last_rate_per_h: vec![0.0; classes],
            p,
        }
    }

    /// Nodes that have decided to enter so far, per class.
    pub fn entered(&self) -> &[usize] {
        &self.entered
    }

    /// The review at `now`: each provider in the fleet compares its income
    /// over the period (USD from jobs + token rewards at the market price)
    /// with its cost (GPUs × cost per GPU-hour × hours in the fleet); a
    /// margin < 0 is a bad review, ≥ 0 resets the count. At `patience` bad
    /// reviews in a row it leaves: now (into `leaving_now`), or, with an
    /// unstaking delay, it unstakes now and leaves when the delay is over,
    /// serving meanwhile. Then each class's entry rate for the next period
    /// is set from its providers' margin, and the entrants of that period
    /// are drawn and scheduled to join after onboarding.
    /// `token_income_usd(node)` is the node's token income since the last
    /// review, USD (the token economy's rewards at the market price; 0 with
    /// tokens off).
    pub fn review(
        &mut self,
        world: &mut World,
        sched: &mut Scheduler<Event>,
        mut token_income_usd: impl FnMut(NodeId) -> f64,
    ) {
        let now = sched.now();
        self.leaving_now.clear();
        self.unstaking_now.clear();
        self.class_income.fill(0.0);
        self.class_cost.fill(0.0);
        let cohorts = self.p.review_cohorts as usize;
        let cohort = self.next_cohort;
        self.next_cohort = (cohort + 1) % cohorts;
        for i in (cohort..world.nodes.len()).step_by(cohorts) {
            let n = &mut world.nodes[i];
            if !n.presence.in_fleet() {
                continue;
            }
            let node = NodeId(i as u32);
            let c = n.class as usize;
            let since = n.joined.max(self.last_review[i]);
            self.last_review[i] = now;
            let hours = (now - since) as f64 / MS_PER_HOUR as f64;
            let cost = self.cost[c] * n.cost_factor * n.gpus as f64 * hours;
            let income = world.income_usd[i] + token_income_usd(node);
            world.income_usd[i] = 0.0;
            self.class_income[c] += income;
            self.class_cost[c] += cost;
            if n.presence != Presence::Present {
                continue;
            }
            if income - cost < 0.0 {
                self.bad[i] += 1;
            } else {
                self.bad[i] = 0;
            }
            if self.bad[i] >= self.p.patience {
                if self.exit_delay == 0 {
                    self.leaving_now.push(node);
                } else {
                    n.presence = Presence::Leaving;
                    self.unstaking_now.push(node);
                    sched.after(self.exit_delay, Event::Leave(node));
                }
            }
        }
        let span_h = self.tick as f64 / MS_PER_HOUR as f64;
        for c in 0..self.cost.len() {
            self.ring_income[c][cohort] = self.class_income[c];
            self.ring_cost[c][cohort] = self.class_cost[c];
            let f = entry_factor(
                self.ring_income[c].iter().sum(),
                self.ring_cost[c].iter().sum(),
                self.p.entry_margin_scale,
            );
            let rate = self.p.entry_rate_per_hour * f;
            self.last_rate_per_h[c] = rate;
            if rate <= 0.0 {
                continue;
            }
            let budget = rate * span_h;
            while self.entered[c] < self.pool_nodes[c].len()
                && self.threshold[c] - self.hazard[c] <= budget
            {
                let dt_h = (self.threshold[c] - self.hazard[c]) / rate;
                let dt = ((dt_h * MS_PER_HOUR as f64) as SimTime).min(self.tick);
                let node = self.pool_nodes[c][self.entered[c]];
                self.entered[c] += 1;
                world.nodes[node.ix()].presence = Presence::Onboarding;
                sched.at(now + dt + self.p.onboarding, Event::Join(node));
                let e: f64 = Exp1.sample(&mut self.entry_rng[c]);
                self.threshold[c] += e;
            }
            self.hazard[c] += budget;
        }
    }

    /// The review period, ms.
    pub fn review_every(&self) -> SimTime {
        self.p.review_every
    }

    /// Time between two reviews (of successive cohorts), ms.
    pub fn tick(&self) -> SimTime {
        self.tick
    }
}

#[cfg(test)]
mod tests {
    use super::entry_factor;

    #[test]
    fn entry_factor_is_zero_without_margin_and_saturates() {
        assert_eq!(entry_factor(1.0, 1.0, 0.5), 0.0, "margin 0");
        assert_eq!(entry_factor(0.5, 1.0, 0.5), 0.0, "a loss");
        assert_eq!(
            entry_factor(0.0, 0.0, 0.5),
            0.0,
            "nothing earned, nothing spent"
        );
        assert_eq!(entry_factor(1.0, 0.0, 0.5), 1.0, "free GPUs that earn");
        // Margin of half the cost at scale 0.5: 1 − 1/e.
        let f = entry_factor(1.5, 1.0, 0.5);
        assert!((f - (1.0 - (-1.0f64).exp())).abs() < 1e-15);
        assert!(entry_factor(2.0, 1.0, 0.5) > f);
        assert_eq!(entry_factor(100.0, 1.0, 0.5), 1.0);
    }
}
