//! One module per subcommand.

pub(crate) mod blob_decode;
pub(crate) mod blob_encode;
pub(crate) mod frames_dir;
