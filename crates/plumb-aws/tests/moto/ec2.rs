//! Tests of the `ec2` collector against moto.
