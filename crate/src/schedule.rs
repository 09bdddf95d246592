//! Jobs of unequal size on the thread pool, the longest first.
//!
//! A batch's work is a few dozen jobs: converting a tile of one column, writing one column.
//! They differ tenfold: a long text column's write (encoding and compressing its pages) can
//! take as long as all the other columns' writes together. Split by rayon's halving of the
//! list, such a job starts wherever it happens to fall, often last, and the cores then wait
//! at the batch's end for the one still running it. Here each thread takes the longest job
//! left as soon as it is free (list scheduling, longest first), which leaves the shortest
//! tail. rayon has no priorities, so this is the one piece of scheduling done by hand.
//!
//! What a job costs is not known in advance: callers estimate it from what jobs of its kind
//! took before ([`Costs`]).

use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use web_time::Instant;

/// Past this many jobs, a list is left to rayon's own splitting, in the jobs' order, and not
/// timed: so many jobs in one batch are small (a wide file's columns over a few rows each),
/// the cost of timing and handing out each would show (12% on 2,000 columns), and
/// neighbouring columns share the rows' cache lines.
pub const MOST_JOBS: usize = 512;

/// Runs `run` on every job, the jobs with the highest `cost` first, each pool thread taking
/// the next one as it frees up. Returns the results in the jobs' order, each with the
/// seconds its job took (`None` past [`MOST_JOBS`]).
pub fn longest_first<T: Send, R: Send>(
    jobs: Vec<(f64, T)>,
    run: impl Fn(T) -> R + Sync,
) -> Vec<(R, Option<f64>)> {
    let n = jobs.len();
    if n > MOST_JOBS {
        return jobs.into_par_iter().map(|(_, j)| (run(j), None)).collect();
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| jobs[b].0.total_cmp(&jobs[a].0));
    // Each job is taken once (the counter hands out each index once): the locks are never
    // contended, they only let a job move to whichever thread takes it.
    let slots: Vec<Mutex<Option<T>>> = jobs.into_iter().map(|(_, j)| Mutex::new(Some(j))).collect();
    let next = AtomicUsize::new(0);
    let takers = rayon::current_num_threads().clamp(1, n.max(1));
    let mut done: Vec<(usize, R, Option<f64>)> = (0..takers)
        .into_par_iter()
        .with_max_len(1)
        .flat_map_iter(|_| {
            let mut mine = Vec::new();
            // One clock read a job, a job's end being the next one's start: in wasm each
            // read is a call out to JavaScript.
            let mut t = Instant::now();
            loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&i) = order.get(k) else {
                    break;
                };
                let job = slots[i].lock().unwrap_or_else(|e| e.into_inner()).take();
                if let Some(job) = job {
                    let r = run(job);
                    let now = Instant::now();
                    mine.push((i, r, Some(now.duration_since(t).as_secs_f64())));
                    t = now;
                }
            }
            mine
        })
        .collect();
    done.sort_unstable_by_key(|d| d.0);
    done.into_iter().map(|(_, r, s)| (r, s)).collect()
}

/// What a kind of job costs per row, learnt from the jobs done: the last batch's figure
/// weighed with the ones before, so that one slow job (a page compressed) does not swing
/// the order of the next batch.
#[derive(Clone, Debug, Default)]
pub struct Costs {
    per_row: Vec<f64>,
}

impl Costs {
    pub fn new(kinds: usize) -> Costs {
        Costs {
            per_row: vec![0.0; kinds],
        }
    }

    /// The expected cost of job kind `k` over `rows` rows (0 before one was seen).
    pub fn of(&self, k: usize, rows: usize) -> f64 {
        self.per_row.get(k).copied().unwrap_or(0.0) * rows as f64
    }

    /// Notes that job kind `k` took `secs` for `rows` rows (if it was timed).
    pub fn learn(&mut self, k: usize, rows: usize, secs: Option<f64>) {
        let Some(secs) = secs.filter(|_| rows > 0) else {
            return;
        };
        if let Some(c) = self.per_row.get_mut(k) {
            let now = secs / rows as f64;
            *c = if *c == 0.0 {
                now
            } else {
                0.75 * *c + 0.25 * now
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn every_job_runs_once_and_results_keep_the_jobs_order() {
        let runs = AtomicUsize::new(0);
        let jobs: Vec<(f64, usize)> = (0..100).map(|i| (((i * 37) % 11) as f64, i)).collect();
        let out = longest_first(jobs, |i| {
            runs.fetch_add(1, Ordering::Relaxed);
            i * 2
        });
        assert_eq!(runs.load(Ordering::Relaxed), 100);
        let got: Vec<usize> = out.into_iter().map(|(r, _)| r).collect();
        assert_eq!(got, (0..100).map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn the_longest_job_is_taken_first() {
        // One thread: jobs run strictly in the order taken.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let order = Mutex::new(Vec::new());
        pool.install(|| {
            longest_first(vec![(1.0, 'a'), (5.0, 'b'), (3.0, 'c'), (0.0, 'd')], |j| {
                order.lock().unwrap().push(j)
            })
        });
        assert_eq!(order.into_inner().unwrap(), ['b', 'c', 'a', 'd']);
    }

    #[test]
    fn no_jobs_is_no_results() {
        let out: Vec<((), Option<f64>)> = longest_first(Vec::<(f64, ())>::new(), |_| ());
        assert!(out.is_empty());
    }

    #[test]
    fn many_jobs_run_untimed_in_their_order() {
        let jobs: Vec<(f64, usize)> = (0..MOST_JOBS + 1).map(|i| (i as f64, i)).collect();
        let out = longest_first(jobs, |i| i + 1);
        assert!(out.iter().all(|(_, secs)| secs.is_none()));
        let got: Vec<usize> = out.into_iter().map(|(r, _)| r).collect();
        assert_eq!(got, (1..MOST_JOBS + 2).collect::<Vec<_>>());
        let timed = longest_first(vec![(1.0, 1)], |i| i);
        assert!(timed[0].1.is_some());
    }

    #[test]
    fn costs_follow_what_jobs_took() {
        let mut c = Costs::new(2);
        assert_eq!(c.of(0, 10), 0.0);
        c.learn(0, 10, Some(1.0));
        assert_eq!(c.of(0, 20), 2.0);
        c.learn(0, 10, Some(2.0));
        assert!(c.of(0, 1) > 0.1 && c.of(0, 1) < 0.2);
        c.learn(0, 10, None);
        assert!(c.of(0, 1) > 0.1 && c.of(0, 1) < 0.2);
        c.learn(1, 0, Some(5.0));
        assert_eq!(c.of(1, 5), 0.0);
        assert_eq!(c.of(7, 5), 0.0);
    }
}
