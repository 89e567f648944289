//! The export queue: every job in order of arrival; the first pending one runs when nothing
//! else is running. Cancelling a pending job just marks it; cancelling the running one fires its
//! token (the worker then records `cancelled`).

use super::state::{Job, JobStatus};
use crate::CancelToken;
use std::collections::HashMap;

#[derive(Default)]
pub struct JobQueue {
    /// All jobs of this session, oldest first.
    jobs: Vec<Job>,
    tokens: HashMap<String, CancelToken>,
}

impl JobQueue {
    pub fn push(&mut self, job: Job) -> String {
        let id = job.id.clone();
        self.tokens.insert(id.clone(), CancelToken::new());
        self.jobs.push(job);
        id
    }

    pub fn get(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id == id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Job> {
        self.jobs.iter_mut().find(|j| j.id == id)
    }

    pub fn all(&self) -> &[Job] {
        &self.jobs
    }

    pub fn token(&self, id: &str) -> Option<CancelToken> {
        self.tokens.get(id).cloned()
    }

    /// Is a job rendering or finalizing?
    pub fn busy(&self) -> bool {
        self.jobs.iter().any(|j| matches!(j.status, JobStatus::Rendering | JobStatus::Finalizing))
    }

    /// The job to start now, if nothing runs: the oldest pending one, marked `rendering`.
    pub fn start_next(&mut self) -> Option<Job> {
        if self.busy() {
            return None;
        }
        let job = self.jobs.iter_mut().find(|j| j.status == JobStatus::Pending)?;
        job.set_status(JobStatus::Rendering).ok()?;
        Some(job.clone())
    }

    /// 1-based place among waiting jobs, for the queue's display.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.jobs.iter().filter(|j| j.status == JobStatus::Pending).position(|j| j.id == id).map(|p| p + 1)
    }

    /// Cancels a job. Returns the job as it now stands, or None if unknown. Cancelling a
    /// finished job changes nothing.
    pub fn cancel(&mut self, id: &str) -> Option<Job> {
        let token = self.tokens.get(id).cloned();
        let job = self.jobs.iter_mut().find(|j| j.id == id)?;
        match job.status {
            JobStatus::Pending => {
                let _ = job.set_status(JobStatus::Cancelled);
            }
            JobStatus::Rendering | JobStatus::Finalizing => {
                if let Some(t) = token {
                    t.cancel();
                }
            }
            _ => {}
        }
        Some(job.clone())
    }

    /// Forgets tokens of finished jobs (they hold cancel hooks of dead pipelines).
    pub fn release(&mut self, id: &str) {
        if self.get(id).is_some_and(|j| j.status.is_final()) {
            self.tokens.remove(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{Format, Quality};

    fn job(n: &str) -> Job {
        Job::new(format!("{n}.json").into(), n.into(), Format::Mp4, Quality::Low, format!("{n}.mp4").into())
    }

    #[test]
    fn one_at_a_time_in_order() {
        let mut q = JobQueue::default();
        let a = q.push(job("a"));
        let b = q.push(job("b"));
        assert_eq!(q.position(&a), Some(1));
        assert_eq!(q.position(&b), Some(2));
        assert_eq!(q.start_next().map(|j| j.id), Some(a.clone()));
        assert_eq!(q.start_next().map(|j| j.id), None, "b waits while a runs");
        assert_eq!(q.position(&b), Some(1));
        q.get_mut(&a).unwrap().set_status(JobStatus::Completed).unwrap();
        assert_eq!(q.start_next().map(|j| j.id), Some(b));
    }

    #[test]
    fn cancelling_pending_and_running_jobs() {
        let mut q = JobQueue::default();
        let a = q.push(job("a"));
        let b = q.push(job("b"));
        q.start_next();
        let token = q.token(&a).unwrap();
        assert_eq!(q.cancel(&b).map(|j| j.status), Some(JobStatus::Cancelled));
        assert!(!token.is_cancelled());
        // The running job's token fires; the worker records the outcome.
        assert_eq!(q.cancel(&a).map(|j| j.status), Some(JobStatus::Rendering));
        assert!(token.is_cancelled());
        assert!(q.cancel("nope").is_none());
        q.get_mut(&a).unwrap().set_status(JobStatus::Cancelled).unwrap();
        assert_eq!(q.start_next().map(|j| j.id), None, "b was cancelled, nothing is left");
    }

    #[test]
    fn fifty_queued_and_all_cancelled() {
        let mut q = JobQueue::default();
        let ids: Vec<_> = (0..50).map(|i| q.push(job(&i.to_string()))).collect();
        q.start_next();
        for id in &ids {
            q.cancel(id);
        }
        assert!(q.token(&ids[0]).unwrap().is_cancelled());
        assert!(q.all()[1..].iter().all(|j| j.status == JobStatus::Cancelled));
    }
}
