//! Tests of the `elbv2` collector against moto.
