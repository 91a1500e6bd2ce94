//! What crosses the wire (skeleton; see issue 6).
