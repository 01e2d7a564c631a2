//! Tests of the `kms` collector against moto.
