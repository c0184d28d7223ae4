//! Independent jobs of uneven size over rayon's threads, largest first: each thread takes the
//! next job as soon as it is free (greedy list scheduling), so a short job never waits behind
//! a long one while a thread idles. rayon's own `par_iter` splits a list in halves instead,
//! which can leave one thread with the two longest length groups of a batch.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `job` on every item, `items` sorted largest first; results come back in `items`' order.
/// With one thread (the single-thread build) the jobs simply run one after the other.
pub fn largest_first<T: Sync, R: Send>(items: &[T], job: impl Fn(&T) -> Result<R, String> + Sync) -> Result<Vec<R>, String> {
    use rayon::prelude::*;
    let next = AtomicUsize::new(0);
    let lanes = rayon::current_num_threads().clamp(1, items.len().max(1));
    let done: Vec<Vec<(usize, R)>> = (0..lanes)
        .into_par_iter()
        .with_max_len(1)
        .map(|_| {
            let mut mine = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { return Ok(mine) };
                mine.push((i, job(item)?));
            }
        })
        .collect::<Result<_, String>>()?;
    let mut ordered: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (i, result) in done.into_iter().flatten() {
        ordered[i] = Some(result);
    }
    Ok(ordered.into_iter().map(|r| r.expect("every item is taken by exactly one lane")).collect())
}
