//! rle [-d]: encodes standard input (or decodes it with -d) to standard output.

use std::io::{self, Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let decode = std::env::args().nth(1).as_deref() == Some("-d");
    let mut input = String::new();
    if let Err(e) = io::stdin().read_to_string(&mut input) {
        eprintln!("rle: cannot read standard input: {}", e);
        return ExitCode::FAILURE;
    }
    let output = if decode {
        match rle::decode(&input) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("rle: {}", e);
                return ExitCode::FAILURE;
            }
        }
    } else {
        rle::encode(&input)
    };
    if io::stdout().write_all(output.as_bytes()).is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
