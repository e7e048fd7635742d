//! Kesu storage. Work in progress: see issue 3.
