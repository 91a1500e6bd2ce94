//! The web server (skeleton; see issue 5).
