//! `[world]`: the networks side by side in one simulation on one physical
//! fleet, a broker routing each job by a strategy, and which networks each
//! node is listed on. Parsed here, checked and resolved into [`WorldParams`].

use super::Checker;
use super::spec::{DesignKind, ScenarioFile, WorkloadKind};
pub use super::spec::{LearningSpec, ScoreSpec, WorldSpec};

/// A broker strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The table of `world.by_kind`.
    ByKind,
    /// Lowest quote per useful GPU-hour.
    Cheapest,
    /// Shortest expected wait.
    Fastest,
    /// Lowest weighted score of price, wait and quality risk.
    Score,
    /// A bandit over realised outcomes per workload.
    Learning,
    /// One network (by index into `networks`) only.
    Only(u8),
}

/// The resolved `[world]`.
#[derive(Debug, Clone)]
pub struct WorldParams {
    pub networks: Vec<DesignKind>,
    pub strategies: Vec<Strategy>,
    /// Their names, as written (`by_kind`, `only:akash`, ...).
    pub strategy_names: Vec<String>,
    pub failover: bool,
    /// Per workload kind (index `WorkloadKind as usize`): the network index
    /// of `by_kind`, or `None`.
    pub by_kind: [Option<u8>; 4],
    /// Per network: the share of nodes listed on it (0 for the cloud).
    pub listing: Vec<f64>,
    /// `score` weights: price, wait (per hour), quality risk.
    pub score: [f64; 3],
    pub epsilon: f64,
}

/// The seed's rule of thumb: render jobs to Render, AI jobs to io.net,
/// services to Akash.
pub fn seed_rule(kind: WorkloadKind) -> DesignKind {
    match kind {
        WorkloadKind::Render => DesignKind::Render,
        WorkloadKind::Training | WorkloadKind::Inference => DesignKind::Ionet,
        WorkloadKind::Web => DesignKind::Akash,
    }
}

const KINDS: [WorkloadKind; 4] = [
    WorkloadKind::Render,
    WorkloadKind::Training,
    WorkloadKind::Inference,
    WorkloadKind::Web,
];

/// Checks and resolves `[world]`.
pub(super) fn resolve(ck: &mut Checker, w: &WorldSpec, spec: &ScenarioFile) -> WorldParams {
    let names: Vec<&str> = w.networks.iter().map(|d| d.name()).collect();
    if w.networks.is_empty() {
        ck.fail("world.networks", "must name at least one network");
    }
    for (i, d) in w.networks.iter().enumerate() {
        if w.networks[..i].contains(d) {
            ck.fail("world.networks", format!("names {:?} twice", d.name()));
        }
    }
    let index = |d: DesignKind| w.networks.iter().position(|&n| n == d).map(|i| i as u8);
    let mut strategies = Vec::new();
    if w.strategies.is_empty() {
        ck.fail("world.strategies", "must name at least one strategy");
    }
    for (i, s) in w.strategies.iter().enumerate() {
        if w.strategies[..i].contains(s) {
            ck.fail("world.strategies", format!("names {s:?} twice"));
        }
        let parsed = match s.as_str() {
            "by_kind" => Some(Strategy::ByKind),
            "cheapest" => Some(Strategy::Cheapest),
            "fastest" => Some(Strategy::Fastest),
            "score" => Some(Strategy::Score),
            "learning" => Some(Strategy::Learning),
            _ => match s.strip_prefix("only:") {
                Some(n) => match names.iter().position(|&x| x == n) {
                    Some(i) => Some(Strategy::Only(i as u8)),
                    None => {
                        ck.fail(
                            format!("world.strategies[{i}]"),
                            format!("{s:?} names {n:?}, which is not in world.networks {names:?}"),
                        );
                        None
                    }
                },
                None => {
                    ck.fail(
                        format!("world.strategies[{i}]"),
                        format!(
                            "unknown strategy {s:?}; strategies are by_kind, cheapest, fastest, score, learning and only:NETWORK"
                        ),
                    );
                    None
                }
            },
        };
        strategies.extend(parsed);
    }
    // by_kind: the table, over the seed's rule.
    let mut by_kind = [None; 4];
    for (k, d) in &w.by_kind {
        let key = format!("world.by_kind.{k}");
        match KINDS.iter().find(|x| x.name() == k) {
            None => ck.fail(
                key,
                "unknown workload kind; kinds are render, training, inference and web",
            ),
            Some(&kind) => match index(*d) {
                Some(i) => by_kind[kind as usize] = Some(i),
                None => ck.fail(
                    key,
                    format!("{:?} is not in world.networks {names:?}", d.name()),
                ),
            },
        }
    }
    let uses_by_kind = strategies.contains(&Strategy::ByKind);
    for kind in KINDS {
        if by_kind[kind as usize].is_some() || w.by_kind.contains_key(kind.name()) {
            continue;
        }
        let occurs = spec.workload.iter().any(|wl| wl.kind == kind);
        let default = seed_rule(kind);
        match index(default) {
            Some(i) => by_kind[kind as usize] = Some(i),
            None if occurs && uses_by_kind => ck.fail(
                format!("world.by_kind.{}", kind.name()),
                format!(
                    "{} workloads occur and the seed's rule sends them to {:?}, which is not in world.networks {names:?}: name a network for them",
                    kind.name(),
                    default.name()
                ),
            ),
            None => {}
        }
    }
    // Listing shares.
    let mut listing: Vec<f64> = w
        .networks
        .iter()
        .map(|&d| if d == DesignKind::Cloud { 0.0 } else { 1.0 })
        .collect();
    for (n, &share) in &w.listing {
        let key = format!("world.listing.{n}");
        match names.iter().position(|&x| x == n) {
            None => ck.fail(key, format!("{n:?} is not in world.networks {names:?}")),
            Some(i) if w.networks[i] == DesignKind::Cloud => ck.fail(
                key,
                "the cloud serves from its own capacity: no fleet node is listed on it",
            ),
            Some(i) => {
                if !(0.0..=1.0).contains(&share) {
                    ck.fail(key, format!("must be a share in [0, 1], got {share}"));
                } else {
                    listing[i] = share;
                }
            }
        }
    }
    for (k, v) in [
        ("price", w.score.price),
        ("wait", w.score.wait),
        ("quality", w.score.quality),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            ck.fail(
                format!("world.score.{k}"),
                format!("must be a finite number >= 0, got {v}"),
            );
        }
    }
    if !(0.0..=1.0).contains(&w.learning.epsilon) {
        ck.fail(
            "world.learning.epsilon",
            format!(
                "must be a probability in [0, 1], got {}",
                w.learning.epsilon
            ),
        );
    }
    if spec.supply.dynamic {
        ck.fail(
            "world",
            "world mode runs on a fixed fleet for now: set supply.dynamic = false (providers listing and delisting per network on their margins is not built yet)",
        );
    }
    WorldParams {
        networks: w.networks.clone(),
        strategy_names: w.strategies.clone(),
        strategies,
        failover: w.failover,
        by_kind,
        listing,
        score: [w.score.price, w.score.wait, w.score.quality],
        epsilon: w.learning.epsilon,
    }
}
