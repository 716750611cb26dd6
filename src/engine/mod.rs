//! The generic discrete-event kernel: integer time, the event queue, the run
//! loop and named random streams. It knows nothing about GPUs, jobs or money.

pub mod queue;
pub mod rng;
pub mod sim;
pub mod time;

pub use queue::{EventQueue, RadixQueue, WheelQueue};
pub use rng::{Rng, StreamNs, Streams, derive_run_seed};
pub use sim::{Handler, Scheduler, run_until};
pub use time::{MS_PER_HOUR, SimTime, hours};
