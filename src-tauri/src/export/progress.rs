//! Throttles progress for the window: at most one update per interval, except that the first
//! and every change of stage always go through. (The last update of a job, its end, is sent by
//! the service unthrottled.)

use std::time::{Duration, Instant};

pub struct Throttle<K: PartialEq + Copy> {
    interval: Duration,
    /// When the last update went through, and its stage.
    sent: Option<(Instant, K)>,
}

impl<K: PartialEq + Copy> Throttle<K> {
    pub fn new(interval: Duration) -> Self {
        Self { interval, sent: None }
    }

    /// Should an update in `stage` be sent now?
    pub fn pass(&mut self, stage: K) -> bool {
        self.pass_at(stage, Instant::now())
    }

    /// [`Throttle::pass`] at the time `now` (tests give the time instead of waiting for it).
    fn pass_at(&mut self, stage: K, now: Instant) -> bool {
        let send = match self.sent {
            None => true,
            Some((at, k)) => k != stage || now.duration_since(at) >= self.interval,
        };
        if send {
            self.sent = Some((now, stage));
        }
        send
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_update_and_stage_changes_always_pass() {
        let mut t = Throttle::new(Duration::from_secs(3600));
        assert!(t.pass(1), "first");
        assert!(!t.pass(1), "throttled");
        assert!(!t.pass(1));
        assert!(t.pass(2), "stage change");
        assert!(!t.pass(2));
    }

    #[test]
    fn at_most_one_per_interval() {
        let mut t = Throttle::new(Duration::from_millis(100));
        let start = Instant::now();
        // An update every millisecond for 350 ms: the first, then one per 100 ms.
        let sent = (0..350).filter(|ms| t.pass_at(0, start + Duration::from_millis(*ms))).count();
        assert_eq!(sent, 4, "at 0, 100, 200 and 300 ms");
    }
}
