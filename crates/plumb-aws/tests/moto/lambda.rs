//! Tests of the `lambda` collector against moto.
