//! Tests of the `iam` collector against moto.
