//! Tests of the collector as a whole: coverage, failures, multi-account.
