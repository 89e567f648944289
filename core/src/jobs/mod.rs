//! Export jobs: the state machine each job follows, and the queue that runs one at a time.
//!
//! - [`state`]: `pending → rendering → finalizing → completed | failed | cancelled`, plus
//!   `interrupted` for a job found running when the app starts again.
//! - [`queue`]: FIFO of jobs; the engine renders one export at a time, later ones wait.
//! - [`history`]: the SQLite store every job is written to.

pub mod history;
pub mod queue;
pub mod state;

pub use crate::stage::Stage;
pub use history::{History, HistoryError};
pub use queue::JobQueue;
pub use state::{Job, JobStatus};
