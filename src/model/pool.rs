//! Free GPUs per class, indexed by how many a node has free, so that placing
//! a job costs O(GPUs per node), not O(nodes).

use super::NodeId;

const NONE: u32 = u32::MAX;

/// Free GPUs of every node that is up, bucketed per class by free count.
pub struct FreePool {
    /// `buckets[class][k]`: nodes of `class` with exactly `k` free GPUs (k ≥ 1).
    buckets: Vec<Vec<Vec<NodeId>>>,
    /// Node → its position in its bucket (`NONE` when it has none free).
    slot: Vec<u32>,
    /// Node → free GPUs (0 when down).
    free: Vec<u16>,
    /// Node → class.
    class: Vec<u16>,
    /// Class → free GPUs.
    class_free: Vec<u64>,
    /// Bit c set when class c has any free GPU.
    free_mask: u64,
}

impl FreePool {
    /// A pool of `n_classes` classes and nodes of the given classes, all with
    /// no GPU free yet; at most `max_per_node` GPUs per node. O(nodes).
    pub fn new(n_classes: usize, node_classes: &[u16], max_per_node: u16) -> Self {
        Self {
            buckets: vec![vec![Vec::new(); max_per_node as usize + 1]; n_classes],
            slot: vec![NONE; node_classes.len()],
            free: vec![0; node_classes.len()],
            class: node_classes.to_vec(),
            class_free: vec![0; n_classes],
            free_mask: 0,
        }
    }

    /// Free GPUs on `node`. O(1).
    #[inline]
    pub fn free(&self, node: NodeId) -> u16 {
        self.free[node.ix()]
    }

    /// Free GPUs of class `c`. O(1).
    #[inline]
    pub fn class_free(&self, c: usize) -> u64 {
        self.class_free[c]
    }

    /// Classes with any free GPU, as a bitmask. O(1).
    #[inline]
    pub fn free_mask(&self) -> u64 {
        self.free_mask
    }

    /// Nodes of class `c` with exactly `k` free GPUs (1 ≤ k ≤ the most per
    /// node), in the pool's internal order: deterministic, not meaningful.
    /// O(1).
    #[inline]
    pub fn nodes_with_free(&self, c: usize, k: u16) -> &[NodeId] {
        &self.buckets[c][k as usize]
    }

    /// The most GPUs a node may have free. O(1).
    #[inline]
    pub fn max_per_node(&self) -> u16 {
        (self.buckets[0].len() - 1) as u16
    }

    /// Sets the free GPUs of `node` to `k`. O(1).
    #[inline]
    pub fn set(&mut self, node: NodeId, k: u16) {
        let n = node.ix();
        let c = self.class[n] as usize;
        let old = self.free[n];
        if old == k {
            return;
        }
        if old > 0 {
            let bucket = &mut self.buckets[c][old as usize];
            let pos = self.slot[n] as usize;
            bucket.swap_remove(pos);
            if let Some(&moved) = bucket.get(pos) {
                self.slot[moved.ix()] = pos as u32;
            }
            self.slot[n] = NONE;
        }
        if k > 0 {
            let bucket = &mut self.buckets[c][k as usize];
            self.slot[n] = bucket.len() as u32;
            bucket.push(node);
        }
        self.free[n] = k;
        self.class_free[c] = self.class_free[c] + k as u64 - old as u64;
        if self.class_free[c] > 0 {
            self.free_mask |= 1 << c;
        } else {
            self.free_mask &= !(1 << c);
        }
    }

    /// Takes `gpus` free GPUs of class `c` and appends `(node, gpus taken)` to
    /// `out`. Prefers one node with the fewest free GPUs that fit (best fit,
    /// keeps big holes for big gangs); else, when `colocate` is false, spreads
    /// over the nodes with the most free GPUs first. Returns false, taking
    /// nothing, when it cannot. O(GPUs per node + nodes used).
    #[inline]
    pub fn take(
        &mut self,
        c: usize,
        gpus: u32,
        colocate: bool,
        out: &mut Vec<(NodeId, u16)>,
    ) -> bool {
        if self.class_free[c] < gpus as u64 {
            return false;
        }
        let max = self.buckets[c].len() - 1;
        if (gpus as usize) <= max {
            for k in gpus as usize..=max {
                if let Some(&node) = self.buckets[c][k].last() {
                    self.set(node, (k as u32 - gpus) as u16);
                    out.push((node, gpus as u16));
                    return true;
                }
            }
        }
        if colocate {
            return false;
        }
        let mut need = gpus;
        for k in (1..=max).rev() {
            while need > 0 {
                let Some(&node) = self.buckets[c][k].last() else {
                    break;
                };
                let t = need.min(k as u32);
                self.set(node, (k as u32 - t) as u16);
                out.push((node, t as u16));
                need -= t;
            }
        }
        debug_assert_eq!(need, 0, "class_free said there were enough GPUs");
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> FreePool {
        // Class 0: nodes 0,1,2 ; class 1: node 3.
        let mut p = FreePool::new(2, &[0, 0, 0, 1], 8);
        for (n, k) in [(0, 8), (1, 3), (2, 5), (3, 8)] {
            p.set(NodeId(n), k);
        }
        p
    }

    #[test]
    fn best_fit_then_spread() {
        let mut p = pool();
        assert_eq!(p.class_free(0), 16);
        let mut out = vec![];
        assert!(p.take(0, 3, false, &mut out));
        assert_eq!(
            out,
            vec![(NodeId(1), 3)],
            "the node with exactly 3 free fits best"
        );
        out.clear();
        assert!(p.take(0, 4, false, &mut out));
        assert_eq!(out, vec![(NodeId(2), 4)]);
        out.clear();
        // 9 > any node: spread, largest first.
        assert!(p.take(0, 9, false, &mut out));
        assert_eq!(out, vec![(NodeId(0), 8), (NodeId(2), 1)]);
        assert_eq!(p.class_free(0), 0);
        assert_eq!(p.free_mask(), 0b10);
        out.clear();
        assert!(!p.take(0, 1, false, &mut out));
        assert!(out.is_empty());
    }

    #[test]
    fn nodes_are_listed_by_free_count() {
        let mut p = pool();
        assert_eq!(p.max_per_node(), 8);
        assert_eq!(p.nodes_with_free(0, 8), &[NodeId(0)]);
        assert_eq!(p.nodes_with_free(0, 3), &[NodeId(1)]);
        assert_eq!(p.nodes_with_free(1, 8), &[NodeId(3)]);
        p.set(NodeId(2), 3);
        assert_eq!(p.nodes_with_free(0, 5), &[] as &[NodeId]);
        assert_eq!(p.nodes_with_free(0, 3), &[NodeId(1), NodeId(2)]);
    }

    #[test]
    fn colocate_refuses_to_spread() {
        let mut p = pool();
        let mut out = vec![];
        assert!(!p.take(0, 9, true, &mut out));
        assert!(out.is_empty());
        assert_eq!(p.class_free(0), 16);
    }

    #[test]
    fn set_keeps_counts_consistent() {
        let mut p = pool();
        p.set(NodeId(0), 0);
        p.set(NodeId(1), 8);
        p.set(NodeId(2), 0);
        assert_eq!(p.class_free(0), 8);
        let mut out = vec![];
        assert!(p.take(0, 8, true, &mut out));
        assert_eq!(out, vec![(NodeId(1), 8)]);
        assert_eq!(p.free_mask(), 0b10);
    }
}
