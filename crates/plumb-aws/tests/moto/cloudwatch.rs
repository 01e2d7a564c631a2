//! Tests of the `cloudwatch` collector against moto.
