//! The `rollcallctl` command line, built inside the test package so that the CLI tests
//! (`api/cli.rs`) can run it as a process: Cargo hands integration tests the path of their own
//! package's binaries only. It runs exactly `rollcallctl::main`, as the real binary does.

fn main() -> std::process::ExitCode {
    rollcallctl::main()
}
