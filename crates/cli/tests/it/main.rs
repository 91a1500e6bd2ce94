//! Integration tests of the `roundtrip` binary: real processes, real files, real sockets.

mod zone_check; // `roundtrip zone check` against the lab zones and BIND's named-compilezone
