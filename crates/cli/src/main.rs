//! The `rollcallctl` binary: everything is in the library (`rollcallctl::main`), which the
//! integration tests also build into a binary of their own package.

fn main() -> std::process::ExitCode {
    rollcallctl::main()
}
