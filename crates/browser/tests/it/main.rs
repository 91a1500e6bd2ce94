//! Integration tests of the browser against real DNS servers on the test's loopback block.

mod names; // step 1 and stub resolution: hosts file, host cache, recursive query, --recursive
