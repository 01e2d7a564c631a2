//! Tests of the `logs` collector against moto.
