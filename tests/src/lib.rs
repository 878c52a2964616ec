//! Integration tests of the whole engine live in `tests/`.
