//! Tests of the `config` collector against moto.
