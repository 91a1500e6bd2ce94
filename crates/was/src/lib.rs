//! The application server (skeleton; see issue 5).
