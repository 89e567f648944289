//! Throttles progress for the window: at most one update per interval, except that the first,
//! the last and every change of stage always go through.

use std::time::{Duration, Instant};

pub struct Throttle<K: PartialEq + Copy> {
    interval: Duration,
    last: Option<(Instant, K)>,
}

impl<K: PartialEq + Copy> Throttle<K> {
    pub fn new(interval: Duration) -> Self {
        Self { interval, last: None }
    }

    /// Should an update in `stage` be sent now? `last` marks the final update of a job.
    pub fn pass(&mut self, stage: K, last: bool) -> bool {
        let now = Instant::now();
        let send = match self.last {
            None => true,
            Some((at, k)) => last || k != stage || now.duration_since(at) >= self.interval,
        };
        if send {
            self.last = Some((now, stage));
        }
        send
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_last_and_stage_changes_always_pass() {
        let mut t = Throttle::new(Duration::from_secs(3600));
        assert!(t.pass(1, false), "first");
        assert!(!t.pass(1, false), "throttled");
        assert!(!t.pass(1, false));
        assert!(t.pass(2, false), "stage change");
        assert!(!t.pass(2, false));
        assert!(t.pass(2, true), "last");
    }

    #[test]
    fn at_most_one_per_interval() {
        let mut t = Throttle::new(Duration::from_millis(100));
        let start = Instant::now();
        let mut sent = 0;
        while start.elapsed() < Duration::from_millis(350) {
            if t.pass(0, false) {
                sent += 1;
            }
        }
        assert!((3..=5).contains(&sent), "{sent} updates in 350 ms");
    }
}
