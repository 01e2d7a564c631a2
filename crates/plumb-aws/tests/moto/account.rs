//! Tests of the `account` collector against moto.
