//! Free GPUs per class, indexed by how many a node has free, so that placing
//! a job costs O(GPUs per node), not O(nodes).

use super::NodeId;

const NONE: u32 = u32::MAX;

/// A node's entry: its place in its bucket, free GPUs and class, together
/// so that [`FreePool::set`] reads and writes one element.
#[derive(Clone, Copy)]
struct Entry {
    /// Position in its bucket (`NONE` when it has none free).
    slot: u32,
    /// Free GPUs (0 when down).
    free: u16,
    class: u16,
}

/// Free GPUs of every node that is up, bucketed per class by free count.
#[derive(Clone)]
pub struct FreePool {
    /// `buckets[class * stride + k]`: nodes of `class` with exactly `k` free
    /// GPUs (k ≥ 1); one flat vector, so a bucket is one index away.
    buckets: Vec<Vec<NodeId>>,
    /// Buckets per class: the most GPUs per node, plus one.
    stride: usize,
    /// Node → its entry.
    nodes: Vec<Entry>,
    /// Class → free GPUs.
    class_free: Vec<u64>,
    /// Bit c set when class c has any free GPU.
    free_mask: u64,
}

impl FreePool {
    /// A pool of `n_classes` classes and nodes of the given classes, all with
    /// no GPU free yet; at most `max_per_node` GPUs per node. O(nodes).
    pub fn new(n_classes: usize, node_classes: &[u16], max_per_node: u16) -> Self {
        let stride = max_per_node as usize + 1;
        Self {
            buckets: vec![Vec::new(); stride * n_classes],
            stride,
            nodes: node_classes
                .iter()
                .map(|&class| Entry {
                    slot: NONE,
                    free: 0,
                    class,
                })
                .collect(),
            class_free: vec![0; n_classes],
            free_mask: 0,
        }
    }

    /// Free GPUs on `node`. O(1).
    #[inline]
    pub fn free(&self, node: NodeId) -> u16 {
        self.nodes[node.ix()].free
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
        assert!((k as usize) < self.stride, "k above the most per node");
        &self.buckets[c * self.stride + k as usize]
    }

    /// The most GPUs a node may have free. O(1).
    #[inline]
    pub fn max_per_node(&self) -> u16 {
        (self.stride - 1) as u16
    }

    /// Sets the free GPUs of `node` to `k`. O(1).
    // Always inlined: it is small, and `#[inline]` left it out of line in
    // `take` and `World::release`, at ~15 instructions of call per job end.
    #[inline(always)]
    pub fn set(&mut self, node: NodeId, k: u16) {
        let n = node.ix();
        let e = self.nodes[n];
        let old = e.free;
        if old == k {
            return;
        }
        let c = e.class as usize;
        let base = c * self.stride;
        if old > 0 {
            let bucket = &mut self.buckets[base + old as usize];
            let pos = e.slot as usize;
            bucket.swap_remove(pos);
            if let Some(&moved) = bucket.get(pos) {
                self.nodes[moved.ix()].slot = pos as u32;
            }
        }
        let slot = if k > 0 {
            assert!((k as usize) < self.stride, "k above the most per node");
            let bucket = &mut self.buckets[base + k as usize];
            bucket.push(node);
            (bucket.len() - 1) as u32
        } else {
            NONE
        };
        self.nodes[n] = Entry {
            slot,
            free: k,
            class: e.class,
        };
        let cf = &mut self.class_free[c];
        *cf = *cf + k as u64 - old as u64;
        if *cf > 0 {
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
        out: &mut super::jobs::Alloc,
    ) -> bool {
        if self.class_free[c] < gpus as u64 {
            return false;
        }
        let max = self.stride - 1;
        let base = c * self.stride;
        if (gpus as usize) <= max {
            for k in gpus as usize..=max {
                if let Some(&node) = self.buckets[base + k].last() {
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
                let Some(&node) = self.buckets[base + k].last() else {
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
        let mut out = crate::model::jobs::Alloc::new();
        assert!(p.take(0, 3, false, &mut out));
        assert_eq!(
            out.as_slice(),
            [(NodeId(1), 3)].as_slice(),
            "the node with exactly 3 free fits best"
        );
        out.clear();
        assert!(p.take(0, 4, false, &mut out));
        assert_eq!(out.as_slice(), [(NodeId(2), 4)]);
        out.clear();
        // 9 > any node: spread, largest first.
        assert!(p.take(0, 9, false, &mut out));
        assert_eq!(out.as_slice(), [(NodeId(0), 8), (NodeId(2), 1)]);
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
        let mut out = crate::model::jobs::Alloc::new();
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
        let mut out = crate::model::jobs::Alloc::new();
        assert!(p.take(0, 8, true, &mut out));
        assert_eq!(out.as_slice(), [(NodeId(1), 8)]);
        assert_eq!(p.free_mask(), 0b10);
    }
}
