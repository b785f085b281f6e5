//! Whisper lanes: at most N whisper runs at once among the threads that
//! share one [`Recognizer`](super::Recognizer).
//!
//! Each whisper run holds a whisper.cpp state: its compute buffers, caches
//! and the DTW alignment take about 190 MB once it has decoded a few
//! windows of the base model (docs/performance.md, "Batch"). `batch` scores
//! several calls at once to keep the cores busy, but if every call held its
//! own state, memory would grow with the jobs. The lanes make the calls
//! queue for whisper instead: with one lane of two threads on two cores,
//! `batch --jobs 2` peaks at 451-550 MB instead of 698-805 MB with two
//! one-thread lanes, and scores 12.1-12.5 audio minutes per wall minute
//! instead of 12.4-15.1 (`batch::RUN_THREADS`).

use std::sync::{Condvar, Mutex, PoisonError};

/// A counting semaphore of whisper runs.
#[derive(Debug)]
pub struct Lanes {
    /// Lanes not taken.
    free: Mutex<usize>,
    /// Signalled when a lane comes free.
    freed: Condvar,
}

/// One taken lane; dropping it frees the lane.
#[derive(Debug)]
pub struct Lane<'a>(&'a Lanes);

impl Lanes {
    /// `n` lanes (at least one).
    pub fn new(n: usize) -> Self {
        Lanes {
            free: Mutex::new(n.max(1)),
            freed: Condvar::new(),
        }
    }

    /// Waits for a free lane and takes it.
    pub fn take(&self) -> Lane<'_> {
        // The count stays right even if a holder panicked: Lane's drop runs
        // during unwinding and gives its lane back.
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        while *free == 0 {
            free = self
                .freed
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *free -= 1;
        Lane(self)
    }
}

impl Drop for Lane<'_> {
    fn drop(&mut self) {
        let mut free = self.0.free.lock().unwrap_or_else(PoisonError::into_inner);
        *free += 1;
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// Six threads, each holding a lane for a while: never more than the
    /// lanes at once, and every thread gets its turn.
    fn most_at_once(lanes: usize) -> usize {
        let gate = Lanes::new(lanes);
        let (inside, most, done) = (
            AtomicUsize::new(0),
            AtomicUsize::new(0),
            AtomicUsize::new(0),
        );
        std::thread::scope(|s| {
            for _ in 0..6 {
                s.spawn(|| {
                    let _lane = gate.take();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    inside.fetch_sub(1, Ordering::SeqCst);
                    done.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(done.load(Ordering::SeqCst), 6);
        most.load(Ordering::SeqCst)
    }

    #[test]
    fn one_lane_lets_one_run_at_a_time() {
        assert_eq!(most_at_once(1), 1);
    }

    #[test]
    fn two_lanes_let_two_runs_at_a_time_but_not_three() {
        // 6 threads sleeping 20 ms each behind 2 lanes: 2 at once at most;
        // that 2 is reached is likely but not certain on a loaded machine.
        let most = most_at_once(2);
        assert!((1..=2).contains(&most), "{most} runs at once");
    }

    #[test]
    fn a_lane_taken_by_a_panicking_thread_comes_back() {
        let gate = Lanes::new(1);
        let _ = std::thread::scope(|s| {
            s.spawn(|| {
                let _lane = gate.take();
                panic!("whisper failed");
            })
            .join()
        });
        // Would wait forever if the lane were lost.
        let _lane = gate.take();
    }

    #[test]
    fn zero_lanes_means_one() {
        let gate = Lanes::new(0);
        let _lane = gate.take();
        assert_eq!(*gate.free.lock().unwrap(), 0);
    }
}
