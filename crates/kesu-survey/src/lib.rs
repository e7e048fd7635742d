//! Survey estimation for the literacy share. Work in progress: see issue 4.
