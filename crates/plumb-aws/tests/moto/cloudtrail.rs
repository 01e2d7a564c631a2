//! Tests of the `cloudtrail` collector against moto.
