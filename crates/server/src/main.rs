//! The `rollcall` binary; everything it does is in `rollcall::cli`.

fn main() -> std::process::ExitCode {
    rollcall::cli::main()
}
