//! The `rubric` command: parses arguments, dispatches to a subcommand and maps
//! its outcome to an exit code. All logic lives in the library.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::parse();
    cli::set_global(args.global);
    let exit = match args.command {
        cli::Command::Check(args) => cli::check::run(&args),
        cli::Command::Diff(args) => cli::diff::run(&args),
        cli::Command::Doc(args) => cli::doc::run(&args),
        cli::Command::Eval(args) => cli::eval::run(&args),
        cli::Command::Test(args) => cli::test::run(&args),
        cli::Command::Timeline(args) => cli::timeline::run(&args),
        cli::Command::Fmt(args) => cli::fmt::run(&args),
        cli::Command::Lsp(args) => cli::lsp::run(&args),
        cli::Command::Example(args) => cli::example::run(&args),
        cli::Command::Explain(args) => cli::explain::run(&args),
        cli::Command::Completions(args) => cli::completions(&args),
    };
    ExitCode::from(exit as u8)
}
