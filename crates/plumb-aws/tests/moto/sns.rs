//! Tests of the `sns` collector against moto.
