//! Tests of the `rds` collector against moto.
