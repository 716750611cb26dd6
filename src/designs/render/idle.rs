//! Render's index of its GPUs: per GPU what it renders, per node its
//! reputation band and ban, and the idle GPUs in one FIFO per (class,
//! provider tier, reputation band) in order of idle-since, with lazy
//! deletion: an entry is valid while its stamp equals the GPU's stamp, which
//! changes whenever the GPU starts a frame, goes down or is banned. Bands
//! are the distinct `min_reputation` thresholds of the tiers, so reputation
//! filtering never rescans a list, and a job tier's `node_tiers` picks whole
//! FIFOs. All operations O(1) amortised but [`GpuIndex::find_gpu`] with a
//! node to avoid, which scans one FIFO per eligible (class, tier, band).
//!
//! How many GPUs of a node are free is the world's ([`crate::model::World`]'s
//! free pool, which Render keeps in step as frames start and end); this
//! index only orders them, by how long they have been idle, which the free
//! pool does not know.

use crate::engine::SimTime;
use crate::model::admission::TierMask;
use crate::model::pool::FreePool;
use crate::model::{NodeId, World};
use std::collections::VecDeque;

/// "No node", "no slot", "not filed".
pub(super) const NONE: u32 = u32::MAX;

/// One GPU: idle (filed in an idle FIFO unless down or banned) or rendering
/// one frame.
#[derive(Debug, Clone)]
pub(super) struct Gpu {
    pub node: u32,
    /// Changes on every transition; idle entries and timers carrying an old
    /// stamp are stale.
    pub stamp: u32,
    /// Index of the idle FIFO holding its valid entry, or [`NONE`].
    pub filed: u32,
    /// Job slot of the frame it renders, or [`NONE`] when idle.
    pub slot: u32,
    pub frame: u32,
    /// When the frame started (busy) or when it became idle.
    pub since: SimTime,
}

/// Render's view of a node.
#[derive(Debug, Clone)]
pub(super) struct NodeState {
    pub class: u16,
    pub first_gpu: u32,
    pub gpus: u32,
    pub up: bool,
    /// Reputation score in [0, 1] (unused when reputation is off).
    pub rep: f64,
    /// Number of tier thresholds at or below `rep`.
    pub band: u8,
    pub banned: bool,
    /// Its provider tier (the world's).
    pub group: u8,
}

impl NodeState {
    /// Its GPUs' indices.
    pub fn gpu_range(&self) -> std::ops::Range<u32> {
        self.first_gpu..self.first_gpu + self.gpus
    }
}

/// An idle GPU waiting for a frame.
#[derive(Debug, Clone, Copy)]
struct Idle {
    since: SimTime,
    gpu: u32,
    stamp: u32,
}

/// Whether provider tier `g` is in `tiers`.
#[inline]
fn in_tiers(tiers: TierMask, g: usize) -> bool {
    g < TierMask::BITS as usize && tiers & (1 << g) != 0
}

/// Render's GPUs and their idle order.
pub(super) struct GpuIndex {
    pub nodes: Vec<NodeState>,
    pub gpus: Vec<Gpu>,
    bands: usize,
    /// Provider tiers (1 without tiers).
    groups: usize,
    /// Idle GPUs by [`GpuIndex::fifo`] (class, provider tier, band), in
    /// order of idle-since.
    fifos: Vec<VecDeque<Idle>>,
    /// Valid entries per FIFO, and in all FIFOs.
    idle_n: Vec<u32>,
    pub idle_total: u32,
    /// Nodes up and not banned, by [`GpuIndex::fifo`].
    live_nodes: Vec<u32>,
}

impl GpuIndex {
    /// The index of the world's nodes as they are now: every GPU of a node
    /// that is up and `listed` is idle from now, at reputation `rep` in
    /// band `band`; nodes not listed stay down for Render. `groups` is the
    /// number of provider tiers.
    pub fn new(
        world: &World,
        listed: impl Fn(usize) -> bool,
        (classes, groups): (usize, usize),
        bands: usize,
        rep: f64,
        band: u8,
    ) -> Self {
        let n_fifos = classes * groups * bands;
        let mut ix = Self {
            nodes: Vec::with_capacity(world.nodes.len()),
            gpus: Vec::new(),
            bands,
            groups,
            fifos: vec![VecDeque::new(); n_fifos],
            idle_n: vec![0; n_fifos],
            idle_total: 0,
            live_nodes: vec![0; n_fifos],
        };
        for (i, n) in world.nodes.iter().enumerate() {
            ix.nodes.push(NodeState {
                class: n.class,
                first_gpu: ix.gpus.len() as u32,
                gpus: n.gpus as u32,
                up: n.up && listed(i),
                rep,
                band,
                banned: false,
                group: n.tier,
            });
            for _ in 0..n.gpus {
                ix.gpus.push(Gpu {
                    node: i as u32,
                    stamp: 0,
                    filed: NONE,
                    slot: NONE,
                    frame: 0,
                    since: 0,
                });
            }
        }
        for i in 0..ix.nodes.len() {
            if ix.nodes[i].up {
                ix.node_live(i as u32, 1);
                for g in ix.nodes[i].gpu_range() {
                    ix.file(g, 0);
                }
            }
        }
        ix
    }

