//! Tests of the `sqs` collector against moto.
