//! The `rollcall` command line, built inside the test package so that the process tests (two
//! replicas, SIGKILL) can start it: Cargo hands integration tests the path of their own
//! package's binaries only. It runs exactly `rollcall::cli::main`, as the real binary does.

fn main() -> std::process::ExitCode {
    rollcall::cli::main()
}
