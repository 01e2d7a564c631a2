//! The allocator of Plumb's binaries and benchmarks.
//!
//! Evaluating checks allocates and frees hundreds of millions of small
//! values (parsed props, evidence, findings) on several threads, and
//! frees many on a thread other than the one that allocated them. glibc's
//! allocator spent about a quarter of the evaluation's time there;
//! mimalloc takes about a quarter less CPU in all (docs/performance.md).
//!
//! A binary declares it and configures it first thing in `main`:
//!
//! ```text
//! #[global_allocator]
//! static ALLOCATOR: plumb_alloc::Allocator = plumb_alloc::Allocator;
//!
//! fn main() {
//!     plumb_alloc::configure();
//!     // …
//! }
//! ```

pub use mimalloc::MiMalloc as Allocator;

/// mimalloc's `mi_option_purge_delay` (its `mimalloc.h`, option 15).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory in the process instead of returning it to the
/// system after a delay: a scan frees and reallocates the same few hundred
/// MiB page after page, and handing them back only to fault them in again
/// cost about 2.5 s of system time per million resources. Peak memory is
/// unchanged; the process returns everything when it exits. Call it at the
/// start of `main`, before other threads exist.
pub fn configure() {
    // SAFETY: sets a global option of the allocator; mimalloc reads its
    // options without synchronisation, hence before any thread starts.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_option_set_is_the_purge_delay() {
        // mimalloc v3's default purge delay is 1,000 ms, which no other
        // option has as its default: the index names the right option.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads a global option.
            let default = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
            assert_eq!(default, 1000);
        }
        super::configure();
        // SAFETY: reads a global option.
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        assert_eq!(delay, -1);
    }
}
