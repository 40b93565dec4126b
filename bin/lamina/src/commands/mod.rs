//! One module per subcommand.

pub(crate) mod blob_commit;
pub(crate) mod srs_arg;
pub(crate) mod srs_generate;