    /// The FIFO (and live-node count) of class `class`, provider tier
    /// `group` and band `band`.
    #[inline]
    fn fifo(&self, class: usize, group: usize, band: usize) -> usize {
        (class * self.groups + group) * self.bands + band
    }

    /// The FIFO of node `n` now.
    #[inline]
    fn fifo_of(&self, n: &NodeState) -> usize {
        self.fifo(n.class as usize, n.group as usize, n.band as usize)
    }

    /// Counts node `node` as up and not banned (`delta` = 1) or no longer
    /// (`delta` = −1), in its class, provider tier and band.
    pub fn node_live(&mut self, node: u32, delta: i32) {
        let f = self.fifo_of(&self.nodes[node as usize]);
        self.live_nodes[f] = (self.live_nodes[f] as i32 + delta) as u32;
    }

    /// Files GPU `g` as idle since `since` (not before any filed entry of its
    /// FIFO). Drops stale entries when they outnumber valid ones.
    pub fn file(&mut self, g: u32, since: SimTime) {
        let f = self.fifo_of(&self.nodes[self.gpus[g as usize].node as usize]);
        let gpu = &mut self.gpus[g as usize];
        gpu.stamp = gpu.stamp.wrapping_add(1);
        gpu.filed = f as u32;
        gpu.since = since;
        let fifo = &mut self.fifos[f];
        debug_assert!(fifo.back().is_none_or(|e| e.since <= since));
        fifo.push_back(Idle {
            since,
            gpu: g,
            stamp: gpu.stamp,
        });
        self.idle_n[f] += 1;
        self.idle_total += 1;
        if fifo.len() > 2 * self.idle_n[f] as usize + 64 {
            let gpus = &self.gpus;
            fifo.retain(|e| gpus[e.gpu as usize].stamp == e.stamp);
        }
    }

    /// Takes GPU `g` out of its idle FIFO if it is filed (its entry goes
    /// stale); a busy GPU keeps its stamp, so its frame's timer stays valid.
    pub fn unfile(&mut self, g: u32) {
        let gpu = &mut self.gpus[g as usize];
        if gpu.filed != NONE {
            gpu.stamp = gpu.stamp.wrapping_add(1);
            self.idle_n[gpu.filed as usize] -= 1;
            self.idle_total -= 1;
            gpu.filed = NONE;
        }
    }

    /// The provider tiers of `tiers` this index has, in order.
    #[inline]
    fn groups_in(&self, tiers: TierMask) -> impl Iterator<Item = usize> + use<> {
        (0..self.groups).filter(move |&g| in_tiers(tiers, g))
    }

    /// Whether some GPU of a class in `mask`, a provider tier in `tiers` and
    /// a band ≥ `need` is idle.
    pub fn any_idle(&self, mask: u64, tiers: TierMask, need: u8) -> bool {
        let mut m = mask;
        while m != 0 {
            let c = m.trailing_zeros() as usize;
            m &= m - 1;
            for g in self.groups_in(tiers) {
                let row = self.fifo(c, g, 0);
                let row = &self.idle_n[row..row + self.bands];
                if row[need as usize..].iter().any(|&n| n > 0) {
                    return true;
                }
            }
        }
        false
    }

    /// The longest-idle GPU of a class in `mask`, a provider tier in
    /// `tiers`, band ≥ `need`, not on node `avoid` (ties: lower GPU index),
    /// as (FIFO, position in it). Drops stale entries at the FIFO heads it
    /// looks at. With `shared` (world mode, where other networks run jobs on
    /// the same nodes), only GPUs on nodes with a GPU free in the world's
    /// pool count.
    pub fn find_gpu(
        &mut self,
        mask: u64,
        tiers: TierMask,
        need: u8,
        avoid: u32,
        shared: Option<&FreePool>,
    ) -> Option<(usize, usize)> {
        let mut best: Option<(SimTime, u32, usize, usize)> = None;
        let mut m = mask;
        while m != 0 {
            let c = m.trailing_zeros() as usize;
            m &= m - 1;
            for (g, b) in (0..self.groups)
                .filter(|&g| in_tiers(tiers, g))
                .flat_map(|g| (need as usize..self.bands).map(move |b| (g, b)))
            {
                let f = (c * self.groups + g) * self.bands + b;
                if self.idle_n[f] == 0 {
                    continue;
                }
                let (fifo, gpus) = (&mut self.fifos[f], &self.gpus);
                while let Some(e) = fifo.front()
                    && gpus[e.gpu as usize].stamp != e.stamp
                {
                    fifo.pop_front();
                }
                let pos = if avoid == NONE && shared.is_none() {
                    Some(0)
                } else {
                    fifo.iter().position(|e| {
                        let gpu = &gpus[e.gpu as usize];
                        gpu.stamp == e.stamp
                            && gpu.node != avoid
                            && shared.is_none_or(|p| p.free(NodeId(gpu.node)) > 0)
                    })
                };
                if let Some(pos) = pos {
                    let e = fifo[pos];
                    if best.is_none_or(|(s, g, ..)| (e.since, e.gpu) < (s, g)) {
                        best = Some((e.since, e.gpu, f, pos));
                    }
                }
            }
        }
        best.map(|(.., f, pos)| (f, pos))
    }

