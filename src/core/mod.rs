//! The writer's core: events, the log, the index and the writer that keeps them in step.
//! Nothing here knows about Node; the bindings translate to and from it.

pub mod batch_record;
pub mod durability;
pub mod error;
pub mod event;
pub mod index;
pub mod index_file;
pub mod json;
pub mod log;
pub mod pieces;
pub mod reader;
pub mod recovery;
pub mod regular_file;
pub mod side_files;
pub mod verify;
pub mod writer;

pub use durability::Durability;
pub use error::WriteError;
pub use writer::{Change, Writer};
