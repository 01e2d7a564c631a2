//! Tests of the `organizations` collector against moto.
