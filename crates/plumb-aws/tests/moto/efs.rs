//! Tests of the `efs` collector against moto.
