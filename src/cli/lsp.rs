//! `rubric lsp`: the language server over stdio, for editors (see
//! [`rubric::lsp`] for what it answers).

use super::Exit;

/// Arguments of `rubric lsp`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Accepted for editors that pass it; stdio is the only transport.
    #[arg(long)]
    pub stdio: bool,
}

/// Serves one editor on stdin and stdout until it says `exit`; a broken
/// connection is reported on stderr (exit 2).
pub fn run(_args: &Args) -> Exit {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let served = rubric::lsp::serve(&connection);
    drop(connection);
    let joined = io_threads.join();
    match (served, joined) {
        (Ok(()), Ok(())) => Exit::Success,
        (Err(err), _) => {
            eprintln!("error: {err}");
            Exit::Usage
        }
        (_, Err(err)) => {
            eprintln!("error: the editor's connection failed: {err}");
            Exit::Usage
        }
    }
}