    /// Takes the GPU at `(f, pos)` (as [`GpuIndex::find_gpu`] gave it) out
    /// of the idle FIFOs and returns it.
    pub fn take(&mut self, (f, pos): (usize, usize)) -> u32 {
        let e = self.fifos[f]
            .remove(pos)
            .expect("find_gpu returns a position inside the FIFO");
        self.unfile(e.gpu);
        e.gpu
    }

    /// Whether a node other than `avoid` is up, not banned and eligible
    /// (class in `mask`, provider tier in `tiers`, band ≥ `need`): only
    /// then does a re-queued frame wait for another node.
    pub fn others_live(&self, mask: u64, tiers: TierMask, need: u8, avoid: u32) -> bool {
        let mut live = 0;
        let mut m = mask;
        while m != 0 {
            let c = m.trailing_zeros() as usize;
            m &= m - 1;
            for g in self.groups_in(tiers) {
                let row = self.fifo(c, g, 0);
                live += self.live_nodes[row + need as usize..row + self.bands]
                    .iter()
                    .sum::<u32>();
            }
        }
        let n = &self.nodes[avoid as usize];
        let eligible =
            mask & (1 << n.class) != 0 && n.band >= need && in_tiers(tiers, n.group as usize);
        if n.up && !n.banned && eligible {
            live -= 1;
        }
        live > 0
    }

    /// Bans `node`: its idle GPUs take no more frames (frames running on it
    /// finish).
    pub fn ban(&mut self, node: u32) {
        let n = &mut self.nodes[node as usize];
        n.banned = true;
        if n.up {
            self.node_live(node, -1);
        }
        for g in self.nodes[node as usize].gpu_range() {
            self.unfile(g);
        }
    }

    /// Ends the ban of `node`, at reputation `rep` in band `band`; if it is
    /// up, its idle GPUs take frames again, idle from `now`.
    pub fn unban(&mut self, node: u32, rep: f64, band: u8, now: SimTime) {
        let n = &mut self.nodes[node as usize];
        debug_assert!(n.banned, "an unban for a node not banned");
        n.banned = false;
        n.rep = rep;
        n.band = band;
        if !n.up {
            return;
        }
        self.node_live(node, 1);
        for g in self.nodes[node as usize].gpu_range() {
            if self.gpus[g as usize].slot == NONE {
                self.file(g, now);
            }
        }
    }

    /// Moves `node` (not banned) to band `band`; its idle GPUs move to the
    /// FIFO of their new band, keeping their idle-since order.
    pub fn set_band(&mut self, node: u32, band: u8) {
        let n = &self.nodes[node as usize];
        if band == n.band {
            return;
        }
        let (up, gpus) = (n.up, n.gpu_range());
        if up {
            self.node_live(node, -1);
        }
        self.nodes[node as usize].band = band;
        if up {
            self.node_live(node, 1);
        }
        let f = self.fifo_of(&self.nodes[node as usize]);
        for g in gpus {
            if self.gpus[g as usize].filed == NONE {
                continue;
            }
            self.unfile(g);
            let gpu = &mut self.gpus[g as usize];
            gpu.filed = f as u32;
            let since = gpu.since;
            let fifo = &mut self.fifos[f];
            let pos = fifo.partition_point(|e| e.since <= since);
            fifo.insert(
                pos,
                Idle {
                    since,
                    gpu: g,
                    stamp: gpu.stamp,
                },
            );
            self.idle_n[f] += 1;
            self.idle_total += 1;
        }
    }

    /// Checks the index against a recount from scratch (tests).
    #[cfg(test)]
    pub fn check(&self) {
        let mut valid = vec![0u32; self.fifos.len()];
        for (f, fifo) in self.fifos.iter().enumerate() {
            for e in fifo {
                if self.gpus[e.gpu as usize].stamp == e.stamp {
                    valid[f] += 1;
                    assert_eq!(self.gpus[e.gpu as usize].filed, f as u32);
                }
            }
        }
        assert_eq!(valid, self.idle_n, "idle counts");
        assert_eq!(self.idle_total, valid.iter().sum::<u32>());
        let mut live = vec![0u32; self.live_nodes.len()];
        for n in &self.nodes {
            if n.up && !n.banned {
                live[self.fifo_of(n)] += 1;
            }
            for g in &self.gpus[n.first_gpu as usize..(n.first_gpu + n.gpus) as usize] {
                let idle = g.slot == NONE;
                assert_eq!(g.filed != NONE, idle && n.up && !n.banned, "filed");
                assert!(idle || n.up, "frames run only on nodes that are up");
                if g.filed != NONE {
                    assert_eq!(g.filed as usize, self.fifo_of(n), "filed in its band");
                }
            }
        }
        assert_eq!(live, self.live_nodes, "live nodes");
    }
}
