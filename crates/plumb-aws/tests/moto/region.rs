//! Tests of the `region` collector against moto.
