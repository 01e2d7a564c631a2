//! Tests of the `vpc` collector against moto.
