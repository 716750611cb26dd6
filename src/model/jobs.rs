//! Jobs in flight, in a slab whose slots are reused, so memory follows the
//! number of live jobs, not the number ever submitted.

use super::NodeId;
use crate::engine::SimTime;
use smallvec::SmallVec;

/// GPUs a job takes on each node: inline for up to two nodes (an Akash
/// lease has one provider), so reading it costs no second cache miss; gangs
/// spread over more nodes spill to the heap.
pub type Alloc = SmallVec<[(NodeId, u16); 2]>;

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Waiting in a queue since the given time.
    Queued { since: SimTime },
    /// Running since the given time.
    Running { since: SimTime },
}

/// One job. Aligned to a cache line (it is 128 bytes), so reading it
/// touches two lines, not three.
#[derive(Debug, Clone)]
#[repr(align(64))]
pub struct Job {
    /// Arrival order (unique per run); queues are ordered by it.
    pub serial: u64,
    pub workload: u16,
    pub gpus: u32,
    /// Frames of a render job (0 for other kinds).
    pub frames: u32,
    /// Stateless (a web service): an interruption loses no progress.
    pub stateless: bool,
    /// The most the user pays per GPU-hour, USD.
    pub max_price: f64,
    /// Classes the job accepts and can afford, as a bitmask.
    pub class_mask: u64,
    pub submitted: SimTime,
    /// Work left, ms on its GPUs.
    pub remaining: SimTime,
    /// Checkpoint interval, ms; 0 for none.
    pub checkpoint_every: SimTime,
    pub state: JobState,
    /// Time spent queued so far (all episodes), ms.
    pub queued_ms: SimTime,
    /// Whether the job was submitted after warmup (its metrics count).
    pub counted: bool,
    /// Whether it has been interrupted at least once.
    pub interrupted: bool,
    /// The network serving it (0 when a design runs alone).
    pub net: u8,
    /// Class of the current run, and its price per GPU-hour, USD.
    pub class: u16,
    pub price_per_gpu_h: f64,
    /// GPUs taken on each node for the current run.
    pub alloc: Alloc,
    /// Bumped on every interruption and on completion, so stale end events
    /// are recognised and skipped (lazy cancellation).
    pub generation: u32,
}

// Two cache lines exactly (see the alignment above).
const _: () = assert!(std::mem::size_of::<Job>() == 128);

/// A slab of jobs; a slot index stays valid while the job lives.
#[derive(Default)]
pub struct Jobs {
    slots: Vec<Job>,
    vacant: Vec<u32>,
    live: usize,
    /// Live jobs per network (world mode; network 0 alone otherwise).
    live_by_net: [u32; 8],
}

impl Jobs {
    /// Stores `job` and returns its slot, reusing a vacant slot (and its
    /// allocation buffer) when there is one. O(1) amortised.
    #[inline]
    pub fn insert(&mut self, mut job: Job) -> u32 {
        self.live += 1;
        self.live_by_net[job.net as usize] += 1;
        if let Some(s) = self.vacant.pop() {
            let old = &mut self.slots[s as usize];
            job.generation = old.generation;
            job.alloc = std::mem::take(&mut old.alloc);
            job.alloc.clear();
            *old = job;
            s
        } else {
            self.slots.push(job);
            (self.slots.len() - 1) as u32
        }
    }

    /// Frees `slot`; events still pointing at it carry an old generation. O(1).
    #[inline]
    pub fn remove(&mut self, slot: u32) {
        let j = &mut self.slots[slot as usize];
        j.generation = j.generation.wrapping_add(1);
        self.live_by_net[j.net as usize] -= 1;
        self.vacant.push(slot);
        self.live -= 1;
    }

    /// Number of live jobs. O(1).
    pub fn live(&self) -> usize {
        self.live
    }

    /// Live jobs of network `net`. O(1).
    pub fn live_of(&self, net: u8) -> usize {
        self.live_by_net[net as usize] as usize
    }

    /// Live jobs' slots of network `net`, in slot order. O(slots).
    pub fn live_slots_of(&self, net: u8) -> Vec<u32> {
        let mut v = self.live_slots();
        v.retain(|&s| self.slots[s as usize].net == net);
        v
    }

    /// Live jobs' slots in slot order (vacant slots skipped). O(slots).
    pub fn live_slots(&self) -> Vec<u32> {
        let mut vacant = self.vacant.clone();
        vacant.sort_unstable();
        (0..self.slots.len() as u32)
            .filter(|s| vacant.binary_search(s).is_err())
            .collect()
    }
}

impl std::ops::Index<u32> for Jobs {
    type Output = Job;
    fn index(&self, s: u32) -> &Job {
        &self.slots[s as usize]
    }
}

impl std::ops::IndexMut<u32> for Jobs {
    fn index_mut(&mut self, s: u32) -> &mut Job {
        &mut self.slots[s as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(serial: u64) -> Job {
        Job {
            serial,
            workload: 0,
            gpus: 1,
            frames: 0,
            stateless: false,
            max_price: 1.0,
            class_mask: 1,
            submitted: 0,
            remaining: 10,
            checkpoint_every: 0,
            state: JobState::Queued { since: 0 },
            queued_ms: 0,
            counted: true,
            interrupted: false,
            net: 0,
            class: 0,
            price_per_gpu_h: 1.0,
            alloc: Alloc::new(),
            generation: 0,
        }
    }

    #[test]
    fn slots_are_reused_with_a_new_generation() {
        let mut jobs = Jobs::default();
        let a = jobs.insert(job(0));
        let b = jobs.insert(job(1));
        jobs[a].alloc.push((NodeId(3), 2));
        let g = jobs[a].generation;
        jobs.remove(a);
        let c = jobs.insert(job(2));
        assert_eq!(c, a);
        assert_ne!(
            jobs[c].generation, g,
            "a stale event must not match the new job"
        );
        assert!(jobs[c].alloc.is_empty());
        assert_eq!(jobs.live(), 2);
        assert_eq!(jobs.live_slots(), vec![a, b]);
    }
}
